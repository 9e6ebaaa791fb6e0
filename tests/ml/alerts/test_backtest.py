"""Replaying a history through the rules, the alert-quality report, and ``wayra alerts``."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from ml.alerts import ALERT_KINDS, BETTER_ALTERNATIVE, BOOKING_URGENCY, BUDGET_TARGET, PRICE_DROP
from ml.alerts.backtest import (
    alert_report,
    history_budgets,
    load_history_with_budgets,
    replay,
    train_advice,
)
from ml.history import HistoryError, history_panel, write_history
from ml.simulated_history import simulate_history
from tests.ml.conftest import small_model
from wayra.cli.alerts import alerts_app

DAY0 = dt.date(2026, 5, 4)


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return history_panel(simulate_history(seed=5, series=40, days=60))


@pytest.fixture(scope="module")
def advised(panel):
    return train_advice(panel, model_factory=small_model)


def series(series_id: str, prices: list[float], **columns: list) -> pl.DataFrame:
    n = len(prices)
    return pl.DataFrame(
        {
            "series_id": [series_id] * n,
            "observed_on": [DAY0 + dt.timedelta(days=i) for i in range(n)],
            "departure_date": [DAY0 + dt.timedelta(days=60)] * n,
            "price": prices,
            "currency": ["EUR"] * n,
            **columns,
        }
    )


def test_a_simulated_history_gives_counts_per_rule_and_shares_in_range(panel):
    alerts = replay(panel)
    report = alert_report(panel, alerts)
    assert report.watches == 40 and report.watch_weeks == pytest.approx(40 * 60 / 7)
    assert list(report.rules) == list(ALERT_KINDS)
    for kind in (PRICE_DROP, BUDGET_TARGET, BOOKING_URGENCY):
        rule = report.rules[kind]
        assert rule.in_history and rule.alerts > 0, kind
        assert rule.per_watch_per_week == pytest.approx(rule.alerts / report.watch_weeks)
    for kind in (PRICE_DROP, BOOKING_URGENCY):
        rule = report.rules[kind]
        assert 0 < rule.compared <= rule.alerts
        assert 0.0 <= rule.acted_and_saved_share <= 1.0
    assert report.rules[BUDGET_TARGET].acted_and_saved_share is None
    assert not report.rules[BETTER_ALTERNATIVE].in_history  # no package keys in a price history
    assert len({a.dedupe_key for a in alerts}) == len(alerts)
    json.dumps(report.as_dict())


def test_replay_does_not_look_ahead(panel):
    cutoff = DAY0 + dt.timedelta(days=20)
    full = replay(panel)
    cut = replay(panel.filter(pl.col("observed_on") <= pl.lit(cutoff)))
    assert cut == [a for a in full if a.observed_at.date() <= cutoff]


def test_urgency_alerts_follow_the_trained_buy_wait_advice(advised):
    alerts = replay(advised.panel, advice=advised.advice)
    urgent = [a for a in alerts if a.kind == BOOKING_URGENCY]
    assert any("buy_now" in a.facts["reasons"] for a in urgent)
    report = alert_report(advised.panel, alerts)
    assert report.watches == advised.panel["series_id"].n_unique()
    assert advised.panel["departure_date"].min() > advised.train_until


def test_saved_share_compares_with_the_last_price_before_departure():
    # Two watches: a drop then a climb (acting saved), a drop then a deeper fall (it did not).
    panel = pl.concat(
        [series("up", [100.0, 85.0, 90.0, 120.0]), series("down", [100.0, 85.0, 80.0, 60.0])]
    )
    report = alert_report(panel, replay(panel))
    drop = report.rules[PRICE_DROP]
    # "down" alerts twice (85, then 60 on its last day, which cannot be compared).
    assert (drop.alerts, drop.compared) == (3, 2)
    assert drop.acted_and_saved_share == 0.5


def test_budgets_come_from_the_panel_or_default_to_95_percent_of_the_first_price():
    defaulted = history_budgets(series("s", [200.0, 100.0]))
    assert defaulted["budget"].to_list() == [190.0]
    own = history_budgets(series("s", [200.0, 100.0], budget=[None, 150.0]))
    assert own["budget"].to_list() == [150.0]


def test_package_keys_in_the_history_enable_better_alternatives():
    panel = series(
        "s", [100.0, 100.0, 93.0, 92.0], package_key=["A", "A", "B", "C"], score=[1.0] * 4
    )
    report = alert_report(panel, replay(panel))
    assert report.rules[BETTER_ALTERNATIVE].in_history
    assert report.rules[BETTER_ALTERNATIVE].alerts == 1


def test_a_budget_column_in_the_history_file_is_read_and_checked(tmp_path):
    path = tmp_path / "history.csv"
    frame = series("s", [200.0, 100.0]).rename({"observed_on": "observed_at"})
    frame.with_columns(pl.Series("budget", ["150", " "])).write_csv(path)  # blank: no value
    assert load_history_with_budgets(path)["budget"].to_list() == [150.0, 150.0]
    frame.with_columns(pl.Series("budget", ["150", "lots"])).write_csv(path)
    with pytest.raises(HistoryError, match=r"history row 2: budget must be a positive number"):
        load_history_with_budgets(path)


# --- the command line ---------------------------------------------------------------------
@pytest.fixture
def cli(monkeypatch):
    """``wayra alerts`` as the lead registers it, with the quick test model."""
    monkeypatch.setattr("ml.alerts.backtest.default_model", small_model)
    app = typer.Typer()
    app.add_typer(alerts_app, name="alerts")
    return lambda *args: CliRunner().invoke(app, ["alerts", *args])


@pytest.fixture(scope="module")
def history_file(tmp_path_factory):
    panel = history_panel(simulate_history(seed=2, series=24, days=45))
    return write_history(panel, tmp_path_factory.mktemp("alerts") / "history.csv")


def test_cli_prints_the_table(cli, history_file):
    result = cli("backtest", "--history", str(history_file))
    assert result.exit_code == 0, result.output
    for text in ("Alert rules replayed", "Price drop", "Budget target", "Booking urgency"):
        assert text in result.output
    assert "not in history" in result.output  # better alternative: no package keys
    assert "buy/wait model trained on" in " ".join(result.output.split())  # wrapped at 80


def test_cli_json_without_advice(cli, history_file):
    result = cli("backtest", "--history", str(history_file), "--no-advice", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["watches"] == 24
    assert set(report["rules"]) == set(ALERT_KINDS)


def test_cli_rejects_bad_files_and_options(cli, history_file, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "series_id,observed_at,departure_date,price,currency\ns,2026-05-04,2026-06-01,-3,EUR\n"
    )
    result = cli("backtest", "--history", str(bad))
    assert result.exit_code == 2
    assert "history row 1: price must be positive" in result.output
    missing = cli("backtest", "--history", str(tmp_path / "nope.parquet"))
    assert missing.exit_code == 2 and "cannot read" in missing.output
    prefs = cli("backtest", "--history", str(history_file), "--preferences", '{"colour": 1}')
    assert prefs.exit_code == 2 and "unknown alert setting" in prefs.output
    zone = cli("backtest", "--history", str(history_file), "--timezone", "Mars/Olympus")
    assert zone.exit_code == 2 and "IANA" in zone.output
