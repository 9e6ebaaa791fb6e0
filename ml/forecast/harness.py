"""One evaluation harness for every forecaster: fit on the training panel, forecast every
origin of the holdout panel, score against what was observed, relative to seasonal naive."""

from __future__ import annotations

import time
from dataclasses import dataclass

import polars as pl

from ml.forecast.base import Forecaster
from ml.forecast.baselines import (
    LastValueForecaster,
    RollingMinForecaster,
    SeasonalNaiveForecaster,
)
from ml.forecast.metrics import ForecastMetrics, attach_actuals, forecast_metrics


def baseline_forecasters() -> list[Forecaster]:
    return [LastValueForecaster(), SeasonalNaiveForecaster(), RollingMinForecaster()]


@dataclass(frozen=True)
class Evaluation:
    forecaster: Forecaster
    metrics: ForecastMetrics
    forecasts: pl.DataFrame  # holdout forecasts, every origin and horizon
    fit_seconds: float


def evaluate(
    forecasters: list[Forecaster], train: pl.DataFrame, holdout: pl.DataFrame
) -> dict[str, Evaluation]:
    naive = SeasonalNaiveForecaster().fit(train)
    naive_scored = attach_actuals(naive.predict(holdout), holdout)
    results = {}
    for forecaster in forecasters:
        started = time.perf_counter()
        forecaster.fit(train)
        fit_seconds = time.perf_counter() - started
        forecasts = forecaster.predict(holdout)
        metrics = forecast_metrics(attach_actuals(forecasts, holdout), naive_scored)
        results[forecaster.name] = Evaluation(forecaster, metrics, forecasts, fit_seconds)
    return results
