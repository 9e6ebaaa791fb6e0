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


class Killed(BaseException):
    """Stands in for the process dying: not an Exception, so nothing on the way catches it."""


class DiesMidDay:
    """Answers normally, then dies on its second call of ``day`` (mid-collection)."""

    def __init__(self, provider, day: dt.date):
        self.provider, self.day, self.calls_that_day = provider, day, 0
        self.name, self.category = provider.name, provider.category

    def search_flights(self, search, at):
        if at.date() == self.day:
            self.calls_that_day += 1
            if self.calls_that_day == 2:
                raise Killed
        return self.provider.search_flights(search, at)


def table_fingerprint(warehouse: Warehouse) -> dict[str, list]:
    return {
        table: warehouse.query_arrow(
            f"SELECT partition_date, payload_hash, count(*) AS n FROM {warehouse.raw(table)} "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        ).to_pylist()
        for table in ("flight_quotes", "hotel_quotes", "quote_quarantine")
    }


def test_a_run_killed_midway_then_rerun_leaves_no_duplicates_and_no_gaps(tmp_path, monkeypatch):
    watches = [
        WatchSpec("w", "LHR", "JFK", "NYC", dt.date(2026, 4, 1), dt.date(2026, 4, 2), 3, 3, 1)
    ]
    days = [dt.date(2026, 3, 1), dt.date(2026, 3, 2), dt.date(2026, 3, 3)]

    def providers():
        all_ = default_simulated_providers(3)
        return (
            {n: p for n, p in all_.items() if p.category == "flight"},
            {n: p for n, p in all_.items() if p.category == "hotel"},
        )

    monkeypatch.setenv("WAYRA_DATA_DIR", str(tmp_path / "clean"))
    clean = Warehouse(Settings())
    ingest_partitions(clean, watches, *providers(), days)

    monkeypatch.setenv("WAYRA_DATA_DIR", str(tmp_path / "crashed"))
    crashed = Warehouse(Settings())
    flights, hotels = providers()
    dying = {name: DiesMidDay(p, days[1]) for name, p in flights.items()}
    with pytest.raises(Killed):
        ingest_partitions(crashed, watches, dying, hotels, days)
    landed = crashed.query_arrow(
        f"SELECT DISTINCT partition_date FROM {crashed.raw('flight_quotes')}"
    )
    assert landed["partition_date"].to_pylist() == [days[0]]  # day 2 never half-landed

    ingest_partitions(crashed, watches, *providers(), days)
    assert table_fingerprint(crashed) == table_fingerprint(clean)
    assert all(row["n"] == 1 for rows in table_fingerprint(crashed).values() for row in rows)


def test_observations_within_a_day_accumulate_and_a_rerun_replaces_only_its_own(ingested):
    warehouse, _, _ = ingested
    watches = [
        WatchSpec("w-lon", "LHR", "JFK", "NYC", dt.date(2026, 4, 1), dt.date(2026, 4, 3), 3, 4, 2)
    ]
    providers = default_simulated_providers(11)
    flights = {n: p for n, p in providers.items() if p.category == "flight"}
    later = dt.datetime(2026, 3, 1, 14, 15, tzinfo=dt.UTC)
    before = count(warehouse, "flight_quotes", "partition_date = DATE '2026-03-01'")

    def tick():
        ingest_partitions(
            warehouse, watches, flights, {}, [DAYS[0]], observed_at_for=lambda _d: later
        )
        return count(warehouse, "flight_quotes", "partition_date = DATE '2026-03-01'")

    after_tick = tick()
    assert after_tick > before  # 14:15 added to the 06:00 observation
    assert tick() == after_tick  # the same tick again replaces itself
