"""Explained recommendations: optimizer output per package, per-watch summaries (advice,
Pareto front, binding constraints), the price history for charts, feedback and learned
preferences.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("recommendation_publications") as batch:
        batch.add_column(sa.Column("as_of", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("model_versions", JSON, nullable=True))
    with op.batch_alter_table("recommendations") as batch:
        batch.add_column(sa.Column("score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("criteria", JSON, nullable=True))
        batch.add_column(sa.Column("explanation", JSON, nullable=True))
        batch.add_column(sa.Column("risk_score", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("risk", JSON, nullable=True))
        batch.add_column(sa.Column("saving_vs_first_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("saving_vs_typical_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("proven_optimal", sa.Boolean(), nullable=True))

    op.create_table(
        "watch_recommendation_summaries",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("first_price_minor", sa.BigInteger(), nullable=True),
        sa.Column("typical_price_minor", sa.BigInteger(), nullable=True),
        sa.Column("advice", JSON, nullable=True),
        sa.Column("pareto_front", JSON, nullable=False),
        sa.Column("binding", JSON, nullable=False),
        sa.CheckConstraint(
            "status IN ('optimal', 'best_found', 'over_budget', 'no_package')",
            name=op.f("ck_watch_recommendation_summaries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["version"],
            ["recommendation_publications.version"],
            name=op.f("fk_watch_recommendation_summaries_version_recommendation_publications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["watch_id"],
            ["watches.id"],
            name=op.f("fk_watch_recommendation_summaries_watch_id_watches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "version", "watch_id", name=op.f("pk_watch_recommendation_summaries")
        ),
    )
    op.create_table(
        "watch_price_points",
        sa.Column("watch_id", sa.String(36), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.ForeignKeyConstraint(
            ["watch_id"],
            ["watches.id"],
            name=op.f("fk_watch_price_points_watch_id_watches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("watch_id", "observed_at", name=op.f("pk_watch_price_points")),
    )
    op.create_table(
        "recommendation_feedback",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("recommendation_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('liked', 'dismissed')", name=op.f("ck_recommendation_feedback_kind")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_feedback_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recommendation_feedback_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_feedback")),
    )
    op.create_index(
        op.f("ix_recommendation_feedback_recommendation_id"),
        "recommendation_feedback",
        ["recommendation_id"],
    )
    op.create_index(
        op.f("ix_recommendation_feedback_user_id"), "recommendation_feedback", ["user_id"]
    )
    op.create_index(
        "ix_recommendation_feedback_created_at", "recommendation_feedback", ["created_at"]
    )
    op.create_table(
        "traveler_preferences",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("weights", JSON, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("model_version", sa.String(50), nullable=True),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_traveler_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_traveler_preferences")),
    )


def downgrade() -> None:
    op.drop_table("traveler_preferences")
    op.drop_index("ix_recommendation_feedback_created_at", table_name="recommendation_feedback")
    op.drop_index(op.f("ix_recommendation_feedback_user_id"), table_name="recommendation_feedback")
    op.drop_index(
        op.f("ix_recommendation_feedback_recommendation_id"),
        table_name="recommendation_feedback",
    )
    op.drop_table("recommendation_feedback")
    op.drop_table("watch_price_points")
    op.drop_table("watch_recommendation_summaries")
    with op.batch_alter_table("recommendations") as batch:
        for column in (
            "proven_optimal",
            "saving_vs_typical_minor",
            "saving_vs_first_minor",
            "risk",
            "risk_score",
            "explanation",
            "criteria",
            "score",
        ):
            batch.drop_column(column)
    # On SQLite dropping columns rebuilds the table, and dropping the old publications table
    # fires ON DELETE CASCADE into recommendations (the pragma cannot be switched off inside a
    # transaction): park the published rows and put them back, as 0002 does.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMP TABLE _wayra_recommendations AS SELECT * FROM recommendations")
    with op.batch_alter_table("recommendation_publications") as batch:
        batch.drop_column("model_versions")
        batch.drop_column("as_of")
    if sqlite:
        op.execute(
            "INSERT INTO recommendations SELECT * FROM _wayra_recommendations "
            "WHERE id NOT IN (SELECT id FROM recommendations)"
        )
        op.execute("DROP TABLE _wayra_recommendations")
