"""Signed, expiring action links ("open this recommendation", later "approve this booking").

A token is ``<payload>.<mac>``, both base64url without padding:

* payload: compact JSON ``{"a": alert_id, "x": action, "e": expires_at_unix_seconds}``
* mac: ``HMAC-SHA256(secret, b"wayra.link.v1." + payload_ascii)``

The ``wayra.link.v1.`` prefix separates link MACs from every other use of the signing secret
(webhook signatures use it too), so a signature made for one purpose never validates another.
Stdlib only, on purpose: the format is small enough to audit in one screen.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from wayra.notifications.errors import LinkError

_MAC_CONTEXT = b"wayra.link.v1."
OPEN_PATH = "/v1/alerts/open"


@dataclass(frozen=True, slots=True)
class LinkClaims:
    alert_id: str
    action: str
    expires_at: datetime  # UTC, whole seconds


def make_link_token(secret: bytes, alert_id: str, action: str, expires_at: datetime) -> str:
    """A URL-safe token naming ``alert_id`` and ``action``, valid until ``expires_at``."""
    payload = json.dumps(
        {"a": alert_id, "x": action, "e": _unix_seconds(expires_at)},
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode("ascii")
    payload_b64 = _b64encode(payload)
    return f"{payload_b64}.{_b64encode(_mac(secret, payload_b64))}"


def read_link_token(secret: bytes, token: str, now: datetime) -> LinkClaims:
    """The claims of a genuine, unexpired token; raises ``LinkError`` otherwise.

    The MAC is checked before the payload is parsed, so nothing an attacker wrote is
    interpreted; expiry is checked last, so an "expired" answer is only given for tokens we
    really issued.
    """
    payload_b64, dot, mac_b64 = token.partition(".")
    if not token.isascii() or not dot or not payload_b64 or not mac_b64:
        raise LinkError("malformed")
    try:
        presented_mac = _b64decode(mac_b64)
    except ValueError:
        raise LinkError("malformed") from None
    if not hmac.compare_digest(presented_mac, _mac(secret, payload_b64)):
        raise LinkError("bad signature")
    try:
        claims = json.loads(_b64decode(payload_b64))
        alert_id, action, expires_unix = claims["a"], claims["x"], claims["e"]
    except (ValueError, KeyError, TypeError):
        raise LinkError("malformed") from None
    if not (isinstance(alert_id, str) and isinstance(action, str) and type(expires_unix) is int):
        raise LinkError("malformed")
    if _unix_seconds(now) >= expires_unix:
        raise LinkError("expired")
    return LinkClaims(alert_id, action, datetime.fromtimestamp(expires_unix, UTC))


def action_url(base_url: str, token: str, path: str = OPEN_PATH) -> str:
    """The public URL that opens the token's action, e.g.
    ``https://wayra.example/v1/alerts/open?token=...``."""
    return f"{base_url.rstrip('/')}{path}?{urlencode({'token': token})}"


def _mac(secret: bytes, payload_b64: str) -> bytes:
    return hmac.new(secret, _MAC_CONTEXT + payload_b64.encode("ascii"), hashlib.sha256).digest()


def _unix_seconds(moment: datetime) -> int:
    # A naive datetime would be read as local time by .timestamp(): refuse it rather than
    # silently shift expiries by the server's UTC offset.
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return int(moment.timestamp())


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("not base64url") from None
    # validate=True rejects stray characters instead of silently skipping them.
    try:
        return base64.b64decode(raw + b"=" * (-len(raw) % 4), altchars=b"-_", validate=True)
    except binascii.Error:
        raise ValueError("not base64url") from None
