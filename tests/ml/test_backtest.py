"""Backtest scoring on hand-checkable series, no look-ahead in replayed decisions, and the CLI."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from ml.backtest import first_buy, request_days, run_backtest, score
from ml.forecast.deep import DeepQuantileForecaster
from ml.history import write_history
from tests.ml.conftest import small_model
from wayra.cli.main import app

DAY0 = dt.date(2026, 5, 4)


def series(series_id: str, prices: list[float], currency: str = "EUR") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "series_id": [series_id] * len(prices),
            "observed_on": [DAY0 + dt.timedelta(days=i) for i in range(len(prices))],
            "departure_date": [DAY0 + dt.timedelta(days=40)] * len(prices),
            "price": prices,
            "currency": [currency] * len(prices),
        }
    )


def test_scores_are_shares_of_each_start_price_so_currencies_mix():
    panel = pl.concat([series("eur", [100, 90, 95, 80, 120]), series("jpy", [10000, 12000, 5000])])
    requests = pl.DataFrame({"series_id": ["eur", "jpy"], "start_date": [DAY0, DAY0]})
    days = request_days(panel, requests)
    at_once = first_buy(days, pl.lit(True))
    # Buys the first day it sees a 5% drop below the start price.
    dip = first_buy(days, pl.col("price") <= pl.col("start_price") * 0.95)
    never = first_buy(days, pl.lit(False))  # the deadline forces the last day

    assert at_once["price_paid"].to_list() == [100, 10000]
    assert dip.sort("series_id")["price_paid"].to_list() == [90, 5000]
    assert never.sort("series_id")["buy_date"].to_list() == [
        DAY0 + dt.timedelta(days=4),
        DAY0 + dt.timedelta(days=2),
    ]
    assert at_once["clairvoyant_price"].to_list() == [80, 5000]

    clairvoyant_savings = 0.20 + 0.50
    dip_score = score(dip)
    assert dip_score.clairvoyant_capture == pytest.approx((0.10 + 0.50) / clairvoyant_savings)
    assert dip_score.mean_saving_pct == pytest.approx(30.0)
    assert dip_score.no_regret_rate == 1.0
    never_score = score(never)  # paid 120 (-20%) and 5000 (+50%)
    assert never_score.clairvoyant_capture == pytest.approx((-0.20 + 0.50) / clairvoyant_savings)
    assert never_score.no_regret_rate == 0.5
    assert score(at_once).clairvoyant_capture == 0.0


def test_a_request_that_starts_mid_series_ignores_earlier_days():
    panel = series("s", [50, 100, 120, 110])
    requests = pl.DataFrame({"series_id": ["s"], "start_date": [DAY0 + dt.timedelta(days=1)]})
    outcome = first_buy(request_days(panel, requests), pl.lit(True))
    assert outcome["start_price"].item() == 100
    assert outcome["clairvoyant_price"].item() == 100


def test_replayed_decisions_do_not_look_ahead(simulated_panel):
    test_ids = simulated_panel.filter(pl.col("departure_date") > dt.date(2026, 8, 1))
    cutoff = dt.date(2026, 7, 10)
    requests = (
        test_ids.filter(
            (pl.col("observed_on") <= cutoff - dt.timedelta(days=10))
            & ((pl.col("departure_date") - pl.col("observed_on")).dt.total_days() > 30)
        )
        .group_by("series_id")
        .agg(pl.col("observed_on").min().alias("start_date"))
    )
    assert requests.height > 5
    rng = np.random.default_rng(5)
    later = (pl.col("observed_on") > cutoff) & (pl.col("departure_date") > dt.date(2026, 8, 1))
    altered = simulated_panel.with_columns(
        pl.when(later)
        .then(pl.col("price") * pl.Series(rng.uniform(0.2, 4.0, simulated_panel.height)))
        .otherwise(pl.col("price"))
    )
    kwargs = {
        "requests": requests,
        "train_until": dt.date(2026, 8, 1),
        "model_factory": small_model,
    }
    original = run_backtest(simulated_panel, **kwargs).decisions
    changed = run_backtest(altered, **kwargs).decisions
    both = original.join(changed, on=["series_id", "start_date"], suffix="_altered")
    assert both.height == requests.height
    decided_early = both.filter(pl.col("buy_date") <= cutoff)
    assert decided_early.height > 0
    assert (decided_early["buy_date"] == decided_early["buy_date_altered"]).all()
    assert (decided_early["price_paid"] == decided_early["price_paid_altered"]).all()
    # Requests still waiting at the cutoff were still waiting in the altered run too.
    waiting = both.filter(pl.col("buy_date") > cutoff)
    assert (waiting["buy_date_altered"] > cutoff).all()


@pytest.fixture(scope="module")
def history_file(tmp_path_factory, simulated_panel):
    path = tmp_path_factory.mktemp("history") / "history.parquet"
    write_history(simulated_panel, path)
    return path


def test_cli_reports_every_strategy_and_writes_decisions(history_file, tmp_path, monkeypatch):
    monkeypatch.setattr("ml.backtest.default_model", small_model)
    monkeypatch.setattr(
        "ml.backtest.comparison_forecasters",
        lambda: [DeepQuantileForecaster(max_epochs=1, hidden_size=16)],
    )
    decisions = tmp_path / "out" / "decisions.csv"
    args = ["backtest", "--history", str(history_file), "--decisions-out", str(decisions), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report["strategies"]) == {"policy", "buy_at_once", "fixed_rule", "clairvoyant"}
    assert report["strategies"]["clairvoyant"]["clairvoyant_capture"] == 1.0
    assert report["strategies"]["buy_at_once"]["no_regret_rate"] == 1.0
    assert {"gbm_quantile", "nhits", "seasonal_naive", "last_value"} <= set(report["forecasts"])
    assert report["forecasts"]["seasonal_naive"]["mase"] == 1.0
    written = pl.read_csv(decisions, try_parse_dates=True)
    assert written.columns == ["series_id", "start_date", "buy_date", "price_paid"]
    assert written.height == report["strategies"]["policy"]["requests"]
    assert (written["buy_date"] >= written["start_date"]).all()


def test_cli_uses_the_requests_file(history_file, tmp_path, monkeypatch, simulated_panel):
    monkeypatch.setattr("ml.backtest.default_model", small_model)
    monkeypatch.setattr("ml.backtest.comparison_forecasters", list)
    late = simulated_panel.filter(pl.col("departure_date") > dt.date(2026, 8, 20))
    starts = late.group_by("series_id").agg(pl.col("observed_on").min().alias("start_date"))
    requests = tmp_path / "requests.csv"
    starts.write_csv(requests)
    args = ["backtest", "--history", str(history_file), "--requests", str(requests)]
    args += ["--train-until", "2026-08-20", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["strategies"]["policy"]["requests"] == starts.height


def test_cli_rejects_bad_history_with_the_row_and_reason(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "series_id,observed_at,departure_date,price,currency\n"
        "a,2026-05-01,2026-06-01,120.5,EUR\n"
        "a,2026-05-02,2026-06-01,-4,EUR\n"
    )
    result = CliRunner().invoke(app, ["backtest", "--history", str(bad)])
    assert result.exit_code == 2
    assert "row 2" in result.output and "positive" in result.output
