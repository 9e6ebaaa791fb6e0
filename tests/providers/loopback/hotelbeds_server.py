"""A loopback HTTP server that speaks the Hotelbeds APItude Booking API (availability and
CheckRate).

Auth is checked as the gateway does: ``Api-key`` must be known and ``X-Signature`` must equal
sha256_hex(apiKey + secret + t) for some Unix second t within ``skew_seconds`` of the
server's clock, computed with the server's own copy of the secret. Bodies come from
``tests/providers/hotelbeds/bodies``; faults (status + body + headers, or a delay) are
programmed for the next N calls and every request is recorded.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

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


@dataclass
class Fault:
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class HotelbedsLoopback:
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
        self.requests: list[RecordedRequest] = []
        self._faults: list[Fault | None] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> HotelbedsLoopback:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        after: int = 0,
    ) -> None:
        """Answer the next ``count`` calls with this fault, once ``after`` calls have passed."""
        with self._lock:
            self._faults.extend([None] * after)
            self._faults.extend(
                Fault(status, body, dict(headers or {}), delay) for _ in range(count)
            )

    def _take_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

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

    # --- HTTP plumbing ---------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                url = urlsplit(self.path)
                req = RecordedRequest(
                    self.command,
                    url.path,
                    parse_qs(url.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                server.requests.append(req)
                fault = server._take_fault()
                if fault is not None and fault.delay > 0:
                    time.sleep(fault.delay)
                    fault = None
                if fault is not None:
                    status, payload, headers = fault.status, fault.body, fault.headers
                else:
                    status, payload, headers = server._route(req)
                self._reply(status, payload, headers)

            def _reply(self, status: int, payload: Any, headers: dict[str, str]) -> None:
                data = (
                    b""
                    if payload is None
                    else (
                        payload.encode()
                        if isinstance(payload, str)
                        else json.dumps(payload).encode()
                    )
                )
                gz = "gzip" in (self.headers.get("Accept-Encoding") or "") and data
                if gz:
                    data = gzip.compress(data)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json;charset=UTF-8")
                    if gz:
                        self.send_header("Content-Encoding", "gzip")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = _serve
            do_POST = _serve
            do_DELETE = _serve

        return Handler
