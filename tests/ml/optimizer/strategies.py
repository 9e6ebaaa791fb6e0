"""Hypothesis strategies: trip requests with offers small enough to enumerate every package.

Days, times, timezones, stops, seats, rooms, stars and budgets are drawn from narrow ranges so
that the hard constraints bind often, both ways.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import strategies as st

from ml.optimizer import (
    CriterionWeights,
    FlightOffer,
    GeoPoint,
    HotelRoomOffer,
    NightRate,
    Offers,
    TripRequest,
)

BASE = dt.date(2026, 3, 27)  # the weekend Europe moves its clocks forward
ZONES = ("UTC", "Europe/Madrid", "America/New_York", "Asia/Tokyo")
CARRIERS = ("AA", "BB", "CC")
HOTELS = ("H1", "H2", "H3")
POI = GeoPoint(48.8584, 2.2945)


@st.composite
def flights(draw, prefix: str, first_day: int, last_day: int) -> tuple[FlightOffer, ...]:
    count = draw(st.integers(2, 5))
    result = []
    for i in range(count):
        day = BASE + dt.timedelta(days=draw(st.integers(first_day, last_day)))
        departs = dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(
            minutes=draw(st.integers(0, 24 * 60 - 1))
        )
        duration = draw(st.integers(30, 12 * 60))
        result.append(
            FlightOffer(
                offer_id=f"{prefix}{i}",
                carrier=draw(st.sampled_from(CARRIERS)),
                price_minor=draw(st.integers(1_000, 40_000)),
                currency="EUR",
                departs_at=departs,
                arrives_at=departs + dt.timedelta(minutes=duration),
                duration_minutes=duration,
                stops=draw(st.sampled_from([0, 1, 0, 2])),
                seats_left=draw(st.sampled_from([9, 9, 9, 9, 2, 0])),
                refundable=draw(st.sampled_from([True, False, True])),
                risk_points=draw(st.integers(0, 100)),
            )
        )
    return tuple(result)


@st.composite
def rooms(draw) -> tuple[HotelRoomOffer, ...]:
    count = draw(st.integers(2, 4))
    result = []
    for i in range(count):
        nights = tuple(
            NightRate(
                BASE + dt.timedelta(days=d),
                draw(st.integers(2_000, 30_000)),
                draw(st.sampled_from([5, 5, 5, 2, 5, 5, 1, 0])),
            )
            for d in range(-1, 12)
            if draw(st.integers(0, 14)) > 0  # about one night in fifteen has no rate
        )
        result.append(
            HotelRoomOffer(
                offer_id=f"h{i}",
                hotel_id=draw(st.sampled_from(HOTELS)),
                stars=draw(st.sampled_from([4, 3, 5, 2, 1])),
                rating=draw(st.integers(0, 100)) / 10,
                latitude=POI.latitude + draw(st.integers(-200, 200)) / 10_000,
                longitude=POI.longitude + draw(st.integers(-200, 200)) / 10_000,
                refundable=draw(st.sampled_from([True, False, True])),
                currency="EUR",
                nights=nights,
                max_occupancy=draw(st.integers(1, 3)),
                latest_check_in_minute=draw(st.sampled_from([24 * 60] * 4 + [20 * 60, 12 * 60])),
                risk_points=draw(st.integers(0, 100)),
            )
        )
    return tuple(result)


WEIGHT = st.one_of(st.integers(0, 50), st.sampled_from(["0.5", "1.25", "0.3", 0.1]))


@st.composite
def weights(draw) -> CriterionWeights:
    return CriterionWeights(
        price_minor=draw(st.sampled_from([1, 1, 2, "0.5", 0])),
        travel_minutes=draw(WEIGHT),
        stops=draw(st.integers(0, 3_000)),
        off_window_minutes=draw(WEIGHT),
        rating_shortfall=draw(st.integers(0, 200)),
        poi_distance_m=draw(WEIGHT),
        non_refundable=draw(st.integers(0, 5_000)),
        risk_points=draw(WEIGHT),
    )


@st.composite
def instances(draw, budget: bool = True, loose: bool = False) -> tuple[TripRequest, Offers]:
    """``loose``: the offer filters (stops, stars, airlines, refundability, seats, rooms) never
    bind, so that most instances have many packages to rank."""
    window = draw(st.integers(0, 2))
    min_nights = draw(st.integers(1, 3))
    start, length = draw(st.integers(0, 20 * 60)), draw(st.integers(0, 8 * 60))
    request = TripRequest(
        earliest_departure=BASE,
        latest_departure=BASE + dt.timedelta(days=window),
        min_nights=min_nights,
        max_nights=min_nights + draw(st.integers(0, 2)),
        travelers=draw(st.integers(1, 3)),
        budget_minor=draw(st.one_of(st.none(), st.integers(20_000, 400_000))) if budget else None,
        currency="EUR",
        max_stops=draw(st.sampled_from([2, 1, 2, 0])),
        min_hotel_stars=draw(st.sampled_from([0, 0, 0, 2, 3])),
        refundable_only=draw(st.sampled_from([False] * 5 + [True])),
        excluded_airlines=frozenset(draw(st.sets(st.sampled_from(CARRIERS), max_size=1))),
        preferred_departure_minutes=(start, min(24 * 60, start + length)),
        point_of_interest=draw(st.sampled_from([None, POI])),
        weights=draw(weights()),
        origin_timezone=draw(st.sampled_from(ZONES)),
        destination_timezone=draw(st.sampled_from(ZONES)),
        transfer_minutes=draw(st.sampled_from([0, 45, 120])),
    )
    offers = Offers(
        "EUR",
        draw(flights("o", 0, window)),
        draw(flights("r", min_nights, window + min_nights + 2)),
        draw(rooms()),
    )
    return loosened(request, offers) if loose else (request, offers)


def loosened(request: TripRequest, offers: Offers) -> tuple[TripRequest, Offers]:
    request = replace(
        request,
        max_stops=2,
        min_hotel_stars=0,
        refundable_only=False,
        excluded_airlines=frozenset(),
    )
    hotels = tuple(
        replace(h, nights=tuple(replace(n, rooms_left=5) for n in h.nights)) for h in offers.hotels
    )
    outbound = tuple(replace(f, seats_left=9) for f in offers.outbound)
    inbound = tuple(replace(f, seats_left=9) for f in offers.inbound)
    return request, Offers(offers.currency, outbound, inbound, hotels)
