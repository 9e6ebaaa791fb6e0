"""A loopback Twilio: speaks the 2010-04-01 REST API's Messages endpoint well enough for the
real ``twilio`` SDK.

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded ``To``/``From``/
  ``Body``, HTTP basic auth ``AccountSid:AuthToken``.
* Success: ``201`` with a Message resource shaped like Twilio's (``sid`` "SM" + 32 hex,
  ``status`` "queued", RFC 2822 dates, ``uri``, ``subresource_uris`` ...).
* Errors use Twilio's legacy error body ``{code, message, more_info, status}``: 401/20003 for
  bad credentials, 400/21211 for numbers in ``invalid_numbers``, or whatever ``fail_next``
  queued; ``drop_next`` reads the request and hangs up without answering.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections import deque
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

from tests.notifications.loopback import LoopbackHTTPServer, ReceivedRequest, Reply

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "loopback-auth-token-5c1e"
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def twilio_error(status: int, code: int, message: str) -> Reply:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Reply(status, json.dumps(body).encode(), JSON_HEADERS)


class TwilioLoopback(LoopbackHTTPServer):
    def __init__(self, *, invalid_numbers: frozenset[str] = frozenset()) -> None:
        super().__init__(self._route)
        self.invalid_numbers = invalid_numbers
        self._queued: deque[Reply | None] = deque()

    def fail_next(self, reply: Reply) -> None:
        self._queued.append(reply)

    def drop_next(self) -> None:
        self._queued.append(None)

    def form(self, index: int = -1) -> dict[str, list[str]]:
        return parse_qs(self.requests[index].body.decode())

    def basic_auth(self, index: int = -1) -> tuple[str, str]:
        scheme, _, encoded = self.requests[index].headers["authorization"].partition(" ")
        assert scheme == "Basic"
        username, _, password = base64.b64decode(encoded).decode().partition(":")
        return username, password

    def _route(self, request: ReceivedRequest) -> Reply | None:
        if self._queued:
            return self._queued.popleft()
        if request.path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
            return twilio_error(404, 20404, "The requested resource was not found")
        expected_auth = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected_auth}":
            return twilio_error(401, 20003, "Authenticate")
        form = {name: values[0] for name, values in parse_qs(request.body.decode()).items()}
        if form.get("To") in self.invalid_numbers:
            return twilio_error(400, 21211, f"Invalid 'To' Phone Number: {form['To']}")
        return Reply(201, json.dumps(self._message_resource(form)).encode(), JSON_HEADERS)

    @staticmethod
    def _message_resource(form: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC).replace(microsecond=0))
        uri = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"
        return {
            "account_sid": ACCOUNT_SID,
            "api_version": "2010-04-01",
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": uri.removesuffix(".json") + "/Media.json"},
            "to": form.get("To"),
            "uri": uri,
        }
