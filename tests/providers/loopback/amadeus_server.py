"""A loopback Amadeus: a real HTTP server on 127.0.0.1 that speaks the Self-Service wire
protocol well enough for the real ``amadeus`` SDK, answering with recorded bodies.

* POST /v1/security/oauth2/token (form-encoded client_credentials) issues a fresh token with
  a configurable ``expires_in``; wrong credentials get Amadeus' 401 body.
* Every API call needs a live bearer token; an unknown, expired or revoked one gets Amadeus'
  401 ``{"errors": [{"status": 401, "code": 38192, "title": "Invalid access token", ...}]}``.
* Faults are queued for the next N API calls: a status (429 with Retry-After, 5xx, 400 with an
  Amadeus error body) or a delay before answering.
* Every request is recorded (path, query, headers without Authorization values, body).

Use it as a context manager::

    with AmadeusLoopback() as server:
        settings = Settings(amadeus_base_url=server.base_url, ...)
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEFAULT_FIXTURES = Path(__file__).resolve().parent.parent / "amadeus" / "fixtures"
CONTENT_TYPE = "application/vnd.amadeus+json"  # the SDK parses only this or application/json

CLIENT_ID = "loopback-client-id-7f3a"
CLIENT_SECRET = "loopback-secret-Zq9!kW2"

# Recorded body per (method, path); GET and POST flight search share one (method override).
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/v2/shopping/flight-offers"): "flight_search_offer_response_ok.json",
    ("POST", "/v2/shopping/flight-offers"): "flight_search_offer_response_ok.json",
    ("POST", "/v1/shopping/flight-offers/pricing"): "flight_search_offer_pricing_response_ok.json",
    ("POST", "/v1/booking/flight-orders"): "flight_create_order_response.json",
    ("GET", "/v1/reference-data/locations/hotels/by-city"): "hotels_by_city_response_ok.json",
    ("GET", "/v3/shopping/hotel-offers"): "hotel_offers_search_response_ok.json",
    ("POST", "/v2/booking/hotel-orders"): "hotel_orders_response_ok.json",
}
HOTEL_OFFER_PREFIX = "/v3/shopping/hotel-offers/"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())


@dataclass
class Fault:
    status: int | None = None
    delay: float = 0.0
    retry_after: str | None = None
    body: dict | None = None
    path: str | None = None  # only calls to this path take the fault


@dataclass
class _State:
    expires_in: int
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (epoch s)
    token_requests: int = 0
    faults: deque[Fault] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def amadeus_error(status: int, code: int, title: str, detail: str | None = None) -> dict:
    error: dict[str, Any] = {"status": status, "code": code, "title": title}
    if detail:
        error["detail"] = detail
    return {"errors": [error]}


class AmadeusLoopback:
    def __init__(
        self,
        *,
        fixtures: Path = DEFAULT_FIXTURES,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        expires_in: int = 1799,
        hotel_offers: str = "recorded",
        by_city_page_size: int | None = None,
    ):
        """``hotel_offers="echo"`` answers Hotel Search with the recorded offer cloned once per
        requested hotel id (ids and offer ids swapped in) instead of the fixed recording, so
        batching is observable. ``by_city_page_size`` paginates the hotel list via
        ``meta.links.next``."""
        self.fixtures = fixtures
        self.client_id = client_id
        self.client_secret = client_secret
        self.hotel_offers = hotel_offers
        self.by_city_page_size = by_city_page_size
        self.state = _State(expires_in=expires_in)
        self._bodies: dict[str, dict] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> AmadeusLoopback:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"loopback": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for it, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- fixtures ------------------------------------------------------------------------
    def set_body(self, name: str, body: dict) -> None:
        """Answer with ``body`` wherever the recording ``name`` would be sent."""
        self._bodies[name] = copy.deepcopy(body)

    def body(self, name: str) -> dict:
        """A fresh copy of a recorded body (callers may mutate it)."""
        if name not in self._bodies:
            self._bodies[name] = json.loads((self.fixtures / name).read_text())
        return copy.deepcopy(self._bodies[name])

    # --- programming faults and tokens ---------------------------------------------------
    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: str | int | None = None,
        body: dict | None = None,
        path: str | None = None,
    ) -> None:
        for _ in range(times):
            self.state.faults.append(
                Fault(status, 0.0, None if retry_after is None else str(retry_after), body, path)
            )

    def delay_next(self, seconds: float, *, times: int = 1, path: str | None = None) -> None:
        for _ in range(times):
            self.state.faults.append(Fault(None, seconds, path=path))

    def revoke_tokens(self) -> None:
        with self.state.lock:
            self.state.tokens.clear()

    def set_expires_in(self, seconds: int) -> None:
        self.state.expires_in = seconds

    # --- what was asked ------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self.state.requests)

    @property
    def token_requests(self) -> int:
        return self.state.token_requests

    def api_requests(self, path: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.path != "/v1/security/oauth2/token" and (path is None or r.path == path)
        ]


class _Handler(BaseHTTPRequestHandler):
    loopback: AmadeusLoopback
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # --- plumbing ------------------------------------------------------------------------
    def _send(self, status: int, body: dict | None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        try:
            self.send_response(status)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("ama-request-id", f"loopback-{secrets.token_hex(6)}")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and went away

    def _handle(self, method: str) -> None:
        lb = self.loopback
        state = lb.state
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {
            k: ("<redacted>" if k.lower() == "authorization" else v)
            for k, v in self.headers.items()
        }
        is_token = url.path == "/v1/security/oauth2/token"
        # The token form carries the client secret: keep it out of what tests can print.
        recorded_body = b"<redacted client_credentials form>" if is_token and raw else raw
        with state.lock:
            state.requests.append(
                RecordedRequest(method, url.path, parse_qs(url.query), headers, recorded_body)
            )
        if is_token:
            self._token(method, raw)
            return
        if not self._authorised():
            self._send(
                401,
                {
                    "errors": [
                        {
                            "status": 401,
                            "code": 38192,
                            "title": "Invalid access token",
                            "detail": "The access token provided in the Authorization header "
                            "is invalid",
                            "source": {"pointer": "Authorization", "example": "Bearer abc"},
                        }
                    ]
                },
            )
            return
        fault = self._take_fault(url.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status is not None:
                self._send_fault(fault)
                return
        self._route(method, url.path, parse_qs(url.query))

    def _token(self, method: str, raw: bytes) -> None:
        lb = self.loopback
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if method != "POST" or form.get("grant_type") != "client_credentials":
            self._send(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "Only client_credentials value is allowed for the "
                    "body parameter grant_type",
                    "code": 38187,
                    "title": "Invalid parameters",
                },
            )
            return
        with lb.state.lock:
            lb.state.token_requests += 1
        if form.get("client_id") != lb.client_id or form.get("client_secret") != lb.client_secret:
            self._send(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Client credentials are invalid",
                    "code": 38187,
                    "title": "Invalid parameters",
                },
            )
            return
        token = secrets.token_urlsafe(21)
        body = lb.body("auth_ok.json")
        body["access_token"] = token
        body["client_id"] = lb.client_id
        body["expires_in"] = lb.state.expires_in
        with lb.state.lock:
            lb.state.tokens[token] = time.time() + lb.state.expires_in
        self._send(200, body)

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or not token:
            return False
        with self.loopback.state.lock:
            expiry = self.loopback.state.tokens.get(token)
        return expiry is not None and expiry > time.time()

    def _take_fault(self, path: str) -> Fault | None:
        faults = self.loopback.state.faults
        with self.loopback.state.lock:
            for i, fault in enumerate(faults):
                if fault.path is None or fault.path == path:
                    del faults[i]
                    return fault
        return None

    def _send_fault(self, fault: Fault) -> None:
        status = fault.status or 500
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        body = fault.body
        if body is None:
            body = {
                429: amadeus_error(429, 38194, "Too many requests"),
                400: amadeus_error(400, 477, "INVALID FORMAT", "invalid query parameter format"),
            }.get(status, amadeus_error(status, 141, "SYSTEM ERROR HAS OCCURRED"))
        self._send(status, body, headers)

    # --- endpoints -----------------------------------------------------------------------
    def _route(self, method: str, path: str, query: dict[str, list[str]]) -> None:
        lb = self.loopback
        if method == "GET" and path.startswith(HOTEL_OFFER_PREFIX):
            body = lb.body("hotel_offer_search_response_ok.json")
            body["data"]["offers"][0]["id"] = path[len(HOTEL_OFFER_PREFIX) :]
            self._send(200, body)
            return
        name = ROUTES.get((method, path))
        if name is None:
            self._send(404, amadeus_error(404, 38196, "Resource not found", f"{method} {path}"))
            return
        body = lb.body(name)
        if path == "/v1/reference-data/locations/hotels/by-city" and lb.by_city_page_size:
            body = self._page(body, query, lb.by_city_page_size)
        if path == "/v3/shopping/hotel-offers" and lb.hotel_offers == "echo":
            body = self._echo_hotel_offers(body, query)
        self._send(200, body)

    def _page(self, body: dict, query: dict[str, list[str]], size: int) -> dict:
        offset = int((query.get("page[offset]") or ["0"])[0])
        data = body["data"]
        body["data"] = data[offset : offset + size]
        links = {"self": f"{self.loopback.base_url}{self.path}"}
        if offset + size < len(data):
            city = (query.get("cityCode") or [""])[0]
            links["next"] = (
                f"{self.loopback.base_url}/v1/reference-data/locations/hotels/by-city"
                f"?cityCode={city}&page%5Boffset%5D={offset + size}"
            )
        body["meta"] = {"count": len(data), "links": links}
        return body

    def _echo_hotel_offers(self, body: dict, query: dict[str, list[str]]) -> dict:
        template = body["data"][0]
        ids = ",".join(query.get("hotelIds") or []).split(",")
        data = []
        for hotel_id in filter(None, ids):
            entry = copy.deepcopy(template)
            entry["hotel"]["hotelId"] = hotel_id
            entry["offers"][0]["id"] = f"OF{hotel_id}"
            data.append(entry)
        return {"data": data}
