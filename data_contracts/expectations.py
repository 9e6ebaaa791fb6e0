"""The same feed contracts as Great Expectations suites, run against what actually landed.

The polars gate (``validate.py``) keeps bad rows out row by row; this second look validates the
landed partitions as a whole — column contracts, the unique key, freshness — with Great
Expectations, and its result becomes a Dagster asset check.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd
import yaml

from data_contracts.validate import CONTRACTS_DIR, NAMED_SETS

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
HOURS_INTO_PARTITION = "_hours_into_partition"


@dataclass
class ExpectationsOutcome:
    success: bool
    evaluated: int
    failed: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0


@cache
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def expectation_suite(feed: str, now: dt.datetime):
    import great_expectations as gx

    spec = yaml.safe_load((CONTRACTS_DIR / f"{feed}.yml").read_text())
    ex = gx.expectations
    suite = gx.ExpectationSuite(name=f"{feed}_{now:%Y%m%dT%H%M%S%f}")
    for column, rules in spec["columns"].items():
        if rules.get("required"):
            suite.add_expectation(ex.ExpectColumnValuesToNotBeNull(column=column))
        if "pattern" in rules:
            suite.add_expectation(
                ex.ExpectColumnValuesToMatchRegex(column=column, regex=rules["pattern"])
            )
        if "min" in rules or "max" in rules:
            suite.add_expectation(
                ex.ExpectColumnValuesToBeBetween(
                    column=column, min_value=rules.get("min"), max_value=rules.get("max")
                )
            )
        if "in" in rules:
            allowed = rules["in"]
            values = NAMED_SETS[allowed] if isinstance(allowed, str) else allowed
            suite.add_expectation(ex.ExpectColumnValuesToBeInSet(column=column, value_set=values))
    if spec.get("unique_key"):
        suite.add_expectation(ex.ExpectCompoundColumnsToBeUnique(column_list=spec["unique_key"]))
    if spec.get("freshness", {}).get("within_partition_day"):
        suite.add_expectation(
            ex.ExpectColumnValuesToBeBetween(
                column=HOURS_INTO_PARTITION, min_value=0, max_value=24, strict_max=True
            )
        )
    return suite


def validate_landed(
    feed: str, frame: pd.DataFrame, now: dt.datetime | None = None
) -> ExpectationsOutcome:
    """Validate landed rows of ``feed`` (one or more partitions) against its contract."""
    now = now or dt.datetime.now(dt.UTC)
    spec = yaml.safe_load((CONTRACTS_DIR / f"{feed}.yml").read_text())
    if spec.get("freshness"):
        column = spec["freshness"]["column"]
        day_start = pd.to_datetime(frame["partition_date"]).dt.tz_localize("UTC")
        frame = frame.assign(
            **{
                HOURS_INTO_PARTITION: (
                    pd.to_datetime(frame[column], utc=True) - day_start
                ).dt.total_seconds()
                / 3600
            }
        )
    context = _context()
    source = context.data_sources.add_or_update_pandas(f"wayra_{feed}")
    asset_name = f"{feed}_landed"
    asset = next(
        (a for a in source.assets if a.name == asset_name), None
    ) or source.add_dataframe_asset(asset_name)
    batch_definition = next(
        (b for b in asset.batch_definitions if b.name == "whole"), None
    ) or asset.add_batch_definition_whole_dataframe("whole")
    suite = context.suites.add(expectation_suite(feed, now))
    try:
        result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(suite)
    finally:
        context.suites.delete(suite.name)
    failed = [
        {
            "expectation": r.expectation_config.type,
            "column": r.expectation_config.kwargs.get("column")
            or r.expectation_config.kwargs.get("column_list"),
            "unexpected_count": r.result.get("unexpected_count"),
        }
        for r in result.results
        if not r.success
    ]
    return ExpectationsOutcome(
        success=bool(result.success),
        evaluated=int(result.statistics["evaluated_expectations"]),
        failed=failed,
        rows=len(frame),
    )
