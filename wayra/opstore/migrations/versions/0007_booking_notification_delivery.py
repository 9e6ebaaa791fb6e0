"""Booking notifications become a real outbox: claim/send/record columns like alert deliveries
(attempts, next attempt, claim time, provider message id, last error) and the same statuses;
and they also announce the platform's proposals ("proposal_ready"), so a row names either a
booking or a proposal.

Existing rows are due at once (``next_attempt_at`` = ``created_at``). Downgrading deletes
proposal notifications (0006 has no place for them) and folds every status but ``sent`` back
into ``pending``, the only other status 0006 knows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies: a migration must not change when the models (or their constants) do.
OLD_STATUSES = ("pending", "sent")
STATUSES = ("pending", "sending", "sent", "failed", "unconfirmed")
OLD_KINDS = ("booking_confirmed", "booking_failed", "booking_cancelled")
KINDS = (*OLD_KINDS, "proposal_ready")
UTC = sa.DateTime(timezone=True)
TABLE = "booking_notifications"
STATUS_CHECK = f"ck_{TABLE}_status"
KIND_CHECK = f"ck_{TABLE}_kind"
SUBJECT_CHECK = f"ck_{TABLE}_subject"
ONE_SUBJECT = "(booking_id IS NULL) <> (proposal_id IS NULL)"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", UTC, nullable=True))
        batch.add_column(sa.Column("claimed_at", UTC, nullable=True))
        batch.add_column(sa.Column("provider_message_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(500), nullable=True))
        batch.add_column(sa.Column("proposal_id", sa.String(36), nullable=True))
    op.execute(f"UPDATE {TABLE} SET next_attempt_at = created_at")
    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column("attempts", server_default=None)
        batch.alter_column("next_attempt_at", existing_type=UTC, nullable=False)
        batch.alter_column("booking_id", existing_type=sa.String(36), nullable=True)
        batch.drop_constraint(op.f(STATUS_CHECK), type_="check")
        batch.create_check_constraint(op.f(STATUS_CHECK), _in("status", STATUSES))
        batch.drop_constraint(op.f(KIND_CHECK), type_="check")
        batch.create_check_constraint(op.f(KIND_CHECK), _in("kind", KINDS))
        batch.create_check_constraint(op.f(SUBJECT_CHECK), ONE_SUBJECT)
        batch.create_foreign_key(
            op.f(f"fk_{TABLE}_proposal_id_booking_proposals"),
            "booking_proposals",
            ["proposal_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_unique_constraint(
            "uq_booking_notifications_proposal_kind", ["proposal_id", "kind"]
        )
    op.drop_index("ix_booking_notifications_status", table_name=TABLE)
    op.create_index("ix_booking_notifications_due", TABLE, ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_booking_notifications_due", table_name=TABLE)
    op.create_index("ix_booking_notifications_status", TABLE, ["status", "created_at"])
    op.execute(f"DELETE FROM {TABLE} WHERE proposal_id IS NOT NULL")
    op.execute(f"UPDATE {TABLE} SET status = 'pending' WHERE status <> 'sent'")
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint("uq_booking_notifications_proposal_kind", type_="unique")
        batch.drop_constraint(op.f(f"fk_{TABLE}_proposal_id_booking_proposals"), type_="foreignkey")
        batch.drop_constraint(op.f(SUBJECT_CHECK), type_="check")
        batch.drop_constraint(op.f(KIND_CHECK), type_="check")
        batch.create_check_constraint(op.f(KIND_CHECK), _in("kind", OLD_KINDS))
        batch.drop_constraint(op.f(STATUS_CHECK), type_="check")
        batch.create_check_constraint(op.f(STATUS_CHECK), _in("status", OLD_STATUSES))
        batch.alter_column("booking_id", existing_type=sa.String(36), nullable=False)
        for column in ("proposal_id", "last_error", "provider_message_id", "claimed_at"):
            batch.drop_column(column)
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
