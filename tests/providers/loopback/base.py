"""What every loopback provider server shares: a real HTTP server on 127.0.0.1 in a thread,
JSON bodies (gzipped when the client asks), a record of every request, and programmed faults
(status + body + headers, or a delay) for the next N calls. Subclasses speak the provider's
protocol in ``_route``."""

from __future__ import annotations

import gzip
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.loopback_server import ThreadedLoopbackServer


@dataclass
class Fault:
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds slept before answering normally (status ignored if > 0)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class JsonLoopback(ThreadedLoopbackServer):
    content_type = "application/json; charset=utf-8"

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._faults: list[Fault | None] = []
        self._lock = threading.Lock()
        super().__init__(self._handler())

    # --- programming -----------------------------------------------------------------
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

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    # --- the provider's protocol -----------------------------------------------------
    def _route(self, req: RecordedRequest) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    # --- HTTP plumbing ---------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if raw and self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
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
                if payload is None:
                    data = b""
                elif isinstance(payload, str):
                    data = payload.encode()
                else:
                    data = json.dumps(payload).encode()
                gz = "gzip" in (self.headers.get("Accept-Encoding") or "") and data
                if gz:
                    data = gzip.compress(data)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", server.content_type)
                    if gz:
                        self.send_header("Content-Encoding", "gzip")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test); nothing to tell it

            do_GET = _serve
            do_POST = _serve
            do_DELETE = _serve

        return Handler
