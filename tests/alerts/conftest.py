"""A migrated embedded store with one traveler, one watch and one alert, and the real SMTP
server fixture of the notification tests."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.notifications.conftest import RecordingHandler, closed_port, smtp_server  # noqa: F401
from tests.opstore.factories import make_watch
from wayra.opstore.alert_models import Alert, AlertDelivery
from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.opstore.users import create_user
from wayra.settings import Settings

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(data_dir):
    settings = Settings()
    migrate(settings)
    engine = make_engine(settings)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def alert_id(store) -> str:
    with store.begin() as session:
        user, _ = create_user(session, "traveler@example.com", "Traveler")
        watch = make_watch(session, user)
        alert = Alert(
            user_id=user.id,
            watch_id=watch.id,
            kind="price_drop",
            dedupe_key=f"{watch.id}:price_drop:{NOW.isoformat()}",
            observed_at=NOW,
            deliver_at=NOW,
            urgent=False,
            digest=False,
            price_minor=281_000,
            reference_minor=320_000,
            currency="GBP",
            headline="12% below the first price we saw",
            explanation="Best overall: non-stop both ways.",
            facts={"drop_pct": 12.2},
        )
        session.add(alert)
        session.flush()
        session.add(AlertDelivery(alert_id=alert.id, channel="email", next_attempt_at=NOW))
        return alert.id
