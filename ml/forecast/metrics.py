"""Forecast accuracy on a holdout: every (origin, horizon) pair whose target day was observed.

MASE here is scaled by the seasonal-naive forecaster's error on the same pairs, so 1.0 means
"as good as seasonal naive" and the acceptance bar (<= 0.8) reads directly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from ml.forecast.base import QUANTILE_COLUMNS, QUANTILES


@dataclass(frozen=True)
class ForecastMetrics:
    mae: float
    mase: float  # MAE / seasonal-naive MAE on the same pairs
    smape: float  # percent, 0..200
    quantile_loss: float  # mean pinball loss over p10/p50/p90, relative to the actual price
    coverage_80: float  # share of actuals inside [p10, p90]; nominal 0.8
    pairs: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def attach_actuals(forecasts: pl.DataFrame, panel: pl.DataFrame) -> pl.DataFrame:
    actual = panel.select(
        "series_id", pl.col("observed_on").alias("target_on"), pl.col("price").alias("actual")
    )
    return forecasts.join(actual, on=["series_id", "target_on"], how="inner")


def pinball(actual: np.ndarray, predicted: np.ndarray, q: float) -> np.ndarray:
    diff = actual - predicted
    return np.maximum(q * diff, (q - 1.0) * diff)


def forecast_metrics(scored: pl.DataFrame, naive_scored: pl.DataFrame) -> ForecastMetrics:
    """``scored``: forecasts with ``actual`` (see :func:`attach_actuals`); ``naive_scored``:
    the seasonal-naive forecasts for the same panel, scored the same way."""
    key = ["series_id", "observed_on", "horizon"]
    both = scored.join(
        naive_scored.select(*key, pl.col("p50").alias("naive_p50")), on=key, how="inner"
    )
    if both.is_empty():
        raise ValueError("no forecast pair has an observed target: the holdout is too short")
    actual = both["actual"].to_numpy()
    p50 = both["p50"].to_numpy()
    abs_err = np.abs(actual - p50)
    naive_mae = float(np.mean(np.abs(actual - both["naive_p50"].to_numpy())))
    losses = [
        pinball(actual, both[col].to_numpy(), q) / actual
        for q, col in zip(QUANTILES, QUANTILE_COLUMNS, strict=True)
    ]
    inside = (actual >= both["p10"].to_numpy()) & (actual <= both["p90"].to_numpy())
    mae = float(np.mean(abs_err))
    return ForecastMetrics(
        mae=mae,
        mase=mae / naive_mae if naive_mae > 0 else float("inf"),
        smape=float(np.mean(200.0 * abs_err / (np.abs(actual) + np.abs(p50)))),
        quantile_loss=float(np.mean(losses)),
        coverage_80=float(np.mean(inside)),
        pairs=len(both),
    )
