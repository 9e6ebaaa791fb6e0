"""Hotelbeds (hotels) over the APItude Booking API (``/hotel-api/1.0``), through httpx.

Every request is signed: ``X-Signature`` is the hex SHA-256 of api key + secret + the current
Unix time in seconds, so it is computed per request (an httpx ``Auth``) and the secret itself
never goes on the wire.

Price: a row's total is the rate's ``net`` — what Hotelbeds charges us for the whole stay —
unless the rate also carries a ``sellingRate`` with ``hotelMandatory`` true. Then the hotel
forbids selling below that figure, so no traveller can be offered less and the selling rate
is the honest comparable price. A non-binding ``sellingRate`` is only a recommendation and
is ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
import uuid
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Literal

import httpx

from wayra.domain import HotelSearch, ProviderResponse
from wayra.money import provider_price
from wayra.providers.base import BookingResult, CancelResult, ProviderError, RepriceResult
from wayra.providers.http import JsonApi, ProviderHTTPError
from wayra.providers.provenance import payload_hash, provider_offer_key

if TYPE_CHECKING:
    from wayra.settings import Settings

OFFER_PREFIX = "hotelbeds:"
API = "/hotel-api/1.0"
_DIGIT = re.compile(r"[1-5]")


def signature(api_key: str, secret: str, unix_seconds: int) -> str:
    """The documented APItude signature: sha256_hex(apiKey + secret + unix seconds)."""
    return hashlib.sha256(f"{api_key}{secret}{unix_seconds}".encode()).hexdigest()


class HotelbedsAuth(httpx.Auth):
    def __init__(self, api_key: str, secret: str, clock: Callable[[], float] = time.time):
        self._api_key = api_key
        self._secret = secret
        self._clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Api-key"] = self._api_key
        request.headers["X-Signature"] = signature(self._api_key, self._secret, int(self._clock()))
        yield request

    def __repr__(self) -> str:
        return "HotelbedsAuth(***)"


def _parse_error(body: Any) -> tuple[str | None, str | None]:
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    if isinstance(error, dict):
        return error.get("message"), error.get("code")
    if isinstance(error, str):  # the API gateway's own rejections are a bare string
        return error, None
    return None, None


def _classify(response: httpx.Response, error: ProviderHTTPError) -> ProviderHTTPError:
    """The gateway signals a per-second quota with 403 "Developer Over Qps": a rate limit,
    not a credential problem. The daily quota ("Over Rate") does not reset soon; leave it."""
    if response.status_code == 403 and "over qps" in response.text.lower():
        return ProviderHTTPError(
            "hotelbeds: rate limited (HTTP 403 over QPS)",
            retryable=True,
            status=403,
            code="over_qps",
            retry_after=error.retry_after or 1.0,
        )
    return error


def stars_from(category_code: Any, category_name: Any) -> int | None:
    """ "4EST" -> 4, "5LUX" -> 5, "H3_5" -> 3; else the first star digit of the name."""
    for text in (category_code, category_name):
        if isinstance(text, str) and (match := _DIGIT.search(text)):
            return int(match.group())
    return None


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def rate_amount(rate: dict) -> Any:
    if rate.get("hotelMandatory") and rate.get("sellingRate") is not None:
        return rate["sellingRate"]
    return rate.get("net")


class HotelbedsHotelProvider:
    name = "hotelbeds"
    category: Literal["hotel"] = "hotel"

    def __init__(
        self,
        api_key: str,
        secret: str,
        base_url: str,
        timeout_seconds: float = 20.0,
        clock: Callable[[], float] = time.time,
    ):
        client = httpx.Client(
            base_url=base_url,
            timeout=timeout_seconds,
            auth=HotelbedsAuth(api_key, secret, clock),
            headers={
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                "Content-Type": "application/json",
            },
        )
        self._api = JsonApi(
            self.name,
            client,
            parse_error=_parse_error,
            reset_headers=("x-ratelimit-reset",),
            secrets=(secret, api_key),
            classify=_classify,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> HotelbedsHotelProvider | None:
        secret = settings.hotelbeds_secret
        if not settings.hotelbeds_api_key or secret is None or not secret.get_secret_value():
            return None
        return cls(
            settings.hotelbeds_api_key,
            secret.get_secret_value(),
            settings.hotelbeds_base_url,
            settings.provider_timeout_seconds,
        )

    def __repr__(self) -> str:
        return f"HotelbedsHotelProvider(base_url={str(self._api.client.base_url)!r})"

    def close(self) -> None:
        self._api.close()

    # --- search ----------------------------------------------------------------------
    def search_hotels(self, search: HotelSearch, at: dt.datetime) -> ProviderResponse:
        at = at.astimezone(dt.UTC)
        body = {
            "stay": {
                "checkIn": search.check_in.isoformat(),
                "checkOut": search.check_out.isoformat(),
            },
            "occupancies": [{"rooms": 1, "adults": search.adults, "children": 0}],
            "destination": {"code": search.city_code},
        }
        answer, latency = self._api.call("POST", f"{API}/hotels", json=body)
        # auditData.token identifies the request on Hotelbeds' side (support asks for it).
        request_id = (answer.get("auditData") or {}).get("token") or str(uuid.uuid4())
        rows: list[dict] = []
        for hotel in (answer.get("hotels") or {}).get("hotels") or []:
            hotel_facts = {k: v for k, v in hotel.items() if k != "rooms"}
            for room in hotel.get("rooms") or []:
                room_facts = {k: v for k, v in room.items() if k != "rates"}
                for rate in room.get("rates") or []:
                    rows.append(self._row(search, at, request_id, hotel_facts, room_facts, rate))
        return ProviderResponse(self.name, request_id, "ok", latency, rows)

    def _row(
        self,
        search: HotelSearch,
        at: dt.datetime,
        request_id: str,
        hotel: dict,
        room: dict,
        rate: dict,
    ) -> dict:
        total_minor, currency = provider_price(rate_amount(rate), hotel.get("currency"))
        rate_key = rate.get("rateKey")
        code = hotel.get("code")
        payload = {"hotel": hotel, "room": room, "rate": rate}
        return {
            "provider": self.name,
            "request_id": request_id,
            "observed_at": at,
            "offer_id": OFFER_PREFIX + rate_key if rate_key else None,
            "city_code": search.city_code,
            "hotel_id": str(code) if code is not None else None,
            "hotel_name": hotel.get("name"),
            "stars": stars_from(hotel.get("categoryCode"), hotel.get("categoryName")),
            "latitude": _float(hotel.get("latitude")),
            "longitude": _float(hotel.get("longitude")),
            # Only geolocation searches return a distance; destination searches do not.
            "distance_km": _float(hotel.get("distance")) if "distance" in hotel else None,
            "check_in": search.check_in,
            "check_out": search.check_out,
            "nights": search.nights,
            "adults": search.adults,
            # The room code (e.g. "DBL.ST") is stable across searches; the name is free text.
            "room_type": room.get("code") or room.get("name"),
            "refundable": rate.get("rateClass") != "NRF" if rate.get("rateClass") else None,
            "rooms_left": _int(rate.get("allotment")),
            "total_minor": total_minor,
            "currency": currency,
            "payload_hash": payload_hash(payload),
        }

    # --- reprice / book / cancel -------------------------------------------------------
    def reprice(self, offer_id: str, at: dt.datetime) -> RepriceResult:
        """CheckRate confirms the rate against the hotel's live inventory and price."""
        rate_key = provider_offer_key(offer_id, OFFER_PREFIX, self.name)
        at = at.astimezone(dt.UTC)
        answer, _ = self._api.call(
            "POST", f"{API}/checkrates", json={"rooms": [{"rateKey": rate_key}]}
        )
        hotel = answer.get("hotel") or {}
        rates = [r for room in hotel.get("rooms") or [] for r in room.get("rates") or []]
        if not rates:
            return RepriceResult(offer_id, at, False, reason="sold_out")
        # A rate may be re-keyed by CheckRate; the one we asked about is the first returned.
        rate = next((r for r in rates if r.get("rateKey") == rate_key), rates[0])
        total_minor, currency = provider_price(rate_amount(rate), hotel.get("currency"))
        if total_minor is None:
            raise ProviderError(f"{self.name}: checkrates came back without a usable price")
        return RepriceResult(
            offer_id,
            at,
            True,
            total_minor=total_minor,
            currency=currency,
            remaining=_int(rate.get("allotment")),
        )

    def book(self, offer_id: str, at: dt.datetime, idempotency_key: str) -> BookingResult:
        raise NotImplementedError(
            "hotelbeds: booking (POST /hotel-api/1.0/bookings with holder and pax) is not "
            "implemented yet"
        )

    def cancel(self, booking_ref: str, at: dt.datetime) -> CancelResult:
        raise NotImplementedError(
            "hotelbeds: cancellation (DELETE /hotel-api/1.0/bookings/{reference}) is not "
            "implemented yet"
        )
