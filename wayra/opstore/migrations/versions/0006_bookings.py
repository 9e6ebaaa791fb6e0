"""Assisted booking: payment profiles, proposals, bookings, legs, payments, the saga's step
log, the decision log, the notification outbox and handled Stripe webhook events.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
UTC = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

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


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{referred}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "payment_profiles",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("stripe_customer_id", sa.String(255), nullable=False),
        sa.Column("default_payment_method_id", sa.String(255), nullable=True),
        sa.Column("setup_intent_id", sa.String(255), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        _fk("payment_profiles", "user_id", "users.id", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_payment_profiles")),
    )

    op.create_table(
        "booking_proposals",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("watch_id", sa.String(36), nullable=False),
        sa.Column("recommendation_id", sa.String(36), nullable=True),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("legs", JSON, nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("fx_rate_date", sa.Date(), nullable=True),
        sa.Column("departure_date", sa.Date(), nullable=False),
        sa.Column("return_date", sa.Date(), nullable=False),
        sa.Column("saving_vs_first_minor", sa.BigInteger(), nullable=True),
        sa.Column("saving_vs_typical_minor", sa.BigInteger(), nullable=True),
        sa.Column("risk_score", sa.Integer(), nullable=True),
        sa.Column("risk", JSON, nullable=True),
        sa.Column("advice", JSON, nullable=True),
        sa.Column("price_tolerance_bps", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decline_reason", sa.String(500), nullable=True),
        sa.Column("invalid_reason", sa.String(500), nullable=True),
        sa.Column("validation", JSON, nullable=True),
        _check("booking_proposals", "origin", _in("origin", ("traveler", "platform"))),
        _check(
            "booking_proposals",
            "status",
            _in("status", ("open", "approved", "declined", "expired", "invalidated")),
        ),
        _check("booking_proposals", "total_positive", "total_minor > 0"),
        _check("booking_proposals", "price_tolerance", "price_tolerance_bps BETWEEN 0 AND 5000"),
        _fk("booking_proposals", "user_id", "users.id", "CASCADE"),
        _fk("booking_proposals", "watch_id", "watches.id", "CASCADE"),
        _fk("booking_proposals", "recommendation_id", "recommendations.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_proposals")),
    )
    op.create_index(
        "ix_booking_proposals_user_created", "booking_proposals", ["user_id", "created_at"]
    )
    op.create_index(op.f("ix_booking_proposals_watch_id"), "booking_proposals", ["watch_id"])

    op.create_table(
        "bookings",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("proposal_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("fx_rate_date", sa.Date(), nullable=False),
        sa.Column("price_tolerance_bps", sa.Integer(), nullable=False),
        sa.Column("failure_reason", sa.String(500), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("confirmed_at", UTC, nullable=True),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", UTC, nullable=True),
        _check("bookings", "state", _in("state", BOOKING_STATES)),
        _check("bookings", "total_positive", "total_minor > 0"),
        _fk("bookings", "proposal_id", "booking_proposals.id", "RESTRICT"),
        _fk("bookings", "user_id", "users.id", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_bookings_proposal_id")),
    )
    op.create_index("ix_bookings_user_created", "bookings", ["user_id", "created_at"])
    op.create_index("ix_bookings_state", "bookings", ["state"])

    op.create_table(
        "booking_legs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("provider", sa.String(100), nullable=False),
        sa.Column("offer_id", sa.String(300), nullable=False),
        sa.Column("provider_currency", sa.String(3), nullable=False),
        sa.Column("quoted_minor", sa.BigInteger(), nullable=False),
        sa.Column("validated_minor", sa.BigInteger(), nullable=False),
        sa.Column("charge_minor", sa.BigInteger(), nullable=False),
        sa.Column("refundable", sa.Boolean(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("booking_ref", sa.String(200), nullable=True),
        sa.Column("booked_minor", sa.BigInteger(), nullable=True),
        sa.Column("booked_at", UTC, nullable=True),
        sa.Column("cancelled_at", UTC, nullable=True),
        sa.Column("details", JSON, nullable=False),
        _check(
            "booking_legs",
            "status",
            _in("status", ("pending", "booked", "unknown", "failed", "cancelled")),
        ),
        _check("booking_legs", "kind", _in("kind", ("outbound", "inbound", "hotel"))),
        _fk("booking_legs", "booking_id", "bookings.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_legs")),
        sa.UniqueConstraint("booking_id", "position", name="uq_booking_legs_booking_position"),
    )

    op.create_table(
        "booking_payments",
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("stripe_customer_id", sa.String(255), nullable=False),
        sa.Column("payment_method_id", sa.String(255), nullable=False),
        sa.Column("payment_intent_id", sa.String(255), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("fx_rate_date", sa.Date(), nullable=False),
        sa.Column("captured_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("refund_due_minor", sa.BigInteger(), nullable=True),
        sa.Column("stripe_last_event", sa.String(100), nullable=True),
        sa.Column("stripe_last_event_at", UTC, nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        _check(
            "booking_payments",
            "status",
            _in(
                "status",
                (
                    "pending",
                    "authorized",
                    "declined",
                    "captured",
                    "voided",
                    "refunded",
                    "partially_refunded",
                ),
            ),
        ),
        _check("booking_payments", "amount_positive", "amount_minor > 0"),
        _fk("booking_payments", "booking_id", "bookings.id", "CASCADE"),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_booking_payments")),
    )
    op.create_index(
        op.f("ix_booking_payments_payment_intent_id"), "booking_payments", ["payment_intent_id"]
    )

    op.create_table(
        "booking_steps",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("external_ref", sa.String(255), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("retryable", sa.Boolean(), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        _check("booking_steps", "status", _in("status", ("started", "succeeded", "failed"))),
        _fk("booking_steps", "booking_id", "bookings.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_steps")),
        sa.UniqueConstraint(
            "booking_id", "step", "attempt", name="uq_booking_steps_booking_step_attempt"
        ),
    )
    op.create_index(op.f("ix_booking_steps_booking_id"), "booking_steps", ["booking_id"])

    op.create_table(
        "booking_decisions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("proposal_id", sa.String(36), nullable=True),
        sa.Column("booking_id", sa.String(36), nullable=True),
        sa.Column("decision", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(40), nullable=True),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("conditions", JSON, nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("decided_at", UTC, nullable=False),
        _fk("booking_decisions", "proposal_id", "booking_proposals.id", "CASCADE"),
        _fk("booking_decisions", "booking_id", "bookings.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_decisions")),
    )
    op.create_index(op.f("ix_booking_decisions_proposal_id"), "booking_decisions", ["proposal_id"])
    op.create_index(op.f("ix_booking_decisions_booking_id"), "booking_decisions", ["booking_id"])
    op.create_index("ix_booking_decisions_decided_at", "booking_decisions", ["decided_at"])

    op.create_table(
        "booking_notifications",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        _check(
            "booking_notifications",
            "kind",
            _in("kind", ("booking_confirmed", "booking_failed", "booking_cancelled")),
        ),
        _check("booking_notifications", "status", _in("status", ("pending", "sent"))),
        _fk("booking_notifications", "booking_id", "bookings.id", "CASCADE"),
        _fk("booking_notifications", "user_id", "users.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_notifications")),
        sa.UniqueConstraint("booking_id", "kind", name="uq_booking_notifications_booking_kind"),
    )
    op.create_index(
        "ix_booking_notifications_status", "booking_notifications", ["status", "created_at"]
    )

    op.create_table(
        "stripe_webhook_events",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("payment_intent_id", sa.String(255), nullable=True),
        sa.Column("booking_id", sa.String(36), nullable=True),
        sa.Column("stripe_created_at", UTC, nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        _fk("stripe_webhook_events", "booking_id", "bookings.id", "SET NULL"),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_stripe_webhook_events")),
    )
    op.create_index(
        op.f("ix_stripe_webhook_events_booking_id"), "stripe_webhook_events", ["booking_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_stripe_webhook_events_booking_id"), table_name="stripe_webhook_events")
    op.drop_table("stripe_webhook_events")
    op.drop_index("ix_booking_notifications_status", table_name="booking_notifications")
    op.drop_table("booking_notifications")
    op.drop_index("ix_booking_decisions_decided_at", table_name="booking_decisions")
    op.drop_index(op.f("ix_booking_decisions_booking_id"), table_name="booking_decisions")
    op.drop_index(op.f("ix_booking_decisions_proposal_id"), table_name="booking_decisions")
    op.drop_table("booking_decisions")
    op.drop_index(op.f("ix_booking_steps_booking_id"), table_name="booking_steps")
    op.drop_table("booking_steps")
    op.drop_index(op.f("ix_booking_payments_payment_intent_id"), table_name="booking_payments")
    op.drop_table("booking_payments")
    op.drop_table("booking_legs")
    op.drop_index("ix_bookings_state", table_name="bookings")
    op.drop_index("ix_bookings_user_created", table_name="bookings")
    op.drop_table("bookings")
    op.drop_index(op.f("ix_booking_proposals_watch_id"), table_name="booking_proposals")
    op.drop_index("ix_booking_proposals_user_created", table_name="booking_proposals")
    op.drop_table("booking_proposals")
    op.drop_table("payment_profiles")
