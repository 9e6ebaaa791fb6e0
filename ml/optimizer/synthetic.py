"""Random but plausible optimizer instances (Madrid to New York), for benchmarks and demos.

Fares fall with stops and rise near the weekend; rooms cost more with stars and on Fridays and
Saturdays; some nights are sold out; some small hotels close reception at 22:00.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ml.optimizer.trip import (
    FlightOffer,
    GeoPoint,
    HotelRoomOffer,
    NightRate,
    Offers,
    TripRequest,
)

CARRIERS = ("IB", "UX", "AA", "DL", "UA", "BA", "AF", "LH")
POI = GeoPoint(40.7580, -73.9855)  # Times Square
UTC = dt.UTC


def synthetic_instance(
    seed: int = 7,
    *,
    outbound: int = 300,
    inbound: int = 300,
    hotel_offers: int = 400,
    departure_days: int = 7,
    nights: tuple[int, int] = (3, 7),
    travelers: int = 2,
    budget_minor: int | None = 450_000,
) -> tuple[TripRequest, Offers]:
    rng = np.random.default_rng(seed)
    first = dt.date(2026, 6, 1)
    request = TripRequest(
        earliest_departure=first,
        latest_departure=first + dt.timedelta(days=departure_days - 1),
        min_nights=nights[0],
        max_nights=nights[1],
        travelers=travelers,
        budget_minor=budget_minor,
        currency="EUR",
        max_stops=1,
        min_hotel_stars=3,
        excluded_airlines=frozenset({"UX"}),
        preferred_departure_minutes=(8 * 60, 20 * 60),
        point_of_interest=POI,
        origin_timezone="Europe/Madrid",
        destination_timezone="America/New_York",
        transfer_minutes=60,
    )
    out_days = [
        first + dt.timedelta(days=int(d)) for d in rng.integers(0, departure_days, outbound)
    ]
    back_span = departure_days + nights[1] + 1
    back_days = [
        first + dt.timedelta(days=int(d)) for d in rng.integers(nights[0], back_span, inbound)
    ]
    outs = tuple(_flight(rng, f"o{i}", day, utc_offset_h=2) for i, day in enumerate(out_days))
    backs = tuple(_flight(rng, f"r{i}", day, utc_offset_h=-4) for i, day in enumerate(back_days))
    hotels = tuple(
        _room(rng, f"h{i}", f"hotel{i // 2}", first, back_span + 1) for i in range(hotel_offers)
    )
    return request, Offers("EUR", outs, backs, hotels)


def _flight(
    rng: np.random.Generator, offer_id: str, day: dt.date, *, utc_offset_h: int
) -> FlightOffer:
    stops = int(rng.choice(3, p=[0.45, 0.4, 0.15]))
    # Local departure 06:00..23:45 (summer time: Madrid UTC+2, New York UTC-4).
    local = dt.time(int(rng.integers(6, 24)), int(rng.choice([0, 15, 30, 45])))
    departs = dt.datetime.combine(day, local, UTC) - dt.timedelta(hours=utc_offset_h)
    duration = int(480 + 170 * stops + rng.integers(-30, 90))
    weekend = 1.15 if day.weekday() in (4, 5, 6) else 1.0
    price = int(rng.normal(62_000, 12_000) * (1 - 0.18 * stops) * weekend)
    return FlightOffer(
        offer_id=offer_id,
        carrier=str(rng.choice(CARRIERS)),
        price_minor=max(15_000, price),
        currency="EUR",
        departs_at=departs,
        arrives_at=departs + dt.timedelta(minutes=duration),
        duration_minutes=duration,
        stops=stops,
        seats_left=int(rng.integers(0, 10)),
        refundable=bool(rng.random() < 0.3),
        risk_points=int(rng.integers(0, 300)),
    )


def _room(
    rng: np.random.Generator, offer_id: str, hotel_id: str, first: dt.date, days: int
) -> HotelRoomOffer:
    stars = int(rng.integers(2, 6))
    base = 6_000 + 4_500 * stars
    rates = []
    for d in range(days):
        night = first + dt.timedelta(days=d)
        factor = 1.25 if night.weekday() in (4, 5) else 1.0
        rooms_left = int(rng.integers(0, 6)) if rng.random() < 0.9 else 0
        rates.append(NightRate(night, int(base * factor * rng.uniform(0.8, 1.25)), rooms_left))
    return HotelRoomOffer(
        offer_id=offer_id,
        hotel_id=hotel_id,
        stars=stars,
        rating=round(min(9.9, 5.5 + 0.7 * stars + rng.normal(0, 0.6)), 1),
        latitude=POI.latitude + rng.normal(0, 0.04),
        longitude=POI.longitude + rng.normal(0, 0.05),
        refundable=bool(rng.random() < 0.5),
        currency="EUR",
        nights=tuple(rates),
        latest_check_in_minute=22 * 60 if rng.random() < 0.2 else 24 * 60,
        risk_points=int(rng.integers(0, 200)),
    )
