"""What the group model chooses from: per destination, each member's flights after the hard
filters, and every stay the whole group could make there.

Dates are destination-local: an outbound's day is the date it lands, a return's the date it
departs. A stay [check-in, check-out) in one room offer starts on a day every member can land
and ends on a day every member can leave, within the nights range, with a rate and enough rooms
left (``GroupTripRequest.rooms_needed``) on every night. Flights on a day no stay uses are
dropped: they could never be part of a package.
"""

from __future__ import annotations

from dataclasses import dataclass

from ml.optimizer.candidates import local, minute_of_day
from ml.optimizer.criteria import Criteria, ObjectiveScale, flight_criteria, stay_criteria
from ml.optimizer.group_trip import GroupOffers, GroupTripRequest
from ml.optimizer.trip import FlightOffer, HotelRoomOffer


@dataclass(frozen=True)
class FlightOption:
    member: int
    destination: int
    offer: FlightOffer
    day: int  # destination-local date ordinal: the landing (outbound) or departure (return)
    minute: int  # destination-local minute of day the outbound lands (0 for returns)
    criteria: Criteria


@dataclass(frozen=True)
class StayOption:
    destination: int
    offer: HotelRoomOffer
    check_in: int  # date ordinals
    check_out: int
    rooms: int
    criteria: Criteria


@dataclass(frozen=True)
class GroupOptions:
    outbound: tuple[FlightOption, ...]
    inbound: tuple[FlightOption, ...]
    stays: tuple[StayOption, ...]


def _flight_allowed(flight: FlightOffer, travelers: int, request: GroupTripRequest) -> bool:
    return (
        flight.stops <= request.max_stops
        and flight.seats_left >= travelers
        and (flight.refundable or not request.refundable_only)
    )


def _member_flights(request: GroupTripRequest, offers: GroupOffers, member: int, d: int):
    """The member's allowed outbound and return options at destination ``d``."""
    person, destination = request.members[member], request.destinations[d]
    zone, window = request.timezone(destination), request.preferred_departure_minutes
    outs, backs = [], []
    for flight in offers.outbound.get((person.name, destination), ()):
        departs = local(flight.departs_at, person.origin_timezone)
        in_window = request.earliest_departure <= departs.date() <= request.latest_departure
        if in_window and _flight_allowed(flight, person.travelers, request):
            lands = local(flight.arrives_at, zone)
            criteria = flight_criteria(flight, person.travelers, minute_of_day(departs), window)
            outs.append(
                FlightOption(
                    member, d, flight, lands.date().toordinal(), minute_of_day(lands), criteria
                )
            )
    for flight in offers.inbound.get((person.name, destination), ()):
        if _flight_allowed(flight, person.travelers, request):
            departs = local(flight.departs_at, zone)
            criteria = flight_criteria(flight, person.travelers, minute_of_day(departs), window)
            backs.append(FlightOption(member, d, flight, departs.date().toordinal(), 0, criteria))
    return outs, backs


def _stays(
    request: GroupTripRequest, d: int, offer: HotelRoomOffer, check_ins: set, check_outs: set
):
    rooms = request.rooms_needed(offer)
    poi = request.points_of_interest.get(request.destinations[d])
    rates = {rate.night.toordinal(): rate for rate in offer.nights if rate.rooms_left >= rooms}
    # A stay quote is bookable for exactly its nights (getattr: offers from before the field).
    whole_stay = offer.sold_as_whole_stay and bool(offer.nights)
    quoted = [rate.night.toordinal() for rate in offer.nights]
    for start in sorted(check_ins):
        for end in range(start + request.min_nights, start + request.max_nights + 1):
            if end not in check_outs or any(n not in rates for n in range(start, end)):
                continue
            if whole_stay and (start, end) != (min(quoted), max(quoted) + 1):
                continue
            price = rooms * sum(rates[n].price_minor for n in range(start, end))
            criteria = stay_criteria(offer, end - start, price, poi)
            yield StayOption(d, offer, start, end, rooms, criteria)


def group_options(request: GroupTripRequest, offers: GroupOffers) -> GroupOptions:
    outbound: list[FlightOption] = []
    inbound: list[FlightOption] = []
    stays: list[StayOption] = []
    for d, destination in enumerate(request.destinations):
        flights = [_member_flights(request, offers, m, d) for m in range(len(request.members))]
        # Days on which every member can land, and every member can leave.
        check_ins = set.intersection(*({o.day for o in outs} for outs, _ in flights))
        check_outs = set.intersection(*({r.day for r in backs} for _, backs in flights))
        here = [
            stay
            for offer in offers.hotels.get(destination, ())
            if offer.stars >= request.min_hotel_stars
            and (offer.refundable or not request.refundable_only)
            for stay in _stays(request, d, offer, check_ins, check_outs)
        ]
        used_in, used_out = {s.check_in for s in here}, {s.check_out for s in here}
        for outs, backs in flights:
            outbound += (o for o in outs if o.day in used_in)
            inbound += (r for r in backs if r.day in used_out)
        stays += here
    return GroupOptions(tuple(outbound), tuple(inbound), tuple(stays))


def largest_objective(options: GroupOptions, scale: ObjectiveScale, members: int) -> int:
    """An upper bound of any package's scaled objective: each part at its worst."""

    def worst(parts) -> int:
        return max((scale.scaled(p.criteria) for p in parts), default=0)

    by_member = [
        worst(o for o in flights if o.member == m)
        for flights in (options.outbound, options.inbound)
        for m in range(members)
    ]
    return sum(by_member) + worst(options.stays)
