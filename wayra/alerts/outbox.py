"""The alert outbox: every (alert, channel) is handed to its channel at most once.

The delivery state machine (claim, send, record; stuck rows never resent) is
:mod:`wayra.outbox`'s. Alerts add what is due (the alert's ``deliver_at`` and the delivery's own
next attempt have come) and which channel may be resent: webhooks carry ``Wayra-Event-Id``,
which receivers dedupe on, so a stuck webhook is safely sent again; an email or SMS is not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from wayra.opstore.alert_models import Alert, AlertDelivery
from wayra.outbox import (
    BACKOFF,
    MAX_ATTEMPTS,
    STUCK_AFTER,
    DeliveryReport,
    MaybeSent,
    NotSent,
    deliver_rows,
    recover_stuck,
)

__all__ = [
    "BACKOFF",
    "MAX_ATTEMPTS",
    "RESENDABLE",
    "STUCK_AFTER",
    "DeliveryReport",
    "MaybeSent",
    "NotSent",
    "deliver_due",
]

RESENDABLE = frozenset({"webhook"})  # receivers dedupe on the event id

Send = Callable[[Alert, AlertDelivery], str]  # returns the provider's message id


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
    resendable = AlertDelivery.channel.in_(RESENDABLE)
    report = DeliveryReport(recovered=recover_stuck(factory, AlertDelivery, now, resendable))
    with factory() as session:
        due = session.scalars(
            select(AlertDelivery.id)
            .join(Alert, Alert.id == AlertDelivery.alert_id)
            .where(
                AlertDelivery.status == "pending",
                AlertDelivery.next_attempt_at <= now,
                Alert.deliver_at <= now,
            )
            .order_by(Alert.deliver_at, AlertDelivery.id)
            .limit(limit)
        ).all()

    def send_delivery(delivery: AlertDelivery) -> str:
        with factory() as session:
            alert = session.get_one(Alert, delivery.alert_id)
            session.expunge(alert)
        return send(alert, delivery)

    return deliver_rows(factory, AlertDelivery, due, send_delivery, now, report, on_delivery)
