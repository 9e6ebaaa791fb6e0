"""The criteria a package is judged on, as exact integers, and the objective built from them.

Every criterion is a cost (lower is better) and a sum over the package's components (the two
flights and one or two hotel stays), so the objective separates by component:

| criterion            | unit                                  | from                          |
|----------------------|---------------------------------------|-------------------------------|
| ``price_minor``      | minor units (exact)                   | travelers x fares + rooms x nightly rates |
| ``travel_minutes``   | minutes                               | each flight's ``duration_minutes`` |
| ``stops``            | stops                                 | each flight                   |
| ``off_window_minutes`` | minutes                             | how far each flight departs outside the preferred window (local time) |
| ``rating_shortfall`` | tenth-points below 10, per night      | ``10 - rating``, rating rounded to one decimal |
| ``poi_distance_m``   | metres per night                      | great-circle distance to the point of interest, rounded to the metre (0 without one) |
| ``non_refundable``   | components                            | non-refundable flights and stays |
| ``risk_points``      | points                                | each offer's ``risk_points``  |

The objective is ``sum(weight[c] * value[c])``. Weights are exact rationals; every one is
multiplied by the least common multiple ``denominator`` of their denominators, so the solver
minimizes integers and ``objective = scaled / denominator`` exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from decimal import Decimal
from fractions import Fraction

import numpy as np

from ml.optimizer.trip import CriterionWeights, FlightOffer, GeoPoint, HotelRoomOffer, Weight

# Money, minutes and metres per night stay far below this; it keeps every sum of products
# inside int64 (numpy) and CP-SAT's safe integer range.
MAX_SCALED_OBJECTIVE = 2**53


@dataclass(frozen=True, slots=True)
class Criteria:
    price_minor: int = 0
    travel_minutes: int = 0
    stops: int = 0
    off_window_minutes: int = 0
    rating_shortfall: int = 0
    poi_distance_m: int = 0
    non_refundable: int = 0
    risk_points: int = 0

    def values(self) -> tuple[int, ...]:
        # Not dataclasses.astuple: it deep-copies, and this runs once per offer.
        return tuple(getattr(self, name) for name in CRITERIA)

    def __add__(self, other: Criteria) -> Criteria:
        return Criteria(*(a + b for a, b in zip(self.values(), other.values(), strict=True)))

    def as_array(self) -> np.ndarray:
        return np.array(self.values(), dtype=np.int64)

    @classmethod
    def from_array(cls, values: np.ndarray) -> Criteria:
        return cls(*(int(v) for v in values))


CRITERIA = tuple(f.name for f in fields(Criteria))
PRICE = CRITERIA.index("price_minor")


def exact(weight: Weight) -> Fraction:
    if isinstance(weight, float):
        weight = repr(weight)
    value = Fraction(Decimal(weight)) if isinstance(weight, str) else Fraction(weight)
    if value < 0:
        raise ValueError(f"weights are costs and must be >= 0, got {weight}")
    return value


@dataclass(frozen=True, slots=True)
class ObjectiveScale:
    """Integer coefficients per criterion: ``coefficients / denominator`` are the weights."""

    coefficients: np.ndarray  # int64, one per criterion, in CRITERIA order
    denominator: int

    @classmethod
    def of(cls, weights: CriterionWeights) -> ObjectiveScale:
        exact_weights = [exact(getattr(weights, name)) for name in CRITERIA]
        denominator = math.lcm(*(w.denominator for w in exact_weights))
        scaled = [int(w * denominator) for w in exact_weights]
        return cls(np.array(scaled, dtype=np.int64), denominator)

    def convenience(self) -> np.ndarray:
        """The coefficients without price: the convenience half of the price/convenience
        trade-off."""
        coefficients = self.coefficients.copy()
        coefficients[PRICE] = 0
        return coefficients

    def objective(self, criteria: Criteria) -> Fraction:
        return Fraction(self.scaled(criteria), self.denominator)

    def scaled(self, criteria: Criteria) -> int:
        return sum(int(c) * v for c, v in zip(self.coefficients, criteria.values(), strict=True))

    def contributions(self, criteria: Criteria) -> dict[str, Fraction]:
        return {
            name: Fraction(int(c) * v, self.denominator)
            for name, c, v in zip(CRITERIA, self.coefficients, criteria.values(), strict=True)
        }


def minutes_outside(minute: int, window: tuple[int, int]) -> int:
    start, end = window
    return max(0, start - minute, minute - end)


def distance_m(a: GeoPoint, latitude: float, longitude: float) -> int:
    """Great-circle (haversine) distance in whole metres on the mean Earth radius."""
    lat1, lat2 = math.radians(a.latitude), math.radians(latitude)
    dlat, dlon = lat2 - lat1, math.radians(longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return round(2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h))))


def rating_tenths(rating: float) -> int:
    return round(Decimal(repr(rating)) * 10)


def flight_criteria(
    flight: FlightOffer, travelers: int, local_departure_minute: int, window: tuple[int, int]
) -> Criteria:
    return Criteria(
        price_minor=travelers * flight.price_minor,
        travel_minutes=flight.duration_minutes,
        stops=flight.stops,
        off_window_minutes=minutes_outside(local_departure_minute, window),
        non_refundable=0 if flight.refundable else 1,
        risk_points=flight.risk_points,
    )


def stay_criteria(
    offer: HotelRoomOffer, nights: int, price_minor: int, poi: GeoPoint | None
) -> Criteria:
    """A stay of ``nights`` consecutive nights in ``offer`` costing ``price_minor`` in all."""
    distance = 0 if poi is None else distance_m(poi, offer.latitude, offer.longitude)
    return Criteria(
        price_minor=price_minor,
        rating_shortfall=nights * (100 - rating_tenths(offer.rating)),
        poi_distance_m=nights * distance,
        non_refundable=0 if offer.refundable else 1,
        risk_points=offer.risk_points,
    )
