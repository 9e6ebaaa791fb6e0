"""Options that cannot be in the best group package, dropped before the model sees them.

An option is dominated when another one could replace it in every package without breaking a
constraint or costing more: same member, destination and role in the dates, objective share and
price (when a budget applies) no higher. What else must hold depends on the option:

- a stay: the same nights at the same destination, and reception open at least as late where
  it matters (up to the latest landing that day there);
- a return: the same departure day; an outbound: the same landing instant (which is what the
  arrival window and reception hours see).

A flight offered to several members whose seats may not hold them all can be blocked by the
others' choices, so it never replaces another option (it can still be dropped itself). Of
options tied on every key the first is kept. The objective optimum is unchanged: a package
using a dropped option has an equal or better one using its replacement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from ml.optimizer.criteria import ObjectiveScale
from ml.optimizer.group_options import FlightOption, GroupOptions, StayOption
from ml.optimizer.group_trip import GroupTripRequest
from ml.optimizer.trip import MINUTES_PER_DAY

Option = TypeVar("Option", FlightOption, StayOption)


def _undominated(options: list[Option], keys: Callable[[Option], tuple[int, ...]]) -> list[Option]:
    """Options no earlier-kept option matches or beats on every key (lower is better).

    A dominating option sorts before the one it dominates, and dominance is transitive, so
    comparing with the kept options alone is enough.
    """
    kept: list[tuple[tuple[int, ...], Option]] = []
    for option in sorted(options, key=keys):  # stable: ties keep the given order
        mine = keys(option)
        if not any(all(a <= b for a, b in zip(theirs, mine, strict=True)) for theirs, _ in kept):
            kept.append((mine, option))
    return [option for _, option in kept]


def _by(options: Iterable[Option], group: Callable[[Option], Hashable]) -> list[list[Option]]:
    groups: dict[Hashable, list[Option]] = defaultdict(list)
    for option in options:
        groups[group(option)].append(option)
    return list(groups.values())


def drop_dominated(
    options: GroupOptions, request: GroupTripRequest, scale: ObjectiveScale
) -> GroupOptions:
    budget = request.budget_minor is not None

    def cost(option: FlightOption | StayOption) -> tuple[int, int]:
        return scale.scaled(option.criteria), option.criteria.price_minor if budget else 0

    # Flights whose seats hold every member offered them, whatever the others choose.
    offered: dict[str, int] = defaultdict(int)
    for flight in (*options.outbound, *options.inbound):
        offered[flight.offer.offer_id] += request.members[flight.member].travelers

    def flights(all_flights: tuple[FlightOption, ...], same) -> tuple[FlightOption, ...]:
        kept = []
        for group in _by(all_flights, same):
            free = [f for f in group if offered[f.offer.offer_id] <= f.offer.seats_left]
            contested = [f for f in group if offered[f.offer.offer_id] > f.offer.seats_left]
            kept += _undominated(free, cost) + contested
        order = {id(f): i for i, f in enumerate(all_flights)}
        return tuple(sorted(kept, key=lambda f: order[id(f)]))

    latest_landing: dict[tuple[int, int], int] = defaultdict(int)
    for flight in options.outbound:
        day = flight.destination, flight.day
        latest_landing[day] = max(latest_landing[day], flight.minute)

    def stay_keys(stay: StayOption) -> tuple[int, ...]:
        closes = min(stay.offer.latest_check_in_minute, MINUTES_PER_DAY)
        matters = min(closes, latest_landing[stay.destination, stay.check_in])
        return (*cost(stay), -matters)

    stays = [
        s
        for group in _by(options.stays, lambda s: (s.destination, s.check_in, s.check_out))
        for s in _undominated(group, stay_keys)
    ]
    order = {id(s): i for i, s in enumerate(options.stays)}
    return GroupOptions(
        outbound=flights(options.outbound, lambda f: (f.member, f.destination, f.offer.arrives_at)),
        inbound=flights(options.inbound, lambda f: (f.member, f.destination, f.day)),
        stays=tuple(sorted(stays, key=lambda s: order[id(s)])),
    )
