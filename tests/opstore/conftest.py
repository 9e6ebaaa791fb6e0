from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.settings import Settings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for a fresh, migrated operational store on each backend."""
    request.getfixturevalue("data_dir")
    if request.param == "postgres":
        monkeypatch.setenv("WAYRA_OPERATIONAL_URL", request.getfixturevalue("postgres_database"))
    settings = Settings()
    migrate(settings)
    return settings


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)
