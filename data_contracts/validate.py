"""Apply a feed contract to a batch of raw rows: valid rows pass, the rest are quarantined.

Each rule becomes a polars expression that is true where the row *violates* it; a quarantined
row records every rule it broke, so one look at the quarantine table says what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import yaml

from wayra.domain import QUARANTINE_SCHEMA
from wayra.money import MINOR_UNIT_EXPONENTS

CONTRACTS_DIR = Path(__file__).parent
NAMED_SETS = {"iso4217": sorted(MINOR_UNIT_EXPONENTS)}


@dataclass(frozen=True)
class Check:
    name: str
    reason: str
    violated: pl.Expr


@dataclass(frozen=True)
class ValidationResult:
    valid: pa.Table
    quarantined: pa.Table

    @property
    def quarantine_rate(self) -> float:
        total = self.valid.num_rows + self.quarantined.num_rows
        return self.quarantined.num_rows / total if total else 0.0


@dataclass(frozen=True)
class Contract:
    feed: str
    max_quarantine_rate: float
    checks: tuple[Check, ...]

    def validate(self, rows: pa.Table) -> ValidationResult:
        frame = pl.from_arrow(rows)
        assert isinstance(frame, pl.DataFrame)
        broken = [
            pl.when(check.violated.fill_null(False)).then(pl.lit(check.name))
            for check in self.checks
        ]
        reasons = [
            pl.when(check.violated.fill_null(False)).then(pl.lit(check.reason))
            for check in self.checks
        ]
        frame = frame.with_columns(
            pl.concat_str(broken, separator=",", ignore_nulls=True).alias("_rule"),
            pl.concat_str(reasons, separator="; ", ignore_nulls=True).alias("_reason"),
        )
        is_bad = pl.col("_rule").str.len_chars().fill_null(0) > 0
        good = frame.filter(~is_bad).drop("_rule", "_reason")
        bad = frame.filter(is_bad)
        quarantined = bad.select(
            pl.col("partition_date"),
            pl.col("observed_at"),
            pl.lit(self.feed).alias("feed"),
            pl.col("provider"),
            pl.col("request_id"),
            pl.col("offer_id"),
            pl.col("payload_hash"),
            pl.col("_rule").alias("rule"),
            pl.col("_reason").alias("reason"),
            pl.struct(pl.exclude("_rule", "_reason")).struct.json_encode().alias("row_json"),
        )
        return ValidationResult(
            valid=good.to_arrow().cast(rows.schema),
            quarantined=quarantined.to_arrow().cast(QUARANTINE_SCHEMA),
        )


def _column_checks(column: str, spec: dict[str, Any]) -> list[Check]:
    col = pl.col(column)
    checks: list[Check] = []
    if spec.get("required"):
        checks.append(Check(f"{column}.required", f"{column} is missing", col.is_null()))
    if "pattern" in spec:
        checks.append(
            Check(
                f"{column}.pattern",
                f"{column} does not match {spec['pattern']}",
                ~col.cast(pl.String).str.contains(spec["pattern"]),
            )
        )
    if "min" in spec:
        checks.append(Check(f"{column}.min", f"{column} below {spec['min']}", col < spec["min"]))
    if "max" in spec:
        checks.append(Check(f"{column}.max", f"{column} above {spec['max']}", col > spec["max"]))
    if "in" in spec:
        allowed = spec["in"]
        values = NAMED_SETS[allowed] if isinstance(allowed, str) else allowed
        label = allowed if isinstance(allowed, str) else ", ".join(map(str, values))
        checks.append(Check(f"{column}.in", f"{column} not in {label}", ~col.is_in(values)))
    return checks


@cache
def load_contract(feed: str) -> Contract:
    spec = yaml.safe_load((CONTRACTS_DIR / f"{feed}.yml").read_text())
    checks = [
        check
        for column, column_spec in spec["columns"].items()
        for check in _column_checks(column, column_spec)
    ]
    checks += [
        Check(
            rule["name"], f"rule {rule['name']} fails: {rule['holds']}", ~pl.sql_expr(rule["holds"])
        )
        for rule in spec.get("rules", [])
    ]
    return Contract(spec["feed"], float(spec["max_quarantine_rate"]), tuple(checks))
