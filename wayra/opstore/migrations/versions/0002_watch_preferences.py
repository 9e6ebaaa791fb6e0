"""Watch preferences: several origins/destinations, airlines, hotel constraints, alerts,
automation mode, time zone, and a soft-deleted status.

Existing rows keep their route as one-element lists (``origin`` -> ``[origin]``). Downgrading
keeps the first origin and destination only and turns soft-deleted watches into paused ones
(0001 has no "deleted" status, and hard-deleting would cascade to published history).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies: a migration must not change when the models (or their constants) do.
OLD_WATCH_STATUSES = ("active", "paused")
WATCH_STATUSES = ("active", "paused", "deleted")
AUTOMATION_MODES = ("off", "propose", "auto")

_LIST_COLUMNS = ("origins", "destinations", "preferred_airlines", "excluded_airlines")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


@contextmanager
def _recommendations_kept() -> Iterator[None]:
    """Keep published recommendations through batch rebuilds of ``watches``.

    On SQLite batch mode drops and recreates the table; with foreign keys on, that DROP fires
    ``ON DELETE CASCADE`` and would empty ``recommendations``. The pragma cannot be switched
    off inside a transaction, so the rows are parked in a temporary table and put back.
    """
    sqlite = _is_sqlite()
    if sqlite:
        op.execute("CREATE TEMP TABLE _wayra_recommendations AS SELECT * FROM recommendations")
    yield
    if sqlite:
        op.execute(
            "INSERT INTO recommendations SELECT * FROM _wayra_recommendations "
            "WHERE id NOT IN (SELECT id FROM recommendations)"
        )
        op.execute("DROP TABLE _wayra_recommendations")


def upgrade() -> None:
    with _recommendations_kept():
        _upgrade()


def _upgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        for name in (*_LIST_COLUMNS, "alert_preferences"):
            batch.add_column(sa.Column(name, _json(), nullable=True))
        batch.add_column(sa.Column("hotel_min_stars", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("hotel_max_distance_km", sa.Float(), nullable=True))
        batch.add_column(sa.Column("hotel_point_latitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("hotel_point_longitude", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column(
                "hotel_refundable_only", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch.add_column(
            sa.Column("automation_mode", sa.String(10), server_default="off", nullable=False)
        )
        batch.add_column(sa.Column("timezone", sa.String(64), server_default="UTC", nullable=False))

    array = "json_array" if _is_sqlite() else "jsonb_build_array"
    empty_list, empty_doc = ("json('[]')", "json('{}')") if _is_sqlite() else ("'[]'", "'{}'")
    op.execute(
        f"UPDATE watches SET origins = {array}(origin), destinations = {array}(destination), "
        f"preferred_airlines = {empty_list}, excluded_airlines = {empty_list}, "
        f"alert_preferences = {empty_doc}"
    )

    with op.batch_alter_table("watches") as batch:
        for name in (*_LIST_COLUMNS, "alert_preferences"):
            batch.alter_column(name, existing_type=_json(), nullable=False)
        batch.drop_constraint(op.f("ck_watches_distinct_airports"), type_="check")
        batch.drop_constraint(op.f("ck_watches_status"), type_="check")
        batch.drop_constraint(op.f("ck_watches_travellers"), type_="check")
        batch.drop_column("origin")
        batch.drop_column("destination")
        batch.create_check_constraint(op.f("ck_watches_status"), _in("status", WATCH_STATUSES))
        batch.create_check_constraint(
            op.f("ck_watches_travellers"), "adults BETWEEN 1 AND 9 AND children BETWEEN 0 AND 8"
        )
        batch.create_check_constraint(
            op.f("ck_watches_automation_mode"), _in("automation_mode", AUTOMATION_MODES)
        )
        batch.create_check_constraint(
            op.f("ck_watches_hotel_min_stars"),
            "hotel_min_stars IS NULL OR hotel_min_stars BETWEEN 1 AND 5",
        )
        batch.create_check_constraint(
            op.f("ck_watches_hotel_max_distance"),
            "hotel_max_distance_km IS NULL OR hotel_max_distance_km > 0",
        )
        batch.create_check_constraint(
            op.f("ck_watches_hotel_point"),
            "(hotel_point_latitude IS NULL AND hotel_point_longitude IS NULL) OR "
            "(hotel_point_latitude IS NOT NULL AND hotel_point_longitude IS NOT NULL "
            "AND hotel_point_latitude BETWEEN -90 AND 90 "
            "AND hotel_point_longitude BETWEEN -180 AND 180)",
        )


def downgrade() -> None:
    with _recommendations_kept():
        _downgrade()


def _downgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.add_column(sa.Column("origin", sa.String(3), nullable=True))
        batch.add_column(sa.Column("destination", sa.String(3), nullable=True))

    first = "json_extract({}, '$[0]')" if _is_sqlite() else "({} ->> 0)"
    op.execute(
        f"UPDATE watches SET origin = {first.format('origins')}, "
        f"destination = {first.format('destinations')}"
    )
    op.execute("UPDATE watches SET status = 'paused' WHERE status = 'deleted'")

    with op.batch_alter_table("watches") as batch:
        for name in ("ck_watches_hotel_point", "ck_watches_hotel_max_distance",
                     "ck_watches_hotel_min_stars", "ck_watches_automation_mode",
                     "ck_watches_travellers", "ck_watches_status"):  # fmt: skip
            batch.drop_constraint(op.f(name), type_="check")
        for name in (
            *_LIST_COLUMNS,
            "alert_preferences",
            "hotel_min_stars",
            "hotel_max_distance_km",
            "hotel_point_latitude",
            "hotel_point_longitude",
            "hotel_refundable_only",
            "automation_mode",
            "timezone",
        ):
            batch.drop_column(name)
        batch.alter_column("origin", existing_type=sa.String(3), nullable=False)
        batch.alter_column("destination", existing_type=sa.String(3), nullable=False)
        batch.create_check_constraint(op.f("ck_watches_status"), _in("status", OLD_WATCH_STATUSES))
        batch.create_check_constraint(
            op.f("ck_watches_travellers"), "adults BETWEEN 1 AND 9 AND children >= 0"
        )
        batch.create_check_constraint(op.f("ck_watches_distinct_airports"), "origin <> destination")
