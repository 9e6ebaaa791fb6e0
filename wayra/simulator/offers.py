"""What the market quotes and what reprice/book/cancel answer.

The market prices in EUR minor units; providers convert these same types into their own quote
currency, so connectors for real providers can return them too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FlightOffer:
    offer_id: str
    origin: str
    destination: str
    departure_date: dt.date
    carrier: str
    flight_number: str
    stops: int
    cabin: str
    adults: int
    departure_at: dt.datetime
    arrival_at: dt.datetime
    duration_minutes: int
    fare_bucket: str
    seats_left: int
    promotion: bool
    total_minor: int  # all adults, in ``currency`` minor units
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class HotelOffer:
    offer_id: str
    city_code: str
    hotel_id: str
    hotel_name: str
    stars: int
    latitude: float
    longitude: float
    distance_km: float
    check_in: dt.date
    check_out: dt.date
    nights: int
    adults: int
    room_type: str
    refundable: bool
    rooms_left: int
    total_minor: int  # whole stay, in ``currency`` minor units
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class RepriceResult:
    offer_id: str
    at: dt.datetime
    available: bool
    total_minor: int | None = None
    currency: str | None = None
    remaining: int | None = None  # seats or rooms left
    reason: str | None = None  # why unavailable: "sold_out", "departed", "unknown_offer", ...


@dataclass(frozen=True, slots=True)
class BookingResult:
    idempotency_key: str
    offer_id: str
    at: dt.datetime
    success: bool
    booking_ref: str | None = None
    total_minor: int | None = None
    currency: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CancelResult:
    booking_ref: str
    at: dt.datetime
    success: bool
    status: str  # "cancelled" | "already_cancelled" | "unknown_booking"
    reason: str | None = None
