"""Alerts: alerts, their per-channel deliveries (outbox), interactions, per-watch rule state
and traveler contacts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
UTC = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{referred}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("watch_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("dedupe_key", sa.String(300), nullable=False),
        sa.Column("observed_at", UTC, nullable=False),
        sa.Column("deliver_at", UTC, nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("reference_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("headline", sa.String(300), nullable=False),
        sa.Column("explanation", sa.String(2000), nullable=False),
        sa.Column("facts", JSON, nullable=False),
        sa.Column("recommendation_id", sa.String(36), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.CheckConstraint(
            "kind IN ('price_drop', 'budget_target', 'booking_urgency', 'better_alternative')",
            name=op.f("ck_alerts_kind"),
        ),
        _fk("alerts", "user_id", "users.id", "CASCADE"),
        _fk("alerts", "watch_id", "watches.id", "CASCADE"),
        _fk("alerts", "recommendation_id", "recommendations.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_alerts_dedupe_key")),
    )
    op.create_index("ix_alerts_user_created", "alerts", ["user_id", "created_at"])
    op.create_index(op.f("ix_alerts_watch_id"), "alerts", ["watch_id"])

    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("alert_id", sa.String(36), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("claimed_at", UTC, nullable=True),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("provider_message_id", sa.String(200), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.CheckConstraint(
            "channel IN ('email', 'sms', 'webhook')", name=op.f("ck_alert_deliveries_channel")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'unconfirmed')",
            name=op.f("ck_alert_deliveries_status"),
        ),
        _fk("alert_deliveries", "alert_id", "alerts.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint("alert_id", "channel", name="uq_alert_deliveries_alert_channel"),
    )
    op.create_index("ix_alert_deliveries_due", "alert_deliveries", ["status", "next_attempt_at"])

    op.create_table(
        "alert_interactions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("alert_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("occurred_at", UTC, nullable=False),
        sa.CheckConstraint(
            "action IN ('opened', 'acted')", name=op.f("ck_alert_interactions_action")
        ),
        _fk("alert_interactions", "alert_id", "alerts.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_interactions")),
    )
    op.create_index(op.f("ix_alert_interactions_alert_id"), "alert_interactions", ["alert_id"])
    op.create_index("ix_alert_interactions_occurred_at", "alert_interactions", ["occurred_at"])

    op.create_table(
        "watch_alert_states",
        sa.Column("watch_id", sa.String(36), nullable=False),
        sa.Column("state", JSON, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        _fk("watch_alert_states", "watch_id", "watches.id", "CASCADE"),
        sa.PrimaryKeyConstraint("watch_id", name=op.f("pk_watch_alert_states")),
    )
    op.create_table(
        "traveler_contacts",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("phone_number", sa.String(32), nullable=True),
        sa.Column("webhook_url", sa.String(2000), nullable=True),
        sa.Column("webhook_secret", sa.String(100), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        _fk("traveler_contacts", "user_id", "users.id", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_traveler_contacts")),
    )


def downgrade() -> None:
    op.drop_table("traveler_contacts")
    op.drop_table("watch_alert_states")
    op.drop_index("ix_alert_interactions_occurred_at", table_name="alert_interactions")
    op.drop_index(op.f("ix_alert_interactions_alert_id"), table_name="alert_interactions")
    op.drop_table("alert_interactions")
    op.drop_index("ix_alert_deliveries_due", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index(op.f("ix_alerts_watch_id"), table_name="alerts")
    op.drop_index("ix_alerts_user_created", table_name="alerts")
    op.drop_table("alerts")
