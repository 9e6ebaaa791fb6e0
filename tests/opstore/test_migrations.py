from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from wayra.opstore.db import downgrade, make_engine, migrate
from wayra.opstore.models import Base, Watch
from wayra.settings import Settings

TABLES = {"users", "watches", "recommendation_publications", "recommendations"}


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
        assert con.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
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
                origin="LHR",
                destination="JFK",
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
