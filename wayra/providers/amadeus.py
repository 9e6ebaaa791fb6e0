"""Amadeus Self-Service connectors: flights (Flight Offers Search / Price) and hotels (Hotel
List by city + Hotel Search v3), through the real ``amadeus`` SDK.

Rows follow FLIGHT_QUOTE_SCHEMA / HOTEL_QUOTE_SCHEMA and stay *raw*: a field Amadeus left out
or sent malformed becomes ``None`` in its row (the data contract quarantines it) instead of
failing the whole response. Booking is not wired yet: ``book``/``cancel`` raise
NotImplementedError.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import time
import uuid
from collections import OrderedDict
from functools import cache
from typing import Any, Literal

from wayra.domain import Cabin, FlightSearch, HotelSearch, ProviderResponse
from wayra.money import provider_price
from wayra.providers.airport_time import airport_local_to_utc
from wayra.providers.amadeus_client import AmadeusApi, AmadeusError
from wayra.providers.base import BookingResult, CancelResult, ProviderError, RepriceResult
from wayra.providers.provenance import payload_hash
from wayra.settings import Settings

__all__ = ["AmadeusError", "AmadeusFlightProvider", "AmadeusHotelProvider", "api_from_settings"]

# Amadeus' "nothing available at these hotels" answers to Hotel Search: an empty batch, not a
# failed search (3664 NO ROOMS AVAILABLE AT REQUESTED PROPERTY, 1257 INVALID PROPERTY CODE,
# 10604 INVALID OR MISSING DATA: hotel not bookable in the test environment).
NO_HOTEL_AVAILABILITY_CODES = frozenset({3664, 1257, 10604})
MILES_TO_KM = 1.609344


def api_from_settings(settings: Settings) -> AmadeusApi | None:
    """The shared SDK client, or None while credentials are unset (connector not configured)."""
    secret = settings.amadeus_client_secret
    if not settings.amadeus_client_id or secret is None or not secret.get_secret_value():
        return None
    return AmadeusApi(
        settings.amadeus_client_id,
        secret.get_secret_value(),
        settings.amadeus_base_url,
        settings.provider_timeout_seconds,
    )


# --- parsing helpers ----------------------------------------------------------------------
@cache
def _local_date(local: str | None) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(local).date() if local else None
    except ValueError:
        return None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


def _duration_minutes(value: str | None) -> int | None:
    match = _ISO_DURATION.match(value or "")
    if not match or not any(match.groups()):
        return None
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return days * 1440 + hours * 60 + minutes


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _latency_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


class _OfferCache:
    """Full offers by our offer id, so reprice can send back exactly what search returned.
    In-process and bounded: after a restart (or eviction) a reprice reports unknown_offer."""

    def __init__(self, size: int):
        self._size = size
        self._items: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: str, offer: dict) -> None:
        with self._lock:
            self._items[key] = offer
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get(self, key: str) -> dict | None:
        with self._lock:
            return self._items.get(key)


# --- flights ------------------------------------------------------------------------------
class AmadeusFlightProvider:
    """Flight Offers Search (GET /v2/shopping/flight-offers) and Price (POST
    /v1/shopping/flight-offers/pricing).

    One row per offer, describing its first itinerary (Wayra searches one-way, so that is the
    whole offer; for a round-trip offer the price still covers every itinerary).
    """

    name = "amadeus_flights"
    category: Literal["flight"] = "flight"

    def __init__(
        self,
        api: AmadeusApi,
        *,
        max_offers: int = 50,
        currency: str | None = None,
        cache_size: int = 20_000,
    ):
        self._api = api
        self.max_offers = max_offers
        self.currency = currency
        self._prefix = f"{self.name}:"
        self._offers = _OfferCache(cache_size)
        self._priced = _OfferCache(cache_size)

    @classmethod
    def from_settings(cls, settings: Settings) -> AmadeusFlightProvider | None:
        api = api_from_settings(settings)
        return cls(api) if api is not None else None

    def __repr__(self) -> str:
        return f"AmadeusFlightProvider({self._api!r})"

    def offer(self, offer_id: str) -> dict | None:
        """The full Amadeus offer behind one of our offer ids, as last searched."""
        return self._offers.get(offer_id)

    def search_flights(self, search: FlightSearch, at: dt.datetime) -> ProviderResponse:
        at = at.astimezone(dt.UTC)
        params: dict[str, Any] = {
            "originLocationCode": search.origin,
            "destinationLocationCode": search.destination,
            "departureDate": search.departure_date.isoformat(),
            "adults": search.adults,
            "travelClass": Cabin(search.cabin).value,
            "max": self.max_offers,
        }
        if self.currency:
            params["currencyCode"] = self.currency
        started = time.perf_counter()
        response = self._api.call(
            "flight offers search", lambda c: c.shopping.flight_offers_search.get(**params)
        )
        latency = _latency_ms(started)
        request_id = AmadeusApi.request_id(response) or str(uuid.uuid4())
        rows = []
        for offer in response.data or []:
            if isinstance(offer, dict):
                rows.append(self._row(offer, search, at, request_id))
        return ProviderResponse(self.name, request_id, "ok", latency, rows)

    def _offer_id(self, offer: dict) -> str | None:
        """Stable across searches (Amadeus' own ids are "1", "2", ... per response): the
        flights, departure times, fares and travellers that make this offer what it is."""
        try:
            parts = [
                f"{s['carrierCode']}{s['number']}@{s['departure']['at']}"
                for itinerary in offer["itineraries"]
                for s in itinerary["segments"]
            ]
            first = offer["itineraries"][0]["segments"][0]
        except (KeyError, IndexError, TypeError):
            return None
        for traveler in offer.get("travelerPricings") or []:
            fares = [
                f"{f.get('fareBasis')}/{f.get('class')}/{f.get('cabin')}"
                for f in traveler.get("fareDetailsBySegment") or []
            ]
            parts.append(f"{traveler.get('travelerType')}:{','.join(fares)}")
        digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
        return f"{self._prefix}{first['carrierCode']}{first['number']}-{digest}"

    def _row(self, offer: dict, search: FlightSearch, at: dt.datetime, request_id: str) -> dict:
        itineraries = offer.get("itineraries") or [{}]
        segments = itineraries[0].get("segments") or []
        first = segments[0] if segments else {}
        last = segments[-1] if segments else {}
        departure, arrival = first.get("departure") or {}, last.get("arrival") or {}
        price = offer.get("price") or {}
        travelers = offer.get("travelerPricings") or []
        fare = ((travelers[0].get("fareDetailsBySegment") or [{}])[0]) if travelers else {}
        validating = offer.get("validatingAirlineCodes") or []
        carrier = validating[0] if validating else first.get("carrierCode")
        departure_at = airport_local_to_utc(departure.get("at"), departure.get("iataCode"))
        arrival_at = airport_local_to_utc(arrival.get("at"), arrival.get("iataCode"))
        if departure_at and arrival_at:
            duration = int((arrival_at - departure_at).total_seconds() // 60)
        else:
            duration = _duration_minutes(itineraries[0].get("duration"))
        adults = sum(1 for t in travelers if t.get("travelerType") in ("ADULT", "SENIOR"))
        # A technical stop (numberOfStops on a segment) is a stop too, just without a change.
        stops = (
            len(segments) - 1 + sum(_int(s.get("numberOfStops")) or 0 for s in segments)
            if segments
            else None
        )
        offer_id = self._offer_id(offer)
        if offer_id is not None:
            self._offers.put(offer_id, offer)
        currency = price.get("currency")
        return {
            "provider": self.name,
            "request_id": request_id,
            "observed_at": at,
            "offer_id": offer_id,
            "origin": departure.get("iataCode"),
            "destination": arrival.get("iataCode"),
            "departure_date": _local_date(departure.get("at")),
            "carrier": carrier,
            "flight_number": (
                f"{first['carrierCode']}{first['number']}"
                if first.get("carrierCode") and first.get("number")
                else None
            ),
            "stops": stops,
            "cabin": fare.get("cabin"),
            "adults": adults or search.adults,
            "departure_at": departure_at,
            "arrival_at": arrival_at,
            "duration_minutes": duration,
            "fare_bucket": fare.get("class"),
            "seats_left": _int(offer.get("numberOfBookableSeats")),
            "promotion": False,  # Amadeus never flags a fare as a promotion
            "total_minor": provider_price(price.get("grandTotal") or price.get("total"), currency)[
                0
            ],
            "currency": currency,
            "payload_hash": payload_hash(offer),
        }

    def reprice(self, offer_id: str, at: dt.datetime) -> RepriceResult:
        """The live price now; an offer this process never saw (or evicted) is unknown."""
        offer = self._offers.get(offer_id)
        if offer is None:
            return RepriceResult(offer_id, at, False, reason="unknown_offer")
        response = self._api.call(
            "flight offers price", lambda c: c.shopping.flight_offers.pricing.post(offer)
        )
        priced = ((response.data or {}).get("flightOffers") or [None])[0]
        if not isinstance(priced, dict):
            return RepriceResult(offer_id, at, False, reason="no_price")
        self._priced.put(offer_id, priced)
        price = priced.get("price") or {}
        currency = price.get("currency")
        total = provider_price(price.get("grandTotal") or price.get("total"), currency)[0]
        if total is None:
            raise ProviderError(f"{self.name}: unreadable price in pricing response: {price!r}")
        remaining = _int(priced.get("numberOfBookableSeats", offer.get("numberOfBookableSeats")))
        return RepriceResult(offer_id, at, True, total, currency, remaining)

    def book(self, offer_id: str, at: dt.datetime, idempotency_key: str) -> BookingResult:
        raise NotImplementedError(
            "amadeus_flights: booking (POST /v1/booking/flight-orders) is not implemented yet"
        )

    def cancel(self, booking_ref: str, at: dt.datetime) -> CancelResult:
        raise NotImplementedError(
            "amadeus_flights: cancelling (DELETE /v1/booking/flight-orders/{id}) is not "
            "implemented yet"
        )


# --- hotels -------------------------------------------------------------------------------
def _refundable(offer: dict) -> bool:
    """Refundable only when Amadeus says so: an explicit ``refundable.cancellationRefund``
    other than NON_REFUNDABLE, or a cancellation policy with a free-cancellation ``deadline``.
    A policy without a deadline (e.g. FULL_STAY, "NON-REFUNDABLE RATE") or no policy at all is
    treated as non-refundable: we never promise a refund we cannot see."""
    policies = offer.get("policies") or {}
    verdict = (policies.get("refundable") or {}).get("cancellationRefund")
    if verdict:
        return verdict != "NON_REFUNDABLE"
    cancellations = policies.get("cancellations")
    if not isinstance(cancellations, list):
        single = policies.get("cancellation")
        cancellations = [single] if isinstance(single, dict) else []
    return any(isinstance(c, dict) and c.get("deadline") for c in cancellations)


def _distance_km(hotel: dict) -> float | None:
    distance = hotel.get("distance") or {}
    value = _float(distance.get("value"))
    if value is None:
        return None
    unit = str(distance.get("unit", "KM")).upper()
    if unit == "KM":
        return value
    if unit in ("MI", "MILE", "MILES"):
        return value * MILES_TO_KM
    return None


class AmadeusHotelProvider:
    """Hotel List by city (GET /v1/reference-data/locations/hotels/by-city), then Hotel Search
    v3 (GET /v3/shopping/hotel-offers) in batches of ``batch_size`` hotel ids.

    A city can list hundreds of hotels and every batch is one rate-limited call, so only the
    ``max_hotels`` nearest the centre (list order when Amadeus sends no distance) are priced.
    """

    name = "amadeus_hotels"
    category: Literal["hotel"] = "hotel"

    def __init__(self, api: AmadeusApi, *, batch_size: int = 20, max_hotels: int = 60):
        if batch_size < 1 or max_hotels < 1:
            raise ValueError("batch_size and max_hotels must be positive")
        self._api = api
        self.batch_size = batch_size
        self.max_hotels = max_hotels
        self._prefix = f"{self.name}:"

    @classmethod
    def from_settings(cls, settings: Settings) -> AmadeusHotelProvider | None:
        api = api_from_settings(settings)
        return cls(api) if api is not None else None

    def __repr__(self) -> str:
        return f"AmadeusHotelProvider({self._api!r})"

    def _hotels(self, city_code: str) -> list[dict]:
        first = self._api.call(
            "hotel list",
            lambda c: c.reference_data.locations.hotels.by_city.get(cityCode=city_code),
        )
        hotels = [
            h
            for page in self._api.pages("hotel list", first)
            for h in (page.data or [])
            if isinstance(h, dict) and h.get("hotelId")
        ]
        ranked = sorted(
            enumerate(hotels),
            key=lambda ih: (_distance_km(ih[1]) is None, _distance_km(ih[1]) or 0.0, ih[0]),
        )
        return [h for _, h in ranked[: self.max_hotels]]

    def search_hotels(self, search: HotelSearch, at: dt.datetime) -> ProviderResponse:
        at = at.astimezone(dt.UTC)
        started = time.perf_counter()
        listed = {h["hotelId"]: h for h in self._hotels(search.city_code)}
        ids = list(listed)
        request_id: str | None = None
        rows: list[dict] = []
        seen: set[str] = set()
        for start in range(0, len(ids), self.batch_size):
            batch = ids[start : start + self.batch_size]
            params = {
                "hotelIds": ",".join(batch),
                "adults": search.adults,
                "checkInDate": search.check_in.isoformat(),
                "checkOutDate": search.check_out.isoformat(),
                "roomQuantity": 1,
            }
            try:
                response = self._api.call(
                    "hotel offers search",
                    lambda c, p=params: c.shopping.hotel_offers_search.get(**p),
                )
            except AmadeusError as exc:
                if exc.status == 400 and _int(exc.code) in NO_HOTEL_AVAILABILITY_CODES:
                    continue
                raise
            request_id = request_id or AmadeusApi.request_id(response)
            for entry in response.data or []:
                if not isinstance(entry, dict):
                    continue
                hotel = entry.get("hotel") or {}
                for offer in entry.get("offers") or []:
                    if not isinstance(offer, dict):
                        continue
                    # Batches may overlap in what they return; one row per offer.
                    if offer.get("id") in seen:
                        continue
                    seen.add(offer.get("id"))
                    listing = listed.get(hotel.get("hotelId"), {})
                    rows.append(self._row(hotel, listing, offer, search, at))
        request_id = request_id or str(uuid.uuid4())
        for row in rows:
            row["request_id"] = request_id
        return ProviderResponse(self.name, request_id, "ok", _latency_ms(started), rows)

    def _row(
        self, hotel: dict, listing: dict, offer: dict, search: HotelSearch, at: dt.datetime
    ) -> dict:
        geo = listing.get("geoCode") or {}
        price = offer.get("price") or {}
        room = offer.get("room") or {}
        check_in, check_out = _date(offer.get("checkInDate")), _date(offer.get("checkOutDate"))
        currency = price.get("currency")
        return {
            "provider": self.name,
            "request_id": None,  # the batch's request id, stamped once all batches are in
            "observed_at": at,
            "offer_id": f"{self._prefix}{offer['id']}" if offer.get("id") else None,
            "city_code": hotel.get("cityCode") or listing.get("iataCode") or search.city_code,
            "hotel_id": hotel.get("hotelId") or listing.get("hotelId"),
            "hotel_name": hotel.get("name") or listing.get("name"),
            "stars": _int(listing.get("rating") or hotel.get("rating")),
            "latitude": _float(geo.get("latitude", hotel.get("latitude"))),
            "longitude": _float(geo.get("longitude", hotel.get("longitude"))),
            "distance_km": _distance_km(listing),
            "check_in": check_in,
            "check_out": check_out,
            "nights": (check_out - check_in).days if check_in and check_out else None,
            "adults": _int((offer.get("guests") or {}).get("adults")) or search.adults,
            "room_type": (room.get("typeEstimated") or {}).get("category") or room.get("type"),
            "refundable": _refundable(offer),
            "rooms_left": None,  # Amadeus does not say
            "total_minor": provider_price(price.get("total") or price.get("base"), currency)[0],
            "currency": currency,
            "payload_hash": payload_hash({"hotel": hotel, "offer": offer}),
        }

    def reprice(self, offer_id: str, at: dt.datetime) -> RepriceResult:
        """Hotel Search v3 by offer id (GET /v3/shopping/hotel-offers/{offerId})."""
        if not offer_id or not offer_id.startswith(self._prefix):
            return RepriceResult(offer_id, at, False, reason="unknown_offer")
        amadeus_id = offer_id[len(self._prefix) :]
        try:
            response = self._api.call(
                "hotel offer search", lambda c: c.shopping.hotel_offer_search(amadeus_id).get()
            )
        except AmadeusError as exc:
            if exc.status in (400, 404) and not exc.retryable:
                return RepriceResult(offer_id, at, False, reason="unavailable")
            raise
        offers = (response.data or {}).get("offers") or []
        if not offers:
            return RepriceResult(offer_id, at, False, reason="unavailable")
        price = offers[0].get("price") or {}
        currency = price.get("currency")
        total = provider_price(price.get("total") or price.get("base"), currency)[0]
        if total is None:
            raise ProviderError(f"{self.name}: unreadable price in offer response: {price!r}")
        return RepriceResult(offer_id, at, True, total, currency)

    def book(self, offer_id: str, at: dt.datetime, idempotency_key: str) -> BookingResult:
        raise NotImplementedError(
            "amadeus_hotels: booking (POST /v2/booking/hotel-orders) is not implemented yet"
        )

    def cancel(self, booking_ref: str, at: dt.datetime) -> CancelResult:
        raise NotImplementedError("amadeus_hotels: cancelling is not implemented yet")
