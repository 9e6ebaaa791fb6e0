"""`dbt build` (models, seeds, data and unit tests) on the demo's history in DuckDB, against a
baseline of bare DuckDB copies of the raw quote tables (one full scan and write of the data).

The history is the demo's: its 20 watches and 60 observation days from the simulated
providers, collected through the same Dagster assets `wayra demo` runs.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from contextlib import contextmanager

from bench.harness import BenchResult
from wayra.cli.demo import create_demo_watches
from wayra.cli.pipeline import backfill_collection
from wayra.environ import environ
from wayra.settings import Settings
from wayra.warehouse import Warehouse
from wayra.warehouse.dbt_runner import run_dbt

DAYS = 60


@contextmanager
def data_dir_env(path: str):
    """The Dagster resources read settings from the environment, like in production."""
    with environ({"WAYRA_DATA_DIR": path}, also_restore=("DAGSTER_HOME",)):
        yield Settings()


def run() -> list[BenchResult]:
    with tempfile.TemporaryDirectory() as tmp, data_dir_env(tmp) as settings:
        today = dt.datetime.now(dt.UTC).date()
        create_demo_watches(settings, today)
        backfill_collection(
            settings, [today - dt.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
        )
        _extract_watches()
        warehouse = Warehouse(settings)
        quotes = sum(
            warehouse.scalar(f"SELECT count(*) FROM {warehouse.raw(t)}")
            for t in ("flight_quotes", "hotel_quotes")
        )

        started = time.perf_counter()
        run_dbt(["build"], settings)
        build_s = time.perf_counter() - started

        started = time.perf_counter()
        with warehouse.connect() as con:
            for table in ("flight_quotes", "hotel_quotes"):
                con.execute(
                    f"CREATE OR REPLACE TABLE main.copy_{table} AS SELECT * FROM {warehouse.raw(table)}"
                )
        copy_s = time.perf_counter() - started

    return [
        BenchResult(
            "dbt build on the demo history (DuckDB)",
            f"{build_s:.1f} s for {quotes:,} quotes ({DAYS} days, 20 watches)",
            f"{copy_s:.2f} s (bare DuckDB copy of the raw quote tables)",
            build_s / copy_s,
            "models + seeds + data tests + unit tests; ratio = raw-table copies one build costs",
        )
    ]


def _extract_watches() -> None:
    from dagster import AssetSelection, materialize

    from orchestration.definitions import all_assets, resources

    materialize(
        all_assets,
        selection=AssetSelection.groups("operational_extract"),
        resources=resources,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
