"""Wayra's own bookings against the simulated market: seats and rooms it holds, and the
idempotency ledger that makes a retried ``book`` return the first answer instead of booking
twice."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from wayra.simulator.offers import BookingResult, CancelResult

FlightDateKey = tuple[str, str, dt.date]  # origin, destination, departure date
HotelCityKey = str


@dataclass(slots=True)
class _Booking:
    result: BookingResult
    holds: list[tuple[str, object, tuple, int]]  # (kind, group key, unit key, quantity)
    cancellation: CancelResult | None = None


@dataclass(slots=True)
class Ledger:
    flight_holds: defaultdict[FlightDateKey, dict[tuple[str, str], int]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    hotel_holds: defaultdict[HotelCityKey, dict[tuple[str, str, dt.date], int]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    by_idempotency_key: dict[str, BookingResult] = field(default_factory=dict)
    bookings: dict[str, _Booking] = field(default_factory=dict)

    def flights_held(self, key: FlightDateKey) -> dict[tuple[str, str], int]:
        return self.flight_holds.get(key, {})

    def hotels_held(self, city_code: str) -> dict[tuple[str, str, dt.date], int]:
        return self.hotel_holds.get(city_code, {})

    def _table(self, kind: str) -> defaultdict:
        return self.flight_holds if kind == "F" else self.hotel_holds

    def record(self, result: BookingResult, holds: list[tuple[str, object, tuple, int]]) -> None:
        self.by_idempotency_key[result.idempotency_key] = result
        if not result.success or result.booking_ref is None:
            return
        for kind, group, unit, qty in holds:
            table = self._table(kind)[group]
            table[unit] = table.get(unit, 0) + qty
        self.bookings[result.booking_ref] = _Booking(result, holds)

    def cancel(self, booking_ref: str, at: dt.datetime) -> CancelResult:
        booking = self.bookings.get(booking_ref)
        if booking is None:
            return CancelResult(booking_ref, at, False, "unknown_booking", "no such booking")
        if booking.cancellation is not None:
            return CancelResult(booking_ref, at, True, "already_cancelled")
        for kind, group, unit, qty in booking.holds:
            table = self._table(kind)[group]
            table[unit] -= qty
            if table[unit] <= 0:
                del table[unit]
        booking.cancellation = CancelResult(booking_ref, at, True, "cancelled")
        return booking.cancellation
