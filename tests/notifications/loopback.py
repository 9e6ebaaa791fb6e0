"""A real HTTP server on 127.0.0.1 (a free port, in a thread) whose answers a test scripts.

``respond`` gets every request and returns a ``Reply``, or ``None`` to read the request in full
and then close the connection without answering: the "did it arrive?" case clients must treat
as maybe delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.loopback_server import ThreadedLoopbackServer


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Responder = Callable[[ReceivedRequest], Reply | None]


class LoopbackHTTPServer(ThreadedLoopbackServer):
    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.requests: list[ReceivedRequest] = []
        super().__init__(self._handler_class())

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                request = ReceivedRequest(
                    method=self.command,
                    path=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=self.rfile.read(length),
                )
                loopback.requests.append(request)
                reply = loopback.respond(request)
                if reply is None:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

        return Handler
