"""Causal, scale-free features of a price series, computed for every observation at once.

Every feature of a row uses that row and earlier days of the same series only (rolling windows
look back, lags shift forward in time), so a model trained on them cannot see the future.
Prices enter as logs relative to the row's own price, which lets one model serve series in any
currency and at any price level. The names follow ``fct_price_features`` in the warehouse,
which computes the same quantities in EUR for the pipeline.
"""

from __future__ import annotations

import polars as pl

LAGS = (1, 2, 3, 7, 14)
FEATURE_COLUMNS: tuple[str, ...] = (
    "days_to_departure",
    "observation_weekday",
    "departure_weekday",
    *(f"log_change_{k}d" for k in LAGS),
    "log_vs_rolling_min_7d",
    "log_vs_rolling_max_7d",
    "log_vs_rolling_mean_14d",
    "log_vs_rolling_min_28d",
    "log_vs_rolling_max_28d",
    "log_return_std_14d",
    "log_vs_series_min",
    "log_vs_first_price",
    "observed_days",
)


def daily_grid(panel: pl.DataFrame) -> pl.DataFrame:
    """Each series on every calendar day from its first to its last observation, the price
    carried forward over days it was not observed (``observed`` tells which were)."""
    spans = panel.group_by("series_id").agg(
        pl.date_ranges(pl.col("observed_on").min(), pl.col("observed_on").max())
        .first()
        .alias("observed_on"),
        pl.col("departure_date").first(),
    )
    grid = spans.explode("observed_on")
    return (
        grid.join(
            panel.select("series_id", "observed_on", "price"),
            on=["series_id", "observed_on"],
            how="left",
        )
        .with_columns(pl.col("price").is_not_null().alias("observed"))
        .sort("series_id", "observed_on")
        .with_columns(pl.col("price").forward_fill().over("series_id"))
    )


def series_features(panel: pl.DataFrame) -> pl.DataFrame:
    """``panel`` rows with ``log_price`` and :data:`FEATURE_COLUMNS` added."""
    grid = daily_grid(panel)
    lp = pl.col("log_price")
    by = "series_id"
    grid = grid.with_columns(pl.col("price").log().alias("log_price"))
    grid = grid.with_columns(
        (pl.col("departure_date") - pl.col("observed_on"))
        .dt.total_days()
        .alias("days_to_departure"),
        pl.col("observed_on").dt.weekday().alias("observation_weekday"),
        pl.col("departure_date").dt.weekday().alias("departure_weekday"),
        *((lp - lp.shift(k).over(by)).alias(f"log_change_{k}d") for k in LAGS),
        (lp - lp.rolling_min(7, min_samples=1).over(by)).alias("log_vs_rolling_min_7d"),
        (lp - lp.rolling_max(7, min_samples=1).over(by)).alias("log_vs_rolling_max_7d"),
        (lp - lp.rolling_mean(14, min_samples=1).over(by)).alias("log_vs_rolling_mean_14d"),
        (lp - lp.rolling_min(28, min_samples=1).over(by)).alias("log_vs_rolling_min_28d"),
        (lp - lp.rolling_max(28, min_samples=1).over(by)).alias("log_vs_rolling_max_28d"),
        (lp - lp.shift(1).over(by))
        .rolling_std(14, min_samples=2)
        .over(by)
        .alias("log_return_std_14d"),
        (lp - lp.cum_min().over(by)).alias("log_vs_series_min"),
        (lp - lp.first().over(by)).alias("log_vs_first_price"),
        pl.col("observed").cast(pl.Int32).cum_sum().over(by).alias("observed_days"),
    )
    features = grid.filter("observed").select(
        "series_id", "observed_on", "log_price", *FEATURE_COLUMNS
    )
    return panel.join(features, on=["series_id", "observed_on"], how="left").sort(
        "series_id", "observed_on"
    )


def future_log_changes(panel: pl.DataFrame, horizons: tuple[int, ...]) -> pl.DataFrame:
    """Training targets: per origin row and horizon, log(price at origin+h) - log(price now),
    where the series was observed on that day (other horizons are absent, not imputed)."""
    base = panel.select("series_id", "observed_on", pl.col("price").log().alias("log_now"))
    later = panel.select(
        "series_id",
        pl.col("observed_on").alias("target_on"),
        pl.col("price").log().alias("log_then"),
    )
    origins = base.join(
        pl.DataFrame({"horizon": list(horizons)}, schema={"horizon": pl.Int32}), how="cross"
    ).with_columns((pl.col("observed_on") + pl.duration(days=pl.col("horizon"))).alias("target_on"))
    return origins.join(later, on=["series_id", "target_on"], how="inner").select(
        "series_id",
        "observed_on",
        "horizon",
        "target_on",
        (pl.col("log_then") - pl.col("log_now")).alias("log_change"),
    )
