"""The alerts extract: alerts and their interactions in the operational store -> the raw
tables (alerts a full snapshot without message text, interactions appended once each by id
watermark) -> fct_alert_action_rate, with the same numbers on DuckDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from dagster import AssetKey, AssetSelection, materialize
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestration.defs.reference.assets import operational_alerts_extract
from orchestration.defs.resources import OperationalStoreResource, WarehouseResource
from tests.dbt.builds import dbt_build, duckdb_settings, sorted_rows
from tests.opstore.factories import make_watch
from wayra.opstore.alert_models import Alert, AlertDelivery, AlertInteraction
from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.opstore.users import create_user
from wayra.settings import Settings
from wayra.warehouse import Warehouse
from wayra.warehouse.raw_tables import OPERATIONAL_ALERT_SCHEMA


def _at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 6) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, second, tzinfo=dt.UTC)


# name -> (traveler, kind, deliver_at, channel deliveries (channel, status)). The weeks of
# June 2, 9 and 23 have alerts due; June 16 has none. "not-due" is due long after any test
# runs, and only pending: not delivered, so in no week.
ALERTS = {
    "drop-mon": ("a", "price_drop", _at(2, 9), [("email", "sent")]),
    "drop-wed": ("b", "price_drop", _at(4, 18), [("email", "failed"), ("sms", "sent")]),
    "drop-sun": ("a", "price_drop", _at(8, 23, 30), []),  # in-app only: delivered once due
    "budget": ("b", "budget_target", _at(9, 0, 10), [("email", "failed")]),
    "urgency": ("a", "booking_urgency", _at(10, 7), [("webhook", "sent")]),
    "late-june": ("b", "price_drop", _at(24, 8), []),
    "not-due": ("a", "better_alternative", dt.datetime(2099, 1, 5, tzinfo=dt.UTC), [("email", "pending")]),
}  # fmt: skip

# (alert, action, occurred_at); the second extract must land exactly the second batch.
FIRST_INTERACTIONS = [
    ("drop-mon", "opened", _at(2, 10)),
    ("drop-mon", "acted", _at(2, 10, 5)),
    ("drop-wed", "opened", _at(11, 18, 0, 1)),  # 7 days and 1 second after due: too late
    ("drop-sun", "acted", _at(9, 8)),  # acted without an open; counts in its due week
    ("budget", "opened", _at(9, 8)),
]
SECOND_INTERACTIONS = [
    ("drop-mon", "opened", _at(3, 12)),  # opened again: still one opened alert
    ("budget", "acted", _at(16, 0, 10)),  # exactly 7 days after due: counts
    ("urgency", "opened", _at(17, 7, 0, 1)),  # too late
    ("late-june", "opened", _at(24, 12)),
]

EXPECTED_ACTION_RATES = [
    {"week_start": dt.date(2025, 6, 2), "kind": "price_drop", "alerts_delivered": 3,
     "alerts_opened": 1, "alerts_acted": 2, "open_rate": Decimal("0.3333"),
     "action_rate": Decimal("0.6667"), "response_window_closed": True},
    {"week_start": dt.date(2025, 6, 9), "kind": "booking_urgency", "alerts_delivered": 1,
     "alerts_opened": 0, "alerts_acted": 0, "open_rate": Decimal("0"),
     "action_rate": Decimal("0"), "response_window_closed": True},
    {"week_start": dt.date(2025, 6, 9), "kind": "budget_target", "alerts_delivered": 1,
     "alerts_opened": 1, "alerts_acted": 1, "open_rate": Decimal("1"),
     "action_rate": Decimal("1"), "response_window_closed": True},
    {"week_start": dt.date(2025, 6, 23), "kind": "price_drop", "alerts_delivered": 1,
     "alerts_opened": 1, "alerts_acted": 0, "open_rate": Decimal("1"),
     "action_rate": Decimal("0"), "response_window_closed": True},
]  # fmt: skip


def seed_alerts(factory: sessionmaker[Session]) -> dict[str, str]:
    """Two travelers with a watch each, and ALERTS with their deliveries; name -> alert id."""
    ids = {}
    with factory.begin() as session:
        watches = {}
        for traveler in ("a", "b"):
            user, _ = create_user(session, f"{traveler}@example.com", traveler.upper())
            watches[traveler] = make_watch(session, user)
        for name, (traveler, kind, deliver_at, deliveries) in ALERTS.items():
            watch = watches[traveler]
            alert = Alert(
                user_id=watch.user_id,
                watch_id=watch.id,
                kind=kind,
                dedupe_key=f"{watch.id}:{name}",
                observed_at=deliver_at - dt.timedelta(hours=1),
                deliver_at=deliver_at,
                urgent=kind == "booking_urgency",
                digest=kind == "budget_target",
                price_minor=300_000,
                currency=watch.currency,
                headline=f"Headline of {name}",
                explanation="Message text that must not reach the warehouse.",
            )
            session.add(alert)
            session.flush()
            ids[name] = alert.id
            session.add_all(
                AlertDelivery(
                    alert_id=alert.id,
                    channel=channel,
                    status=status,
                    next_attempt_at=deliver_at,
                    sent_at=deliver_at if status == "sent" else None,
                )
                for channel, status in deliveries
            )
    return ids


def record(factory: sessionmaker[Session], ids: dict[str, str], interactions) -> None:
    with factory.begin() as session:
        for name, action, occurred_at in interactions:
            session.add(
                AlertInteraction(alert_id=ids[name], action=action, occurred_at=occurred_at)
            )


def run_extract() -> dict[str, object]:
    result = materialize(
        [operational_alerts_extract],
        resources={
            "warehouse": WarehouseResource(),
            "operational_store": OperationalStoreResource(),
        },
    )
    assert result.success
    # One materialization per raw table; their metadata keys do not overlap.
    return {
        key: value.value
        for materialization in result.asset_materializations_for_node("operational_alerts_extract")
        for key, value in materialization.metadata.items()
    }


def extract_twice_and_build(settings: Settings, work_dir: Path) -> list[dict]:
    """Seed, extract, add interactions, extract again (and once more with nothing new), then
    build the mart; checks the raw tables on the way. Returns the mart's rows."""
    migrate(settings)
    engine = make_engine(settings)
    factory = make_session_factory(engine)
    try:
        ids = seed_alerts(factory)
        record(factory, ids, FIRST_INTERACTIONS)
        first = run_extract()
        assert first["alerts"] == len(ALERTS) and first["delivered"] == len(ALERTS) - 1
        assert first["new_interactions"] == len(FIRST_INTERACTIONS)
        assert first["watermark_before"] == 0
        with factory() as session:
            first_ids = session.scalars(select(AlertInteraction.id)).all()

        record(factory, ids, SECOND_INTERACTIONS)
        second = run_extract()
        assert second["new_interactions"] == len(SECOND_INTERACTIONS)
        assert second["watermark_before"] == max(first_ids)
        assert run_extract()["new_interactions"] == 0
        with factory() as session:
            store_ids = sorted(session.scalars(select(AlertInteraction.id)))
    finally:
        engine.dispose()

    warehouse = Warehouse(settings)
    landed = warehouse.query_arrow(
        f"SELECT interaction_id FROM {warehouse.raw('operational_alert_interactions')}"
    )
    # Every interaction landed exactly once across the three runs.
    assert sorted(landed.column("interaction_id").to_pylist()) == store_ids
    alerts = warehouse.query_arrow(f"SELECT * FROM {warehouse.raw('operational_alerts')}")
    # No message text (headline, explanation, facts) in the warehouse.
    assert alerts.column_names == OPERATIONAL_ALERT_SCHEMA.names
    landed_alerts = {row["alert_id"]: row for row in alerts.to_pylist()}
    assert {
        name: (landed_alerts[alert_id]["delivered"], landed_alerts[alert_id]["channels_sent"])
        for name, alert_id in ids.items()
    } == {
        "drop-mon": (True, 1),
        "drop-wed": (True, 1),
        "drop-sun": (True, 0),
        "budget": (True, 0),
        "urgency": (True, 1),
        "late-june": (True, 0),
        "not-due": (False, 0),
    }

    # Cautious selection: the users relationship tests of other staging models stay out.
    dbt_build(
        settings,
        work_dir,
        "--select", "+fct_alert_action_rate", "stg_operational__users",
        "--indirect-selection", "cautious",
    )  # fmt: skip
    # Only the columns this test is about: no proposals or bookings are seeded, so the
    # proposal-follow columns (tested in test_bookings_extract and the unit tests) are 0.
    rows = sorted_rows(settings, "fct_alert_action_rate", "week_start, kind")
    assert all(row.pop("alerts_followed_by_proposal_48h") == 0 for row in rows)
    assert all(row.pop("proposal_follow_rate") == 0 for row in rows)
    return rows


def test_extract_lands_each_interaction_once_and_the_mart_counts_them(
    data_dir, tmp_path, monkeypatch
):
    settings = duckdb_settings(monkeypatch, tmp_path)
    assert settings.warehouse_backend == "duckdb"
    assert extract_twice_and_build(settings, tmp_path) == EXPECTED_ACTION_RATES


@pytest.mark.postgres
def test_extract_and_mart_on_postgresql(data_dir, tmp_path, postgres_database, monkeypatch):
    """The production path: PostgreSQL operational store (BIGINT identity ids) and warehouse;
    the mart has the same rows as on DuckDB."""
    monkeypatch.setenv("WAYRA_WAREHOUSE_URL", postgres_database)
    monkeypatch.setenv("WAYRA_OPERATIONAL_URL", postgres_database)
    settings = Settings()
    assert settings.warehouse_backend == "postgres"
    assert extract_twice_and_build(settings, tmp_path) == EXPECTED_ACTION_RATES


@pytest.mark.usefixtures("dbt_manifest")
def test_usage_kpi_refresh_includes_the_alerts_extract_and_mart():
    """`refresh_usage_kpis` (run after the demo's API reads) re-extracts alerts and rebuilds
    the action-rate mart."""
    from orchestration.definitions import defs
    from wayra.cli.pipeline import USAGE_EXTRACT_KEYS

    graph = defs.resolve_asset_graph()
    selected = AssetSelection.assets(*USAGE_EXTRACT_KEYS).downstream().resolve(graph)
    assert {
        AssetKey("raw_operational_alerts"),
        AssetKey("raw_operational_alert_interactions"),
        AssetKey("stg_operational__alerts"),
        AssetKey("stg_operational__alert_interactions"),
        AssetKey("fct_alert_action_rate"),
    } <= selected
