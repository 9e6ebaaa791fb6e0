"""Cross-adapter comparison of dbt marts: which marts the project has (from the manifest of the
build, so a new mart is covered without touching a test), and a row count plus per-column
checksums that mean the same on DuckDB and PostgreSQL.

Checksums are computed in Python from the fetched rows, so neither engine's collation, hash or
float formatting enters them:
- text, integers, decimals, booleans, dates: a SHA-256 of the sorted canonical values (decimals
  normalised, so 1.50 and 1.5 agree);
- timestamps: the same, after conversion to UTC;
- floats: the exact sums of the values and of their squares (math.fsum), compared with a
  relative tolerance of 1e-9: engines may differ in the last bits of ln, stddev or a mean.
Each column's checksum also says what kind of value it holds and how many are non-null.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from decimal import Decimal
from pathlib import Path

from wayra.settings import Settings
from wayra.warehouse import Warehouse

FLOAT_REL_TOL = 1e-9


def mart_names(target_dir: Path) -> list[str]:
    """Every model under models/marts/ in the manifest a dbt run wrote to ``target_dir``."""
    manifest = json.loads((target_dir / "manifest.json").read_text())
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["package_name"] == "wayra"
        and Path(node["original_file_path"]).parts[:2] == ("models", "marts")
    )


def exposed_models(target_dir: Path) -> set[str]:
    """Models some exposure (API, dashboard, ML training) depends on."""
    manifest = json.loads((target_dir / "manifest.json").read_text())
    return {
        node.split(".")[-1]
        for exposure in manifest["exposures"].values()
        for node in exposure["depends_on"]["nodes"]
        if node.startswith("model.")
    }


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, Decimal):
        return "decimal"
    if isinstance(value, dt.datetime):
        return "timestamp"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, str):
        return "text"
    raise TypeError(f"no checksum for {type(value).__name__}: {value!r}")


def _canonical(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def column_checksum(values: list[object]) -> dict[str, object]:
    present = [v for v in values if v is not None]
    kinds = sorted({_kind(v) for v in present})
    checksum: dict[str, object] = {"kind": "/".join(kinds) or "null", "non_null": len(present)}
    if kinds == ["float"]:
        checksum["sum"] = math.fsum(present)
        checksum["sum_of_squares"] = math.fsum(v * v for v in present)
    else:
        canonical = sorted(_canonical(v) for v in present)
        checksum["sha256"] = hashlib.sha256("\x1f".join(canonical).encode()).hexdigest()
    return checksum


def mart_checksums(settings: Settings, mart: str) -> dict[str, object]:
    """Row count, column names in order, and a checksum per column of ``mart``."""
    table = Warehouse(settings).query_arrow(f"select * from {settings.warehouse_schema}.{mart}")
    return {
        "row_count": table.num_rows,
        "columns": table.column_names,
        "checksums": {
            name: column_checksum(table.column(name).to_pylist()) for name in table.column_names
        },
    }


def differences(expected: dict[str, object], actual: dict[str, object]) -> list[str]:
    """What differs between two ``mart_checksums``; floats within FLOAT_REL_TOL agree."""
    if expected["row_count"] != actual["row_count"]:
        return [f"row_count {expected['row_count']} != {actual['row_count']}"]
    if expected["columns"] != actual["columns"]:
        return [f"columns {expected['columns']} != {actual['columns']}"]
    found = []
    for column, want in expected["checksums"].items():
        got = actual["checksums"][column]
        for key, value in want.items():
            other = got.get(key)
            if isinstance(value, float) and isinstance(other, float):
                same = math.isclose(value, other, rel_tol=FLOAT_REL_TOL, abs_tol=FLOAT_REL_TOL)
            else:
                same = value == other
            if not same:
                found.append(f"{column}.{key}: {value!r} != {other!r}")
    return found
