"""What the group optimizer is asked: a group trip request and the offers for each member.

A group is several sub-parties (``GroupMember``), each flying from its own origin, who meet at
one destination, chosen by the optimizer from the request's candidates, and stay in one hotel.
Money is integer minor units in one currency, as for single-party trips (``ml.optimizer.trip``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from ml.optimizer.trip import (
    MINUTES_PER_DAY,
    CriterionWeights,
    FlightOffer,
    GeoPoint,
    HotelRoomOffer,
)
from wayra.money import minor_unit_exponent


@dataclass(frozen=True, slots=True)
class GroupMember:
    """A sub-party flying together from its own origin: ``travelers`` seats on each of its
    flights. Offers are keyed by ``name``; ``origin`` is the caller's airport or city code."""

    name: str
    origin: str
    travelers: int
    # The departure window is read as a local date here.
    origin_timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.travelers < 1:
            raise ValueError(f"member {self.name}: need at least one traveler")
        ZoneInfo(self.origin_timezone)


@dataclass(frozen=True, slots=True)
class GroupTripRequest:
    """Every member's outbound departs, local date at its origin, within the departure window;
    all land at the destination within ``arrival_window_minutes`` of each other and on one
    local date, the check-in date; all returns depart on one local date, the check-out date.
    ``budget_minor`` bounds the whole group's price (None: no budget)."""

    members: tuple[GroupMember, ...]
    destinations: tuple[str, ...]  # the optimizer picks the best one
    earliest_departure: dt.date
    latest_departure: dt.date
    min_nights: int
    max_nights: int
    arrival_window_minutes: int
    budget_minor: int | None
    currency: str
    max_stops: int = 2
    min_hotel_stars: int = 0
    refundable_only: bool = False
    weights: CriterionWeights = field(default_factory=CriterionWeights)
    # True: one set of rooms for everyone, ceil(total travelers / max_occupancy) rooms.
    # False: each member takes its own, ceil(member travelers / max_occupancy) rooms each.
    rooms_shared: bool = True
    destination_timezones: Mapping[str, str] = field(default_factory=dict)  # missing: UTC
    # Departures (local time at the departure airport) inside [start, end] cost nothing.
    preferred_departure_minutes: tuple[int, int] = (0, MINUTES_PER_DAY)
    points_of_interest: Mapping[str, GeoPoint] = field(default_factory=dict)  # by destination

    def __post_init__(self) -> None:
        # Tuples, so that a caller's lists cannot change under a solve.
        object.__setattr__(self, "members", tuple(self.members))
        object.__setattr__(self, "destinations", tuple(self.destinations))
        minor_unit_exponent(self.currency)
        if not self.members:
            raise ValueError("a group needs at least one member")
        names = [m.name for m in self.members]
        if len(names) != len(set(names)):
            raise ValueError("member names must be unique")
        if not self.destinations or len(self.destinations) != len(set(self.destinations)):
            raise ValueError("need at least one destination, each named once")
        if self.earliest_departure > self.latest_departure:
            raise ValueError("the departure window is empty")
        if not 1 <= self.min_nights <= self.max_nights:
            raise ValueError("need 1 <= min_nights <= max_nights")
        if self.arrival_window_minutes < 0:
            raise ValueError("arrival_window_minutes must be >= 0")
        start, end = self.preferred_departure_minutes
        if not 0 <= start <= end <= MINUTES_PER_DAY:
            raise ValueError("preferred departure window must be 0 <= start <= end <= 1440")
        for destination in self.destinations:
            ZoneInfo(self.timezone(destination))

    @property
    def travelers(self) -> int:
        return sum(m.travelers for m in self.members)

    def timezone(self, destination: str) -> str:
        return self.destination_timezones.get(destination, "UTC")

    def rooms_needed(self, offer: HotelRoomOffer) -> int:
        """Rooms of ``offer`` the whole group takes, every night."""
        if self.rooms_shared:
            return offer.rooms_for(self.travelers)
        return sum(offer.rooms_for(m.travelers) for m in self.members)


@dataclass(frozen=True)
class GroupOffers:
    """The candidate offers of a group request, all in ``currency``.

    ``outbound[(member name, destination)]`` are that member's flights there,
    ``inbound[(member name, destination)]`` its flights back, ``hotels[destination]`` the room
    offers there. One flight offered to two members (two sub-parties from one airport) keeps
    one ``offer_id`` in both lists: its seats then hold both parties together.
    """

    currency: str
    outbound: Mapping[tuple[str, str], tuple[FlightOffer, ...]]
    inbound: Mapping[tuple[str, str], tuple[FlightOffer, ...]]
    hotels: Mapping[str, tuple[HotelRoomOffer, ...]]

    def __post_init__(self) -> None:
        # Plain dicts of tuples: a caller's lists or generators are read once, here.
        for name in ("outbound", "inbound", "hotels"):
            object.__setattr__(self, name, {k: tuple(v) for k, v in getattr(self, name).items()})
        flights = [
            f for lists in (self.outbound, self.inbound) for fs in lists.values() for f in fs
        ]
        rooms = [h for hs in self.hotels.values() for h in hs]
        for offer in (*flights, *rooms):
            if offer.currency != self.currency:
                raise ValueError(
                    f"offer {offer.offer_id} is in {offer.currency}, not {self.currency}: "
                    "convert every offer to the group's currency first"
                )
        by_id: dict[str, FlightOffer] = {}
        for flight in flights:
            if by_id.setdefault(flight.offer_id, flight) != flight:
                raise ValueError(f"offer id {flight.offer_id} names two different flights")
        room_ids = [h.offer_id for h in rooms]
        if len(room_ids) != len(set(room_ids)) or set(room_ids) & by_id.keys():
            raise ValueError("room offer ids must be unique, and differ from flight ids")

    def check_against(self, request: GroupTripRequest) -> None:
        """Offers for a member or destination the request does not have are a caller's bug."""
        if self.currency != request.currency:
            raise ValueError(f"offers are in {self.currency}, the request in {request.currency}")
        names, places = {m.name for m in request.members}, set(request.destinations)
        for member, destination in (*self.outbound, *self.inbound):
            if member not in names or destination not in places:
                raise ValueError(f"flights for ({member}, {destination}) are not in the request")
        if unknown := set(self.hotels) - places:
            raise ValueError(f"hotels for destinations not in the request: {sorted(unknown)}")
