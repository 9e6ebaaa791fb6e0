"""The information ceiling: a policy that knows the regular fares ahead, next to the same learner
on past prices alone, on the same simulated market."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from ml.history import HistoryError, history_panel
from ml.policy_ceiling import information_ceiling, regular_fare_features
from ml.simulated_history import simulate_history

DAY = dt.date(2026, 6, 1)


def _panel(prices: list[float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "series_id": ["F|A|B"] * len(prices),
            "observed_on": [DAY + dt.timedelta(days=i) for i in range(len(prices))],
            "departure_date": [DAY + dt.timedelta(days=len(prices))] * len(prices),
            "price": prices,
            "currency": ["EUR"] * len(prices),
        }
    )


def test_regular_fares_ahead_are_logs_relative_to_todays_actual_price():
    actual, regular = _panel([100.0, 90.0, 120.0, 110.0]), _panel([100.0, 100.0, 120.0, 130.0])
    rows = regular_fare_features(actual, regular).sort("observed_on")
    assert rows["log_regular_vs_price"].to_list() == pytest.approx(
        [0.0, math.log(100 / 90), 0.0, math.log(130 / 110)]
    )
    # Tomorrow's regular fare, today excluded; the last day has nothing ahead.
    assert rows["log_regular_min_next_1d"].to_list()[:3] == pytest.approx(
        [0.0, math.log(120 / 90), math.log(130 / 120)]
    )
    assert rows["log_regular_min_next_2d"][0] == pytest.approx(math.log(100 / 100))
    assert rows["log_regular_min_to_departure"].to_list()[:3] == pytest.approx(
        [0.0, math.log(120 / 90), math.log(130 / 120)]
    )
    assert rows["log_regular_min_next_1d"][3] is None
    assert rows["log_regular_min_to_departure"][3] is None


def test_a_regular_history_missing_a_day_is_refused():
    actual, regular = _panel([100.0, 90.0, 120.0]), _panel([100.0, 100.0])
    with pytest.raises(HistoryError, match="no regular fare for F\\|A\\|B on 2026-06-03"):
        regular_fare_features(actual, regular)


def test_knowing_the_regular_fares_ahead_beats_the_same_learner_on_prices_alone():
    actual = history_panel(simulate_history(seed=5, series=200, days=80))
    regular = history_panel(simulate_history(seed=5, series=200, days=80, promotions=False))
    result = information_ceiling(actual, regular)
    ceiling, price_only = result.ceiling.score, result.price_only.score
    assert ceiling.requests == price_only.requests == result.requests > 0
    assert ceiling.no_regret_rate >= 0.95
    # Knowing when buckets close is worth a lot more than learning it from prices ...
    assert ceiling.clairvoyant_capture > price_only.clairvoyant_capture + 0.15
    # ... yet promotions stay unknown, so even the ceiling leaves savings to the clairvoyant.
    assert ceiling.mean_saving_pct < result.clairvoyant.mean_saving_pct
