"""Stripe webhooks for bookings: verified, handled once, informational only.

``booking.payments.verify_event`` rejects forged, tampered and stale deliveries before
anything is read. A genuine event's id is claimed in ``stripe_webhook_events`` (INSERT ...
ON CONFLICT DO NOTHING) in the same transaction as its effect, so a replay or Stripe's own
redelivery changes nothing, and a failed handler leaves the event for the redelivery.

The effect is deliberately small: the payment row remembers the newest event about its
intent (support can see that Stripe cancelled an expired hold, say). The saga never acts on
webhooks; it asks Stripe directly when it needs to know, so a lost or reordered webhook
cannot move money.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from booking.payments import process_once, verify_event
from wayra.opstore.booking_models import BookingPayment, StripeWebhookEvent


@dataclass(frozen=True, slots=True)
class WebhookOutcome:
    event_id: str
    type: str
    processed: bool  # False: already handled (a replay or redelivery), nothing done


def handle_stripe_webhook(
    session_factory: sessionmaker[Session],
    payload: bytes,
    signature_header: str,
    secret: str,
    *,
    now: float | None = None,
) -> WebhookOutcome:
    """Verify and apply one delivery; raises ``booking.payments.WebhookRejected``."""
    event = verify_event(payload, signature_header, secret, now=now)
    obj = event.data.object
    intent_id = _intent_id(event.type, obj)
    created = dt.datetime.fromtimestamp(int(event.created), dt.UTC)
    with session_factory.begin() as session:
        payment = (
            session.scalar(
                select(BookingPayment).where(BookingPayment.payment_intent_id == intent_id)
            )
            if intent_id
            else None
        )

        def seen(event_id: str) -> bool:
            row = {
                "event_id": event_id,
                "type": event.type,
                "payment_intent_id": intent_id,
                "booking_id": payment.booking_id if payment is not None else None,
                "stripe_created_at": created,
                "received_at": dt.datetime.now(dt.UTC),
            }
            return not _insert_if_new(session, row)

        def apply(_event: Any) -> None:
            if payment is None:
                return  # not a booking's intent (or not one Wayra recorded yet)
            if payment.stripe_last_event_at is None or created >= payment.stripe_last_event_at:
                payment.stripe_last_event, payment.stripe_last_event_at = event.type, created

        processed = process_once(event, seen, apply)
    return WebhookOutcome(event.id, event.type, processed)


def _intent_id(event_type: str, obj: Any) -> str | None:
    if event_type.startswith("payment_intent."):
        return getattr(obj, "id", None)
    intent = getattr(obj, "payment_intent", None)  # charge.*, refund.* events
    return intent if isinstance(intent, str) or intent is None else getattr(intent, "id", None)


def _insert_if_new(session: Session, row: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; whether the row was new. RETURNING tells, where
    the row count does not (psycopg reports -1 for this statement)."""
    dialect = session.get_bind().dialect.name
    construct = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if construct is None:
        raise NotImplementedError(f"webhook events on {dialect}")
    statement = (
        construct(StripeWebhookEvent)
        .values(**row)
        .on_conflict_do_nothing()
        .returning(StripeWebhookEvent.event_id)
    )
    return session.execute(statement).first() is not None
