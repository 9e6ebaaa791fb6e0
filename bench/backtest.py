"""The buy/wait backtest on a held-out simulator history of 300 series x 100 days.

Savings are reported as the issue's acceptance asks (share of the clairvoyant's savings, no-regret
rate, forecaster MASE vs seasonal naive) next to buy-at-once and the fixed rule. The time ratio
is the whole backtest (train, forecast, replay, score) against one pass of the baseline
forecasters over the same history, measured in the same run.
"""

from __future__ import annotations

import time

from bench.harness import BenchResult
from ml.backtest import run_backtest
from ml.forecast.harness import baseline_forecasters, evaluate
from ml.history import history_panel, split_by_departure
from ml.simulated_history import simulate_history

SERIES, DAYS = 300, 100


def run() -> list[BenchResult]:
    panel = history_panel(simulate_history(seed=7, series=SERIES, days=DAYS))
    train, test, _ = split_by_departure(panel)

    started = time.perf_counter()
    evaluate(baseline_forecasters(), train, test)
    baseline_s = time.perf_counter() - started

    started = time.perf_counter()
    result = run_backtest(panel)
    backtest_s = time.perf_counter() - started

    s = result.strategies
    policy, at_once, fixed = s["policy"], s["buy_at_once"], s["fixed_rule"]
    gbm = result.forecasts["gbm_quantile"]
    return [
        BenchResult(
            "backtest 300x100: wall time",
            f"{backtest_s:.1f} s",
            f"baseline forecasters {baseline_s:.1f} s",
            backtest_s / baseline_s,
            f"{policy.requests} requests on {result.test_series} held-out series",
        ),
        BenchResult(
            "backtest: clairvoyant savings captured",
            f"policy {100 * policy.clairvoyant_capture:.1f}%",
            f"buy at once {100 * at_once.clairvoyant_capture:.1f}%, "
            f"fixed rule {100 * fixed.clairvoyant_capture:.1f}%",
            policy.clairvoyant_capture,
            f"mean saving {policy.mean_saving_pct:+.2f}% vs fixed rule "
            f"{fixed.mean_saving_pct:+.2f}%; clairvoyant {s['clairvoyant'].mean_saving_pct:+.2f}%",
        ),
        BenchResult(
            "backtest: no-regret rate",
            f"policy {100 * policy.no_regret_rate:.1f}%",
            f"buy at once {100 * at_once.no_regret_rate:.1f}%, "
            f"fixed rule {100 * fixed.no_regret_rate:.1f}%",
            policy.no_regret_rate / at_once.no_regret_rate,
            "share of requests that paid no more than the start price",
        ),
        BenchResult(
            "backtest: forecast MASE",
            f"gbm_quantile {gbm.mae:.2f} MAE",
            "seasonal naive (same pairs)",
            gbm.mase,
            f"sMAPE {gbm.smape:.2f}%, 80% interval coverage {100 * gbm.coverage_80:.1f}%; "
            f"N-HiTS MASE {result.forecasts['nhits'].mase:.2f}, "
            f"last value {result.forecasts['last_value'].mase:.2f}",
        ),
    ]
