"""Baselines, the gradient-boosted quantile forecaster and the metrics they are judged by."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from ml.forecast.base import HORIZONS
from ml.forecast.baselines import (
    LastValueForecaster,
    RollingMinForecaster,
    SeasonalNaiveForecaster,
)
from ml.forecast.gbm import GradientBoostedQuantileForecaster
from ml.forecast.harness import baseline_forecasters, evaluate
from ml.forecast.metrics import attach_actuals, forecast_metrics, pinball
from ml.history import split_by_departure

DAY0 = dt.date(2026, 5, 4)  # a Monday


def one_series(prices: list[float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "series_id": ["s"] * len(prices),
            "observed_on": [DAY0 + dt.timedelta(days=i) for i in range(len(prices))],
            "departure_date": [DAY0 + dt.timedelta(days=60)] * len(prices),
            "price": prices,
            "currency": ["EUR"] * len(prices),
        }
    )


def p50(forecasts: pl.DataFrame, day: int, horizon: int) -> float:
    row = forecasts.filter(
        (pl.col("observed_on") == DAY0 + dt.timedelta(days=day)) & (pl.col("horizon") == horizon)
    )
    return row["p50"].item()


def test_baselines_forecast_what_their_names_say():
    prices = [100.0 + i for i in range(21)]
    panel = one_series(prices)
    last = LastValueForecaster().fit(panel).predict(panel)
    naive = SeasonalNaiveForecaster().fit(panel).predict(panel)
    rolling = RollingMinForecaster(window=7).fit(panel).predict(panel)
    assert p50(last, 14, 5) == prices[14]
    # Seasonal naive: the same weekday last week. From day 14, day 15 (h=1) is day 8's weekday.
    assert p50(naive, 14, 1) == prices[8]
    assert p50(naive, 14, 7) == prices[14]
    assert p50(naive, 14, 9) == prices[9]
    assert p50(rolling, 14, 3) == prices[8]
    every = last.group_by("observed_on").agg(pl.col("horizon").sort())
    assert every.height == len(prices)
    assert all(h.to_list() == list(HORIZONS) for h in every["horizon"])
    target = pl.col("observed_on") + pl.duration(days=pl.col("horizon"))
    assert last.select((pl.col("target_on") == target).all()).item()


def test_baseline_intervals_come_from_their_own_errors():
    rng = np.random.default_rng(0)
    panel = one_series(list(100 * np.exp(np.cumsum(rng.normal(0, 0.05, 80)))))
    forecasts = LastValueForecaster().fit(panel).predict(panel)
    width = forecasts.group_by("horizon").agg((pl.col("p90") / pl.col("p10")).mean().alias("w"))
    widths = dict(width.iter_rows())
    assert widths[14] > widths[1] > 1.0  # a random walk spreads with the horizon


def test_pinball_loss_penalises_the_wrong_side_by_the_quantile():
    actual = np.array([100.0, 100.0])
    assert pinball(actual, np.array([90.0, 110.0]), 0.9).tolist() == pytest.approx([9.0, 1.0])


def test_metrics_score_seasonal_naive_as_one_and_a_perfect_forecast_as_zero():
    prices = [100.0 + (i % 7) * 3 + i for i in range(40)]
    panel = one_series(prices)
    naive = attach_actuals(SeasonalNaiveForecaster().fit(panel).predict(panel), panel)
    assert forecast_metrics(naive, naive).mase == 1.0
    perfect = naive.with_columns(
        pl.col("actual").alias("p10"), pl.col("actual").alias("p50"), pl.col("actual").alias("p90")
    )
    metrics = forecast_metrics(perfect, naive)
    assert metrics.mase == 0.0 and metrics.smape == 0.0 and metrics.coverage_80 == 1.0


def test_gbm_quantiles_are_ordered_and_beat_seasonal_naive_by_the_bar(simulated_panel):
    train, test, _ = split_by_departure(simulated_panel)
    gbm = GradientBoostedQuantileForecaster(max_iter=80)
    results = evaluate([*baseline_forecasters(), gbm], train, test)
    forecasts = results["gbm_quantile"].forecasts
    assert ((forecasts["p10"] <= forecasts["p50"]) & (forecasts["p50"] <= forecasts["p90"])).all()
    assert forecasts.height == test.height * len(HORIZONS)
    # Acceptance: MASE at most 0.8 of seasonal naive; and better than every baseline.
    assert results["gbm_quantile"].metrics.mase <= 0.8
    assert results["gbm_quantile"].metrics.mae < min(
        results[name].metrics.mae for name in ("last_value", "seasonal_naive", "rolling_min")
    )
    assert 0.5 < results["gbm_quantile"].metrics.coverage_80 <= 1.0


def test_predict_before_fit_is_refused():
    with pytest.raises(RuntimeError, match="fit"):
        GradientBoostedQuantileForecaster().predict(one_series([1.0, 2.0]))
