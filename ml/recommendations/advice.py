"""Buy now or wait, per watch, from the champion buy/wait model.

The series a watch is advised on is its best package price per observation day (the day's
lowest best-package price), for the departure date of its top-ranked package: the same kind
of series the model was trained on (one trip's daily price until departure).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from ml.policy import BuyWaitModel
from wayra.money import from_model_float, to_model_float

SCHEMA = {
    "series_id": pl.String,
    "observed_on": pl.Date,
    "departure_date": pl.Date,
    "price": pl.Float64,
    "currency": pl.String,
}


def daily_prices(points: Sequence[tuple[dt.datetime, int]]) -> list[tuple[dt.date, int]]:
    """Each observation day's lowest best-package price, oldest first."""
    by_day: dict[dt.date, int] = {}
    for observed_at, total_minor in points:
        day = observed_at.astimezone(dt.UTC).date()
        by_day[day] = min(total_minor, by_day.get(day, total_minor))
    return sorted(by_day.items())


def advise_watches(
    model: BuyWaitModel,
    series: Mapping[str, tuple[list[tuple[dt.date, int]], dt.date, str, int | None]],
) -> dict[str, dict[str, Any]]:
    """``series``: watch id -> (daily prices, departure date, currency, budget); returns the
    advice on each watch's last day, in minor units of its currency."""
    rows, budgets = [], []
    for watch_id, (prices, departure, currency, budget) in series.items():
        prices = [(day, price) for day, price in prices if day <= departure]
        if not prices:
            continue
        rows.extend(
            (watch_id, day, departure, to_model_float(price, currency), currency)
            for day, price in prices
        )
        if budget is not None:
            budgets.append((watch_id, to_model_float(budget, currency)))
    if not rows:
        return {}
    panel = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    budget_frame = pl.DataFrame(
        budgets, schema={"series_id": pl.String, "budget": pl.Float64}, orient="row"
    )
    advice = model.advise(panel, budget_frame)
    latest = advice.sort("observed_on").group_by("series_id", maintain_order=True).last()
    out: dict[str, dict[str, Any]] = {}
    for row in latest.iter_rows(named=True):
        currency = series[row["series_id"]][2]
        out[row["series_id"]] = {
            "observed_on": row["observed_on"].isoformat(),
            "action": row["action"],
            "expected_saving_minor": from_model_float(row["expected_saving"], currency),
            "expected_saving_pct": round(100.0 * row["expected_saving_pct"], 2),
            "prob_above_budget": row["prob_above_budget"],
            "book_by": row["book_by"].isoformat(),
            "explanation": row["explanation"],
        }
    return out
