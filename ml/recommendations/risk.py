"""Risk that an offer, or a package of offers, cannot be booked as shown.

An offer's risk is 0..1000 points, the scale of the optimizer's ``risk_points`` criterion, summed
from five components, each a monotone map of one input to at most its weight:

| component      | max | input                                   | points                          |
|----------------|-----|-----------------------------------------|---------------------------------|
| ``volatility`` | 250 | route's std-dev of daily log returns v  | 250 * min(v, 0.10) / 0.10       |
| ``scarcity``   | 250 | units left L, units the party needs N   | 250 * min(1, N / L) (L=0: 250)  |
| ``bookability``| 250 | P(still bookable at this price) p       | 250 * (1 - p)                   |
| ``provider``   | 150 | provider data uptime u                  | 150 * min(1, (1 - u) / 0.5)     |
| ``cancellation``| 100| refundable                              | refundable 0, non-refundable 100 |

Each is rounded half-even to an integer. Volatility saturates at 10% a day (a route whose prices
typically move by a tenth from one day to the next); scarcity is the share of what is left that
the party would take, so 1 seat of 9 is small and the last seat is the whole weight; the
provider component is full at 50% uptime, since a source that misses half its checks shows
prices nobody has confirmed for a while. Cancellation weighs least because the optimizer
already charges non-refundable parts through its own ``non_refundable`` criterion.

An unknown input is a risk of its own, so it scores 40% of its component (60% for an unknown
cancellation policy: a policy nobody states is seldom a generous one), never zero.

A package combines its offers as ``(max + mean) / 2`` of their points, scaled to 0..100. The
points are scores, not calibrated probabilities, so a noisy-or ``1 - prod(1 - p_i)`` would push
every package with three or four middling offers to "high" and punish split stays merely for
having one more offer; the max keeps one weak link visible, the mean separates packages that
share the same weakest link.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from ml.optimizer.packages import Package
from ml.optimizer.trip import FlightOffer, HotelRoomOffer

OfferKind = Literal["flight", "hotel"]
RiskLevel = Literal["low", "medium", "high"]

MAX_POINTS = 1000
COMPONENT_WEIGHTS: dict[str, int] = {
    "volatility": 250,
    "scarcity": 250,
    "bookability": 250,
    "provider": 150,
    "cancellation": 100,
}
VOLATILITY_SATURATION = 0.10  # std-dev of daily log returns scoring the full weight
PROVIDER_SATURATION = 0.5  # missing this share of the checks scores the full weight
UNKNOWN_SHARE = Fraction(2, 5)
UNKNOWN_CANCELLATION_SHARE = Fraction(3, 5)
# A component worth naming to the traveler: at least the share an unknown input scores.
REASON_SHARE = UNKNOWN_SHARE
MAX_REASONS = 3
# Package score (0..100) thresholds: below LOW is low, below HIGH medium, else high.
LOW_BELOW = 25
HIGH_FROM = 50

# Leg names as the reasons print them: "only 2 seats left on the outbound flight".
OUTBOUND = "outbound flight"
RETURN = "return flight"


@dataclass(frozen=True, slots=True)
class OfferRiskInputs:
    """What is known about one offer; None means unknown.

    ``route_volatility``: the sample std-dev of the route's daily log price returns
    (``fct_route_price_trends.log_return_volatility_14d``; the hotel's city for a hotel).
    ``units_left``: seats left on the flight, or for a stay the fewest rooms left on any of
    its nights; ``units_needed``: travelers, or rooms. ``bookable_probability``: the
    bookability classifier's P(still bookable at this price). ``provider_uptime``: the
    provider's data uptime on its latest day (``fct_provider_reliability_daily.data_uptime``).
    ``kind`` only changes the wording of reasons ("seats on", "rooms at").
    """

    kind: OfferKind
    route_volatility: float | None = None
    units_left: int | None = None
    units_needed: int = 1
    bookable_probability: float | None = None
    provider_uptime: float | None = None
    refundable: bool | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("flight", "hotel"):
            raise ValueError(f"kind must be 'flight' or 'hotel', got {self.kind!r}")
        if self.route_volatility is not None and not (
            math.isfinite(self.route_volatility) and self.route_volatility >= 0
        ):
            raise ValueError(f"route_volatility must be finite and >= 0: {self.route_volatility}")
        if self.units_left is not None and self.units_left < 0:
            raise ValueError(f"units_left must be >= 0: {self.units_left}")
        if self.units_needed < 1:
            raise ValueError(f"units_needed must be >= 1: {self.units_needed}")
        for name in ("bookable_probability", "provider_uptime"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 1:  # NaN fails this too
                raise ValueError(f"{name} must be in [0, 1]: {value}")


@dataclass(frozen=True, slots=True)
class OfferRisk:
    points: int  # 0..1000, the optimizer's risk_points for this offer
    components: dict[str, int]  # per component, 0..its weight; they sum to points
    inputs: OfferRiskInputs


@dataclass(frozen=True, slots=True)
class PackageRisk:
    score: int  # 0..100
    level: RiskLevel
    components: dict[str, int]  # per component, the worst offer's points
    top_reasons: list[str]  # the biggest risks in words, biggest first (may be empty)


def offer_risk(inputs: OfferRiskInputs) -> OfferRisk:
    components = {
        "volatility": _volatility_points(inputs.route_volatility),
        "scarcity": _scarcity_points(inputs.units_left, inputs.units_needed),
        "bookability": _bookability_points(inputs.bookable_probability),
        "provider": _provider_points(inputs.provider_uptime),
        "cancellation": _cancellation_points(inputs.refundable),
    }
    return OfferRisk(sum(components.values()), components, inputs)


def package_risk(offer_risks: Mapping[str, OfferRisk]) -> PackageRisk:
    """``offer_risks`` maps each leg's name (see ``package_legs``) to its offer's risk."""
    if not offer_risks:
        raise ValueError("a package has at least one offer")
    points = [risk.points for risk in offer_risks.values()]
    # (max + mean) / 2 on 0..1000, then / 10: exact until the one rounding.
    score = round(Fraction(max(points) * len(points) + sum(points), 20 * len(points)))
    components = {
        name: max(risk.components[name] for risk in offer_risks.values())
        for name in COMPONENT_WEIGHTS
    }
    return PackageRisk(score, _level(score), components, _top_reasons(offer_risks))


def package_legs(package: Package) -> dict[str, FlightOffer | HotelRoomOffer]:
    """The package's offers by leg name, in the order reasons prefer on ties."""
    legs: dict[str, FlightOffer | HotelRoomOffer] = {
        OUTBOUND: package.outbound,
        RETURN: package.inbound,
    }
    if len(package.stays) == 1:
        legs["hotel"] = package.stays[0].offer
    else:
        for ordinal, stay in zip(("first", "second"), package.stays, strict=False):
            legs[f"{ordinal} hotel"] = stay.offer
    return legs


def _share(weight: int, share: Fraction | float) -> int:
    return round(weight * share)


def _volatility_points(volatility: float | None) -> int:
    weight = COMPONENT_WEIGHTS["volatility"]
    if volatility is None:
        return _share(weight, UNKNOWN_SHARE)
    return _share(weight, min(volatility, VOLATILITY_SATURATION) / VOLATILITY_SATURATION)


def _scarcity_points(units_left: int | None, units_needed: int) -> int:
    weight = COMPONENT_WEIGHTS["scarcity"]
    if units_left is None:
        return _share(weight, UNKNOWN_SHARE)
    if units_left <= units_needed:
        return weight
    return _share(weight, Fraction(units_needed, units_left))


def _bookability_points(probability: float | None) -> int:
    weight = COMPONENT_WEIGHTS["bookability"]
    if probability is None:
        return _share(weight, UNKNOWN_SHARE)
    return _share(weight, 1 - probability)


def _provider_points(uptime: float | None) -> int:
    weight = COMPONENT_WEIGHTS["provider"]
    if uptime is None:
        return _share(weight, UNKNOWN_SHARE)
    return _share(weight, min(1.0, (1 - uptime) / PROVIDER_SATURATION))


def _cancellation_points(refundable: bool | None) -> int:
    weight = COMPONENT_WEIGHTS["cancellation"]
    if refundable is None:
        return _share(weight, UNKNOWN_CANCELLATION_SHARE)
    return 0 if refundable else weight


def _level(score: int) -> RiskLevel:
    if score < LOW_BELOW:
        return "low"
    return "medium" if score < HIGH_FROM else "high"


def _top_reasons(offer_risks: Mapping[str, OfferRisk]) -> list[str]:
    """One reason per component worth naming, from its worst leg(s), biggest first."""
    ranked = []
    for order, (component, weight) in enumerate(COMPONENT_WEIGHTS.items()):
        worst = max(risk.components[component] for risk in offer_risks.values())
        if worst == 0 or worst < weight * REASON_SHARE:
            continue
        legs = {leg: r.inputs for leg, r in offer_risks.items() if r.components[component] == worst}
        ranked.append((-worst, order, _reason(component, legs)))
    return [reason for *_, reason in sorted(ranked)[:MAX_REASONS]]


def _reason(component: str, legs: dict[str, OfferRiskInputs]) -> str:
    if component == "cancellation":
        # A yes/no fact: name every leg sharing it rather than only the first.
        subjects = [_rate(leg, inputs) for leg, inputs in legs.items()]
        verb = "is" if len(subjects) == 1 else "are"
        if next(iter(legs.values())).refundable is None:
            return f"the cancellation policy of {_join(subjects)} {verb} unknown"
        return f"{_join(subjects)} {verb} non-refundable"
    leg, inputs = next(iter(legs.items()))
    if component == "volatility":
        return _volatility_reason(leg, inputs)
    if component == "scarcity":
        return _scarcity_reason(leg, inputs)
    if component == "bookability":
        if inputs.bookable_probability is None:
            return f"no estimate yet of whether the {leg}'s price will hold"
        return f"{_percent(1 - inputs.bookable_probability)} chance the {leg}'s price will not hold"
    if inputs.provider_uptime is None:
        return f"no reliability data on the {leg}'s price source"
    return f"the {leg}'s price source missed {_percent(1 - inputs.provider_uptime)} of our checks"


def _volatility_reason(leg: str, inputs: OfferRiskInputs) -> str:
    where = f"on the {leg}'s route" if inputs.kind == "flight" else f"in the {leg}'s city"
    if inputs.route_volatility is None:
        return f"little price history yet {where}"
    # exp(v) - 1 is the typical daily move the log-return std-dev v stands for.
    move = _percent(math.expm1(inputs.route_volatility))
    return f"prices {where} move a lot (±{move} a day)"


def _scarcity_reason(leg: str, inputs: OfferRiskInputs) -> str:
    unit, where = (
        ("seat", f"on the {leg}") if inputs.kind == "flight" else ("room", f"at the {leg}")
    )
    left, needed = inputs.units_left, inputs.units_needed
    if left is None:
        return f"{unit}s left {where} are unknown"
    if left < needed:
        return f"not enough {unit}s left {where} ({left} for {needed} needed)"
    return f"only {left} {unit}{'' if left == 1 else 's'} left {where}"


def _rate(leg: str, inputs: OfferRiskInputs) -> str:
    return f"the {leg}" if inputs.kind == "flight" else f"the {leg} rate"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _percent(share: float) -> str:
    return f"{round(100 * share)}%"
