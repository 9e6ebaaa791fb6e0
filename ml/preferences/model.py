"""Per-traveler criterion weights learned from pairwise preferences, with a population prior.

:func:`fit_preferences` works in the scaled space of :mod:`ml.preferences.logistic`:

1. the *population* coefficients: scikit-learn's logistic regression on everyone's pairs;
2. each traveler's coefficients shrunk toward the population's (their pairs' logistic loss
   plus a Gaussian prior centred on the population, ``prior_strength`` its precision);
3. with ``prior="collaborative"``, each traveler's *collaborative prior*: a mean of the
   step-2 coefficients of the other travelers whose preferences best explain this one's
   pairs (:mod:`ml.preferences.collaborative`), and their final coefficients refitted toward
   it instead of the population's. ``prior="population"`` stops at step 2.

A traveler with few pairs stays near their prior; one with many follows their own choices.
A traveler with no pairs at all (new) gets the population weights.

Coefficients become :class:`~ml.optimizer.trip.CriterionWeights` in minor units per unit of
each criterion, divided by price's so that price weighs exactly 1 and the optimizer's objective
stays in money; they are rounded to three significant digits (and to 1/10000 of a minor unit),
which keeps the optimizer's exact integer objective small.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import numpy as np
from threadpoolctl import threadpool_limits

from ml.optimizer.criteria import CRITERIA, PRICE, exact
from ml.optimizer.trip import CriterionWeights
from ml.preferences.collaborative import collaborative_priors
from ml.preferences.events import PreferencePair
from ml.preferences.logistic import criterion_scale, fit_population, fit_toward

Prior = Literal["collaborative", "population"]
PRIOR_STRENGTH = 10.0
NEIGHBOURS = 30
FORMAT_VERSION = 1
_RESOLUTION = Decimal("0.0001")


@dataclass(frozen=True)
class PreferenceModel:
    population: CriterionWeights
    travelers: Mapping[str, CriterionWeights]
    pairs_per_traveler: Mapping[str, int] = field(default_factory=dict)
    prior: Prior = "collaborative"

    @property
    def traveler_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self.travelers))

    def weights_for(self, traveler_id: str) -> CriterionWeights:
        """The traveler's weights; the population's for a traveler the model has not seen."""
        return self.travelers.get(traveler_id, self.population)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable: weights as decimal strings, exactly as the optimizer reads them."""
        return {
            "format": FORMAT_VERSION,
            "prior": self.prior,
            "population": weight_strings(self.population),
            "travelers": {t: weight_strings(self.travelers[t]) for t in self.traveler_ids},
            "pairs_per_traveler": dict(sorted(self.pairs_per_traveler.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PreferenceModel:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown preference model format {data.get('format')!r}")
        return cls(
            population=_weights_from_dict(data["population"]),
            travelers={t: _weights_from_dict(w) for t, w in data["travelers"].items()},
            pairs_per_traveler={t: int(n) for t, n in data["pairs_per_traveler"].items()},
            prior=data["prior"],
        )


def fit_preferences(
    pairs: Iterable[PreferencePair],
    *,
    prior: Prior = "collaborative",
    prior_strength: float = PRIOR_STRENGTH,
    neighbours: int = NEIGHBOURS,
    base: CriterionWeights | None = None,
) -> PreferenceModel:
    """Population and per-traveler weights from ``pairs`` (see the module's steps).
    ``prior_strength`` is the prior's precision on the scaled coefficients; ``neighbours`` how
    many travelers a collaborative prior may draw on. ``base``: weights the population itself
    is shrunk toward (with ``prior_strength``), so that a handful of pairs moves the product's
    defaults a little instead of replacing them; without it the population is a plain
    logistic regression, right for thousands of pairs."""
    pairs = list(pairs)
    if not pairs:
        raise ValueError("no preference pairs to learn from")
    if prior not in ("collaborative", "population"):
        raise ValueError(f"prior must be 'collaborative' or 'population', got {prior!r}")
    differences = np.array([p.difference for p in pairs], dtype=float)
    scale = criterion_scale(differences)
    x = differences / scale
    rows: dict[str, list[int]] = {}
    for index, pair in enumerate(pairs):
        rows.setdefault(pair.traveler_id, []).append(index)

    # Eight coefficients per fit: BLAS threads only add synchronisation, and on a busy
    # machine they made the per-traveler fits about twenty times slower.
    with threadpool_limits(1):
        population = (
            fit_population(x)
            if base is None
            else fit_toward(x, base_coefficients(x, scale, base), prior_strength)
        )
        coefficients = {t: fit_toward(x[r], population, prior_strength) for t, r in rows.items()}
        if prior == "collaborative":
            priors = collaborative_priors(x, rows, coefficients, neighbours)
            coefficients = {
                t: fit_toward(x[r], priors.get(t, population), prior_strength)
                for t, r in rows.items()
            }
    return PreferenceModel(
        population=to_weights(population, scale),
        travelers={t: to_weights(beta, scale) for t, beta in sorted(coefficients.items())},
        pairs_per_traveler={t: len(r) for t, r in sorted(rows.items())},
        prior=prior,
    )


def base_coefficients(x: np.ndarray, scale: np.ndarray, base: CriterionWeights) -> np.ndarray:
    """``base`` in the scaled space. Weights fix the coefficients only up to a common factor
    (how deterministic choices are); the factor makes the median pair's margin 1, a choice
    the base predicts with about 73% confidence: sure enough to matter, loose enough to learn."""
    direction = np.array([float(exact(getattr(base, name))) for name in CRITERIA]) * scale
    margins = np.abs(x @ direction)
    typical = float(np.median(margins[margins > 0])) if (margins > 0).any() else 1.0
    return direction / typical


def to_weights(beta: np.ndarray, scale: np.ndarray) -> CriterionWeights:
    per_unit = beta / scale
    per_minor_unit = per_unit / per_unit[PRICE]
    return CriterionWeights(
        **{name: _round(value) for name, value in zip(CRITERIA, per_minor_unit, strict=True)}
    )


def _round(value: float) -> Decimal:
    if value <= 0:
        return Decimal(0)
    rounded = Decimal(f"{value:.3g}").quantize(_RESOLUTION).normalize()
    return Decimal(format(rounded, "f"))  # 1250, not 1.25E+3


def weight_strings(weights: CriterionWeights) -> dict[str, str]:
    """Each weight as a plain decimal string (``"1250"``, ``"0.882"``), as stored."""
    return {name: format(Decimal(str(getattr(weights, name))), "f") for name in CRITERIA}


def _weights_from_dict(data: Mapping[str, str]) -> CriterionWeights:
    if set(data) != set(CRITERIA):
        raise ValueError(f"weights must name exactly {CRITERIA}, got {sorted(data)}")
    return CriterionWeights(**{name: Decimal(data[name]) for name in CRITERIA})
