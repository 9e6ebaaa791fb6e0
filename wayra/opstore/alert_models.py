"""ORM models of alerts: what was alerted, its per-channel deliveries (the outbox), how the
traveler interacted with it, each watch's rule state, and where a traveler can be reached.

Imported at the end of ``wayra.opstore.models`` so the tables are on ``Base.metadata``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from wayra.opstore.models import (
    Base,
    BigIntegerId,
    JSONDocument,
    UTCDateTime,
    _in,
    new_id,
    utcnow,
)
from wayra.outbox import DELIVERY_STATUSES

ALERT_KINDS = ("price_drop", "budget_target", "booking_urgency", "better_alternative")
# The in-app feed is the alerts table itself; these are the channels that send something.
DELIVERY_CHANNELS = ("email", "sms", "webhook")
# pending -> sending -> sent; failed: definitely not sent, given up; unconfirmed: the worker
# stopped between handing the message over and recording it, so it may have gone out and is
# never sent again (at most once per alert and channel).
INTERACTIONS = ("opened", "acted")


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(_in("kind", ALERT_KINDS), name="kind"),
        Index("ix_alerts_user_created", "user_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    watch_id: Mapped[str] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    # One alert per rule firing: re-running the evaluation cannot write it twice.
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    observed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    deliver_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    price_minor: Mapped[int] = mapped_column(BigInteger)
    reference_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    headline: Mapped[str] = mapped_column(String(300))
    explanation: Mapped[str] = mapped_column(String(2000))
    facts: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    # The top package when the alert was raised, if one was published.
    recommendation_id: Mapped[str | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AlertDelivery(Base):
    """The outbox: one row per alert and channel, sent at most once."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "channel", name="uq_alert_deliveries_alert_channel"),
        CheckConstraint(_in("channel", DELIVERY_CHANNELS), name="channel"),
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(500))


class AlertInteraction(Base):
    """A traveler opened an alert's link or acted on it (append-only, for the action rate)."""

    __tablename__ = "alert_interactions"
    __table_args__ = (
        CheckConstraint(_in("action", INTERACTIONS), name="action"),
        Index("ix_alert_interactions_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigIntegerId, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WatchAlertState(Base):
    """Each watch's rule state (references, armed rules, cooldowns): ``ml.alerts.RuleState``."""

    __tablename__ = "watch_alert_states"

    watch_id: Mapped[str] = mapped_column(
        ForeignKey("watches.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TravelerContact(Base):
    """Where a traveler's alerts go besides their account email and the in-app feed."""

    __tablename__ = "traveler_contacts"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    phone_number: Mapped[str | None] = mapped_column(String(32))
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    # Shared with the receiver to verify Wayra-Signature; generated by Wayra, shown once.
    webhook_secret: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
