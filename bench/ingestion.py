"""Ingestion: quotes/s landed by Wayra's path (contract validation + transactional partition
replace of quotes, quarantine and request log) vs a bare DuckDB Arrow insert of the same rows."""

from __future__ import annotations

import datetime as dt
import os
import tempfile

import duckdb

from bench.harness import BenchResult, best_of
from wayra.collection.collector import collect
from wayra.collection.ingest import observation_instant, validate_and_land
from wayra.collection.planner import WatchSpec, plan_searches
from wayra.providers.simulated import default_simulated_providers
from wayra.settings import Settings
from wayra.simulator.geography import city_code_for_airport
from wayra.warehouse import Warehouse
from wayra.warehouse.raw_tables import RAW_TABLES, create_table_sql

ROUTES = [
    ("LHR", "JFK"),
    ("CDG", "NRT"),
    ("AMS", "BCN"),
    ("MAD", "LIS"),
    ("SFO", "HND"),
    ("FRA", "SIN"),
]


def _batch(day: dt.date):
    watches = [
        WatchSpec(
            watch_id=f"w{i}",
            origin=origin,
            destination=destination,
            destination_city_code=city_code_for_airport(destination),
            depart_from=day + dt.timedelta(days=20 + i),
            depart_to=day + dt.timedelta(days=26 + i),
            nights_min=3,
            nights_max=5,
            adults=2,
        )
        for i, (origin, destination) in enumerate(ROUTES * 3)
    ]
    providers = default_simulated_providers(7)
    flights = {n: p for n, p in providers.items() if p.category == "flight"}
    hotels = {n: p for n, p in providers.items() if p.category == "hotel"}
    return collect(plan_searches(watches, day), flights, hotels, observation_instant(day), day)


def run() -> list[BenchResult]:
    day = dt.date(2026, 6, 1)
    batch = _batch(day)
    rows = batch.flight_quotes.num_rows + batch.hotel_quotes.num_rows
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Warehouse(Settings(data_dir=tmp))
        warehouse.ensure_raw_tables()

        def wayra_path() -> None:
            validate_and_land(warehouse, batch, day, observation_instant(day))

        baseline_path = os.path.join(tmp, "baseline.duckdb")
        con = duckdb.connect(baseline_path)
        for name in ("flight_quotes", "hotel_quotes"):
            con.execute(create_table_sql(name, RAW_TABLES[name]))

        def raw_insert() -> None:
            for name, table in (
                ("flight_quotes", batch.flight_quotes),
                ("hotel_quotes", batch.hotel_quotes),
            ):
                con.register("b", table)
                con.execute(f"INSERT INTO {name} SELECT * FROM b")
                con.unregister("b")

        wayra_s = best_of(wayra_path)
        raw_s = best_of(raw_insert)
        con.close()
    wayra_qps, raw_qps = rows / wayra_s, rows / raw_s
    return [
        BenchResult(
            "ingestion quotes/s",
            f"{wayra_qps:,.0f} quotes/s",
            f"{raw_qps:,.0f} quotes/s (bare DuckDB Arrow insert)",
            wayra_qps / raw_qps,
            f"{rows:,} quotes per partition; Wayra path adds contract validation, "
            "quarantine, request log and partition replace in one transaction",
        )
    ]
