"""At-most-once outbox delivery, shared by every table of messages Wayra sends to people.

A row goes ``pending -> sending -> sent`` with a commit at each arrow:

1. claim: ``pending -> sending`` by compare-and-set (one worker wins a row), committed before
   anything leaves Wayra;
2. send through the channel;
3. record: ``sending -> sent`` with the provider's message id.

A worker that dies between 2 and 3 leaves the row ``sending``: the message may have gone out,
and SMTP and SMS offer no way to ask, so recovery marks it ``unconfirmed`` and never sends it
again, unless the table says the row's channel is safe to resend (receivers dedupe on an id).
A send that definitely did not happen (connection refused, a 4xx/5xx before the message was
accepted) is retried with backoff, up to ``MAX_ATTEMPTS``, then ``failed``.

An outbox table has the columns ``id``, ``status``, ``attempts``, ``next_attempt_at``,
``claimed_at``, ``sent_at``, ``provider_message_id`` and ``last_error``
(:data:`DELIVERY_STATUSES`); what is due and how one row is sent is up to its caller.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "unconfirmed")
MAX_ATTEMPTS = 5
BACKOFF = dt.timedelta(minutes=2)  # doubled after every failed attempt
STUCK_AFTER = dt.timedelta(minutes=10)  # a claim older than this belongs to a dead worker


class NotSent(Exception):
    """The channel certainly did not deliver; ``retryable`` says whether trying again may help."""

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.retryable = retryable


class MaybeSent(Exception):
    """The channel may have delivered (the connection broke after the message was handed over)."""


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unconfirmed: int = 0
    recovered: int = 0
    errors: list[str] = field(default_factory=list)


def claim(factory: sessionmaker[Session], table: Any, row_id: str, now: dt.datetime) -> bool:
    with factory.begin() as session:
        claimed = session.execute(
            update(table)
            .where(table.id == row_id, table.status == "pending")
            .values(status="sending", claimed_at=now, attempts=table.attempts + 1)
        ).rowcount
    return claimed == 1


def finish(factory: sessionmaker[Session], table: Any, row_id: str, **values: Any) -> None:
    with factory.begin() as session:
        session.execute(
            update(table).where(table.id == row_id, table.status == "sending").values(**values)
        )


def recover_stuck(
    factory: sessionmaker[Session],
    table: Any,
    now: dt.datetime,
    resendable: ColumnElement[bool] | None = None,
) -> int:
    """Rows a dead worker left ``sending``: those matching ``resendable`` go back to pending,
    the rest become ``unconfirmed`` (they may have gone out). Returns how many were recovered."""
    stuck = (table.status == "sending") & (table.claimed_at < now - STUCK_AFTER)
    recovered = 0
    with factory.begin() as session:
        if resendable is not None:
            recovered += session.execute(
                update(table).where(stuck, resendable).values(status="pending", next_attempt_at=now)
            ).rowcount
        recovered += session.execute(
            update(table)
            .where(stuck)
            .values(status="unconfirmed", last_error="worker stopped mid-send; not resent")
        ).rowcount
    return recovered


def deliver_rows(
    factory: sessionmaker[Session],
    table: Any,
    row_ids: Iterable[str],
    send: Callable[[Any], str],
    now: dt.datetime,
    report: DeliveryReport,
    on_delivery: Callable[[Any], None] | None = None,
) -> DeliveryReport:
    """Claim, send and record each row in its own transactions. ``send`` gets the row (detached)
    and returns the provider's message id, or raises :class:`NotSent` / :class:`MaybeSent`."""
    for row_id in row_ids:
        if not claim(factory, table, row_id, now):
            continue  # another worker has it
        with factory() as session:
            row = session.get_one(table, row_id)
            session.expunge(row)
        label = getattr(row, "channel", table.__tablename__)
        try:
            message_id = send(row)
        except MaybeSent as exc:
            finish(factory, table, row_id, status="unconfirmed", last_error=str(exc)[:500])
            report.unconfirmed += 1
        except NotSent as exc:
            if exc.retryable and row.attempts < MAX_ATTEMPTS:
                finish(
                    factory,
                    table,
                    row_id,
                    status="pending",
                    next_attempt_at=now + BACKOFF * 2 ** (row.attempts - 1),
                    last_error=str(exc)[:500],
                )
                report.retrying += 1
            else:
                finish(factory, table, row_id, status="failed", last_error=str(exc)[:500])
                report.failed += 1
            report.errors.append(f"{label}: {exc}")
        except Exception as exc:  # a bug in a channel: it may have sent, so never resend
            log.exception("delivery %s (%s) failed unexpectedly", row_id, label)
            finish(factory, table, row_id, status="unconfirmed", last_error=repr(exc)[:500])
            report.unconfirmed += 1
        else:
            finish(
                factory, table, row_id, status="sent", sent_at=now, provider_message_id=message_id
            )
            report.sent += 1
        if on_delivery is not None:
            on_delivery(row)
    return report
