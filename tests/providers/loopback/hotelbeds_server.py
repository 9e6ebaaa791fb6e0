"""A loopback HTTP server that speaks the Hotelbeds APItude Booking API (availability and
CheckRate).

Auth is checked as the gateway does: ``Api-key`` must be known and ``X-Signature`` must equal
sha256_hex(apiKey + secret + t) for some Unix second t within ``skew_seconds`` of the
server's clock, computed with the server's own copy of the secret. Bodies come from
``tests/providers/hotelbeds/bodies``; faults (status + body + headers, or a delay) are
programmed for the next N calls and every request is recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.providers.loopback.base import JsonLoopback, RecordedRequest

BODIES = Path(__file__).resolve().parent.parent / "hotelbeds" / "bodies"
API = "/hotel-api/1.0"


def load_body(name: str) -> Any:
    return json.loads((BODIES / name).read_text())


def documented_signature(api_key: str, secret: str, unix_seconds: int) -> str:
    # Written out independently of the connector so the test checks the algorithm itself.
    return hashlib.sha256((api_key + secret + str(unix_seconds)).encode("utf-8")).hexdigest()


def hotelbeds_error(code: str, message: str) -> dict:
    return {
        "auditData": {"processTime": "1", "timestamp": time.strftime("%Y-%m-%d %H:%M:%S")},
        "error": {"code": code, "message": message},
    }


class HotelbedsLoopback(JsonLoopback):
    def __init__(
        self,
        api_key: str,
        secret: str,
        *,
        skew_seconds: int = 300,
        clock: Callable[[], float] = time.time,
    ):
        self.api_key = api_key
        self._secret = secret
        self.skew_seconds = skew_seconds
        self.clock = clock
        self.availability = load_body("availability.json")
        self.empty = load_body("availability_empty.json")
        self.checkrates = load_body("checkrates.json")
        self.destinations = {"BCN"}
        super().__init__()

    # --- auth ------------------------------------------------------------------------
    def signature_valid(self, api_key: str | None, signature: str | None) -> bool:
        if api_key != self.api_key or not signature:
            return False
        now = int(self.clock())
        return any(
            hmac.compare_digest(documented_signature(api_key, self._secret, t), signature.lower())
            for t in range(now - self.skew_seconds, now + self.skew_seconds + 1)
        )

    # --- routing ---------------------------------------------------------------------
    def _route(self, req: RecordedRequest) -> tuple[int, Any, dict[str, str]]:
        if not self.signature_valid(req.headers.get("api-key"), req.headers.get("x-signature")):
            # The gateway answers before the API, with a bare string rather than an object.
            return 401, {"error": "Request signature verification failed"}, {}
        if req.method == "POST" and req.path == f"{API}/hotels":
            return self._availability(req.body)
        if req.method == "POST" and req.path == f"{API}/checkrates":
            return self._checkrates(req.body)
        return 404, hotelbeds_error("INVALID_REQUEST", f"Unknown resource {req.path}"), {}

    def _availability(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict):
            return 400, hotelbeds_error("INVALID_REQUEST", "Request body is not valid JSON"), {}
        stay = body.get("stay") or {}
        occupancies = body.get("occupancies") or []
        destination = (body.get("destination") or {}).get("code")
        if not stay.get("checkIn") or not stay.get("checkOut"):
            return (
                400,
                hotelbeds_error("INVALID_REQUEST", "stay.checkIn and stay.checkOut are mandatory"),
                {},
            )
        if not occupancies or not all(
            isinstance(o, dict) and o.get("rooms", 0) >= 1 and o.get("adults", 0) >= 1
            for o in occupancies
        ):
            return (
                400,
                hotelbeds_error("INVALID_REQUEST", "occupancies need rooms >= 1 and adults >= 1"),
                {},
            )
        if not destination:
            return (
                400,
                hotelbeds_error(
                    "INVALID_REQUEST", "A destination, hotels or geolocation filter is mandatory"
                ),
                {},
            )
        return 200, self.availability if destination in self.destinations else self.empty, {}

    def _checkrates(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        rooms = (body or {}).get("rooms") if isinstance(body, dict) else None
        if not rooms or not isinstance(rooms[0], dict) or not rooms[0].get("rateKey"):
            return 400, hotelbeds_error("INVALID_REQUEST", "rooms[].rateKey is mandatory"), {}
        wanted = rooms[0]["rateKey"]
        known = self.checkrates["hotel"]["rooms"][0]["rates"][0]["rateKey"]
        if wanted != known:
            return (
                400,
                hotelbeds_error("INVALID_DATA", "Rate key not valid or no longer available"),
                {},
            )
        return 200, self.checkrates, {}
