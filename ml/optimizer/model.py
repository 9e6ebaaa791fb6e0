"""The CP-SAT model: one outbound, one return, and one or two stay segments covering the nights.

Variables are booleans: ``fly_out[o]``, ``fly_back[r]`` and ``stay[s]`` per candidate segment.
Dates are not variables of their own: the outbound fixes the check-in day, the return the
check-out day, and for every night t

    sum(stay[s] for s covering t) == [check-in <= t] - [check-out <= t]

so the chosen segments cover exactly the trip's nights, each once (an interval system the LP
relaxation handles well). At most two segments, at most one per hotel: a split stay switches
once, between two different hotels. A first segment whose hotel closes reception before the
traveler gets there excludes that outbound. The nights range and the price cap are linear.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from ortools.sat.python import cp_model

from ml.optimizer.criteria import PRICE
from ml.optimizer.selection import Candidates


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"  # proven best
    BEST_FOUND = "best_found"  # feasible, best found within the time limit, not proven
    INFEASIBLE = "infeasible"  # proven: no package satisfies the constraints
    UNKNOWN = "unknown"  # the time limit passed before any package was found


@dataclass(frozen=True)
class SolveSettings:
    time_limit_s: float = 1.0  # per CP-SAT solve
    workers: int = 1  # CP-SAT search workers; 0 lets CP-SAT use every core
    # CP-SAT's presolve costs more than it saves on these models (70 ms against a 13 ms search
    # on the benchmark's): dominance and bounds have already removed what it would.
    presolve: bool = False


_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.BEST_FOUND,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
}


@dataclass(frozen=True)
class Choice:
    """Indices into the candidates: one outbound, one return, segments by first night."""

    outbound: int
    inbound: int
    segments: tuple[int, ...]


@dataclass(frozen=True)
class Signature:
    """The parts later packages must differ in, numbered as in ``AllowedOffers`` so that they
    survive rebuilding the model on more offers."""

    outbound: int
    inbound: int
    hotels: frozenset[int]


@dataclass(frozen=True)
class Outcome:
    status: SolveStatus
    choice: Choice | None


class PackageModel:
    def __init__(
        self, candidates: Candidates, min_nights: int, max_nights: int, price_cap: int | None
    ):
        self.candidates = candidates
        out, inb, seg = candidates.outbound, candidates.inbound, candidates.segments
        m = self.model = cp_model.CpModel()
        self.fly_out = [m.new_bool_var(f"out{i}") for i in range(len(out.offers))]
        self.fly_back = [m.new_bool_var(f"back{i}") for i in range(len(inb.offers))]
        self.stay = [m.new_bool_var(f"stay{i}") for i in range(len(seg.offer))]
        m.add_exactly_one(self.fly_out)
        m.add_exactly_one(self.fly_back)
        origin = int(out.day.min())
        nights = _weighted(self.fly_back, inb.day - origin) - _weighted(
            self.fly_out, out.day - origin
        )
        m.add_linear_constraint(nights, min_nights, max_nights)
        self._cover_nights(origin)
        m.add(cp_model.LinearExpr.sum(self.stay) <= 2)
        for hotel in np.unique(seg.hotel):
            members = np.flatnonzero(seg.hotel == hotel)
            if len(members) > 1:
                m.add_at_most_one(self.stay[i] for i in members)
        self._check_in_in_time()
        if price_cap is not None:
            m.add(self.total(PRICE) <= price_cap)

    def _cover_nights(self, origin: int) -> None:
        out, inb, seg = self.candidates.outbound, self.candidates.inbound, self.candidates.segments
        # Every night any variable touches, so no segment is left free.
        first = min(origin, int(seg.start.min(initial=origin)))
        last = max(int(inb.day.max()), int(seg.end.max(initial=origin)))
        for night in range(first, last):
            covering = np.flatnonzero((seg.start <= night) & (night < seg.end))
            checked_in = np.flatnonzero(out.day <= night)
            checked_out = np.flatnonzero(inb.day <= night)
            self.model.add(
                _sum(self.stay, covering)
                == _sum(self.fly_out, checked_in) - _sum(self.fly_back, checked_out)
            )

    def _check_in_in_time(self) -> None:
        out, seg = self.candidates.outbound, self.candidates.segments
        for s in np.flatnonzero(seg.latest_check_in < out.ready_minute.max(initial=0)):
            late = np.flatnonzero(
                (out.day == seg.start[s]) & (out.ready_minute > seg.latest_check_in[s])
            )
            if len(late):
                self.model.add_at_most_one([self.stay[s], *(self.fly_out[i] for i in late)])

    def total(self, criterion: int) -> cp_model.LinearExpr:
        return self.linear(
            np.eye(self.candidates.outbound.values.shape[1], dtype=np.int64)[criterion]
        )

    def linear(self, coefficients: np.ndarray) -> cp_model.LinearExpr:
        """``sum(values @ coefficients)`` over the chosen offers."""
        c = self.candidates
        return (
            _weighted(self.fly_out, c.outbound.values @ coefficients)
            + _weighted(self.fly_back, c.inbound.values @ coefficients)
            + _weighted(self.stay, c.segments.values @ coefficients)
        )

    def minimize(self, coefficients: np.ndarray) -> None:
        self.model.minimize(self.linear(coefficients))

    def cap(self, coefficients: np.ndarray, bound: int) -> None:
        self.model.add(self.linear(coefficients) <= bound)

    def signature(self, choice: Choice) -> Signature:
        c = self.candidates
        return Signature(
            int(c.outbound_index[choice.outbound]),
            int(c.inbound_index[choice.inbound]),
            frozenset(int(c.segments.hotel[s]) for s in choice.segments),
        )

    def objective_of(self, choice: Choice, coefficients: np.ndarray) -> int:
        c = self.candidates
        values = c.outbound.values[choice.outbound] + c.inbound.values[choice.inbound]
        values = values + c.segments.values[list(choice.segments)].sum(axis=0)
        return int(values @ coefficients)

    def forbid_similar(self, earlier: Signature, max_shared: int) -> None:
        """Packages share at most ``max_shared`` of the parts outbound, return and hotel set
        with ``earlier``."""
        c = self.candidates
        hotels = sorted(earlier.hotels)
        uses = {h: _sum(self.stay, np.flatnonzero(c.segments.hotel == h)) for h in hotels}
        same_hotels = self.model.new_bool_var("")
        if len(hotels) == 2:
            self.model.add(same_hotels >= uses[hotels[0]] + uses[hotels[1]] - 1)
        else:  # only that hotel: used, and no second segment anywhere else
            self.model.add(same_hotels >= 2 * uses[hotels[0]] - cp_model.LinearExpr.sum(self.stay))
        same_out = _sum(self.fly_out, np.flatnonzero(c.outbound_index == earlier.outbound))
        same_in = _sum(self.fly_back, np.flatnonzero(c.inbound_index == earlier.inbound))
        self.model.add(same_out + same_in + same_hotels <= max_shared)

    def solve(self, settings: SolveSettings) -> Outcome:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = settings.time_limit_s
        solver.parameters.cp_model_presolve = settings.presolve
        # The LP relaxation is nearly tight here (coverage is an interval system): a fuller
        # linearization and LP-guided branching cut the benchmark's p95 by about a third.
        solver.parameters.linearization_level = 2
        solver.parameters.search_branching = cp_model.LP_SEARCH
        if settings.workers:
            solver.parameters.num_workers = settings.workers
        status = _STATUS.get(solver.solve(self.model), SolveStatus.UNKNOWN)
        if status not in (SolveStatus.OPTIMAL, SolveStatus.BEST_FOUND):
            return Outcome(status, None)
        values = solver.response_proto.solution
        chosen = [i for i, v in enumerate(self.stay) if values[v.index]]
        seg = self.candidates.segments
        choice = Choice(
            outbound=next(i for i, v in enumerate(self.fly_out) if values[v.index]),
            inbound=next(i for i, v in enumerate(self.fly_back) if values[v.index]),
            segments=tuple(sorted(chosen, key=lambda s: int(seg.start[s]))),
        )
        return Outcome(status, choice)


def _sum(variables: list, indices: np.ndarray) -> cp_model.LinearExpr:
    return cp_model.LinearExpr.sum([variables[i] for i in indices])


def _weighted(variables: list, coefficients: np.ndarray) -> cp_model.LinearExpr:
    return cp_model.LinearExpr.weighted_sum(variables, [int(c) for c in coefficients])
