"""Building the fixture warehouses: embedded settings in a work dir, `dbt build` with per-run
target and log paths (parallel workers stay apart), and a table's rows in a stable order."""

from __future__ import annotations

from pathlib import Path

import pytest

from wayra.settings import Settings
from wayra.warehouse import Warehouse
from wayra.warehouse.dbt_runner import run_dbt


def duckdb_settings(mp: pytest.MonkeyPatch, work_dir: Path) -> Settings:
    """Embedded DuckDB under ``work_dir``, whatever the environment points at."""
    mp.setenv("WAYRA_DATA_DIR", str(work_dir / "wayra-data"))
    for var in ("WAYRA_WAREHOUSE_URL", "WAYRA_WAREHOUSE_SCHEMA", "WAYRA_RAW_SCHEMA"):
        mp.delenv(var, raising=False)
    return Settings()


def dbt_build(settings: Settings, work_dir: Path, *args: str):
    return run_dbt(
        ["build", *args,
         "--target-path", str(work_dir / "dbt-target"), "--log-path", str(work_dir / "dbt-logs")],
        settings,
    )  # fmt: skip


def sorted_rows(settings: Settings, table: str, order_by: str, where: str = "") -> list[dict]:
    sql = f"select * from {settings.warehouse_schema}.{table} {where} order by {order_by}"
    return Warehouse(settings).query_arrow(sql).to_pylist()
