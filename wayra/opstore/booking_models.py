"""ORM models of assisted booking: payment profiles, proposals, bookings with their legs and
payment, the saga's step log, the decision log, the notification outbox and the Stripe
webhook events already handled.

Imported at the end of ``wayra.opstore.models`` so the tables are on ``Base.metadata``.
Only Stripe ids are stored for payments, never card data. Booking states and step names are
defined in ``booking.states``; the CHECK constraints below repeat them so the database refuses
a state the code does not know.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
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

PROPOSAL_ORIGINS = ("traveler", "platform")
# "expired" is also derived on read (open and past expires_at); it is persisted when an
# approval or the recovery worker finds it so.
PROPOSAL_STATUSES = ("open", "approved", "declined", "expired", "invalidated")
BOOKING_STATES = (
    "validated",
    "payment_authorized",
    "flight_booked",
    "hotel_booked",
    "captured",
    "confirmed",
    "compensating",
    "failed",
    "cancelling",
    "cancelled",
)
# unknown: a booking call whose outcome Wayra did not learn (timeout, crash); resolved by
# asking the provider again with the same idempotency key before anything else happens.
LEG_STATUSES = ("pending", "booked", "unknown", "failed", "cancelled")
PAYMENT_STATUSES = (
    "pending",
    "authorized",
    "declined",
    "captured",
    "voided",
    "refunded",
    "partially_refunded",
)
STEP_STATUSES = ("started", "succeeded", "failed")
NOTIFICATION_KINDS = ("booking_confirmed", "booking_failed", "booking_cancelled", "proposal_ready")


class PaymentProfile(Base):
    """How a traveler pays: Stripe ids only (the card itself stays at Stripe)."""

    __tablename__ = "payment_profiles"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    stripe_customer_id: Mapped[str] = mapped_column(String(255))
    default_payment_method_id: Mapped[str | None] = mapped_column(String(255))
    setup_intent_id: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BookingProposal(Base):
    """A package offered for one-click approval, frozen as the traveler saw it."""

    __tablename__ = "booking_proposals"
    __table_args__ = (
        CheckConstraint(_in("origin", PROPOSAL_ORIGINS), name="origin"),
        CheckConstraint(_in("status", PROPOSAL_STATUSES), name="status"),
        CheckConstraint("total_minor > 0", name="total_positive"),
        CheckConstraint("price_tolerance_bps BETWEEN 0 AND 5000", name="price_tolerance"),
        Index("ix_booking_proposals_user_created", "user_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    watch_id: Mapped[str] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"), index=True)
    # SET NULL: the proposal (and any booking) outlives pruned publications.
    recommendation_id: Mapped[str | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="SET NULL")
    )
    origin: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open")
    legs: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    fx_rate_date: Mapped[dt.date | None] = mapped_column(Date)
    departure_date: Mapped[dt.date] = mapped_column(Date)
    return_date: Mapped[dt.date] = mapped_column(Date)
    saving_vs_first_minor: Mapped[int | None] = mapped_column(BigInteger)
    saving_vs_typical_minor: Mapped[int | None] = mapped_column(BigInteger)
    risk_score: Mapped[int | None] = mapped_column(Integer)
    risk: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    advice: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    # How far a leg's price may rise (basis points) before the proposal is invalid.
    price_tolerance_bps: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    invalid_reason: Mapped[str | None] = mapped_column(String(500))
    # The latest pre-validation, leg by leg (also in the decision log).
    validation: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONDocument)


class Booking(Base):
    """One approved proposal, driven by the saga (``booking.saga``) through its states."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(_in("state", BOOKING_STATES), name="state"),
        CheckConstraint("total_minor > 0", name="total_positive"),
        Index("ix_bookings_user_created", "user_id", "created_at"),
        Index("ix_bookings_state", "state"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # UNIQUE: however many approvals race, one proposal yields one booking.
    proposal_id: Mapped[str] = mapped_column(
        ForeignKey("booking_proposals.id", ondelete="RESTRICT"), unique=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(20))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    fx_rate_date: Mapped[dt.date] = mapped_column(Date)
    price_tolerance_bps: Mapped[int] = mapped_column(Integer)
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The saga runner holding the booking; a crashed runner's lease lapses and the recovery
    # worker takes over.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class BookingLeg(Base):
    """A flight or stay of a booking: the price validated, what the provider booked, and its
    share of the charge (``charge_minor``, in the booking currency; the legs sum to the total)."""

    __tablename__ = "booking_legs"
    __table_args__ = (
        UniqueConstraint("booking_id", "position", name="uq_booking_legs_booking_position"),
        CheckConstraint(_in("status", LEG_STATUSES), name="status"),
        CheckConstraint(_in("kind", ("outbound", "inbound", "hotel")), name="kind"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    # The saga step that books it ("book_outbound", "book_hotel", "book_hotel_2", ...).
    step: Mapped[str] = mapped_column(String(40))
    provider: Mapped[str] = mapped_column(String(100))
    offer_id: Mapped[str] = mapped_column(String(300))
    provider_currency: Mapped[str] = mapped_column(String(3))
    quoted_minor: Mapped[int] = mapped_column(BigInteger)
    validated_minor: Mapped[int] = mapped_column(BigInteger)
    charge_minor: Mapped[int] = mapped_column(BigInteger)
    refundable: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    booking_ref: Mapped[str | None] = mapped_column(String(200))
    booked_minor: Mapped[int | None] = mapped_column(BigInteger)
    booked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


class BookingPayment(Base):
    """The booking's money at Stripe, in the booking (watch) currency."""

    __tablename__ = "booking_payments"
    __table_args__ = (
        CheckConstraint(_in("status", PAYMENT_STATUSES), name="status"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True
    )
    stripe_customer_id: Mapped[str] = mapped_column(String(255))
    payment_method_id: Mapped[str] = mapped_column(String(255))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # The ECB reference rate date used to price the package in this currency.
    fx_rate_date: Mapped[dt.date] = mapped_column(Date)
    captured_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # What a cancellation owes the traveler under the fare and rate rules, once decided.
    refund_due_minor: Mapped[int | None] = mapped_column(BigInteger)
    # The newest Stripe event about the intent (its type, e.g. "payment_intent.canceled"),
    # for support and reconciliation; the saga itself always asks Stripe directly.
    stripe_last_event: Mapped[str | None] = mapped_column(String(100))
    stripe_last_event_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BookingStep(Base):
    """One attempt at one saga step. ``started`` is committed before the external call and the
    result after it, so a crash in between leaves a ``started`` row that recovery reconciles."""

    __tablename__ = "booking_steps"
    __table_args__ = (
        UniqueConstraint(
            "booking_id", "step", "attempt", name="uq_booking_steps_booking_step_attempt"
        ),
        CheckConstraint(_in("status", STEP_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(BigIntegerId, primary_key=True, autoincrement=True)
    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(40))
    attempt: Mapped[int] = mapped_column(Integer)
    # f"{booking_id}:{step}": the same for every attempt, so the far side deduplicates.
    idempotency_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    external_ref: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(String(500))
    # A failure after which the call may or may not have taken effect (timeouts, 5xx).
    retryable: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class BookingDecision(Base):
    """An automated decision with the conditions it saw and its reasons (append-only)."""

    __tablename__ = "booking_decisions"
    __table_args__ = (Index("ix_booking_decisions_decided_at", "decided_at"),)

    id: Mapped[int] = mapped_column(BigIntegerId, primary_key=True, autoincrement=True)
    proposal_id: Mapped[str | None] = mapped_column(
        ForeignKey("booking_proposals.id", ondelete="CASCADE"), index=True
    )
    booking_id: Mapped[str | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    # e.g. "leg_validation", "proposal_validation", "compensate", "refund_rule"
    decision: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(40))
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    reasons: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BookingNotification(Base):
    """The outbox: a booking's final state, written in the transaction that reaches it, or a
    proposal the platform made, written with it; then emailed to the traveler at most once
    (``booking.notifications``, the state machine of ``wayra.outbox``)."""

    __tablename__ = "booking_notifications"
    __table_args__ = (
        UniqueConstraint("booking_id", "kind", name="uq_booking_notifications_booking_kind"),
        UniqueConstraint("proposal_id", "kind", name="uq_booking_notifications_proposal_kind"),
        CheckConstraint(_in("kind", NOTIFICATION_KINDS), name="kind"),
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        CheckConstraint("(booking_id IS NULL) <> (proposal_id IS NULL)", name="subject"),
        Index("ix_booking_notifications_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    booking_id: Mapped[str | None] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    proposal_id: Mapped[str | None] = mapped_column(
        ForeignKey("booking_proposals.id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(500))


class StripeWebhookEvent(Base):
    """Stripe events already handled: the primary key makes a replay a no-op."""

    __tablename__ = "stripe_webhook_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    booking_id: Mapped[str | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), index=True
    )
    stripe_created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
