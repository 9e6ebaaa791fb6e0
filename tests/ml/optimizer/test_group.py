"""Group trips against brute force on generated instances, plus worked examples.

The checker and the enumeration here read the rules straight from the offers (``violations``,
``evaluate``, ``valid_plans``), sharing nothing with the optimizer but the great-circle
distance formula.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from ml.optimizer import CriterionWeights, FlightOffer, GeoPoint, HotelRoomOffer, NightRate
from ml.optimizer import group_model as group_cp_sat_model
from ml.optimizer.criteria import distance_m
from ml.optimizer.group import (
    GroupMember,
    GroupOffers,
    GroupPackage,
    GroupTripRequest,
    optimize_group,
    split_by_travelers,
)
from ml.optimizer.model import SolveStatus
from tests.ml.optimizer.strategies import weights

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Plan:
    destination: str
    flights: tuple[tuple[FlightOffer, FlightOffer], ...]  # (outbound, return) by member
    hotel: HotelRoomOffer
    check_in: dt.date
    check_out: dt.date

    @classmethod
    def of(cls, package: GroupPackage) -> Plan:
        flights = tuple((t.outbound, t.inbound) for t in package.trips)
        stay = package.stay
        return cls(package.destination, flights, stay.offer, stay.check_in, stay.check_out)


def local(moment: dt.datetime, zone: str) -> dt.datetime:
    return moment.astimezone(ZoneInfo(zone))


def zone_of(request: GroupTripRequest, destination: str) -> str:
    return dict(request.destination_timezones).get(destination, "UTC")


def rooms_needed(request: GroupTripRequest, hotel: HotelRoomOffer) -> int:
    def rooms(travelers: int) -> int:
        return -(-travelers // hotel.max_occupancy)

    if request.rooms_shared:
        return rooms(sum(m.travelers for m in request.members))
    return sum(rooms(m.travelers) for m in request.members)


def violations(request: GroupTripRequest, offers: GroupOffers, plan: Plan) -> list[str]:
    """Every hard constraint the plan breaks (empty: it is a valid group package)."""
    found = []
    zone = zone_of(request, plan.destination)
    if plan.destination not in request.destinations:
        found.append("destination")
    seats_taken: dict[str, int] = {}
    for member, (out, back) in zip(request.members, plan.flights, strict=True):
        key = (member.name, plan.destination)
        if out not in offers.outbound.get(key, ()) or back not in offers.inbound.get(key, ()):
            found.append("flight not offered to the member there")
        departs = local(out.departs_at, member.origin_timezone).date()
        if not request.earliest_departure <= departs <= request.latest_departure:
            found.append("departure window")
        if local(out.arrives_at, zone).date() != plan.check_in:
            found.append("lands on another day than check-in")
        if local(back.departs_at, zone).date() != plan.check_out:
            found.append("returns on another day than check-out")
        landing = local(out.arrives_at, zone)
        if landing.hour * 60 + landing.minute > plan.hotel.latest_check_in_minute:
            found.append("lands after reception closes")
        for flight in (out, back):
            seats_taken[flight.offer_id] = seats_taken.get(flight.offer_id, 0) + member.travelers
            if flight.stops > request.max_stops:
                found.append("max stops")
            if request.refundable_only and not flight.refundable:
                found.append("refundable flight")
            if seats_taken[flight.offer_id] > flight.seats_left:
                found.append("seats")
    landings = [out.arrives_at for out, _ in plan.flights]
    if max(landings) - min(landings) > dt.timedelta(minutes=request.arrival_window_minutes):
        found.append("arrival window")
    nights = (plan.check_out - plan.check_in).days
    if not request.min_nights <= nights <= request.max_nights:
        found.append("nights")
    if plan.hotel not in offers.hotels.get(plan.destination, ()):
        found.append("hotel not at the destination")
    if plan.hotel.stars < request.min_hotel_stars:
        found.append("stars")
    if request.refundable_only and not plan.hotel.refundable:
        found.append("refundable stay")
    quoted = [rate.night for rate in plan.hotel.nights] or [plan.check_in]
    whole_stay = (min(quoted), max(quoted) + dt.timedelta(days=1))
    if plan.hotel.sold_as_whole_stay and ((plan.check_in, plan.check_out) != whole_stay):
        found.append("a stay quote booked for other nights than quoted")
    rates = {rate.night: rate for rate in plan.hotel.nights}
    for i in range(max(nights, 0)):
        rate = rates.get(plan.check_in + dt.timedelta(days=i))
        if rate is None or rate.rooms_left < rooms_needed(request, plan.hotel):
            found.append("no rooms for a night")
    if request.budget_minor is not None and evaluate(request, plan)[0] > request.budget_minor:
        found.append("budget")
    return found


def outside(minute: int, window: tuple[int, int]) -> int:
    return max(0, window[0] - minute, minute - window[1])


def weight(value) -> Fraction:
    return Fraction(Decimal(repr(value) if isinstance(value, float) else str(value)))


def hotel_price(request: GroupTripRequest, plan: Plan) -> int:
    rates = {rate.night: rate.price_minor for rate in plan.hotel.nights}
    nights = (plan.check_out - plan.check_in).days
    per_room = sum(rates.get(plan.check_in + dt.timedelta(days=i), 0) for i in range(nights))
    return rooms_needed(request, plan.hotel) * per_room


def evaluate(request: GroupTripRequest, plan: Plan) -> tuple[int, Fraction]:
    """The plan's total price and exact objective."""
    c = dict.fromkeys((f.name for f in fields(CriterionWeights)), 0)
    zone = zone_of(request, plan.destination)
    window = request.preferred_departure_minutes
    for member, (out, back) in zip(request.members, plan.flights, strict=True):
        c["price_minor"] += member.travelers * (out.price_minor + back.price_minor)
        for flight, at in ((out, member.origin_timezone), (back, zone)):
            departs = local(flight.departs_at, at)
            c["off_window_minutes"] += outside(departs.hour * 60 + departs.minute, window)
            c["travel_minutes"] += flight.duration_minutes
            c["stops"] += flight.stops
            c["non_refundable"] += 0 if flight.refundable else 1
            c["risk_points"] += flight.risk_points
    nights, hotel = (plan.check_out - plan.check_in).days, plan.hotel
    c["price_minor"] += hotel_price(request, plan)
    tenths = int((Decimal(repr(hotel.rating)) * 10).to_integral_value())
    c["rating_shortfall"] += nights * (100 - tenths)
    if (poi := dict(request.points_of_interest).get(plan.destination)) is not None:
        c["poi_distance_m"] += nights * distance_m(poi, hotel.latitude, hotel.longitude)
    c["non_refundable"] += 0 if hotel.refundable else 1
    c["risk_points"] += hotel.risk_points
    objective = sum(
        (weight(getattr(request.weights, name)) * value for name, value in c.items()), Fraction(0)
    )
    return c["price_minor"], objective


def valid_plans(request: GroupTripRequest, offers: GroupOffers) -> list[tuple[Plan, Fraction]]:
    """Every valid plan with its objective: each destination, hotel and combination of every
    member's flights there, on the dates the first member's flights imply."""
    found = []
    for destination in request.destinations:
        zone = zone_of(request, destination)
        per_member = [
            list(
                itertools.product(
                    offers.outbound.get((m.name, destination), ()),
                    offers.inbound.get((m.name, destination), ()),
                )
            )
            for m in request.members
        ]
        for flights in itertools.product(*per_member):
            check_in = local(flights[0][0].arrives_at, zone).date()
            check_out = local(flights[0][1].departs_at, zone).date()
            for hotel in offers.hotels.get(destination, ()):
                plan = Plan(destination, flights, hotel, check_in, check_out)
                if not violations(request, offers, plan):
                    found.append((plan, evaluate(request, plan)[1]))
    return found


# --- generated instances ---------------------------------------------------------------------

BASE = dt.date(2026, 3, 27)  # the weekend Europe moves its clocks forward
ORIGINS = {"MAD": "Europe/Madrid", "JFK": "America/New_York", "NRT": "Asia/Tokyo"}
DESTINATIONS = {"LIS": GeoPoint(38.7223, -9.1393), "FCO": GeoPoint(41.9028, 12.4964)}
ZONES = ("UTC", "Europe/Lisbon", "Europe/Rome", "America/Sao_Paulo")


@st.composite
def flights(draw, prefix: str, first_day: int, last_day: int) -> tuple[FlightOffer, ...]:
    result = []
    for i in range(draw(st.integers(1, 3))):
        day = BASE + dt.timedelta(days=draw(st.integers(first_day, last_day)))
        # Whole hours and few durations, so that landings often fall on one day and window;
        # mostly before 15:00 UTC, so that departure dates rarely change with the origin.
        hour = draw(st.one_of(st.integers(4, 14), st.integers(0, 23)))
        departs = dt.datetime.combine(day, dt.time(hour), dt.UTC)
        duration = draw(st.sampled_from([60, 95, 180, 420, 600]))
        result.append(
            FlightOffer(
                offer_id=f"{prefix}{i}",
                carrier="AA",
                price_minor=draw(st.integers(1_000, 20_000)),
                currency="EUR",
                departs_at=departs,
                arrives_at=departs + dt.timedelta(minutes=duration),
                duration_minutes=duration,
                stops=draw(st.sampled_from([0, 1, 0, 2])),
                seats_left=draw(st.sampled_from([9, 9, 9, 4, 3, 2, 1])),
                refundable=draw(st.sampled_from([True, False, True])),
                risk_points=draw(st.integers(0, 100)),
            )
        )
    return tuple(result)


@st.composite
def rooms(draw, destination: str) -> tuple[HotelRoomOffer, ...]:
    poi, result = DESTINATIONS[destination], []
    for i in range(draw(st.integers(1, 3))):
        nights = tuple(
            NightRate(
                BASE + dt.timedelta(days=d),
                draw(st.integers(2_000, 30_000)),
                draw(st.sampled_from([9, 9, 9, 5, 3, 2, 1, 0])),
            )
            for d in range(-1, 8)
            if draw(st.integers(0, 14)) > 0  # about one night in fifteen has no rate
        )
        result.append(
            HotelRoomOffer(
                offer_id=f"{destination}-h{i}",
                hotel_id=f"{destination}-H{i}",
                stars=draw(st.sampled_from([4, 3, 5, 2, 1])),
                rating=draw(st.integers(0, 100)) / 10,
                latitude=poi.latitude + draw(st.integers(-200, 200)) / 10_000,
                longitude=poi.longitude + draw(st.integers(-200, 200)) / 10_000,
                refundable=draw(st.sampled_from([True, False, True])),
                currency="EUR",
                nights=nights,
                max_occupancy=draw(st.integers(1, 3)),
                latest_check_in_minute=draw(st.sampled_from([24 * 60] * 3 + [18 * 60, 15 * 60])),
                risk_points=draw(st.integers(0, 100)),
            )
        )
    return tuple(result)


@st.composite
def group_instances(draw, loose: bool = False) -> tuple[GroupTripRequest, GroupOffers]:
    """``loose``: wider arrival windows, seats and rooms for all, no budget and no stops,
    stars or refundability filters, so that most instances have packages to rank."""
    origins = draw(st.lists(st.sampled_from(sorted(ORIGINS)), min_size=2, max_size=3))
    members = tuple(
        GroupMember(f"m{i}", origin, draw(st.integers(1, 3)), ORIGINS[origin])
        for i, origin in enumerate(origins)
    )
    places = draw(st.sampled_from([("LIS",), ("FCO",), ("LIS", "FCO")]))
    window, min_nights = draw(st.integers(0, 1)), draw(st.integers(1, 2))
    max_nights = min_nights + draw(st.integers(0, 1))
    start, length = draw(st.integers(0, 20 * 60)), draw(st.integers(0, 8 * 60))
    request = GroupTripRequest(
        members=members,
        destinations=places,
        earliest_departure=BASE,
        latest_departure=BASE + dt.timedelta(days=window),
        min_nights=min_nights,
        max_nights=max_nights,
        arrival_window_minutes=draw(st.sampled_from([0, 60, 120, 240, 480, 1440])),
        budget_minor=draw(st.one_of(st.none(), st.integers(20_000, 400_000))),
        currency="EUR",
        max_stops=draw(st.sampled_from([2, 1, 2, 0])),
        min_hotel_stars=draw(st.sampled_from([0, 0, 0, 2, 3])),
        refundable_only=draw(st.sampled_from([False] * 5 + [True])),
        weights=draw(weights()),
        rooms_shared=draw(st.booleans()),
        destination_timezones={p: draw(st.sampled_from(ZONES)) for p in places},
        preferred_departure_minutes=(start, min(24 * 60, start + length)),
        points_of_interest=draw(st.sampled_from([{}, DESTINATIONS])),
    )
    if loose:
        request = replace(
            request,
            arrival_window_minutes=draw(st.sampled_from([120, 240, 480, 3000])),
            budget_minor=None,
            max_stops=2,
            min_hotel_stars=0,
            refundable_only=False,
        )
    # Members from one origin are offered the same flights (same ids): they share the seats.
    outbound, inbound = {}, {}
    for origin, place in itertools.product(set(origins), places):
        there = draw(flights(f"{origin}-{place}-o", 0, window))
        back = draw(flights(f"{origin}-{place}-r", min_nights, window + max_nights))
        for member in (m for m in members if m.origin == origin):
            outbound[member.name, place], inbound[member.name, place] = there, back
    hotels = {place: draw(rooms(place)) for place in places}
    if loose:
        outbound = {k: tuple(replace(f, seats_left=9) for f in fs) for k, fs in outbound.items()}
        inbound = {k: tuple(replace(f, seats_left=9) for f in fs) for k, fs in inbound.items()}
        hotels = {
            place: tuple(
                replace(h, nights=tuple(replace(n, rooms_left=9) for n in h.nights)) for h in hs
            )
            for place, hs in hotels.items()
        }
    return request, GroupOffers("EUR", outbound, inbound, hotels)


def assert_shares_add_up(request: GroupTripRequest, package: GroupPackage) -> None:
    assert sum(package.price_shares().values()) == package.total_price_minor
    travelers = sum(m.travelers for m in request.members)
    for trip in package.trips:
        fares = trip.outbound.price_minor + trip.inbound.price_minor
        assert trip.flights_price_minor == trip.member.travelers * fares
        if request.rooms_shared:
            exact = Fraction(package.stay.price_minor * trip.member.travelers, travelers)
            assert abs(trip.hotel_share_minor - exact) < 1
        else:
            own_rooms = -(-trip.member.travelers // package.stay.offer.max_occupancy)
            assert trip.hotel_share_minor * package.stay.rooms == (
                package.stay.price_minor * own_rooms
            )


@PROPERTY
@given(st.one_of(group_instances(), group_instances(loose=True)))
def test_the_optimizer_finds_the_brute_force_optimum(instance):
    request, offers = instance
    result = optimize_group(request, offers)
    everything = valid_plans(request, offers)
    event("feasible" if everything else "infeasible")
    if not everything:
        assert (result.status, result.package) == (SolveStatus.INFEASIBLE, None)
        return
    package = result.package
    assert result.status is SolveStatus.OPTIMAL and package is not None and package.proven_optimal
    if len({p.destination for p, _ in everything}) > 1:
        event("two destinations possible")
    plan = Plan.of(package)
    assert violations(request, offers, plan) == []
    price, objective = evaluate(request, plan)
    assert package.objective == objective == min(o for _, o in everything)
    assert package.total_price_minor == package.criteria.price_minor == price
    assert sum(package.contributions.values()) == package.objective
    assert package.stay.rooms == rooms_needed(request, package.stay.offer)
    assert_shares_add_up(request, package)


# --- worked examples -------------------------------------------------------------------------

DAY = dt.date(2026, 5, 4)
PRICE_ONLY = CriterionWeights(1, 0, 0, 0, 0, 0, 0, 0)


def flight(offer_id, day, hour, price=10_000, minutes=120, **kw) -> FlightOffer:
    departs = dt.datetime.combine(day, dt.time(hour), dt.UTC)
    return FlightOffer(
        offer_id=offer_id,
        carrier="AA",
        price_minor=price,
        currency=kw.pop("currency", "EUR"),
        departs_at=departs,
        arrives_at=departs + dt.timedelta(minutes=minutes),
        duration_minutes=minutes,
        stops=0,
        seats_left=kw.pop("seats_left", 9),
        refundable=True,
    )


def room(offer_id, price, max_occupancy=2) -> HotelRoomOffer:
    return HotelRoomOffer(
        offer_id=offer_id,
        hotel_id=offer_id.upper(),
        stars=4,
        rating=8.0,
        latitude=41.39,
        longitude=2.17,
        refundable=True,
        currency="EUR",
        nights=tuple(NightRate(DAY + dt.timedelta(days=d), price, 5) for d in range(4)),
        max_occupancy=max_occupancy,
    )


def group(members, destinations=("LIS",), **kw) -> GroupTripRequest:
    fields = {
        "members": members,
        "destinations": destinations,
        "earliest_departure": DAY,
        "latest_departure": DAY,
        "min_nights": 2,
        "max_nights": 2,
        "arrival_window_minutes": 180,
        "budget_minor": None,
        "currency": "EUR",
        "weights": PRICE_ONLY,
    }
    return GroupTripRequest(**(fields | kw))


def offers_for(members, places: dict[str, tuple[int, int]], hour=8) -> GroupOffers:
    """Each member flies out at ``hour`` and back two days later, one hotel per destination;
    ``places[destination]`` = (fare, nightly room rate)."""
    back = DAY + dt.timedelta(days=2)
    outbound, inbound, hotels = {}, {}, {}
    for place, (fare, rate) in places.items():
        for i, m in enumerate(members):
            outbound[m.name, place] = (flight(f"{m.name}-{place}-o", DAY, hour + i, fare),)
            inbound[m.name, place] = (flight(f"{m.name}-{place}-r", back, 18, fare),)
        hotels[place] = (room(f"{place.lower()}-room", rate),)
    return GroupOffers("EUR", outbound, inbound, hotels)


ANA, BEN = GroupMember("ana", "MAD", 1), GroupMember("ben", "JFK", 2)


def test_the_cheaper_of_two_destinations_wins():
    offers = offers_for([ANA, BEN], {"LIS": (10_000, 8_000), "FCO": (9_000, 12_000)})
    result = optimize_group(group([ANA, BEN], ("LIS", "FCO")), offers)
    # LIS: 3 travelers x 2 fares x 10,000 + 2 rooms x 2 nights x 8,000 = 92,000;
    # FCO: 3 x 2 x 9,000 + 2 x 2 x 12,000 = 102,000.
    assert result.status is SolveStatus.OPTIMAL and result.package is not None
    assert (result.package.destination, result.package.total_price_minor) == ("LIS", 92_000)
    assert result.package.objective == 92_000


def test_an_arrival_window_too_tight_is_infeasible():
    offers = offers_for([ANA, BEN], {"LIS": (10_000, 8_000)})  # they land an hour apart
    assert optimize_group(group([ANA, BEN], arrival_window_minutes=59), offers).status is (
        SolveStatus.INFEASIBLE
    )
    result = optimize_group(group([ANA, BEN], arrival_window_minutes=60), offers)
    assert result.package is not None and result.package.arrival_spread == dt.timedelta(hours=1)


def test_three_travelers_sharing_rooms_for_two_need_two_rooms():
    trio = [GroupMember(name, "MAD", 1) for name in ("a", "b", "c")]
    offers = offers_for(trio, {"LIS": (10_000, 9_001)})
    shared = optimize_group(group(trio), offers).package
    assert shared is not None and shared.stay.rooms == 2
    assert shared.stay.price_minor == 2 * 2 * 9_001
    # 36,004 split three ways: 12,001.33 each; the one unit left goes to the first member.
    assert [t.hotel_share_minor for t in shared.trips] == [12_002, 12_001, 12_001]
    assert shared.total_price_minor == sum(shared.price_shares().values())
    apart = optimize_group(group(trio, rooms_shared=False), offers).package
    assert apart is not None and apart.stay.rooms == 3
    assert [t.hotel_share_minor for t in apart.trips] == [2 * 9_001] * 3


def test_two_parties_on_one_flight_need_seats_for_both():
    cara, dan = GroupMember("cara", "MAD", 2), GroupMember("dan", "MAD", 2)
    back = DAY + dt.timedelta(days=2)
    # Three seats left on each cheap flight: one party of two takes it, the other pays more.
    cheap, dear = flight("cheap", DAY, 8, 5_000, seats_left=3), flight("dear", DAY, 9, 7_000)
    cheap_home = flight("cheap-home", back, 18, 5_000, seats_left=3)
    dear_home = flight("dear-home", back, 18, 7_000)
    both_ways = {"cara": ((cheap, dear), (cheap_home, dear_home))}
    both_ways["dan"] = both_ways["cara"]
    offers = GroupOffers(
        "EUR",
        {(name, "LIS"): there for name, (there, _) in both_ways.items()},
        {(name, "LIS"): home for name, (_, home) in both_ways.items()},
        {"LIS": (room("r", 5_000),)},
    )
    package = optimize_group(group([cara, dan]), offers).package
    assert package is not None
    assert sorted(t.outbound.offer_id for t in package.trips) == ["cheap", "dear"]
    assert sorted(t.inbound.offer_id for t in package.trips) == ["cheap-home", "dear-home"]


def test_under_a_budget_a_cheaper_but_worse_hotel_stays_in_the_running():
    offers = offers_for([ANA, BEN], {"LIS": (10_000, 8_000)})
    plain = replace(offers.hotels["LIS"][0], rating=5.0)
    fine = replace(room("fine", 9_000), rating=10.0)
    offers = replace(offers, hotels={"LIS": (plain, fine)})
    weights = CriterionWeights(1, 0, 0, 0, 1_000, 0, 0, 0)  # 1,000 per tenth below 10, a night
    assert optimize_group(group([ANA, BEN], weights=weights), offers).package.stay.offer == fine
    # Fares 60,000; two rooms for two nights: 32,000 (plain) or 36,000 (fine).
    tight = group([ANA, BEN], weights=weights, budget_minor=92_000)
    assert optimize_group(tight, offers).package.stay.offer == plain


def test_nobody_lands_after_reception_closes():
    offers = offers_for([ANA, BEN], {"LIS": (10_000, 8_000)}, hour=18)  # land 20:00 and 21:00
    late = replace(offers.hotels["LIS"][0], latest_check_in_minute=20 * 60 + 30)
    dear = replace(room("dear", 9_000), hotel_id="DEAR")
    offers = replace(offers, hotels={"LIS": (late, dear)})
    package = optimize_group(group([ANA, BEN]), offers).package
    assert package is not None and package.stay.offer.offer_id == "dear"


def test_a_stay_quote_is_booked_for_its_nights_only():
    offers = offers_for([ANA, BEN], {"LIS": (10_000, 8_000)})
    # Cheaper per night, but quoted for three nights where the group stays two.
    quote = replace(room("quote", 5_000), hotel_id="QUOTE", sold_as_whole_stay=True)
    quote = replace(quote, nights=quote.nights[:3])
    offers = replace(offers, hotels={"LIS": (*offers.hotels["LIS"], quote)})
    package = optimize_group(group([ANA, BEN]), offers).package
    assert package is not None and package.stay.offer.offer_id == "lis-room"
    day = dt.timedelta(days=1)
    later = {
        key: tuple(
            replace(f, departs_at=f.departs_at + day, arrives_at=f.arrives_at + day)
            for f in flights
        )
        for key, flights in offers.inbound.items()
    }
    three_nights = replace(offers, inbound=later)
    package = optimize_group(group([ANA, BEN], max_nights=3), three_nights).package
    assert package is not None and package.stay.offer.offer_id == "quote"


def test_hotel_cost_split_by_travelers_is_exact():
    assert split_by_travelers(100, [1, 1, 1]) == [34, 33, 33]
    assert split_by_travelers(100, [1, 2]) == [33, 67]
    assert split_by_travelers(7, [2, 2, 3]) == [2, 2, 3]
    assert split_by_travelers(5, [1, 1]) == [3, 2]


def test_best_found_packages_are_flagged(monkeypatch):
    """A solve stopped by its time limit with a package in hand (CP-SAT's FEASIBLE)."""
    monkeypatch.setitem(group_cp_sat_model._STATUS, cp_model.OPTIMAL, SolveStatus.BEST_FOUND)
    offers = offers_for([ANA, BEN], {"LIS": (10_000, 8_000)})
    result = optimize_group(group([ANA, BEN]), offers)
    assert result.status is SolveStatus.BEST_FOUND
    assert result.package is not None and not result.package.proven_optimal


def test_inconsistent_inputs_are_refused():
    with pytest.raises(ValueError, match="convert"):
        GroupOffers("EUR", {("ana", "LIS"): (flight("o", DAY, 8, currency="USD"),)}, {}, {})
    offers = offers_for([ANA], {"LIS": (10_000, 8_000)})
    with pytest.raises(ValueError, match="not in the request"):
        optimize_group(group([BEN]), offers)
    with pytest.raises(ValueError, match="unique"):
        group([ANA, ANA])
