"""API usage events: one row per authenticated API request (append-only).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_usage_events",
        # BIGINT on PostgreSQL; SQLite autoincrements only an INTEGER PRIMARY KEY (64-bit).
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("route", sa.String(200), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_api_usage_events_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_usage_events")),
    )
    op.create_index(
        op.f("ix_api_usage_events_user_id"), "api_usage_events", ["user_id"], unique=False
    )
    op.create_index("ix_api_usage_events_occurred_at", "api_usage_events", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_api_usage_events_occurred_at", table_name="api_usage_events")
    op.drop_index(op.f("ix_api_usage_events_user_id"), table_name="api_usage_events")
    op.drop_table("api_usage_events")
