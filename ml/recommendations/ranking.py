"""Rank a watch's packages across its routes, and its price/convenience Pareto front.

Each route is optimized on its own (a package never mixes routes); the routes' top packages
are pooled and re-ranked by the same exact objective. When the budget rules every package out,
the traveler still sees the closest packages, flagged over budget, next to what binds and by
how much: an empty page would tell them nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction

from ml.optimizer import (
    BindingConstraint,
    Package,
    SolveSettings,
    SolveStatus,
    optimize,
    pareto_front,
)
from ml.recommendations.inputs import RouteProblem

OPTIMAL, BEST_FOUND, OVER_BUDGET, NO_PACKAGE = "optimal", "best_found", "over_budget", "no_package"


@dataclass(frozen=True)
class RankedPackage:
    package: Package
    problem: RouteProblem

    @property
    def within_budget(self) -> bool:
        budget = self.problem.request.budget_minor
        return budget is None or self.package.total_price_minor <= budget


@dataclass(frozen=True)
class WatchRanking:
    status: str  # optimal | best_found | over_budget | no_package
    packages: tuple[RankedPackage, ...]  # best first
    front: tuple[RankedPackage, ...]  # by price ascending, convenience descending
    front_complete: bool
    binding: tuple[BindingConstraint, ...]


def _pool(results: list[tuple[RouteProblem, tuple[Package, ...]]], k: int) -> list[RankedPackage]:
    pooled = [
        RankedPackage(package, problem) for problem, packages in results for package in packages
    ]
    pooled.sort(key=lambda r: (r.package.objective, r.package.total_price_minor, r.problem.origin))
    return pooled[:k]


def _non_dominated(points: list[RankedPackage]) -> list[RankedPackage]:
    """Merge routes' fronts: keep points no other point beats on both price and convenience."""
    ordered = sorted(points, key=lambda r: (r.package.total_price_minor, r.package.convenience))
    front: list[RankedPackage] = []
    best_convenience: Fraction | None = None
    for point in ordered:
        if best_convenience is None or point.package.convenience < best_convenience:
            front.append(point)
            best_convenience = point.package.convenience
    return front


def rank_watch(
    problems: list[RouteProblem],
    *,
    k: int = 5,
    front_points: int = 8,
    settings: SolveSettings = SolveSettings(),
) -> WatchRanking:
    if not problems:
        return WatchRanking(NO_PACKAGE, (), (), True, ())
    results = [(p, optimize(p.request, p.offers, k=k, settings=settings)) for p in problems]
    status = OPTIMAL
    if any(r.packages for _, r in results):
        if any(r.status is not SolveStatus.OPTIMAL for _, r in results if r.packages):
            status = BEST_FOUND
        binding: tuple[BindingConstraint, ...] = ()
        solved = problems
    else:
        # Nothing fits: what binds on the route that is closest to fitting, then the best
        # packages without the budget (still under every other constraint).
        binding = min(
            (r.binding for _, r in results if r.binding),
            key=lambda b: sum(c.by or 0 for c in b),
            default=(),
        )
        solved = [
            dataclasses.replace(p, request=dataclasses.replace(p.request, budget_minor=None))
            for p in problems
        ]
        # Paired with the original problems: a package remembers the budget it is over.
        results = [
            (original, optimize(p.request, p.offers, k=k, settings=settings, diagnose=False))
            for original, p in zip(problems, solved, strict=True)
        ]
        status = OVER_BUDGET if any(r.packages for _, r in results) else NO_PACKAGE
    packages = _pool([(p, r.packages) for p, r in results], k)
    fronts = [
        (original, pareto_front(p.request, p.offers, max_points=front_points, settings=settings))
        for original, p in zip(problems, solved, strict=True)
    ]
    front = _non_dominated([RankedPackage(point, p) for p, f in fronts for point in f.points])
    return WatchRanking(
        status=status,
        packages=tuple(packages),
        front=tuple(front),
        front_complete=all(f.complete for _, f in fronts),
        binding=binding,
    )
