"""Top K diverse packages for a trip request.

The first package minimizes the objective. Each next one minimizes it over the packages that
share at most ``3 - min_parts_differing`` of the parts (outbound flight, return flight, set of
hotels) with every earlier one: with the default of 2, a later package may keep the hotel of an
earlier one but then flies differently both ways, or keep one flight but not the hotel. K
variants of one package, a different return flight each, do not count as K packages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ml.optimizer.candidates import AllowedOffers
from ml.optimizer.criteria import ObjectiveScale
from ml.optimizer.diagnosis import BindingConstraint, binding_constraints
from ml.optimizer.model import SolveSettings, SolveStatus
from ml.optimizer.packages import Package, decode
from ml.optimizer.solving import PackageSearch
from ml.optimizer.trip import Offers, TripRequest

PARTS = 3  # outbound, return, hotels


@dataclass(frozen=True)
class OptimizationResult:
    """``status`` is OPTIMAL when every package was proven best among those allowed after the
    earlier ones (fewer than k: proven that no more exist), BEST_FOUND when some was only the
    best found in time (see each package's ``proven_optimal``) or time ran out before k,
    INFEASIBLE with ``binding`` saying why, UNKNOWN when time ran out before a first package."""

    status: SolveStatus
    packages: tuple[Package, ...]
    binding: tuple[BindingConstraint, ...]  # why, when infeasible
    candidates: dict[str, int]  # "allowed_*": passing the hard filters; others: in the model
    seconds: float


def optimize(
    request: TripRequest,
    offers: Offers,
    *,
    k: int = 10,
    min_parts_differing: int = 2,
    settings: SolveSettings = SolveSettings(),
    diagnose: bool = True,
) -> OptimizationResult:
    """The top ``k`` packages, each differing from every earlier one in at least
    ``min_parts_differing`` of outbound, return and hotels; why none, when none fits."""
    if offers.currency != request.currency:
        raise ValueError(f"offers are in {offers.currency}, the request in {request.currency}")
    if k < 1:
        raise ValueError("k must be at least 1")
    if not 1 <= min_parts_differing <= PARTS:
        raise ValueError("min_parts_differing must be 1, 2 or 3")
    started = time.perf_counter()
    scale = ObjectiveScale.of(request.weights)
    allowed = AllowedOffers.of(request, offers)
    search = PackageSearch(
        allowed,
        request,
        scale.coefficients,
        price_cap=request.budget_minor,
        flight_threshold=k,
        segment_threshold=k + 1,
        settings=settings,
    )
    packages: list[Package] = []
    status = SolveStatus.INFEASIBLE
    while len(packages) < k:
        outcome, candidates = search.next()
        if outcome.choice is None or candidates is None:
            if not packages:
                status = outcome.status
            elif outcome.status is SolveStatus.UNKNOWN:  # more may exist: not proven
                status = SolveStatus.BEST_FOUND
            break
        proven = outcome.status is SolveStatus.OPTIMAL
        packages.append(decode(outcome.choice, candidates, request, scale, proven))
        search.forbid_similar(search.signature(outcome.choice), PARTS - min_parts_differing)
        if len(packages) == 1 or status is SolveStatus.OPTIMAL:
            status = SolveStatus.OPTIMAL if proven else SolveStatus.BEST_FOUND
    counts = {f"allowed_{name}": n for name, n in _allowed_counts(allowed).items()}
    if search.model is not None:
        counts.update(search.model.candidates.counts())
    binding: tuple[BindingConstraint, ...] = ()
    if status is SolveStatus.INFEASIBLE and diagnose:
        binding = binding_constraints(request, offers, settings)
    return OptimizationResult(
        status, tuple(packages), binding, counts, time.perf_counter() - started
    )


def _allowed_counts(allowed: AllowedOffers) -> dict[str, int]:
    return {
        "outbound": len(allowed.outbound.offers),
        "inbound": len(allowed.inbound.offers),
        "segments": int(allowed.segments.available.sum()),
    }
