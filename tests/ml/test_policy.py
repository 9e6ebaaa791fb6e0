"""The buy/wait policy: advice fields, budget and deadline rules, and no look-ahead."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from ml.policy import BUY_NOW, WAIT, PolicyConfig


def test_every_day_gets_complete_advice(trained_split):
    model, _, test = trained_split
    advice = model.advise(test)
    assert advice.height == test.height
    assert set(advice["action"].unique()) <= {BUY_NOW, WAIT}
    assert advice["explanation"].str.len_chars().min() > 20
    assert advice["prob_above_budget"].is_null().all()  # no budgets given
    buys = advice.filter(pl.col("action") == BUY_NOW)
    waits = advice.filter(pl.col("action") == WAIT)
    assert (buys["book_by"] == buys["observed_on"]).all()
    assert (waits["book_by"] > waits["observed_on"]).all()
    assert (waits["expected_saving"] > 0).all()
    assert waits.height > 0 and buys.height > 0  # the model does make both calls


def test_last_day_before_departure_is_always_buy(trained_split):
    model, _, test = trained_split
    advice = model.advise(test).join(test, on=["series_id", "observed_on"])
    last_day = advice.filter(
        pl.col("observed_on") >= pl.col("departure_date") - pl.duration(days=1)
    )
    assert last_day.height > 0
    assert (last_day["action"] == BUY_NOW).all()


def test_a_price_over_budget_forces_buy_now_with_certain_risk(trained_split):
    model, _, test = trained_split
    budgets = test.group_by("series_id").agg((pl.col("price").min() * 0.5).alias("budget"))
    advice = model.advise(test, budgets=budgets)
    assert (advice["prob_above_budget"] == 1.0).all()
    assert (advice["action"] == BUY_NOW).all()
    assert advice["explanation"].str.contains("budget").any()


def test_generous_budget_carries_little_risk(trained_split):
    model, _, test = trained_split
    budgets = test.group_by("series_id").agg((pl.col("price").max() * 3).alias("budget"))
    risk = model.advise(test, budgets=budgets)["prob_above_budget"]
    assert risk.max() < 0.05


def test_bolder_travelers_wait_at_least_as_often(trained_split):
    model, _, test = trained_split
    waits = []
    for appetite in (0.0, 0.5, 1.0):
        model.config = PolicyConfig(risk_appetite=appetite)
        waits.append((model.advise(test)["action"] == WAIT).sum())
    model.config = PolicyConfig()
    assert waits[0] <= waits[1] <= waits[2]
    assert waits[2] > waits[0]


def test_risk_appetite_must_be_between_zero_and_one():
    with pytest.raises(ValueError, match="risk_appetite"):
        PolicyConfig(risk_appetite=1.5)


def test_no_look_ahead_altering_the_future_changes_no_earlier_advice(trained_split):
    model, _, test = trained_split
    cutoff = test["observed_on"].min() + dt.timedelta(days=35)
    rng = np.random.default_rng(3)
    future = pl.col("observed_on") > cutoff
    altered = test.with_columns(
        pl.when(future)
        .then(pl.col("price") * pl.Series(rng.uniform(0.3, 3.0, test.height)))
        .otherwise(pl.col("price"))
    )
    # ... and some future days vanish altogether.
    altered = altered.filter(~(future & pl.Series(rng.random(test.height) < 0.2)))
    budgets = test.group_by("series_id").agg((pl.col("price").median()).alias("budget"))
    before = model.advise(test, budgets=budgets).filter(pl.col("observed_on") <= cutoff)
    after = model.advise(altered, budgets=budgets).filter(pl.col("observed_on") <= cutoff)
    assert before.height > 100
    assert before.equals(after)
    # The alteration is real: later advice does change.
    later = model.advise(altered).filter(pl.col("observed_on") > cutoff)
    assert not later.equals(model.advise(test).filter(pl.col("observed_on") > cutoff))
