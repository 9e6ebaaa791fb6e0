"""Simulated travelers with hidden true weights, for training and judging preference learning.

Each traveler is one of a few personas (budget, comfort, business, family, location) with
their own weights drawn around the persona's: every weight times a log-normal factor. They are
shown sets of candidate packages for random trips, built so that convenience costs money
(non-stop, refundable, better and closer hotels are dearer), and choose by a logit model: the
package minimizing ``weights . criteria`` plus Gumbel noise scaled to the set's spread of true
costs (a traveler picks among close options almost at random, never among far ones). Some
also approve instead of choosing, like the runner-up, dismiss the worst or decline a poor one.

Each traveler's last ``holdout_sets`` sets are held out, with relevance graded from the
traveler's noise-free costs (see :mod:`ml.preferences.evaluation`). A share of travelers have
only one to three training sets: the new travelers a population prior is for.
Deterministic given the seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ml.optimizer.criteria import CRITERIA
from ml.optimizer.trip import CriterionWeights
from ml.preferences.evaluation import HeldOutSet, K, weight_vector
from ml.preferences.events import PreferenceEvent, PreferencePair, ShownPackage, preference_pairs

# Minor units (cents) per unit of each criterion; price is 1 throughout.
PERSONAS: Mapping[str, CriterionWeights] = {
    "budget": CriterionWeights(
        travel_minutes=3,
        stops=500,
        off_window_minutes=2,
        rating_shortfall=30,
        poi_distance_m="0.05",
        non_refundable=300,
        risk_points=3,
    ),
    "comfort": CriterionWeights(
        travel_minutes=40,
        stops=8_000,
        off_window_minutes=15,
        rating_shortfall=400,
        poi_distance_m="0.5",
        non_refundable=2_000,
        risk_points=20,
    ),
    "business": CriterionWeights(
        travel_minutes=80,
        stops=15_000,
        off_window_minutes=100,
        rating_shortfall=200,
        poi_distance_m=3,
        non_refundable=20_000,
        risk_points=50,
    ),
    "family": CriterionWeights(
        travel_minutes=25,
        stops=6_000,
        off_window_minutes=40,
        rating_shortfall=250,
        poi_distance_m="0.3",
        non_refundable=8_000,
        risk_points=30,
    ),
    "location": CriterionWeights(
        travel_minutes=10,
        stops=1_500,
        off_window_minutes=5,
        rating_shortfall=100,
        poi_distance_m=4,
        non_refundable=1_000,
        risk_points=10,
    ),
}
PRICE = CRITERIA.index("price_minor")


@dataclass(frozen=True, slots=True)
class SimulatedTraveler:
    traveler_id: str
    persona: str
    true_weights: CriterionWeights
    train_sets: int


@dataclass(frozen=True, slots=True)
class SimulatedPreferences:
    travelers: tuple[SimulatedTraveler, ...]
    shown: tuple[ShownPackage, ...]  # the training sets
    events: tuple[PreferenceEvent, ...]  # on the training sets
    holdout: tuple[HeldOutSet, ...]

    def pairs(self) -> list[PreferencePair]:
        return preference_pairs(self.shown, self.events)

    def travelers_with_few_sets(self, most: int = 3) -> frozenset[str]:
        return frozenset(t.traveler_id for t in self.travelers if t.train_sets <= most)


def simulate_preferences(
    seed: int = 0,
    *,
    travelers: int = 150,
    set_size: int = 10,
    train_sets: tuple[int, int] = (5, 25),
    new_traveler_share: float = 0.3,
    new_traveler_sets: tuple[int, int] = (1, 3),
    holdout_sets: int = 4,
    weight_noise: float = 0.35,
    choice_noise: float = 0.3,
) -> SimulatedPreferences:
    """``travelers`` travelers; a ``new_traveler_share`` of them have ``new_traveler_sets``
    training sets (inclusive range), the rest ``train_sets``; all have ``holdout_sets`` more."""
    if set_size <= K:
        raise ValueError(f"sets need more than {K} packages for NDCG@{K} to mean anything")
    rng = np.random.default_rng(seed)
    personas = sorted(PERSONAS)
    people, shown, events, holdout = [], [], [], []
    for number in range(travelers):
        traveler_id = f"t{number:04d}"
        persona = personas[int(rng.integers(len(personas)))]
        weights = _traveler_weights(rng, PERSONAS[persona], weight_noise)
        new = rng.random() < new_traveler_share
        low, high = new_traveler_sets if new else train_sets
        n_train = int(rng.integers(low, high + 1))
        people.append(SimulatedTraveler(traveler_id, persona, weights, n_train))
        traveler = simulate_traveler(
            rng,
            traveler_id,
            weights,
            train_sets=n_train,
            holdout_sets=holdout_sets,
            set_size=set_size,
            choice_noise=choice_noise,
        )
        shown.extend(traveler.shown)
        events.extend(traveler.events)
        holdout.extend(traveler.holdout)
    return SimulatedPreferences(tuple(people), tuple(shown), tuple(events), tuple(holdout))


@dataclass(frozen=True, slots=True)
class SimulatedSets:
    shown: tuple[ShownPackage, ...]
    events: tuple[PreferenceEvent, ...]
    holdout: tuple[HeldOutSet, ...]


def simulate_traveler(
    rng: np.random.Generator,
    traveler_id: str,
    weights: CriterionWeights,
    *,
    train_sets: int,
    holdout_sets: int = 0,
    set_size: int = 10,
    choice_noise: float = 0.3,
) -> SimulatedSets:
    """One traveler with hidden ``weights``: ``train_sets`` sets they reacted to, then
    ``holdout_sets`` held-out sets graded by their noise-free costs."""
    true_weights = weight_vector(weights)
    shown, events, holdout = [], [], []
    for index in range(train_sets + holdout_sets):
        set_id = f"{traveler_id}-s{index:03d}"
        criteria = _shown_set(rng, set_size)
        packages = tuple(
            ShownPackage(
                f"{set_id}-p{i}", traveler_id, set_id, dict(zip(CRITERIA, row, strict=True))
            )
            for i, row in enumerate(criteria.tolist())
        )
        cost = criteria @ true_weights
        if index < train_sets:
            shown.extend(packages)
            events.extend(_react(rng, packages, cost, choice_noise))
        else:
            holdout.append(HeldOutSet(traveler_id, set_id, packages, _graded(cost)))
    return SimulatedSets(tuple(shown), tuple(events), tuple(holdout))


def _traveler_weights(
    rng: np.random.Generator, persona: CriterionWeights, noise: float
) -> CriterionWeights:
    weights = weight_vector(persona) * rng.lognormal(0.0, noise, len(CRITERIA))
    weights[PRICE] = 1.0  # money is the unit
    return CriterionWeights(
        **{name: float(f"{w:.4g}") for name, w in zip(CRITERIA, weights, strict=True)}
    )


def _shown_set(rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` packages for one random trip, as integer criteria (rows, CRITERIA order)."""
    nights = int(rng.integers(2, 8))
    travelers = int(rng.integers(1, 5))
    rooms = -(-travelers // 2)
    leg_minutes = float(rng.choice([90, 150, 240, 480, 660]))
    fare_per_minute = rng.uniform(40, 90)  # minor units per traveler per minute of flight
    room_night = rng.uniform(6_000, 20_000)
    long_haul = leg_minutes > 300
    stop_odds = [0.4, 0.45, 0.15] if long_haul else [0.7, 0.25, 0.05]

    rows = []
    for _ in range(size):
        stops = rng.choice(3, size=2, p=stop_odds)
        minutes = leg_minutes + stops * rng.uniform(60, 240, 2) + rng.uniform(-20, 40, 2)
        off_window = np.where(rng.random(2) < 0.35, rng.uniform(15, 300, 2), 0.0)
        refundable = rng.random(3) < [0.3, 0.3, 0.6]  # outbound, return, hotel
        rating = rng.uniform(6.0, 9.6)
        distance = rng.lognormal(np.log(1_500), 0.8)
        risk = np.where(rng.random(3) < 0.2, rng.uniform(100, 600, 3), rng.uniform(0, 80, 3))
        # Convenience costs money: non-stop, refundable, well-rated and central are dearer.
        fares = (
            leg_minutes
            * fare_per_minute
            * (1 - 0.15 * stops)
            * (1 + 0.25 * refundable[:2])
            * rng.lognormal(0, 0.15, 2)
        )
        nightly = (
            room_night
            * (1 + 0.12 * (rating - 7.5))
            * (1 + 0.3 * np.exp(-distance / 1_000))
            * (1 + 0.15 * refundable[2])
            * rng.lognormal(0, 0.1)
        )
        rows.append(
            [
                travelers * fares.sum() + rooms * nights * nightly,
                minutes.sum(),
                stops.sum(),
                off_window.sum(),
                nights * (100 - round(rating * 10)),
                nights * distance,
                3 - refundable.sum(),
                risk.sum(),
            ]
        )
    return np.rint(rows).astype(np.int64)


def _react(
    rng: np.random.Generator,
    packages: tuple[ShownPackage, ...],
    cost: np.ndarray,
    choice_noise: float,
) -> list[PreferenceEvent]:
    noise_scale = choice_noise * (cost.std() or 1.0)
    # Logit choice: utility -cost plus Gumbel noise, best first.
    order = np.argsort(cost - rng.gumbel(0.0, noise_scale, len(cost)))

    def event(position: int, kind: str) -> PreferenceEvent:
        package = packages[int(order[position])]
        return PreferenceEvent(package.traveler_id, package.shown_set_id, package.package_id, kind)

    events = [event(0, "approved" if rng.random() < 0.3 else "chosen")]
    if rng.random() < 0.3:
        events.append(event(1, "liked"))
    if rng.random() < 0.4:
        events.append(event(-1, "dismissed"))
    if rng.random() < 0.15:
        events.append(event(int(rng.integers(len(order) // 2, len(order) - 1)), "declined"))
    return events


def _graded(cost: np.ndarray) -> tuple[float, ...]:
    """K for the truly best package, down to 1 for the K-th, 0 for the rest."""
    relevance = np.zeros(len(cost))
    relevance[np.argsort(cost, kind="stable")[:K]] = np.arange(K, 0, -1)
    return tuple(relevance.tolist())
