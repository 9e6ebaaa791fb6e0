"""Baseline forecasters: last value, seasonal naive (7 days) and rolling minimum.

Each gives its point forecast as p50 and spreads p10/p90 by the empirical quantiles of its own
log errors per horizon on the training panel, so baselines are scored on intervals too.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ml.features import daily_grid, future_log_changes
from ml.forecast.base import HORIZONS

SEASON_DAYS = 7


class _PointBaseline:
    name = "baseline"

    def __init__(self) -> None:
        self.log_error_quantiles: dict[int, tuple[float, float]] = {}

    def point(self, panel: pl.DataFrame) -> pl.DataFrame:
        """series_id, observed_on, horizon, target_on, point (price units)."""
        raise NotImplementedError

    def fit(self, panel: pl.DataFrame):
        errors = (
            self.point(panel)
            .join(
                future_log_changes(panel, HORIZONS),
                on=["series_id", "observed_on", "horizon", "target_on"],
                how="inner",
            )
            .join(
                panel.select("series_id", "observed_on", "price"), on=["series_id", "observed_on"]
            )
        )
        errors = errors.with_columns(
            (pl.col("log_change") - (pl.col("point") / pl.col("price")).log()).alias("log_error")
        )
        by_h = errors.group_by("horizon").agg(
            pl.col("log_error").quantile(0.1).alias("lo"),
            pl.col("log_error").quantile(0.9).alias("hi"),
        )
        self.log_error_quantiles = {
            int(h): (float(lo), float(hi)) for h, lo, hi in by_h.iter_rows()
        }
        return self

    def predict(self, panel: pl.DataFrame) -> pl.DataFrame:
        points = self.point(panel)
        spread = pl.DataFrame(
            {
                "horizon": list(HORIZONS),
                "lo": [self.log_error_quantiles.get(h, (0.0, 0.0))[0] for h in HORIZONS],
                "hi": [self.log_error_quantiles.get(h, (0.0, 0.0))[1] for h in HORIZONS],
            },
            schema={"horizon": pl.Int32, "lo": pl.Float64, "hi": pl.Float64},
        )
        out = points.join(spread, on="horizon", how="left").select(
            "series_id",
            "observed_on",
            "horizon",
            "target_on",
            # The point forecast stays the median; a biased baseline's interval may not
            # straddle it, so each bound is clamped to it rather than re-sorted.
            pl.min_horizontal(pl.col("point") * pl.col("lo").exp(), "point").alias("p10"),
            pl.col("point").alias("p50"),
            pl.max_horizontal(pl.col("point") * pl.col("hi").exp(), "point").alias("p90"),
        )
        return out.sort("series_id", "observed_on", "horizon")

    def params(self) -> dict[str, object]:
        return {"model": self.name}


def _origins(panel: pl.DataFrame) -> pl.DataFrame:
    horizons = pl.DataFrame({"horizon": list(HORIZONS)}, schema={"horizon": pl.Int32})
    return (
        panel.select("series_id", "observed_on", "price")
        .join(horizons, how="cross")
        .with_columns(
            (pl.col("observed_on") + pl.duration(days=pl.col("horizon"))).alias("target_on")
        )
    )


class LastValueForecaster(_PointBaseline):
    name = "last_value"

    def point(self, panel: pl.DataFrame) -> pl.DataFrame:
        return _origins(panel).with_columns(pl.col("price").alias("point")).drop("price")


class RollingMinForecaster(_PointBaseline):
    """The lowest price of the last ``window`` days: a traveler's "it was cheaper last week"."""

    name = "rolling_min"

    def __init__(self, window: int = 7) -> None:
        super().__init__()
        self.window = window

    def point(self, panel: pl.DataFrame) -> pl.DataFrame:
        grid = daily_grid(panel).with_columns(
            pl.col("price").rolling_min(self.window, min_samples=1).over("series_id").alias("rmin")
        )
        panel = panel.join(
            grid.select("series_id", "observed_on", "rmin"), on=["series_id", "observed_on"]
        )
        return _origins(panel.with_columns(pl.col("rmin").alias("price"))).rename(
            {"price": "point"}
        )

    def params(self) -> dict[str, object]:
        return {"model": self.name, "window": self.window}


class SeasonalNaiveForecaster(_PointBaseline):
    """The price on the same weekday in the last observed week: for horizon h, the price
    ``7 * ceil(h / 7) - h`` days before the origin (carried forward over unobserved days)."""

    name = "seasonal_naive"

    def point(self, panel: pl.DataFrame) -> pl.DataFrame:
        grid = daily_grid(panel).select("series_id", "observed_on", "price")
        origins = _origins(panel).drop("price")
        back = SEASON_DAYS * np.ceil(np.array(HORIZONS) / SEASON_DAYS) - np.array(HORIZONS)
        lookback = pl.DataFrame(
            {"horizon": list(HORIZONS), "back": back.astype(int).tolist()},
            schema={"horizon": pl.Int32, "back": pl.Int32},
        )
        origins = origins.join(lookback, on="horizon").with_columns(
            (pl.col("observed_on") - pl.duration(days=pl.col("back"))).alias("source_on")
        )
        # Before a week of history exists, the earliest observed price stands in.
        first = panel.group_by("series_id").agg(pl.col("price").first().alias("first_price"))
        return (
            origins.join(
                grid.rename({"observed_on": "source_on", "price": "point"}),
                on=["series_id", "source_on"],
                how="left",
            )
            .join(first, on="series_id")
            .with_columns(pl.col("point").fill_null(pl.col("first_price")))
            .select("series_id", "observed_on", "horizon", "target_on", "point")
        )
