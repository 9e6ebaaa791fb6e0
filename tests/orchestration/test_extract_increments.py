"""Incremental extracts do not skip late commits: on PostgreSQL a row whose transaction commits
after a higher id was already extracted still lands, exactly once (the real race, with two
open transactions)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.orchestration.test_alerts_extract import run_extract, seed_alerts
from wayra.opstore.alert_models import AlertInteraction
from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.settings import Settings
from wayra.warehouse import Warehouse

pytestmark = pytest.mark.postgres


def test_an_interaction_committed_after_a_higher_id_was_extracted_still_lands_once(
    data_dir, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAYRA_OPERATIONAL_URL", postgres_database)
    settings = Settings()
    migrate(settings)
    engine = make_engine(settings)
    factory = make_session_factory(engine)
    try:
        ids = seed_alerts(factory)
        now = dt.datetime.now(dt.UTC)
        slow = factory()  # an API request whose transaction is still open
        slow.add(AlertInteraction(alert_id=ids["drop-mon"], action="opened", occurred_at=now))
        slow.flush()  # its id is taken now ...
        with factory.begin() as fast:  # ... and a later one commits first
            fast.add(AlertInteraction(alert_id=ids["budget"], action="acted", occurred_at=now))

        first = run_extract()
        slow.commit()  # ... the straggler becomes visible below the warehouse's watermark
        slow.close()
        second = run_extract()
        third = run_extract()

        with factory() as session:
            store_ids = sorted(session.scalars(select(AlertInteraction.id)))
    finally:
        engine.dispose()

    assert first["new_interactions"] == 1 and first["watermark_before"] == 0
    assert second["watermark_before"] == max(store_ids)  # the straggler's id is below it
    assert second["new_interactions"] == 0 and second["reread_interactions"] == 2
    assert third["new_interactions"] == 0
    warehouse = Warehouse(settings)
    landed = warehouse.query_arrow(
        f"SELECT interaction_id FROM {warehouse.raw('operational_alert_interactions')}"
    ).column("interaction_id")
    assert sorted(landed.to_pylist()) == store_ids  # both, each once
