"""Simulated providers: connectors that quote the shared market through a profile.

A profile is what makes one source differ from another: a markup, the currency it quotes in,
how stale its cache is, how often a whole request fails and how often single rows come back
corrupted. Everything, failures included, is a pure function of (seed, provider, search,
request time), so re-running a request reproduces its rows byte for byte.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from wayra.domain import Cabin, FlightSearch, HotelSearch, ProviderResponse
from wayra.money import ecb_rate, minor_unit_exponent
from wayra.providers.base import BookingResult, CancelResult, ProviderError, RepriceResult
from wayra.providers.provenance import payload_hash
from wayra.simulator.geography import SIMULATED_AIRPORTS, SIMULATED_CITIES
from wayra.simulator.market import MarketSimulator
from wayra.simulator.seeding import rng_for, unit_floats

_REQUEST_NAMESPACE = uuid.UUID("4f6e7a3c-9d0b-5a51-8c3e-2b7d1f0a6e11")
BAD_CURRENCIES = ("XXX", "EURO", None)


@dataclass(frozen=True, slots=True)
class SimulatedProviderProfile:
    name: str
    category: Literal["flight", "hotel"]
    markup: float = 0.0
    # "local": the origin country's currency (flights) or the hotel's country's; else ISO code.
    quote_currency: str = "local"
    mean_latency_ms: float = 150.0
    staleness_hours: float = 0.0
    error_rate: float = 0.0
    malformed_rate: float = 0.0


DEFAULT_SIMULATED_PROFILES: tuple[SimulatedProviderProfile, ...] = (
    SimulatedProviderProfile("sim_flight_gds", "flight", 0.0, "local", 180.0),
    SimulatedProviderProfile("sim_flight_ota", "flight", 0.05, "USD", 450.0, 6.0, 0.02, 0.01),
    SimulatedProviderProfile("sim_hotel_direct", "hotel", 0.0, "local", 120.0),
    SimulatedProviderProfile("sim_hotel_ota", "hotel", 0.08, "EUR", 380.0, 12.0, 0.02, 0.01),
)


@lru_cache(maxsize=65536)
def _eur_minor_to(currency: str, day: dt.date) -> float:
    """Factor from EUR minor units to ``currency`` minor units at the ECB rate of ``day``."""
    rate = float(ecb_rate(currency, day).units_per_eur)
    return rate * 10 ** minor_unit_exponent(currency) / 100.0


class _SimulatedProvider:
    _missing_fields: tuple[str, ...] = ("offer_id",)

    def __init__(self, profile: SimulatedProviderProfile, simulator: MarketSimulator):
        self.profile = profile
        self.simulator = simulator
        self.name = profile.name
        self.category = profile.category
        self._prefix = f"{profile.name}:"

    # --- pricing ---------------------------------------------------------------------
    def _quote_currency(self, local: str) -> str:
        return local if self.profile.quote_currency == "local" else self.profile.quote_currency

    def _price(self, eur_minor: int, currency: str, day: dt.date) -> int:
        factor = _eur_minor_to(currency, day) * (1.0 + self.profile.markup)
        return max(1, round(eur_minor * factor))

    # --- request envelope ------------------------------------------------------------
    def _envelope(self, search_key: str, at: dt.datetime) -> tuple[str, float, str | None]:
        """request_id, latency and, if the whole request fails, the error message."""
        request_id = str(
            uuid.uuid5(
                _REQUEST_NAMESPACE,
                f"{self.simulator.seed}|{self.name}|{search_key}|{at.isoformat()}",
            )
        )
        u_error, u_latency, u_tail = unit_floats(request_id, count=3)
        latency = self.profile.mean_latency_ms * (0.6 + 0.8 * u_latency)
        if u_tail > 0.97:
            latency *= 3.0  # the occasional slow upstream call
        if u_error < self.profile.error_rate:
            message = "HTTP 503 upstream unavailable" if u_tail < 0.5 else "upstream timeout"
            return request_id, latency, message
        return request_id, latency, None

    def _finish(self, request_id: str, rows: list[dict]) -> None:
        """Corrupt some rows (deterministically) and stamp each with its payload hash."""
        corrupt = None
        if rows and self.profile.malformed_rate > 0:
            rng = rng_for(self.simulator.seed, "malformed", request_id)
            n = len(rows)
            hit = rng.random(n) < self.profile.malformed_rate
            kind = rng.integers(0, 3, n)
            sub = rng.integers(0, 3, n)
            corrupt = (hit, kind, sub)
        for i, row in enumerate(rows):
            if corrupt is not None and corrupt[0][i]:
                kind, sub = int(corrupt[1][i]), int(corrupt[2][i])
                if kind == 0:
                    row["total_minor"] = 0 if sub == 0 else -row["total_minor"]
                elif kind == 1:
                    row["currency"] = BAD_CURRENCIES[sub]
                else:
                    row[self._missing_fields[sub % len(self._missing_fields)]] = None
            row["payload_hash"] = payload_hash(
                {k: v for k, v in row.items() if k not in ("provider", "request_id", "observed_at")}
            )

    # --- reprice / book / cancel -------------------------------------------------------
    def _market_id(self, offer_id: str) -> str:
        if not offer_id or not offer_id.startswith(self._prefix):
            raise ProviderError(f"{self.name}: not one of our offer ids: {offer_id!r}")
        return offer_id[len(self._prefix) :]

    def _local_currency(self, market_id: str) -> str:
        raise NotImplementedError

    def _convert_result(self, result, offer_id: str, market_id: str, at: dt.datetime):
        if result.total_minor is None:
            return replace(result, offer_id=offer_id)
        currency = self._quote_currency(self._local_currency(market_id))
        total = self._price(result.total_minor, currency, at.astimezone(dt.UTC).date())
        return replace(result, offer_id=offer_id, total_minor=total, currency=currency)

    def reprice(self, offer_id: str, at: dt.datetime) -> RepriceResult:
        """The live price now: reprice bypasses the provider's stale cache."""
        market_id = self._market_id(offer_id)
        return self._convert_result(self.simulator.reprice(market_id, at), offer_id, market_id, at)

    def book(self, offer_id: str, at: dt.datetime, idempotency_key: str) -> BookingResult:
        market_id = self._market_id(offer_id)
        result = self.simulator.book(market_id, at, f"{self.name}:{idempotency_key}")
        result = replace(result, idempotency_key=idempotency_key)
        return self._convert_result(result, offer_id, market_id, result.at)

    def cancel(self, booking_ref: str, at: dt.datetime) -> CancelResult:
        return self.simulator.cancel(booking_ref, at)


class SimulatedFlightProvider(_SimulatedProvider):
    _missing_fields = ("offer_id", "departure_at", "arrival_at")

    def __init__(self, profile: SimulatedProviderProfile, simulator: MarketSimulator):
        if profile.category != "flight":
            raise ValueError(f"{profile.name} is a {profile.category} profile")
        super().__init__(profile, simulator)

    def _local_currency(self, market_id: str) -> str:
        return SIMULATED_AIRPORTS[market_id.split("|")[1]].currency

    def search_flights(self, search: FlightSearch, at: dt.datetime) -> ProviderResponse:
        at = at.astimezone(dt.UTC)
        cabin = Cabin(search.cabin).value
        key = (
            f"{search.origin}|{search.destination}|{search.departure_date.isoformat()}|"
            f"{search.adults}|{cabin}"
        )
        request_id, latency, error = self._envelope(key, at)
        if error is not None:
            return ProviderResponse(self.name, request_id, "error", latency, [], error)
        market_at = at - dt.timedelta(hours=self.profile.staleness_hours)
        offers = self.simulator.flight_offers(search, market_at)
        rows: list[dict] = []
        if offers:
            origin = SIMULATED_AIRPORTS[search.origin]
            currency = self._quote_currency(origin.currency)
            factor = _eur_minor_to(currency, at.date()) * (1.0 + self.profile.markup)
            for o in offers:
                if o.departure_at <= at:
                    continue  # a stale cache still lists it, but it has left
                rows.append(
                    {
                        "provider": self.name,
                        "request_id": request_id,
                        "observed_at": at,
                        "offer_id": self._prefix + o.offer_id,
                        "origin": o.origin,
                        "destination": o.destination,
                        "departure_date": o.departure_date,
                        "carrier": o.carrier,
                        "flight_number": o.flight_number,
                        "stops": o.stops,
                        "cabin": o.cabin,
                        "adults": o.adults,
                        "departure_at": o.departure_at,
                        "arrival_at": o.arrival_at,
                        "duration_minutes": o.duration_minutes,
                        "fare_bucket": o.fare_bucket,
                        "seats_left": o.seats_left,
                        "promotion": o.promotion,
                        "total_minor": max(1, round(o.total_minor * factor)),
                        "currency": currency,
                    }
                )
        self._finish(request_id, rows)
        return ProviderResponse(self.name, request_id, "ok", latency, rows)


class SimulatedHotelProvider(_SimulatedProvider):
    _missing_fields = ("offer_id", "hotel_id")

    def __init__(self, profile: SimulatedProviderProfile, simulator: MarketSimulator):
        if profile.category != "hotel":
            raise ValueError(f"{profile.name} is a {profile.category} profile")
        super().__init__(profile, simulator)

    def _local_currency(self, market_id: str) -> str:
        return SIMULATED_CITIES[market_id.split("|")[1]].currency

    def search_hotels(self, search: HotelSearch, at: dt.datetime) -> ProviderResponse:
        at = at.astimezone(dt.UTC)
        key = f"{search.city_code}|{search.check_in.isoformat()}|{search.nights}|{search.adults}"
        request_id, latency, error = self._envelope(key, at)
        if error is not None:
            return ProviderResponse(self.name, request_id, "error", latency, [], error)
        market_at = at - dt.timedelta(hours=self.profile.staleness_hours)
        offers = self.simulator.hotel_offers(search, market_at)
        rows: list[dict] = []
        if offers and self.simulator.hotels.check_in_open(search, at):
            currency = self._quote_currency(SIMULATED_CITIES[search.city_code].currency)
            factor = _eur_minor_to(currency, at.date()) * (1.0 + self.profile.markup)
            for o in offers:
                rows.append(
                    {
                        "provider": self.name,
                        "request_id": request_id,
                        "observed_at": at,
                        "offer_id": self._prefix + o.offer_id,
                        "city_code": o.city_code,
                        "hotel_id": o.hotel_id,
                        "hotel_name": o.hotel_name,
                        "stars": o.stars,
                        "latitude": o.latitude,
                        "longitude": o.longitude,
                        "distance_km": o.distance_km,
                        "check_in": o.check_in,
                        "check_out": o.check_out,
                        "nights": o.nights,
                        "adults": o.adults,
                        "room_type": o.room_type,
                        "refundable": o.refundable,
                        "rooms_left": o.rooms_left,
                        "total_minor": max(1, round(o.total_minor * factor)),
                        "currency": currency,
                    }
                )
        self._finish(request_id, rows)
        return ProviderResponse(self.name, request_id, "ok", latency, rows)


def default_simulated_providers(
    seed: int,
) -> dict[str, SimulatedFlightProvider | SimulatedHotelProvider]:
    simulator = MarketSimulator(seed)
    providers: dict[str, SimulatedFlightProvider | SimulatedHotelProvider] = {}
    for profile in DEFAULT_SIMULATED_PROFILES:
        cls = SimulatedFlightProvider if profile.category == "flight" else SimulatedHotelProvider
        providers[profile.name] = cls(profile, simulator)
    return providers
