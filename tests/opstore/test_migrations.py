from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from wayra.opstore.db import downgrade, make_engine, make_session_factory, migrate
from wayra.opstore.models import Base, Watch
from wayra.settings import Settings

TABLES = {
    "users",
    "watches",
    "recommendation_publications",
    "recommendations",
    "api_usage_events",
    "watch_recommendation_summaries",
    "watch_price_points",
    "recommendation_feedback",
    "traveler_preferences",
    "alerts",
    "alert_deliveries",
    "alert_interactions",
    "watch_alert_states",
    "traveler_contacts",
    "payment_profiles",
    "booking_proposals",
    "bookings",
    "booking_legs",
    "booking_payments",
    "booking_steps",
    "booking_decisions",
    "booking_notifications",
    "stripe_webhook_events",
}


def test_sqlite_store_is_created_under_the_data_dir(data_dir) -> None:
    settings = Settings()
    assert not data_dir.exists()
    migrate(settings)
    assert (data_dir / "operational.sqlite").is_file()
    engine = make_engine(settings)
    try:
        with engine.connect() as con:
            assert con.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert con.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_postgres_upgrade_uses_the_operational_url(
    data_dir, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAYRA_OPERATIONAL_URL", postgres_database)
    settings = Settings()
    migrate(settings)
    engine = make_engine(settings)
    try:
        assert engine.dialect.name == "postgresql"
        assert set(inspect(engine).get_table_names()) >= TABLES
        # Nothing fell back to the embedded SQLite file.
        assert not (data_dir / "operational.sqlite").exists()
    finally:
        engine.dispose()


def test_upgrade_reaches_head_and_matches_the_models(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as con:
        assert con.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0007"
        # Any drift means someone changed a model without writing a migration.
        diff = compare_metadata(
            MigrationContext.configure(con, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []


def test_downgrade_and_upgrade_again(settings: Settings, engine: Engine) -> None:
    migrate(settings)  # already at head: a no-op, not an error
    downgrade(settings, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    migrate(settings)
    assert set(inspect(engine).get_table_names()) >= TABLES


def test_foreign_keys_are_enforced(session_factory) -> None:
    with session_factory() as session:
        session.add(
            Watch(
                user_id="no-such-user",
                origins=["LHR"],
                destinations=["JFK"],
                depart_from=dt.date(2026, 6, 1),
                depart_to=dt.date(2026, 6, 2),
                nights_min=1,
                nights_max=2,
                adults=1,
                cabin="ECONOMY",
                budget_minor=1,
                currency="EUR",
            )
        )
        with pytest.raises(IntegrityError):
            session.commit()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_settings(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for an empty store on each backend, not migrated yet."""
    request.getfixturevalue("data_dir")
    if request.param == "postgres":
        monkeypatch.setenv("WAYRA_OPERATIONAL_URL", request.getfixturevalue("postgres_database"))
    return Settings()


def test_0002_turns_routes_into_lists_and_back_keeping_recommendations(
    fresh_settings: Settings,
) -> None:
    migrate(fresh_settings, "0001")
    engine = make_engine(fresh_settings)
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    try:
        with engine.begin() as con:
            con.execute(
                text(
                    "INSERT INTO users (id, email, display_name, plan, api_key_prefix,"
                    " api_key_hash, created_at) VALUES ('u1', 'a@b.c', 'A', 'free', 'p', 'h', :now)"
                ),
                {"now": now},
            )
            con.execute(
                text(
                    "INSERT INTO watches (id, user_id, origin, destination, depart_from,"
                    " depart_to, nights_min, nights_max, adults, children, cabin, budget_minor,"
                    " currency, status, created_at, updated_at) VALUES ('w1', 'u1', 'LHR', 'JFK',"
                    " '2027-06-01', '2027-06-05', 3, 4, 2, 0, 'ECONOMY', 1000, 'GBP', 'active',"
                    " :now, :now)"
                ),
                {"now": now},
            )
            con.execute(
                text(
                    "INSERT INTO recommendation_publications (version, published_at,"
                    " source_run_id, watch_count, package_count, skipped_count)"
                    " VALUES (1, :now, 'run', 1, 1, 0)"
                ),
                {"now": now},
            )
            con.execute(
                text(
                    "INSERT INTO recommendations (id, version, watch_id, rank, observed_on,"
                    " departure_date, return_date, nights, total_minor, currency, budget_minor,"
                    " within_budget, legs) VALUES ('r1', 1, 'w1', 1, '2026-11-01', '2027-06-01',"
                    " '2027-06-04', 3, 900, 'GBP', 1000, true, '[]')"
                )
            )

        migrate(fresh_settings)
        with make_session_factory(engine)() as session:
            watch = session.get_one(Watch, "w1")
            assert (watch.origins, watch.destinations) == (["LHR"], ["JFK"])
            assert (watch.preferred_airlines, watch.excluded_airlines) == ([], [])
            assert watch.alert_preferences == {}
            assert (watch.automation_mode, watch.timezone) == ("off", "UTC")
            assert watch.hotel_refundable_only is False
            # The SQLite table rebuild must not cascade into published history.
            assert session.scalar(text("SELECT count(*) FROM recommendations")) == 1
            watch.origins = ["LGW", "LHR"]
            watch.status = "deleted"
            session.commit()

        downgrade(fresh_settings, "0001")
        with engine.connect() as con:
            row = con.execute(
                text("SELECT origin, destination, status FROM watches WHERE id = 'w1'")
            ).one()
            assert tuple(row) == ("LGW", "JFK", "paused")
            assert con.execute(text("SELECT count(*) FROM recommendations")).scalar() == 1
    finally:
        engine.dispose()
