from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from serving.app import create_app
from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.opstore.users import create_user
from wayra.settings import Settings


@dataclass(frozen=True)
class Account:
    user_id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@pytest.fixture
def settings(data_dir) -> Settings:
    settings = Settings()
    migrate(settings)
    return settings


@pytest.fixture
def session_factory(settings: Settings):
    engine = make_engine(settings)
    yield make_session_factory(engine)
    engine.dispose()


def _account(session_factory, email: str) -> Account:
    with session_factory.begin() as session:
        user, key = create_user(session, email, email.split("@")[0])
        return Account(user.id, key)


@pytest.fixture
def alice(session_factory) -> Account:
    return _account(session_factory, "alice@example.com")


@pytest.fixture
def bob(session_factory) -> Account:
    return _account(session_factory, "bob@example.com")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    # As a context manager so the lifespan (engine, session factory) runs.
    with TestClient(create_app(settings)) as client:
        yield client
