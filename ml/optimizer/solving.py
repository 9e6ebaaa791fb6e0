"""One ask (an objective, a price cap) solved again and again under growing cuts.

The model holds only the offers whose lower bound (``ml.optimizer.bounds``) is within reach:
at most ``reach`` above the least bound. A solve whose package lands within reach is exact,
since every offer left out belongs only to worse packages; one that lands beyond it, or finds
nothing, rebuilds the model with a longer reach (up to every offer) and solves again. Cuts are
kept in terms of the allowed offers, so they carry over to the rebuilt model.
"""

from __future__ import annotations

import numpy as np

from ml.optimizer.bounds import NONE, offer_bounds
from ml.optimizer.candidates import AllowedOffers
from ml.optimizer.criteria import PRICE, ObjectiveScale
from ml.optimizer.model import (
    Choice,
    Outcome,
    PackageModel,
    Signature,
    SolveSettings,
    SolveStatus,
)
from ml.optimizer.packages import Package, decode
from ml.optimizer.selection import Candidates, select
from ml.optimizer.trip import Offers, TripRequest

# Objective sums stay below this, leaving CP-SAT headroom inside int64.
INT64_SAFE = 2**62
# First reach: this share of the least bound. The top 10 of the benchmark's instances spread
# over about 8% of the best objective.
FIRST_REACH = 0.1


def unit(criterion: int, size: int) -> np.ndarray:
    coefficients = np.zeros(size, dtype=np.int64)
    coefficients[criterion] = 1
    return coefficients


def largest_objective(allowed: AllowedOffers, coefficients: np.ndarray) -> float:
    """An upper bound of the objective, in floats so that the check itself cannot overflow."""
    weights = coefficients.astype(np.float64)
    seg = allowed.segments
    parts = [
        allowed.outbound.values @ weights,
        allowed.inbound.values @ weights,
        (seg.values @ weights)[seg.available],
    ]
    return sum(float(p.max(initial=0.0)) for p in parts) + float(parts[2].max(initial=0.0))


class PackageSearch:
    def __init__(
        self,
        allowed: AllowedOffers,
        request: TripRequest,
        coefficients: np.ndarray,
        *,
        price_cap: int | None,
        flight_threshold: int,
        segment_threshold: int,
        settings: SolveSettings,
        capped_later: bool = False,
    ):
        """``capped_later``: ``cap_price`` will be called, so price must count in dominance
        even without a budget."""
        if largest_objective(allowed, coefficients) >= INT64_SAFE:
            raise OverflowError("the objective's integer scaling does not fit in 64-bit integers")
        self.allowed, self.request, self.coefficients = allowed, request, coefficients
        self.settings = settings
        self.price_key = price_cap is not None or capped_later
        self.thresholds = flight_threshold, segment_threshold
        nights = request.min_nights, request.max_nights
        self.bounds = offer_bounds(allowed, coefficients, *nights)
        price = unit(PRICE, len(coefficients))
        self.price_bounds = offer_bounds(allowed, price, *nights) if self.price_key else None
        self.least = self.bounds.least()
        self.reach = max(1, int(abs(self.least) * FIRST_REACH))
        self.cuts: list[tuple[Signature, int]] = []
        self.price_caps: list[int] = [] if price_cap is None else [price_cap]
        self.model: PackageModel | None = None
        # No package at all (by dates, or by price): nothing is left out.
        self.complete = self.least >= NONE or (
            self.price_bounds is not None
            and price_cap is not None
            and self.price_bounds.least() > price_cap
        )
        if not self.complete:
            self._build()

    def _build(self) -> None:
        cap = None if self.complete else self.least + self.reach
        candidates = select(
            self.allowed,
            self.coefficients,
            price_cap=min(self.price_caps, default=None),
            price_key=self.price_key,
            flight_threshold=self.thresholds[0],
            segment_threshold=self.thresholds[1],
            bounds=self.bounds,
            objective_cap=cap,
            price_bounds=self.price_bounds,
        )
        self.model = None
        if _has_every_part(candidates):
            self.model = PackageModel(
                candidates,
                self.request.min_nights,
                self.request.max_nights,
                min(self.price_caps, default=None),
            )
            self.model.minimize(self.coefficients)
            for signature, max_shared in self.cuts:
                self.model.forbid_similar(signature, max_shared)

    def _widen(self, landed: int | None) -> None:
        """Twice as far, or just to ``landed`` (the objective just found beyond reach) if that
        is nearer: a model reaching it holds a package at least that good."""
        doubled = self.reach * 2
        self.reach = doubled if landed is None else min(doubled, landed - self.least)
        self.complete = self.least + self.reach >= int(self.bounds.largest())
        self._build()

    def next(self) -> tuple[Outcome, Candidates | None]:
        """The best package under the cuts so far, and the candidates its choice indexes."""
        while True:
            if self.model is None:
                if self.complete:
                    return Outcome(SolveStatus.INFEASIBLE, None), None
                self._widen(None)
                continue
            outcome = self.model.solve(self.settings)
            if outcome.status is SolveStatus.UNKNOWN:
                return outcome, None
            if outcome.choice is None:
                if self.complete:
                    return outcome, None
                self._widen(None)
                continue
            landed = self.model.objective_of(outcome.choice, self.coefficients)
            if self.complete or landed <= self.least + self.reach:
                return outcome, self.model.candidates
            self._widen(landed)

    def signature(self, choice: Choice) -> Signature:
        assert self.model is not None
        return self.model.signature(choice)

    def forbid_similar(self, earlier: Signature, max_shared: int) -> None:
        self.cuts.append((earlier, max_shared))
        if self.model is not None:
            self.model.forbid_similar(earlier, max_shared)

    def cap_price(self, bound: int) -> None:
        self.price_caps.append(bound)
        if self.model is not None:
            self.model.cap(unit(PRICE, len(self.coefficients)), bound)


def _has_every_part(candidates: Candidates) -> bool:
    return bool(
        len(candidates.outbound.offers)
        and len(candidates.inbound.offers)
        and len(candidates.segments.offer)
    )


def cheapest(
    request: TripRequest, offers: Offers, settings: SolveSettings
) -> tuple[SolveStatus, Package | None]:
    """The cheapest package within the budget, or why there is none."""
    allowed = AllowedOffers.of(request, offers)
    size = allowed.outbound.values.shape[1]
    search = PackageSearch(
        allowed,
        request,
        unit(PRICE, size),
        price_cap=request.budget_minor,
        flight_threshold=1,
        segment_threshold=2,
        settings=settings,
    )
    outcome, candidates = search.next()
    if outcome.choice is None or candidates is None:
        return outcome.status, None
    scale = ObjectiveScale.of(request.weights)
    proven = outcome.status is SolveStatus.OPTIMAL
    return outcome.status, decode(outcome.choice, candidates, request, scale, proven)
