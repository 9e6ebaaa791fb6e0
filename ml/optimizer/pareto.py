"""The price / convenience Pareto front, by the epsilon-constraint method.

Convenience is the objective without its price term (travel time, stops, departure times,
rating, distance, refundability, risk, all weighted). Starting from the budget, each step finds
the most convenient package costing at most epsilon, the cheapest of those on ties, then sets
epsilon one minor unit below its price. Every point found is Pareto-optimal, and when the
search ends because nothing cheaper exists the front is complete.

Both aims go into one integer objective, ``convenience * M + price`` with M above any total
price, so each point takes one solve and stays exact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ml.optimizer.candidates import AllowedOffers
from ml.optimizer.criteria import PRICE, ObjectiveScale
from ml.optimizer.model import SolveSettings, SolveStatus
from ml.optimizer.packages import Package, decode
from ml.optimizer.solving import PackageSearch, unit
from ml.optimizer.trip import Offers, TripRequest


@dataclass(frozen=True)
class ParetoFront:
    points: tuple[Package, ...]  # by price, ascending; convenience descending
    complete: bool  # every point proven, and no cheaper package left out
    seconds: float


def price_bound(allowed: AllowedOffers) -> int:
    """More than any package's total price (two segments at most)."""
    seg = allowed.segments
    seg_price = seg.values[..., PRICE][seg.available]
    most = [allowed.outbound.values[:, PRICE], allowed.inbound.values[:, PRICE], seg_price]
    return sum(int(p.max(initial=0)) for p in most) + int(seg_price.max(initial=0)) + 1


def pareto_front(
    request: TripRequest,
    offers: Offers,
    *,
    max_points: int = 20,
    settings: SolveSettings = SolveSettings(),
) -> ParetoFront:
    started = time.perf_counter()
    scale = ObjectiveScale.of(request.weights)
    allowed = AllowedOffers.of(request, offers)
    size = len(scale.coefficients)
    bound = price_bound(allowed)
    coefficients = scale.convenience() * bound + unit(PRICE, size)
    search = PackageSearch(
        allowed,
        request,
        coefficients,
        price_cap=request.budget_minor,
        flight_threshold=1,
        segment_threshold=2,
        settings=settings,
        capped_later=True,
    )
    points: list[Package] = []
    complete = True
    while True:
        if len(points) == max_points:
            complete = False  # more may exist
            break
        outcome, candidates = search.next()
        if outcome.choice is None or candidates is None:
            complete = complete and outcome.status is SolveStatus.INFEASIBLE
            break
        proven = outcome.status is SolveStatus.OPTIMAL
        point = decode(outcome.choice, candidates, request, scale, proven)
        complete = complete and proven
        points.append(point)
        search.cap_price(point.total_price_minor - 1)
    return ParetoFront(tuple(reversed(points)), complete, time.perf_counter() - started)
