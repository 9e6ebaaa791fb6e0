"""Group trips: several sub-parties from different origins meeting at one destination (the
best of the candidates), landing within a window of each other and sharing one hotel stay,
chosen together by one CP-SAT model (``ml.optimizer.group_model``). See ``docs/optimizer.md``.

Dates, destination-local: every member lands on the check-in date and every member's return
departs on the check-out date. Criteria are those of a single-party package (``Criteria``):
each member's flights count as they would for that member alone (fares times its travelers,
everything else once per flight), plus the one stay.

Price shares: each member pays its own fares; with shared rooms the stay is split in proportion
to travelers, rounding down, and the minor units left go one each to the largest remainders
(ties: earlier members first), so shares always sum exactly to the total. With rooms not
shared each member pays for its own rooms.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from fractions import Fraction

from ml.optimizer.criteria import Criteria, ObjectiveScale
from ml.optimizer.group_dominance import drop_dominated
from ml.optimizer.group_model import INT64_SAFE, GroupChoice, GroupModel
from ml.optimizer.group_options import GroupOptions, group_options, largest_objective
from ml.optimizer.group_trip import GroupMember, GroupOffers, GroupTripRequest
from ml.optimizer.model import SolveSettings, SolveStatus
from ml.optimizer.packages import HotelStay
from ml.optimizer.trip import FlightOffer

__all__ = [
    "GroupMember",
    "GroupOffers",
    "GroupPackage",
    "GroupResult",
    "GroupTripRequest",
    "MemberTrip",
    "optimize_group",
    "split_by_travelers",
]


@dataclass(frozen=True, slots=True)
class MemberTrip:
    member: GroupMember
    outbound: FlightOffer
    inbound: FlightOffer
    flights_price_minor: int  # both fares times the member's travelers
    hotel_share_minor: int

    @property
    def price_share_minor(self) -> int:
        return self.flights_price_minor + self.hotel_share_minor


@dataclass(frozen=True, slots=True)
class GroupPackage:
    destination: str
    trips: tuple[MemberTrip, ...]  # in the request's member order
    stay: HotelStay
    total_price_minor: int
    currency: str
    criteria: Criteria
    contributions: dict[str, Fraction]  # weight x value per criterion; they sum to objective
    objective: Fraction
    proven_optimal: bool  # False: the best found within the time limit, not proven

    @property
    def check_in(self) -> dt.date:
        return self.stay.check_in

    @property
    def check_out(self) -> dt.date:
        return self.stay.check_out

    @property
    def nights(self) -> int:
        return self.stay.nights

    @property
    def arrival_spread(self) -> dt.timedelta:
        """First landing to last."""
        landings = [t.outbound.arrives_at for t in self.trips]
        return max(landings) - min(landings)

    def price_shares(self) -> dict[str, int]:
        return {t.member.name: t.price_share_minor for t in self.trips}


@dataclass(frozen=True)
class GroupResult:
    """``status``: OPTIMAL (proven best), BEST_FOUND (time ran out; the package is the best
    found, ``proven_optimal`` False), INFEASIBLE (proven: no package) or UNKNOWN (time ran out
    before any package)."""

    status: SolveStatus
    package: GroupPackage | None
    seconds: float


def split_by_travelers(amount_minor: int, travelers: list[int]) -> list[int]:
    """``amount_minor`` in proportion to ``travelers``, exact to the minor unit (largest
    remainders get the units left after rounding down; ties go to the earlier entry)."""
    total = sum(travelers)
    shares = [amount_minor * t // total for t in travelers]
    remainders = [amount_minor * t % total for t in travelers]
    by_remainder = sorted(range(len(travelers)), key=lambda i: (-remainders[i], i))
    for i in by_remainder[: amount_minor - sum(shares)]:
        shares[i] += 1
    return shares


def optimize_group(
    request: GroupTripRequest, offers: GroupOffers, settings: SolveSettings = SolveSettings()
) -> GroupResult:
    """The best group package for the request, or why there is none (status)."""
    offers.check_against(request)
    started = time.perf_counter()
    scale = ObjectiveScale.of(request.weights)
    options = drop_dominated(group_options(request, offers), request, scale)
    if not options.stays:  # nothing fits the dates and filters: no model needed
        return GroupResult(SolveStatus.INFEASIBLE, None, time.perf_counter() - started)
    if largest_objective(options, scale, len(request.members)) >= INT64_SAFE:
        raise OverflowError("the objective's integer scaling does not fit in 64-bit integers")
    status, choice = GroupModel(options, request, scale).solve(settings)
    package = None
    if choice is not None:
        proven = status is SolveStatus.OPTIMAL
        package = _package(request, options, choice, scale, proven)
    return GroupResult(status, package, time.perf_counter() - started)


def _package(
    request: GroupTripRequest,
    options: GroupOptions,
    choice: GroupChoice,
    scale: ObjectiveScale,
    proven_optimal: bool,
) -> GroupPackage:
    stay = options.stays[choice.stay]
    hotel_price = stay.criteria.price_minor
    travelers = [m.travelers for m in request.members]
    if request.rooms_shared:
        hotel_shares = split_by_travelers(hotel_price, travelers)
    else:  # each member pays for its own rooms: the price of one room times its rooms
        per_room = hotel_price // stay.rooms
        hotel_shares = [per_room * stay.offer.rooms_for(t) for t in travelers]
    trips, criteria = [], stay.criteria
    for member, out, back, share in zip(
        request.members, choice.outbound, choice.inbound, hotel_shares, strict=True
    ):
        outbound, inbound = options.outbound[out], options.inbound[back]
        criteria += outbound.criteria + inbound.criteria
        flights_price = outbound.criteria.price_minor + inbound.criteria.price_minor
        trips.append(MemberTrip(member, outbound.offer, inbound.offer, flights_price, share))
    return GroupPackage(
        destination=request.destinations[choice.destination],
        trips=tuple(trips),
        stay=HotelStay(
            offer=stay.offer,
            check_in=dt.date.fromordinal(stay.check_in),
            check_out=dt.date.fromordinal(stay.check_out),
            rooms=stay.rooms,
            price_minor=hotel_price,
        ),
        total_price_minor=criteria.price_minor,
        currency=request.currency,
        criteria=criteria,
        contributions=scale.contributions(criteria),
        objective=scale.objective(criteria),
        proven_optimal=proven_optimal,
    )
