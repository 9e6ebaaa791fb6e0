"""Ingestion end to end on the simulator: contract enforcement at the door, idempotent days."""

import datetime as dt

import pytest

from wayra.collection.ingest import ingest_partitions
from wayra.collection.planner import WatchSpec
from wayra.money import MINOR_UNIT_EXPONENTS
from wayra.providers.simulated import default_simulated_providers
from wayra.settings import Settings
from wayra.warehouse import Warehouse

DAYS = [dt.date(2026, 3, 1), dt.date(2026, 3, 2)]


@pytest.fixture
def ingested(data_dir):
    watches = [
        WatchSpec("w-lon", "LHR", "JFK", "NYC", dt.date(2026, 4, 1), dt.date(2026, 4, 3), 3, 4, 2),
        WatchSpec(
            "w-par", "CDG", "BCN", "BCN", dt.date(2026, 3, 20), dt.date(2026, 3, 22), 2, 3, 1
        ),
    ]
    providers = default_simulated_providers(11)
    flights = {n: p for n, p in providers.items() if p.category == "flight"}
    hotels = {n: p for n, p in providers.items() if p.category == "hotel"}
    warehouse = Warehouse(Settings())

    def run():
        return ingest_partitions(warehouse, watches, flights, hotels, DAYS)

    return warehouse, run, run()


def count(warehouse: Warehouse, table: str, where: str = "true") -> int:
    return warehouse.scalar(f"SELECT count(*) FROM {warehouse.raw(table)} WHERE {where}")


def test_malformed_rows_are_quarantined_and_never_land(ingested):
    warehouse, _, report = ingested
    quarantined = sum(f.quarantined for f in report.feeds.values())
    assert quarantined > 0
    assert count(warehouse, "quote_quarantine") == quarantined
    assert count(warehouse, "quote_quarantine", "reason = '' OR rule = ''") == 0
    currencies = ", ".join(f"'{c}'" for c in MINOR_UNIT_EXPONENTS)
    for table in ("flight_quotes", "hotel_quotes"):
        assert count(warehouse, table) == report.feeds[table].landed > 0
        assert count(warehouse, table, "total_minor IS NULL OR total_minor <= 0") == 0
        assert count(warehouse, table, f"currency IS NULL OR currency NOT IN ({currencies})") == 0
        assert count(warehouse, table, "offer_id IS NULL") == 0


def test_every_request_outcome_is_recorded(ingested):
    warehouse, _, report = ingested
    assert count(warehouse, "provider_requests") == report.requests
    assert count(warehouse, "provider_requests", "status <> 'ok'") == report.failed_requests
    # Coalescing: both watches' searches are unique here, so requests = searches x providers.
    assert report.requests == 2 * report.unique_searches


def test_rerunning_days_replaces_them(ingested):
    warehouse, run, _ = ingested
    before = {
        t: count(warehouse, t)
        for t in ("flight_quotes", "hotel_quotes", "quote_quarantine", "provider_requests")
    }
    run()
    after = {t: count(warehouse, t) for t in before}
    assert after == before
