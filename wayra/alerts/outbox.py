"""The alert outbox: every (alert, channel) is handed to its channel at most once.

A delivery goes ``pending -> sending -> sent`` with a commit at each arrow:

1. claim: ``pending -> sending`` by compare-and-set (one worker wins a row), committed before
   anything leaves Wayra;
2. send through the channel;
3. record: ``sending -> sent`` with the provider's message id.

A worker that dies between 2 and 3 leaves the row ``sending``: the message may have gone out,
and SMTP and SMS offer no way to ask, so recovery marks it ``unconfirmed`` and never sends it
again (at most once, as the product promises; the alert stays in the in-app feed). Webhooks
carry ``Wayra-Event-Id``, which receivers dedupe on, so a stuck webhook is safely sent again.
A send that definitely did not happen (connection refused, a 4xx/5xx before the message was
accepted) is retried with backoff, up to ``MAX_ATTEMPTS``, then ``failed``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from wayra.opstore.alert_models import Alert, AlertDelivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = dt.timedelta(minutes=2)  # doubled after every failed attempt
STUCK_AFTER = dt.timedelta(minutes=10)  # a claim older than this belongs to a dead worker
RESENDABLE = frozenset({"webhook"})  # receivers dedupe on the event id


class NotSent(Exception):
    """The channel certainly did not deliver; ``retryable`` says whether trying again may help."""

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.retryable = retryable


class MaybeSent(Exception):
    """The channel may have delivered (the connection broke after the message was handed over)."""


Send = Callable[[Alert, AlertDelivery], str]  # returns the provider's message id


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unconfirmed: int = 0
    recovered: int = 0
    errors: list[str] = field(default_factory=list)


def _claim(factory: sessionmaker[Session], delivery_id: str, now: dt.datetime) -> bool:
    with factory.begin() as session:
        claimed = session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id == delivery_id, AlertDelivery.status == "pending")
            .values(status="sending", claimed_at=now, attempts=AlertDelivery.attempts + 1)
        ).rowcount
    return claimed == 1


def _finish(factory: sessionmaker[Session], delivery_id: str, **values) -> None:
    with factory.begin() as session:
        session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id == delivery_id, AlertDelivery.status == "sending")
            .values(**values)
        )


def recover_stuck(factory: sessionmaker[Session], now: dt.datetime) -> int:
    """Deliveries a dead worker left ``sending``: webhooks go back to pending, the rest become
    ``unconfirmed`` (they may have gone out). Returns how many were recovered."""
    cutoff = now - STUCK_AFTER
    stuck = (AlertDelivery.status == "sending") & (AlertDelivery.claimed_at < cutoff)
    with factory.begin() as session:
        resent = session.execute(
            update(AlertDelivery)
            .where(stuck, AlertDelivery.channel.in_(RESENDABLE))
            .values(status="pending", next_attempt_at=now)
        ).rowcount
        unconfirmed = session.execute(
            update(AlertDelivery)
            .where(stuck, AlertDelivery.channel.not_in(RESENDABLE))
            .values(status="unconfirmed", last_error="worker stopped mid-send; not resent")
        ).rowcount
    return resent + unconfirmed


def deliver_due(
    factory: sessionmaker[Session],
    send: Send,
    now: dt.datetime | None = None,
    limit: int = 500,
    on_delivery: Callable[[AlertDelivery], None] | None = None,
) -> DeliveryReport:
    """Send every due delivery once: its alert's ``deliver_at`` and its own next attempt have
    come. Each delivery is claimed, sent and recorded in its own transactions."""
    now = now or dt.datetime.now(dt.UTC)
    report = DeliveryReport(recovered=recover_stuck(factory, now))
    with factory() as session:
        due = session.execute(
            select(AlertDelivery.id, AlertDelivery.alert_id)
            .join(Alert, Alert.id == AlertDelivery.alert_id)
            .where(
                AlertDelivery.status == "pending",
                AlertDelivery.next_attempt_at <= now,
                Alert.deliver_at <= now,
            )
            .order_by(Alert.deliver_at, AlertDelivery.id)
            .limit(limit)
        ).all()
    for delivery_id, alert_id in due:
        if not _claim(factory, delivery_id, now):
            continue  # another worker has it
        with factory() as session:
            alert = session.get_one(Alert, alert_id)
            delivery = session.get_one(AlertDelivery, delivery_id)
            session.expunge_all()
        try:
            message_id = send(alert, delivery)
        except MaybeSent as exc:
            _finish(factory, delivery_id, status="unconfirmed", last_error=str(exc)[:500])
            report.unconfirmed += 1
        except NotSent as exc:
            if exc.retryable and delivery.attempts < MAX_ATTEMPTS:
                backoff = BACKOFF * 2 ** (delivery.attempts - 1)
                _finish(
                    factory,
                    delivery_id,
                    status="pending",
                    next_attempt_at=now + backoff,
                    last_error=str(exc)[:500],
                )
                report.retrying += 1
            else:
                _finish(factory, delivery_id, status="failed", last_error=str(exc)[:500])
                report.failed += 1
            report.errors.append(f"{delivery.channel}: {exc}")
        except Exception as exc:  # a bug in a channel: it may have sent, so never resend
            log.exception("delivery %s (%s) failed unexpectedly", delivery_id, delivery.channel)
            _finish(factory, delivery_id, status="unconfirmed", last_error=repr(exc)[:500])
            report.unconfirmed += 1
        else:
            _finish(
                factory, delivery_id, status="sent", sent_at=now, provider_message_id=message_id
            )
            report.sent += 1
        if on_delivery is not None:
            on_delivery(delivery)
    return report
