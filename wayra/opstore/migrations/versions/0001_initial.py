"""Initial operational schema: users, watches, recommendation publications.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies: a migration must not change when the models (or their constants) do.
PLANS = ("free", "monitoring", "optimization", "automation")
CABINS = ("ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST")
WATCH_STATUSES = ("active", "paused")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("plan", sa.String(20), server_default="free", nullable=False),
        sa.Column("api_key_prefix", sa.String(32), nullable=False),
        sa.Column("api_key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.CheckConstraint(_in("plan", PLANS), name=op.f("ck_users_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_api_key_prefix"), "users", ["api_key_prefix"], unique=True)

    op.create_table(
        "watches",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("origin", sa.String(3), nullable=False),
        sa.Column("destination", sa.String(3), nullable=False),
        sa.Column("depart_from", sa.Date(), nullable=False),
        sa.Column("depart_to", sa.Date(), nullable=False),
        sa.Column("nights_min", sa.Integer(), nullable=False),
        sa.Column("nights_max", sa.Integer(), nullable=False),
        sa.Column("adults", sa.Integer(), nullable=False),
        sa.Column("children", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cabin", sa.String(20), nullable=False),
        sa.Column("max_stops", sa.Integer(), nullable=True),
        sa.Column("budget_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(10), server_default="active", nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.CheckConstraint(_in("cabin", CABINS), name=op.f("ck_watches_cabin")),
        sa.CheckConstraint(_in("status", WATCH_STATUSES), name=op.f("ck_watches_status")),
        sa.CheckConstraint("origin <> destination", name=op.f("ck_watches_distinct_airports")),
        sa.CheckConstraint("depart_from <= depart_to", name=op.f("ck_watches_depart_window")),
        sa.CheckConstraint(
            "nights_min >= 1 AND nights_max >= nights_min", name=op.f("ck_watches_nights")
        ),
        sa.CheckConstraint(
            "adults BETWEEN 1 AND 9 AND children >= 0", name=op.f("ck_watches_travellers")
        ),
        sa.CheckConstraint("budget_minor > 0", name=op.f("ck_watches_budget_positive")),
        sa.CheckConstraint(
            "max_stops IS NULL OR max_stops >= 0", name=op.f("ck_watches_max_stops")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_watches_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watches")),
    )
    op.create_index(op.f("ix_watches_user_id"), "watches", ["user_id"], unique=False)

    op.create_table(
        "recommendation_publications",
        sa.Column("version", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("published_at", _timestamp(), nullable=False),
        sa.Column("source_run_id", sa.String(200), nullable=False),
        sa.Column("watch_count", sa.Integer(), nullable=False),
        sa.Column("package_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_recommendation_publications")),
    )

    op.create_table(
        "recommendations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.String(36), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("departure_date", sa.Date(), nullable=False),
        sa.Column("return_date", sa.Date(), nullable=False),
        sa.Column("nights", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("budget_minor", sa.BigInteger(), nullable=False),
        sa.Column("within_budget", sa.Boolean(), nullable=False),
        sa.Column(
            "legs",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("fx_rate_date", sa.Date(), nullable=True),
        sa.CheckConstraint("rank >= 1", name=op.f("ck_recommendations_rank")),
        sa.ForeignKeyConstraint(
            ["version"],
            ["recommendation_publications.version"],
            name=op.f("fk_recommendations_version_recommendation_publications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["watch_id"],
            ["watches.id"],
            name=op.f("fk_recommendations_watch_id_watches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
        sa.UniqueConstraint(
            "version", "watch_id", "rank", name=op.f("uq_recommendations_version_watch")
        ),
    )
    op.create_index("ix_recommendations_watch_version", "recommendations", ["watch_id", "version"])


def downgrade() -> None:
    op.drop_index("ix_recommendations_watch_version", table_name="recommendations")
    op.drop_table("recommendations")
    op.drop_table("recommendation_publications")
    op.drop_index(op.f("ix_watches_user_id"), table_name="watches")
    op.drop_table("watches")
    op.drop_index(op.f("ix_users_api_key_prefix"), table_name="users")
    op.drop_table("users")
