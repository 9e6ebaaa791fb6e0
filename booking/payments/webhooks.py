"""Stripe webhooks: trust only what Stripe signed recently, act on each event once.

Forged or tampered payloads fail the signature check; a captured delivery replayed later
fails the freshness check; a replay inside the tolerance window (or Stripe's own redelivery)
carries an event id already seen, and ``process_once`` ignores it without side effects.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

import stripe

DEFAULT_TOLERANCE_S = 300  # Stripe's own default


class WebhookRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verify_event(
    payload: bytes,
    signature_header: str,
    secret: str,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> stripe.Event:
    """The event in ``payload`` if ``signature_header`` proves Stripe signed it with ``secret``
    within ``tolerance_s`` of ``now`` (default: the wall clock); else ``WebhookRejected``."""
    try:
        # tolerance=0 switches off only the SDK's freshness check, which reads the wall clock
        # itself; freshness is checked below against a clock the tests can set.
        event = stripe.Webhook.construct_event(payload, signature_header, secret, tolerance=0)
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected(f"signature: {exc.user_message}") from exc
    except ValueError as exc:  # undecodable bytes or JSON, signed or not
        raise WebhookRejected(f"malformed payload: {exc}") from exc
    signed_at = _signed_timestamp(signature_header)
    current = time.time() if now is None else now
    # Also refuse timestamps from the future: beyond the tolerance one of the clocks is wrong.
    if abs(current - signed_at) > tolerance_s:
        raise WebhookRejected(
            f"stale: signed at {signed_at}, age {current - signed_at:.0f}s, "
            f"tolerance {tolerance_s}s"
        )
    return event


def process_once(
    event: stripe.Event,
    seen: Callable[[str], bool],
    handle: Callable[[stripe.Event], object],
) -> bool:
    """Run ``handle(event)`` unless this event id was handled before; returns whether it ran.

    ``seen(event_id)`` must record the id and return whether it was already recorded, in one
    atomic step (``INSERT ... ON CONFLICT DO NOTHING RETURNING``: psycopg reports -1 as the
    row count of a plain one). Run it in the same
    transaction as ``handle``'s writes: if ``handle`` raises, the rollback forgets the id and
    Stripe's redelivery is handled normally instead of being dropped as a replay.
    """
    if seen(event.id):
        return False
    handle(event)
    return True


def sign_test_payload(payload: bytes | str, secret: str, timestamp: int) -> str:
    """A ``Stripe-Signature`` header built as Stripe documents it, independently of the SDK:
    ``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<payload>" keyed with the secret>``."""
    body = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}.{body}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def _signed_timestamp(signature_header: str) -> int:
    # Parsed exactly as the SDK parses it (the first "t" item), so this is the timestamp the
    # signature it has just accepted covers.
    for parts in (item.split("=", 2) for item in signature_header.split(",")):
        if parts[0] == "t":
            return int(parts[1])
    raise WebhookRejected("signature: no timestamp")
