"""Signed webhooks, and the one signature algorithm receivers implement.

Every webhook is an HTTP ``POST`` with a JSON body and these headers:

* ``Content-Type: application/json`` (UTF-8)
* ``Wayra-Event-Id: <id>``: stable across retries of the same event; receivers dedupe on it
  (a retry is sent whenever a delivery may or may not have arrived).
* ``Wayra-Signature: t=<unix seconds>,v1=<hex digest>``

The algorithm (Stripe-style)::

    signed_payload = ASCII(str(t)) + b"." + raw_request_body_bytes
    v1 = lowercase_hex(HMAC_SHA256(key=shared_secret_bytes, msg=signed_payload))

To verify, a receiver:

1. splits the header on ``,`` into ``key=value`` items, takes the single ``t`` and every
   ``v1`` (there may be several while a secret rotates) and ignores keys it does not know;
2. recomputes ``v1`` over the *raw* body bytes as received (never a re-serialised JSON);
3. compares with a constant-time comparison, accepting if any ``v1`` matches;
4. rejects the request if ``|now - t|`` exceeds its tolerance (Wayra uses 300 s), which bounds
   how long a captured request can be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import httpx

from wayra.notifications.errors import DeliveryError, SignatureError

SIGNATURE_HEADER = "Wayra-Signature"
EVENT_ID_HEADER = "Wayra-Event-Id"
SIGNATURE_SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300

# 408 Request Timeout and 429 Too Many Requests are about *when*, not *what*: worth retrying.
_RETRYABLE_4XX = frozenset({408, 429})


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The ``Wayra-Signature`` header value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},{SIGNATURE_SCHEME}={_digest(secret, timestamp, body)}"


def verify(
    secret: bytes,
    header: str,
    body: bytes,
    now: datetime,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> None:
    """Return if ``header`` is a valid, fresh signature of ``body``; raise ``SignatureError``
    ("malformed header", "signature mismatch" or "timestamp outside tolerance") otherwise."""
    timestamp, signatures = _parse_header(header)
    expected = _digest(secret, timestamp, body).encode("ascii")
    # Check every candidate (no early exit) so timing does not reveal which one was close.
    # Bytes, because compare_digest refuses str with non-ASCII characters.
    matched = False
    for candidate in signatures:
        matched |= hmac.compare_digest(candidate.encode("utf-8"), expected)
    if not matched:
        raise SignatureError("signature mismatch")
    if abs(_unix_seconds(now) - timestamp) > tolerance_s:
        raise SignatureError("timestamp outside tolerance")


def post_webhook(
    url: str,
    secret: bytes,
    event_id: str,
    payload: dict[str, Any],
    now: datetime | None = None,
    timeout: float = 10,
) -> int:
    """POST ``payload`` as signed JSON; return the 2xx status or raise ``DeliveryError``.

    Redirects are not followed: a moved endpoint is a configuration change the subscriber has
    to make, and a 3xx counts as a permanent failure.
    """
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    timestamp = _unix_seconds(now or datetime.now(UTC))
    headers = {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: event_id,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        "User-Agent": "Wayra-Webhooks/1",
    }
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(url, content=body, headers=headers)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        # Nothing reached the receiver.
        raise DeliveryError(
            f"webhook connect failed: {exc}", channel="webhook", permanent=False
        ) from exc
    except httpx.UnsupportedProtocol as exc:
        raise DeliveryError(
            f"webhook URL not usable: {exc}", channel="webhook", permanent=True
        ) from exc
    except httpx.TransportError as exc:
        # Connected, and the request may have been read in full before the connection broke
        # or the response timed out. Receivers dedupe on Wayra-Event-Id, so a retry is safe.
        raise DeliveryError(
            f"webhook outcome unknown: {exc!r}", channel="webhook", permanent=False, maybe_sent=True
        ) from exc

    status = response.status_code
    if 200 <= status < 300:
        return status
    permanent = status < 500 and status not in _RETRYABLE_4XX
    raise DeliveryError(
        f"webhook answered HTTP {status}",
        channel="webhook",
        permanent=permanent,
        code=status,
        retry_after_s=_retry_after_seconds(response.headers.get("Retry-After")),
    )


def _digest(secret: bytes, timestamp: int, body: bytes) -> str:
    signed_payload = f"{timestamp}.".encode("ascii") + body
    return hmac.new(secret, signed_payload, hashlib.sha256).hexdigest()


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamps: list[str] = []
    signatures: list[str] = []
    for item in header.split(","):
        key, equals, value = item.strip().partition("=")
        if not equals or not key:
            raise SignatureError("malformed header")
        if key == "t":
            timestamps.append(value)
        elif key == SIGNATURE_SCHEME:
            signatures.append(value)
        # Other keys (future schemes, annotations) are ignored, as documented.
    if len(timestamps) != 1 or not timestamps[0].isascii() or not timestamps[0].isdigit():
        raise SignatureError("malformed header")
    if not signatures:
        raise SignatureError("malformed header")
    return int(timestamps[0]), signatures


def _unix_seconds(moment: datetime) -> int:
    # .timestamp() reads a naive datetime as local time; refuse it rather than guess.
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return int(moment.timestamp())


def _retry_after_seconds(value: str | None) -> float | None:
    # Only the delta-seconds form; an HTTP-date is rare from webhook receivers and the outbox
    # falls back to its own backoff.
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())
