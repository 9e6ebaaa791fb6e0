"""Evaluation plots logged with every MLflow evaluation: a forecast fan chart and the
clairvoyant capture of each strategy.

Figures are built on ``matplotlib.figure.Figure`` directly, never through ``pyplot``: no global
figure registry, no GUI backend, safe inside Dagster's and the API's worker threads.
"""

from __future__ import annotations

import polars as pl
from matplotlib.figure import Figure

from ml.backtest import StrategyScore
from ml.forecast.base import HORIZONS

FAN_SERIES = 4
STRATEGY_ORDER = ("policy", "fixed_rule", "buy_at_once", "clairvoyant")


def fan_origins(holdout: pl.DataFrame, count: int = FAN_SERIES) -> pl.DataFrame:
    """One origin per chosen series (``series_id``, ``observed_on``): the day the full forecast
    horizon before the series' last observation (or its first day, for a short series), so the
    fan is drawn against as many actual prices as it covers. Series are spread evenly over the
    sorted ids, so the choice is deterministic."""
    ids = holdout["series_id"].unique().sort().to_list()
    if not ids:
        return pl.DataFrame(schema={"series_id": pl.String, "observed_on": pl.Date})
    step = max(1, len(ids) // count)
    chosen = ids[::step][:count]
    days = (
        holdout.filter(pl.col("series_id").is_in(chosen))
        .sort("series_id", "observed_on")
        .group_by("series_id", maintain_order=True)
        .agg(pl.col("observed_on"))
    )
    back = -(max(HORIZONS) + 1)
    return days.select(
        "series_id",
        pl.col("observed_on")
        .list.get(back, null_on_oob=True)
        .fill_null(pl.col("observed_on").list.first()),
    )


def fan_chart(holdout: pl.DataFrame, forecasts: pl.DataFrame, count: int = FAN_SERIES) -> Figure:
    """p10-p90 band and p50 from one origin per series, over the series' actual prices."""
    origins = fan_origins(holdout, count)
    fans = forecasts.join(origins, on=["series_id", "observed_on"]).sort("series_id", "horizon")
    columns = 2
    rows = max(1, -(-origins.height // columns))
    figure = Figure(figsize=(6 * columns, 3.2 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, (series_id, origin) in zip(axes, origins.iter_rows(), strict=False):
        actual = holdout.filter(pl.col("series_id") == series_id)
        fan = fans.filter(pl.col("series_id") == series_id)
        fan = fan.filter(pl.col("target_on") < actual["departure_date"][0])
        ax.plot(actual["observed_on"], actual["price"], color="black", lw=1.2, label="actual")
        ax.fill_between(fan["target_on"], fan["p10"], fan["p90"], alpha=0.3, label="p10-p90")
        ax.plot(fan["target_on"], fan["p50"], ls="--", label="p50")
        ax.axvline(origin, color="grey", lw=0.8)
        ax.set_title(series_id, fontsize=9)
        ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    for ax in axes[origins.height :]:
        ax.set_visible(False)
    if origins.height:
        axes[0].legend(fontsize=7)
    figure.suptitle("Forecast fan from one origin per series vs the prices observed")
    return figure


def capture_chart(strategies: dict[str, StrategyScore]) -> Figure:
    """Clairvoyant capture per strategy, each labelled with its no-regret rate."""
    names = [n for n in STRATEGY_ORDER if n in strategies] + sorted(
        set(strategies) - set(STRATEGY_ORDER)
    )
    figure = Figure(figsize=(7, 0.6 * len(names) + 1.2), layout="constrained")
    ax = figure.subplots()
    labels = [f"{n}\n(no regret {strategies[n].no_regret_rate:.0%})" for n in names]
    bars = ax.barh(labels, [strategies[n].clairvoyant_capture for n in names])
    ax.bar_label(bars, fmt="%.2f", padding=3)
    ax.margins(x=0.2)  # room for the value labels at both ends
    ax.axvline(0, color="black", lw=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("share of the clairvoyant's savings captured")
    ax.set_title("Clairvoyant capture by strategy on the holdout")
    return figure
