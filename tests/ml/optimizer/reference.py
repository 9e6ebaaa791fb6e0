"""An independent, deliberately plain reading of the optimizer's rules, to test it against.

``evaluate`` checks every hard constraint of one package straight from the offers and prices it
and its objective in exact fractions; ``all_packages`` enumerates every package of a small
instance. Nothing here uses the optimizer's arrays, pruning, bounds or model; the only shared
helper is the great-circle distance (a formula, not a rule).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, fields
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from ml.optimizer import FlightOffer, HotelRoomOffer, Offers, Package, TripRequest
from ml.optimizer.criteria import distance_m

Stay = tuple[HotelRoomOffer, dt.date, dt.date]  # offer, check-in, check-out


@dataclass(frozen=True)
class Plan:
    outbound: FlightOffer
    inbound: FlightOffer
    stays: tuple[Stay, ...]

    @classmethod
    def of(cls, package: Package) -> Plan:
        stays = tuple((s.offer, s.check_in, s.check_out) for s in package.stays)
        return cls(package.outbound, package.inbound, stays)

    def parts(self) -> tuple[str, str, frozenset[str]]:
        hotels = frozenset(offer.hotel_id for offer, _, _ in self.stays)
        return self.outbound.offer_id, self.inbound.offer_id, hotels


@dataclass(frozen=True)
class Evaluation:
    price: int
    criteria: dict[str, int]
    objective: Fraction
    convenience: Fraction


def weight(value) -> Fraction:
    return Fraction(Decimal(repr(value) if isinstance(value, float) else str(value)))


def local(moment: dt.datetime, zone: str) -> dt.datetime:
    return moment.astimezone(ZoneInfo(zone))


def violations(request: TripRequest, plan: Plan) -> list[str]:
    """Every hard constraint the plan breaks (empty: it is a valid package)."""
    found = []
    out, back = plan.outbound, plan.inbound
    departs = local(out.departs_at, request.origin_timezone).date()
    if not request.earliest_departure <= departs <= request.latest_departure:
        found.append("departure window")
    for flight in (out, back):
        if flight.stops > request.max_stops:
            found.append("max stops")
        if flight.carrier in request.excluded_airlines:
            found.append("excluded airline")
        if flight.seats_left < request.travelers:
            found.append("seats")
        if request.refundable_only and not flight.refundable:
            found.append("refundable flight")
    transfer = dt.timedelta(minutes=request.transfer_minutes)
    at_hotel = local(out.arrives_at, request.destination_timezone) + transfer
    leaves_hotel = local(back.departs_at, request.destination_timezone) - transfer
    if not plan.stays:
        return [*found, "no stay"]
    if plan.stays[0][1] != at_hotel.date():
        found.append("check-in is not the day the traveler reaches the hotel")
    if plan.stays[-1][2] != leaves_hotel.date():
        found.append("check-out is not the day the traveler leaves for the return")
    first_offer = plan.stays[0][0]
    if at_hotel.hour * 60 + at_hotel.minute > first_offer.latest_check_in_minute:
        found.append("reaches the hotel after reception closes")
    nights = (plan.stays[-1][2] - plan.stays[0][1]).days
    if not request.min_nights <= nights <= request.max_nights:
        found.append("nights")
    if len(plan.stays) > 2:
        found.append("more than two hotels")
    if len(plan.stays) == 2:
        if plan.stays[0][2] != plan.stays[1][1]:
            found.append("split stay leaves a gap or overlaps")
        if plan.stays[0][0].hotel_id == plan.stays[1][0].hotel_id:
            found.append("split stay in one hotel")
    for offer, check_in, check_out in plan.stays:
        if check_out <= check_in:
            found.append("empty stay")
        if offer.stars < request.min_hotel_stars:
            found.append("stars")
        if request.refundable_only and not offer.refundable:
            found.append("refundable stay")
        rooms = -(-request.travelers // offer.max_occupancy)
        rates = {rate.night: rate for rate in offer.nights}
        for i in range((check_out - check_in).days):
            rate = rates.get(check_in + dt.timedelta(days=i))
            if rate is None or rate.rooms_left < rooms:
                found.append("no room for a night")
    if request.budget_minor is not None and evaluate(request, plan).price > request.budget_minor:
        found.append("budget")
    return found


def outside(minute: int, window: tuple[int, int]) -> int:
    if minute < window[0]:
        return window[0] - minute
    return max(0, minute - window[1])


def evaluate(request: TripRequest, plan: Plan) -> Evaluation:
    out, back = plan.outbound, plan.inbound
    c = dict.fromkeys(
        ("price_minor", "travel_minutes", "stops", "off_window_minutes", "rating_shortfall",
         "poi_distance_m", "non_refundable", "risk_points"), 0,
    )  # fmt: skip
    c["price_minor"] = request.travelers * (out.price_minor + back.price_minor)
    c["travel_minutes"] = out.duration_minutes + back.duration_minutes
    c["stops"] = out.stops + back.stops
    dep_out = local(out.departs_at, request.origin_timezone)
    dep_back = local(back.departs_at, request.destination_timezone)
    for moment in (dep_out, dep_back):
        c["off_window_minutes"] += outside(
            moment.hour * 60 + moment.minute, request.preferred_departure_minutes
        )
    for flight in (out, back):
        c["non_refundable"] += 0 if flight.refundable else 1
        c["risk_points"] += flight.risk_points
    for offer, check_in, check_out in plan.stays:
        nights = (check_out - check_in).days
        rooms = -(-request.travelers // offer.max_occupancy)
        rates = {rate.night: rate.price_minor for rate in offer.nights}
        c["price_minor"] += sum(
            rooms * rates.get(check_in + dt.timedelta(days=i), 0) for i in range(nights)
        )
        tenths = int((Decimal(repr(offer.rating)) * 10).to_integral_value())
        c["rating_shortfall"] += nights * (100 - tenths)
        if request.point_of_interest is not None:
            poi = request.point_of_interest
            c["poi_distance_m"] += nights * distance_m(poi, offer.latitude, offer.longitude)
        c["non_refundable"] += 0 if offer.refundable else 1
        c["risk_points"] += offer.risk_points
    w = request.weights
    terms = {f.name: weight(getattr(w, f.name)) * c[f.name] for f in fields(w)}
    objective = sum(terms.values(), Fraction(0))
    return Evaluation(c["price_minor"], c, objective, objective - terms["price_minor"])


def all_plans(request: TripRequest, offers: Offers):
    """Every structurally possible plan: each flight pair with every single stay and every split
    between two different room offers, on the days the flights imply."""
    transfer = dt.timedelta(minutes=request.transfer_minutes)
    for out, back in itertools.product(offers.outbound, offers.inbound):
        check_in = (local(out.arrives_at, request.destination_timezone) + transfer).date()
        check_out = (local(back.departs_at, request.destination_timezone) - transfer).date()
        nights = (check_out - check_in).days
        if nights < 1:
            continue
        for offer in offers.hotels:
            yield Plan(out, back, ((offer, check_in, check_out),))
        for first, second in itertools.permutations(offers.hotels, 2):
            for k in range(1, nights):
                switch = check_in + dt.timedelta(days=k)
                yield Plan(out, back, ((first, check_in, switch), (second, switch, check_out)))


def valid_plans(request: TripRequest, offers: Offers) -> list[tuple[Plan, Evaluation]]:
    return [
        (p, evaluate(request, p)) for p in all_plans(request, offers) if not violations(request, p)
    ]
