"""The true market every simulated provider draws from: one seeded world of flights and hotels.

Prices are EUR minor units with no provider markup. Everything a search returns is a pure
function of (seed, search, observation time) plus the bookings made through :meth:`book`,
which take seats and rooms out of inventory.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from wayra.domain import FlightSearch, HotelSearch
from wayra.simulator.flights import HORIZON_DAYS, FlightMarket, parse_flight_offer_id
from wayra.simulator.hotels import HotelMarket, parse_hotel_offer_id
from wayra.simulator.inventory import Ledger
from wayra.simulator.offers import (
    BookingResult,
    CancelResult,
    FlightOffer,
    HotelOffer,
    RepriceResult,
)


def _require_aware(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"observation time must be timezone-aware UTC, got {at!r}")


class MarketSimulator:
    def __init__(self, seed: int, promotions: bool = True):
        self.seed = seed
        self.flights = FlightMarket(seed, promotions)
        self.hotels = HotelMarket(seed)
        self.ledger = Ledger()

    def flight_offers(self, search: FlightSearch, observed_at: dt.datetime) -> list[FlightOffer]:
        _require_aware(observed_at)
        held = self.ledger.flights_held((search.origin, search.destination, search.departure_date))
        return self.flights.offers(search, observed_at, held)

    def hotel_offers(self, search: HotelSearch, observed_at: dt.datetime) -> list[HotelOffer]:
        _require_aware(observed_at)
        return self.hotels.offers(search, observed_at, self.ledger.hotels_held(search.city_code))

    def reprice(self, offer_id: str, at: dt.datetime) -> RepriceResult:
        _require_aware(at)
        offer, reason = self._find(offer_id, at)
        if offer is None:
            return RepriceResult(offer_id, at, False, reason=reason)
        remaining = offer.seats_left if isinstance(offer, FlightOffer) else offer.rooms_left
        return RepriceResult(offer_id, at, True, offer.total_minor, offer.currency, remaining)

    def book(self, offer_id: str, at: dt.datetime, idempotency_key: str) -> BookingResult:
        _require_aware(at)
        previous = self.ledger.by_idempotency_key.get(idempotency_key)
        if previous is not None:
            return previous
        offer, reason = self._find(offer_id, at)
        if offer is None:
            result = BookingResult(idempotency_key, offer_id, at, False, reason=reason)
            self.ledger.record(result, [])
            return result
        digest = hashlib.blake2b(f"{self.seed}|{idempotency_key}".encode(), digest_size=6)
        ref = "WS" + digest.hexdigest().upper()
        if isinstance(offer, FlightOffer):
            group = (offer.origin, offer.destination, offer.departure_date)
            holds = [("F", group, (offer.flight_number, offer.cabin), offer.adults)]
        else:
            holds = [
                (
                    "H",
                    offer.city_code,
                    (offer.hotel_id, offer.room_type, offer.check_in + dt.timedelta(days=k)),
                    1,
                )
                for k in range(offer.nights)
            ]
        result = BookingResult(
            idempotency_key, offer_id, at, True, ref, offer.total_minor, offer.currency
        )
        self.ledger.record(result, holds)
        return result

    def cancel(self, booking_ref: str, at: dt.datetime) -> CancelResult:
        _require_aware(at)
        return self.ledger.cancel(booking_ref, at)

    def _find(self, offer_id: str, at: dt.datetime) -> tuple[FlightOffer | HotelOffer | None, str]:
        """The offer as the market quotes it at ``at``, or None and why not."""
        try:
            if offer_id.startswith("F|"):
                return self._find_flight(offer_id, at)
            if offer_id.startswith("H|"):
                return self._find_hotel(offer_id, at)
        except (ValueError, KeyError):
            pass
        return None, "unknown_offer"

    def _find_flight(self, offer_id: str, at: dt.datetime) -> tuple[FlightOffer | None, str]:
        search, flight_number = parse_flight_offer_id(offer_id)
        departure = self.flights.departure_at(search, flight_number)
        if departure is None:
            return None, "unknown_offer"
        for offer in self.flight_offers(search, at):
            if offer.flight_number == flight_number:
                return offer, ""
        if departure <= at:
            return None, "departed"
        if (departure - at).total_seconds() > HORIZON_DAYS * 86400:
            return None, "not_yet_on_sale"
        return None, "sold_out"

    def _find_hotel(self, offer_id: str, at: dt.datetime) -> tuple[HotelOffer | None, str]:
        search, hotel_id, room, refundable = parse_hotel_offer_id(offer_id)
        ch = self.hotels.city_hotels(search.city_code)
        if ch is None or not any(
            ch.hotels[h].hotel_id == hotel_id and r == room
            for h, r in zip(ch.slot_hotel, ch.slot_room, strict=True)
        ):
            return None, "unknown_offer"
        offers = self.hotel_offers(search, at)
        for offer in offers:
            if (offer.hotel_id, offer.room_type, offer.refundable) == (hotel_id, room, refundable):
                return offer, ""
        check_in = self.hotels.check_in_timestamp(search.city_code, search.check_in)
        if at.timestamp() >= check_in:
            return None, "check_in_passed"
        if check_in - at.timestamp() > HORIZON_DAYS * 86400:
            return None, "not_yet_on_sale"
        return None, "sold_out"
