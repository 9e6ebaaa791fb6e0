"""The coupled CP-SAT model of a group trip: one destination, every member's two flights and
one hotel stay, all chosen together from the options (``ml.optimizer.group_options``).

All variables are booleans: ``go[d]`` per destination, ``fly_out``/``fly_back`` per flight
option and ``stay`` per stay option. Per member and destination the flights chosen there equal
``go[d]``, and per day the member's outbounds landing that day equal the stays checking in that
day (returns and check-outs alike), so the dates agree without date variables. The arrival
window uses an anchor per landing instant ``a`` at a destination: exactly one anchor when that
destination is chosen, and every member then lands within [a, a + window]. This compares
datetimes exactly in Python (any precision) and keeps the model 0/1 with a tight relaxation.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from ml.optimizer.criteria import ObjectiveScale
from ml.optimizer.group_options import GroupOptions
from ml.optimizer.group_trip import GroupTripRequest
from ml.optimizer.model import SolveSettings, SolveStatus
from ml.optimizer.trip import MINUTES_PER_DAY

# Objective sums stay below this, leaving CP-SAT headroom inside int64.
INT64_SAFE = 2**62

_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.BEST_FOUND,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
}


@dataclass(frozen=True)
class GroupChoice:
    """Indices into the options: the destination, each member's flights, the stay."""

    destination: int
    outbound: tuple[int, ...]  # by member
    inbound: tuple[int, ...]
    stay: int


def _sum(variables) -> cp_model.LinearExpr:
    return cp_model.LinearExpr.sum(list(variables))


class GroupModel:
    def __init__(self, options: GroupOptions, request: GroupTripRequest, scale: ObjectiveScale):
        self.options, self.request = options, request
        m = self.model = cp_model.CpModel()
        self.go = [m.new_bool_var(f"go_{name}") for name in request.destinations]
        self.fly_out = [m.new_bool_var(f"out{i}") for i in range(len(options.outbound))]
        self.fly_back = [m.new_bool_var(f"back{i}") for i in range(len(options.inbound))]
        self.stay = [m.new_bool_var(f"stay{i}") for i in range(len(options.stays))]
        m.add_exactly_one(self.go)
        stays_at = defaultdict(list)
        for s, variable in zip(options.stays, self.stay, strict=True):
            stays_at[s.destination].append(variable)
        for d, go in enumerate(self.go):
            m.add(_sum(stays_at[d]) == go)
        self._link_dates()
        self._arrival_window()
        self._reception_hours()
        self._shared_seats()
        if request.budget_minor is not None:
            m.add(self._linear(lambda c: c.price_minor) <= request.budget_minor)
        m.minimize(self._linear(scale.scaled))

    def _link_dates(self) -> None:
        """Per member and destination the flights chosen there equal ``go``; per day, landings
        equal check-ins and departures equal check-outs."""
        o = self.options
        for flights, variables, day_of in (
            (o.outbound, self.fly_out, lambda s: s.check_in),
            (o.inbound, self.fly_back, lambda s: s.check_out),
        ):
            stays_on = defaultdict(list)  # (destination, day) -> stay variables
            for s, variable in zip(o.stays, self.stay, strict=True):
                stays_on[s.destination, day_of(s)].append(variable)
            mine = defaultdict(list)  # (member, destination) -> flight variables
            on_day = defaultdict(list)  # (member, destination, day) -> flight variables
            for f, variable in zip(flights, variables, strict=True):
                mine[f.member, f.destination].append(variable)
                on_day[f.member, f.destination, f.day].append(variable)
            for d, go in enumerate(self.go):
                for member in range(len(self.request.members)):
                    self.model.add(_sum(mine[member, d]) == go)
                    for (place, day), stays in stays_on.items():
                        if place == d:
                            self.model.add(_sum(on_day[member, d, day]) == _sum(stays))

    def _arrival_window(self) -> None:
        window = dt.timedelta(minutes=self.request.arrival_window_minutes)
        members = range(len(self.request.members))
        pairs = defaultdict(list)
        for f, variable in zip(self.options.outbound, self.fly_out, strict=True):
            pairs[f.destination, f.member].append((f.offer.arrives_at, variable))
        landings = {}  # (destination, member) -> landing instants in order, their variables
        for key, found in pairs.items():
            found.sort(key=lambda pair: pair[0])
            landings[key] = ([at for at, _ in found], [variable for _, variable in found])
        for d, go in enumerate(self.go):
            here = [landings.get((d, m), ([], [])) for m in members]
            anchors = []
            for anchor in sorted({at for times, _ in here for at in times}):
                # Per member: its outbounds landing in [anchor, anchor + window].
                within = [
                    variables[bisect_left(times, anchor) : bisect_right(times, anchor + window)]
                    for times, variables in here
                ]
                if not all(within):  # some member cannot land in this window at all
                    continue
                anchored = self.model.new_bool_var("")
                for variables in within:
                    self.model.add(_sum(variables) >= anchored)
                anchors.append(anchored)
            self.model.add(_sum(anchors) == go)

    def _reception_hours(self) -> None:
        """A member landing after a hotel's reception has closed on the check-in day rules out
        that room offer's stays starting that day."""
        o = self.options
        closing = defaultdict(list)  # (room offer, destination, check-in) -> stay variables
        for s, variable in zip(o.stays, self.stay, strict=True):
            if s.offer.latest_check_in_minute < MINUTES_PER_DAY:
                closing[s.offer.offer_id, s.destination, s.check_in].append((s, variable))
        landing = defaultdict(list)  # (member, destination, day) -> (minute, variable)
        for f, variable in zip(o.outbound, self.fly_out, strict=True):
            landing[f.member, f.destination, f.day].append((f.minute, variable))
        for (_, d, day), stays in closing.items():
            closes = stays[0][0].offer.latest_check_in_minute
            for member in range(len(self.request.members)):
                late = [v for minute, v in landing[member, d, day] if minute > closes]
                if late:
                    self.model.add(_sum(late) + _sum(v for _, v in stays) <= 1)

    def _shared_seats(self) -> None:
        """A flight offered to several members seats all who take it."""
        uses = defaultdict(list)
        for flights, variables in (
            (self.options.outbound, self.fly_out),
            (self.options.inbound, self.fly_back),
        ):
            for f, variable in zip(flights, variables, strict=True):
                uses[f.offer.offer_id].append((f, variable))
        for taking in uses.values():
            if len(taking) > 1:
                travelers = [self.request.members[f.member].travelers for f, _ in taking]
                seats = cp_model.LinearExpr.weighted_sum([v for _, v in taking], travelers)
                self.model.add(seats <= taking[0][0].offer.seats_left)

    def _linear(self, value_of) -> cp_model.LinearExpr:
        """``sum(value_of(criteria))`` over the chosen options."""
        o = self.options
        parts = [
            (variables[i], value_of(option.criteria))
            for options, variables in (
                (o.outbound, self.fly_out),
                (o.inbound, self.fly_back),
                (o.stays, self.stay),
            )
            for i, option in enumerate(options)
        ]
        return cp_model.LinearExpr.weighted_sum([v for v, _ in parts], [c for _, c in parts])

    def solve(self, settings: SolveSettings) -> tuple[SolveStatus, GroupChoice | None]:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = settings.time_limit_s
        solver.parameters.cp_model_presolve = settings.presolve
        if settings.workers:
            solver.parameters.num_workers = settings.workers
        status = _STATUS.get(solver.solve(self.model), SolveStatus.UNKNOWN)
        if status not in (SolveStatus.OPTIMAL, SolveStatus.BEST_FOUND):
            return status, None
        o = self.options

        def chosen(variables, options) -> dict[int, int]:  # member -> option index
            return {options[i].member: i for i, v in enumerate(variables) if solver.value(v)}

        outs, backs = chosen(self.fly_out, o.outbound), chosen(self.fly_back, o.inbound)
        members = range(len(self.request.members))
        return status, GroupChoice(
            destination=next(d for d, v in enumerate(self.go) if solver.value(v)),
            outbound=tuple(outs[m] for m in members),
            inbound=tuple(backs[m] for m in members),
            stay=next(i for i, v in enumerate(self.stay) if solver.value(v)),
        )
