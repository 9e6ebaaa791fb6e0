"""One collection cycle for 10,000 simulated watches over 200 routes.

Reports watches served per provider request (baseline: one request per watch and search, i.e.
no coalescing) and quotes/s landed end to end (collect, validate, land) against a bare DuckDB
Arrow insert of the same rows. The cycle runs on the virtual clock under the default rate
limits, so the simulated time it would take against rate-limited providers is reported too.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time

import duckdb

from bench.harness import BenchResult
from wayra.collection.collector import collect
from wayra.collection.ingest import observation_instant, validate_and_land
from wayra.collection.limits import VirtualClock
from wayra.collection.planner import plan_searches
from wayra.providers.simulated import default_simulated_providers
from wayra.settings import Settings
from wayra.simulator.watches import synthetic_watches
from wayra.warehouse import Warehouse
from wayra.warehouse.raw_tables import RAW_TABLES, create_table_sql

DAY = dt.date(2026, 6, 1)


def run() -> list[BenchResult]:
    watches = synthetic_watches(10_000, 200, DAY)
    providers = default_simulated_providers(7)
    flights = {n: p for n, p in providers.items() if p.category == "flight"}
    hotels = {n: p for n, p in providers.items() if p.category == "hotel"}
    clock = VirtualClock()

    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Warehouse(Settings(data_dir=tmp))
        warehouse.ensure_raw_tables()
        started = time.perf_counter()
        plan = plan_searches(watches, DAY)
        batch = collect(plan, flights, hotels, observation_instant(DAY), DAY, clock=clock)
        validate_and_land(warehouse, batch, DAY, observation_instant(DAY))
        cycle_s = time.perf_counter() - started

        con = duckdb.connect(f"{tmp}/baseline.duckdb")
        started = time.perf_counter()
        for name, table in (
            ("flight_quotes", batch.flight_quotes),
            ("hotel_quotes", batch.hotel_quotes),
        ):
            con.execute(create_table_sql(name, RAW_TABLES[name]))
            con.register("b", table)
            con.execute(f"INSERT INTO {name} SELECT * FROM b")
            con.unregister("b")
        insert_s = time.perf_counter() - started
        con.close()

    requests = batch.requests.num_rows
    quotes = batch.flight_quotes.num_rows + batch.hotel_quotes.num_rows
    per_provider_naive = plan.naive_search_count
    provider_count = len(flights)  # same number of providers per category
    watches_per_request = (per_provider_naive * provider_count) / requests
    return [
        BenchResult(
            "collection: watches per provider request",
            f"{watches_per_request:.2f} ({requests:,} requests for {len(watches):,} watches)",
            f"1.00 ({per_provider_naive * provider_count:,} requests, one per watch and search)",
            watches_per_request,
            f"{plan.unique_search_count:,} unique searches x {provider_count} providers per category; "
            f"under default rate limits the cycle needs {clock.now() / 60:,.0f} min of provider time",
        ),
        BenchResult(
            "collection: quotes/s landed (collect + validate + land)",
            f"{quotes / cycle_s:,.0f} quotes/s ({quotes:,} quotes in {cycle_s:.1f} s)",
            f"{quotes / insert_s:,.0f} quotes/s (bare DuckDB Arrow insert)",
            (quotes / cycle_s) / (quotes / insert_s),
            "includes simulator time for every search",
        ),
    ]
