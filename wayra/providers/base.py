"""What every provider connector (simulated or real) offers the platform.

Searches return a :class:`~wayra.domain.ProviderResponse` of raw rows; reprice, book and
cancel return the result types below, priced in the provider's own quote currency.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol, runtime_checkable

from wayra.domain import FlightSearch, HotelSearch, ProviderResponse
from wayra.simulator.offers import BookingResult, CancelResult, RepriceResult

__all__ = [
    "BookingResult",
    "CancelResult",
    "FlightProvider",
    "HotelProvider",
    "ProviderError",
    "RepriceResult",
]


class ProviderError(Exception):
    """A provider call that failed; ``retryable`` says whether trying again may succeed."""

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


@runtime_checkable
class FlightProvider(Protocol):
    name: str
    category: Literal["flight"]

    def search_flights(self, search: FlightSearch, at: dt.datetime) -> ProviderResponse: ...

    def reprice(self, offer_id: str, at: dt.datetime) -> RepriceResult: ...

    def book(self, offer_id: str, at: dt.datetime, idempotency_key: str) -> BookingResult: ...

    def cancel(self, booking_ref: str, at: dt.datetime) -> CancelResult: ...


@runtime_checkable
class HotelProvider(Protocol):
    name: str
    category: Literal["hotel"]

    def search_hotels(self, search: HotelSearch, at: dt.datetime) -> ProviderResponse: ...

    def reprice(self, offer_id: str, at: dt.datetime) -> RepriceResult: ...

    def book(self, offer_id: str, at: dt.datetime, idempotency_key: str) -> BookingResult: ...

    def cancel(self, booking_ref: str, at: dt.datetime) -> CancelResult: ...
