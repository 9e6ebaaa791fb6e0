"""Duffel (flights) over its REST API v2, through httpx.

A search is two steps: create an offer request without inline offers, then page through
``GET /air/offers`` for it. Paging keeps each response small and lets a slow search fail on
one page instead of on one enormous body.

Duffel gives segment times in the airport's local time without an offset; rows carry aware
UTC, so each time is placed in its airport's zone (``airportsdata``, falling back to the
``time_zone`` Duffel sends with the airport). A time that cannot be placed stays None and the
data contract quarantines the row rather than the connector guessing.

Duffel's docs ask clients not to retry a 500/502. That advice is about creating orders, where
a retry could book twice; searches and offer reads are safe to repeat, so 5xx stays retryable
here and booking, when it lands, must use its own policy.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Literal

import httpx

from wayra.domain import Cabin, FlightSearch, ProviderResponse
from wayra.money import provider_price
from wayra.providers.airport_time import airport_local_to_utc
from wayra.providers.base import BookingResult, CancelResult, ProviderError, RepriceResult
from wayra.providers.http import JsonApi, ProviderHTTPError
from wayra.providers.provenance import payload_hash, provider_offer_key

if TYPE_CHECKING:
    from wayra.settings import Settings

log = logging.getLogger(__name__)

DUFFEL_VERSION = "v2"
OFFER_PREFIX = "duffel:"
PAGE_LIMIT = 200  # Duffel's maximum page size
MAX_PAGES = 10
# Errors on "get single offer" that mean the offer is gone, not that the call failed.
_GONE_CODES = {"offer_no_longer_available", "not_found", "offer_expired"}


def local_to_utc(local: str | None, place: dict | None) -> dt.datetime | None:
    """A Duffel local time at ``place`` (an airport object, which carries its own zone)."""
    place = place or {}
    return airport_local_to_utc(local, place.get("iata_code"), place.get("time_zone"))


def _parse_error(body: Any) -> tuple[str | None, str | None]:
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors or not isinstance(errors, list):
        return None, None
    messages = [e.get("message") or e.get("title") for e in errors if isinstance(e, dict)]
    first = errors[0] if isinstance(errors[0], dict) else {}
    return "; ".join(m for m in messages if m) or None, first.get("code")


class DuffelFlightProvider:
    name = "duffel"
    category: Literal["flight"] = "flight"

    def __init__(self, access_token: str, base_url: str, timeout_seconds: float = 20.0):
        client = httpx.Client(
            base_url=base_url,
            timeout=timeout_seconds,
            headers={
                "Authorization": f"Bearer {access_token}",
                "Duffel-Version": DUFFEL_VERSION,
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                "Content-Type": "application/json",
            },
        )
        self._api = JsonApi(
            self.name,
            client,
            parse_error=_parse_error,
            reset_headers=("ratelimit-reset",),
            secrets=(access_token,),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> DuffelFlightProvider | None:
        token = settings.duffel_access_token
        if token is None or not token.get_secret_value():
            return None
        return cls(
            token.get_secret_value(), settings.duffel_base_url, settings.provider_timeout_seconds
        )

    def __repr__(self) -> str:
        return f"DuffelFlightProvider(base_url={str(self._api.client.base_url)!r})"

    def close(self) -> None:
        self._api.close()

    # --- search ----------------------------------------------------------------------
    def search_flights(self, search: FlightSearch, at: dt.datetime) -> ProviderResponse:
        at = at.astimezone(dt.UTC)
        cabin = Cabin(search.cabin)
        body = {
            "data": {
                "slices": [
                    {
                        "origin": search.origin,
                        "destination": search.destination,
                        "departure_date": search.departure_date.isoformat(),
                    }
                ],
                "passengers": [{"type": "adult"} for _ in range(search.adults)],
                "cabin_class": cabin.value.lower(),
            }
        }
        created, latency = self._api.call(
            "POST", "/air/offer_requests", params={"return_offers": "false"}, json=body
        )
        request_id = (created.get("data") or {}).get("id")
        if not request_id:
            raise ProviderError(f"{self.name}: offer request answer carried no id")

        rows: list[dict] = []
        after: str | None = None
        for _ in range(MAX_PAGES):
            params = {"offer_request_id": request_id, "limit": PAGE_LIMIT}
            if after:
                params["after"] = after
            page, page_latency = self._api.call("GET", "/air/offers", params=params)
            latency += page_latency
            for offer in page.get("data") or []:
                rows.append(self._row(offer, search, cabin, request_id, at))
            after = (page.get("meta") or {}).get("after")
            if not after:
                break
        else:
            log.warning("%s: stopped after %d pages for %s", self.name, MAX_PAGES, request_id)
        return ProviderResponse(self.name, request_id, "ok", latency, rows)

    def _row(
        self, offer: dict, search: FlightSearch, cabin: Cabin, request_id: str, at: dt.datetime
    ) -> dict:
        slices = offer.get("slices") or [{}]
        segments = slices[0].get("segments") or []
        first = segments[0] if segments else {}
        last = segments[-1] if segments else {}
        departure_at = local_to_utc(first.get("departing_at"), first.get("origin"))
        arrival_at = local_to_utc(last.get("arriving_at"), last.get("destination"))
        duration = None
        if departure_at and arrival_at:
            duration = int((arrival_at - departure_at).total_seconds() // 60)
        marketing = (first.get("marketing_carrier") or {}).get("iata_code")
        number = first.get("marketing_carrier_flight_number")
        total_minor, currency = provider_price(
            offer.get("total_amount"), offer.get("total_currency")
        )
        offer_id = offer.get("id")
        return {
            "provider": self.name,
            "request_id": request_id,
            "observed_at": at,
            "offer_id": OFFER_PREFIX + offer_id if offer_id else None,
            "origin": search.origin,
            "destination": search.destination,
            "departure_date": search.departure_date,
            "carrier": (offer.get("owner") or {}).get("iata_code"),
            "flight_number": f"{marketing}{number}" if marketing and number else None,
            "stops": len(segments) - 1 if segments else None,
            "cabin": cabin.value,
            "adults": search.adults,
            "departure_at": departure_at,
            "arrival_at": arrival_at,
            "duration_minutes": duration,
            # Duffel exposes no booking class, and a fare basis is not one: leave it unknown.
            "fare_bucket": None,
            # Offers carry no seat count; seat maps would, at one extra call per offer.
            "seats_left": None,
            "promotion": None,
            "total_minor": total_minor,
            "currency": currency,
            # The provider's own bytes, so a row can be traced to exactly what was said.
            "payload_hash": payload_hash(offer),
        }

    # --- reprice / book / cancel -------------------------------------------------------
    def reprice(self, offer_id: str, at: dt.datetime) -> RepriceResult:
        """Duffel's "get single offer" asks the airline again, so its price is the live one."""
        duffel_id = provider_offer_key(offer_id, OFFER_PREFIX, self.name)
        at = at.astimezone(dt.UTC)
        try:
            answer, _ = self._api.call(
                "GET", f"/air/offers/{duffel_id}", params={"return_available_services": "false"}
            )
        except ProviderHTTPError as exc:
            if exc.status in (404, 410, 422) and (exc.status == 404 or exc.code in _GONE_CODES):
                return RepriceResult(offer_id, at, False, reason="unknown_offer")
            raise
        offer = answer.get("data") or {}
        expires = offer.get("expires_at")
        if expires:
            try:
                if dt.datetime.fromisoformat(expires.replace("Z", "+00:00")) <= at:
                    return RepriceResult(offer_id, at, False, reason="expired")
            except ValueError:
                pass
        total_minor, currency = provider_price(
            offer.get("total_amount"), offer.get("total_currency")
        )
        if total_minor is None:
            raise ProviderError(f"{self.name}: offer {duffel_id} came back without a usable price")
        return RepriceResult(offer_id, at, True, total_minor=total_minor, currency=currency)

    def book(self, offer_id: str, at: dt.datetime, idempotency_key: str) -> BookingResult:
        raise NotImplementedError(
            "duffel: booking (POST /air/orders with passenger details and payment) is not "
            "implemented yet"
        )

    def cancel(self, booking_ref: str, at: dt.datetime) -> CancelResult:
        raise NotImplementedError(
            "duffel: cancellation (POST /air/order_cancellations + confirm) is not implemented yet"
        )
