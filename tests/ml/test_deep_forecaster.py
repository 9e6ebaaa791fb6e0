"""The N-HiTS forecaster on a synthetic panel: contract, accuracy, pickling and no look-ahead."""

from __future__ import annotations

import pickle
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ml.forecast.base import HORIZONS, PANEL_COLUMNS, QUANTILE_COLUMNS, Forecaster
from ml.forecast.deep import DeepQuantileForecaster

# Torch trains on one thread; two copies of this module at once would just slow each other.
pytestmark = pytest.mark.xdist_group("torch")

TINY = {"max_epochs": 4, "hidden_size": 32, "batch_size": 64, "seed": 0}
CURRENCY_LEVELS = {"USD": 300.0, "EUR": 250.0, "JPY": 40_000.0, "COP": 1_200_000.0}


def synthetic_panel(n_series: int, n_days: int, seed: int, prefix: str) -> pl.DataFrame:
    """Log-price = level + trend + weekly pattern + noise, with ~10% of days missing; levels
    span four currencies so the model must work in relative terms."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_series):
        currency = list(CURRENCY_LEVELS)[s % len(CURRENCY_LEVELS)]
        level = np.log(CURRENCY_LEVELS[currency] * rng.uniform(0.6, 1.5))
        first = date(2025, 1, 1) + timedelta(days=int(rng.integers(0, 10)))
        departure = first + timedelta(days=n_days + int(rng.integers(0, 30)))
        trend, amplitude, phase = rng.uniform(-0.004, 0.006), rng.uniform(0.03, 0.12), s % 7
        noise = rng.uniform(0.01, 0.03)
        for d in range(n_days):
            if d > 0 and rng.random() < 0.1:
                continue
            day = first + timedelta(days=d)
            weekly = amplitude * np.sin(2 * np.pi * ((day.weekday() + phase) % 7) / 7)
            log_price = level + trend * d + weekly + noise * rng.standard_normal()
            rows.append((f"{prefix}{s:02d}", day, departure, float(np.exp(log_price)), currency))
    return pl.DataFrame(rows, schema=list(PANEL_COLUMNS), orient="row").sort(
        "series_id", "observed_on"
    )


@pytest.fixture(scope="module")
def train_panel() -> pl.DataFrame:
    panel = synthetic_panel(40, 60, seed=0, prefix="train-")
    # series too short for any training window still get forecasts
    return pl.concat([panel, synthetic_panel(2, 5, seed=2, prefix="short-")]).sort(
        "series_id", "observed_on"
    )


@pytest.fixture(scope="module")
def test_panel() -> pl.DataFrame:
    """Series the model never saw, including a one-day series."""
    panel = synthetic_panel(15, 60, seed=1, prefix="test-")
    return pl.concat([panel, synthetic_panel(1, 1, seed=3, prefix="single-")])


@pytest.fixture(scope="module")
def fitted(train_panel: pl.DataFrame) -> DeepQuantileForecaster:
    return DeepQuantileForecaster(**TINY).fit(train_panel)


@pytest.fixture(scope="module")
def forecasts(fitted: DeepQuantileForecaster, test_panel: pl.DataFrame) -> pl.DataFrame:
    return fitted.predict(test_panel)


def test_is_a_forecaster_with_params(fitted: DeepQuantileForecaster) -> None:
    assert isinstance(fitted, Forecaster)
    assert fitted.name == "nhits"
    assert fitted.params()["hidden_size"] == 32
    assert fitted.params()["max_epochs"] == 4


def test_forecasts_every_origin_and_horizon(
    forecasts: pl.DataFrame, test_panel: pl.DataFrame
) -> None:
    assert forecasts.columns == [
        "series_id",
        "observed_on",
        "horizon",
        "target_on",
        *QUANTILE_COLUMNS,
    ]
    expected_keys = test_panel.select("series_id", "observed_on").join(
        pl.DataFrame({"horizon": list(HORIZONS)}), how="cross"
    )
    assert_frame_equal(
        forecasts.select("series_id", "observed_on", "horizon"),
        expected_keys.sort("series_id", "observed_on", "horizon"),
        check_dtypes=False,
    )
    target_on = pl.col("observed_on") + pl.duration(days=pl.col("horizon"))
    assert forecasts.select((pl.col("target_on") == target_on).all()).item()
    assert (forecasts["p10"] > 0).all()
    assert (forecasts["p10"] <= forecasts["p50"]).all()
    assert (forecasts["p50"] <= forecasts["p90"]).all()
    assert (forecasts["p10"] < forecasts["p90"]).mean() > 0.99  # intervals, not points


def test_p50_beats_naive_forecasts_on_unseen_series(
    forecasts: pl.DataFrame, test_panel: pl.DataFrame
) -> None:
    """Errors are |log(forecast / actual)| (relative, so currencies weigh alike) over horizons
    1..7. Baselines: the series' mean price so far, and its last price."""
    history = test_panel.with_columns(
        (
            pl.col("price").cum_sum().over("series_id")
            / pl.int_range(1, pl.len() + 1).over("series_id")
        ).alias("mean_so_far"),
        pl.col("price").alias("last_price"),
    ).select("series_id", "observed_on", "mean_so_far", "last_price")
    actuals = test_panel.select(
        "series_id", pl.col("observed_on").alias("target_on"), pl.col("price").alias("actual")
    )
    scored = (
        forecasts.filter(pl.col("horizon") <= 7)
        .join(actuals, on=["series_id", "target_on"])
        .join(history, on=["series_id", "observed_on"])
    )

    def error(column: str) -> pl.Expr:
        return (pl.col(column) / pl.col("actual")).log().abs().mean()

    model, mean_so_far, last_price, coverage = scored.select(
        error("p50"),
        error("mean_so_far"),
        error("last_price"),
        pl.col("actual").is_between(pl.col("p10"), pl.col("p90")).mean(),
    ).row(0)
    assert model < 0.7 * mean_so_far, (model, mean_so_far)
    assert model < 0.8 * last_price, (model, last_price)
    assert 0.6 < coverage < 0.97, coverage  # nominal 80 %


def test_pickle_round_trip_predicts_the_same(
    fitted: DeepQuantileForecaster, test_panel: pl.DataFrame, forecasts: pl.DataFrame
) -> None:
    restored = pickle.loads(pickle.dumps(fitted))
    assert_frame_equal(restored.predict(test_panel), forecasts)


def test_later_prices_do_not_change_earlier_forecasts(
    fitted: DeepQuantileForecaster, test_panel: pl.DataFrame, forecasts: pl.DataFrame
) -> None:
    cutoff = date(2025, 2, 1)
    after = pl.col("observed_on") > cutoff
    rewritten = test_panel.with_columns(
        pl.when(after).then(pl.col("price") * 3.0).otherwise(pl.col("price")).alias("price")
    ).filter(~after | (pl.col("observed_on").dt.day() % 3 != 0))  # and drop some later days
    before_cutoff = pl.col("observed_on") <= cutoff
    assert_frame_equal(
        fitted.predict(rewritten).filter(before_cutoff),
        forecasts.filter(before_cutoff),
        check_exact=False,
        rtol=1e-6,
    )
    # the rewrite did reach the model: forecasts from later origins moved with the prices
    key = ["series_id", "observed_on", "horizon"]
    later = (
        fitted.predict(rewritten)
        .filter(~before_cutoff)
        .join(forecasts.select(*key, pl.col("p50").alias("original_p50")), on=key)
    )
    assert (later["p50"] / later["original_p50"]).median() > 2.0


def test_refit_with_the_same_seed_gives_the_same_forecasts(
    train_panel: pl.DataFrame, test_panel: pl.DataFrame, forecasts: pl.DataFrame
) -> None:
    refitted = DeepQuantileForecaster(**TINY).fit(train_panel)
    assert_frame_equal(refitted.predict(test_panel), forecasts, check_exact=False, rtol=1e-4)


def test_empty_panel_gives_empty_forecasts(
    fitted: DeepQuantileForecaster, test_panel: pl.DataFrame
) -> None:
    assert fitted.predict(test_panel.clear()).is_empty()


def test_fit_needs_one_series_long_enough_for_a_window() -> None:
    with pytest.raises(ValueError, match="no series spans"):
        DeepQuantileForecaster(**TINY).fit(synthetic_panel(3, 10, seed=4, prefix="short-"))
