"""Replay travelers' requests over a price history and score buy/wait strategies.

A request starts watching a series on ``start_date`` and must have bought by the series' last
observation. Each strategy decides day by day from what it knew that day; the clairvoyant,
who knows the whole series, buys at its minimum and sets the bar. Savings are in percent of
each request's start price, so series in different currencies mix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import polars as pl

from ml.forecast.base import Forecaster
from ml.forecast.gbm import GradientBoostedQuantileForecaster
from ml.forecast.harness import baseline_forecasters, evaluate
from ml.forecast.metrics import ForecastMetrics
from ml.history import HistoryError, draw_requests, split_by_departure
from ml.policy import BUY_NOW, BuyWaitModel

FIXED_RULE_DROP = 0.05  # the fixed rule buys on a 5% drop below the start price ...
FIXED_RULE_DAYS = 21  # ... or three weeks before departure, when the last cheap fence closes
DRAWN_REQUESTS_PER_SERIES = 3  # without a requests file: enough for stable shares


@dataclass(frozen=True)
class StrategyScore:
    clairvoyant_capture: float  # share of the clairvoyant's savings captured (ratio of sums)
    mean_saving_pct: float  # mean saving, percent of the start price (negative: paid more)
    no_regret_rate: float  # share of requests that paid no more than the start price
    requests: int


@dataclass
class BacktestResult:
    train_until: dt.date
    train_series: int
    test_series: int
    strategies: dict[str, StrategyScore]
    forecasts: dict[str, ForecastMetrics]
    decisions: pl.DataFrame  # series_id, start_date, buy_date, price_paid (the policy's)
    model: BuyWaitModel | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "train_until": self.train_until.isoformat(),
            "train_series": self.train_series,
            "test_series": self.test_series,
            "strategies": {k: asdict(v) for k, v in self.strategies.items()},
            "forecasts": {k: v.as_dict() for k, v in self.forecasts.items()},
        }


def request_days(panel: pl.DataFrame, requests: pl.DataFrame) -> pl.DataFrame:
    """Every observed day of every request's window, with the request's start price."""
    days = requests.join(panel, on="series_id").filter(
        pl.col("observed_on") >= pl.col("start_date")
    )
    start = days.filter(pl.col("observed_on") == pl.col("start_date")).select(
        "series_id", "start_date", pl.col("price").alias("start_price")
    )
    return days.join(start, on=["series_id", "start_date"], how="inner")


def first_buy(days: pl.DataFrame, buy: pl.Expr) -> pl.DataFrame:
    """The first day ``buy`` holds in each request's window, else its last day (the deadline)."""
    return (
        days.with_columns(buy.alias("_buy"))
        .sort("series_id", "start_date", "observed_on")
        .group_by("series_id", "start_date", maintain_order=True)
        .agg(
            pl.col("start_price").first(),
            pl.col("observed_on")
            .filter("_buy")
            .first()
            .fill_null(pl.col("observed_on").last())
            .alias("buy_date"),
            pl.col("price").min().alias("clairvoyant_price"),
            pl.col("observed_on", "price"),
        )
        .explode("observed_on", "price")
        .filter(pl.col("observed_on") == pl.col("buy_date"))
        .select(
            "series_id",
            "start_date",
            "buy_date",
            pl.col("price").alias("price_paid"),
            "start_price",
            "clairvoyant_price",
        )
    )


def score(outcomes: pl.DataFrame) -> StrategyScore:
    saved = (pl.col("start_price") - pl.col("price_paid")) / pl.col("start_price")
    best = (pl.col("start_price") - pl.col("clairvoyant_price")) / pl.col("start_price")
    row = outcomes.select(
        saved.sum().alias("saved"),
        best.sum().alias("best"),
        saved.mean().alias("mean_saved"),
        (pl.col("price_paid") <= pl.col("start_price")).mean().alias("no_regret"),
    ).row(0, named=True)
    return StrategyScore(
        clairvoyant_capture=row["saved"] / row["best"] if row["best"] else 0.0,
        mean_saving_pct=100.0 * (row["mean_saved"] or 0.0),
        no_regret_rate=row["no_regret"] or 0.0,
        requests=outcomes.height,
    )


def replay_strategies(
    panel: pl.DataFrame, requests: pl.DataFrame, advice: pl.DataFrame
) -> tuple[dict[str, pl.DataFrame], dict[str, StrategyScore]]:
    """Each strategy's purchase per request (series_id, start_date, buy_date, price_paid, ...)
    and its score: the policy following ``advice``, buy-at-once, the fixed rule and the
    clairvoyant."""
    days = request_days(panel, requests).join(
        advice.select("series_id", "observed_on", "action"), on=["series_id", "observed_on"]
    )
    days_left = (pl.col("departure_date") - pl.col("observed_on")).dt.total_days()
    outcomes = {
        "policy": first_buy(days, pl.col("action") == BUY_NOW),
        "buy_at_once": first_buy(days, pl.lit(True)),
        "fixed_rule": first_buy(
            days,
            (pl.col("price") <= pl.col("start_price") * (1 - FIXED_RULE_DROP))
            | (days_left <= FIXED_RULE_DAYS),
        ),
    }
    outcomes["clairvoyant"] = outcomes["buy_at_once"].with_columns(
        pl.col("clairvoyant_price").alias("price_paid")
    )
    return outcomes, {name: score(o) for name, o in outcomes.items()}


def run_backtest(
    panel: pl.DataFrame,
    requests: pl.DataFrame | None = None,
    train_until: dt.date | None = None,
    model_factory: Callable[[], BuyWaitModel] | None = None,
    seed: int = 0,
    progress: Callable[[str], None] = lambda _step: None,
    compare_forecasters: Callable[[], list[Forecaster]] | None = None,
) -> BacktestResult:
    """``compare_forecasters``: extra forecasters scored next to the baselines and the
    policy's own (default: the N-HiTS deep model)."""
    train, test, train_until = split_by_departure(panel, train_until)
    test_ids = test["series_id"].unique().implode()
    if requests is None:
        requests = draw_requests(test, seed=seed, per_series=DRAWN_REQUESTS_PER_SERIES)
    else:
        requests = requests.filter(pl.col("series_id").is_in(test_ids))
    if requests.is_empty():
        raise HistoryError("no request falls on a series departing after the training cut-off")

    progress(f"Training the buy/wait model on {train['series_id'].n_unique()} series")
    model = (model_factory or default_model)().fit(train)
    progress(f"Forecasting {test.height:,} days of {test['series_id'].n_unique()} held-out series")
    forecasts = model.forecaster.predict(test)
    advice = model.advise(test, forecasts=forecasts)

    progress("Replaying requests")
    outcomes, strategies = replay_strategies(test, requests, advice)

    progress("Scoring forecasts against seasonal naive")
    others = (compare_forecasters or comparison_forecasters)()
    evaluations = evaluate([*baseline_forecasters(), *others], train, test)
    metrics = {name: e.metrics for name, e in evaluations.items()}
    metrics[model.forecaster.name] = _score_fitted(forecasts, test, train)
    decisions = outcomes["policy"].select("series_id", "start_date", "buy_date", "price_paid")
    return BacktestResult(
        train_until=train_until,
        train_series=train["series_id"].n_unique(),
        test_series=test["series_id"].n_unique(),
        strategies=strategies,
        forecasts=metrics,
        decisions=decisions.sort("series_id", "start_date"),
        model=model,
    )


def _score_fitted(
    forecasts: pl.DataFrame, holdout: pl.DataFrame, train: pl.DataFrame
) -> ForecastMetrics:
    from ml.forecast.baselines import SeasonalNaiveForecaster
    from ml.forecast.metrics import attach_actuals, forecast_metrics

    naive = SeasonalNaiveForecaster().fit(train).predict(holdout)
    return forecast_metrics(attach_actuals(forecasts, holdout), attach_actuals(naive, holdout))


def default_model() -> BuyWaitModel:
    return BuyWaitModel(GradientBoostedQuantileForecaster())


def comparison_forecasters() -> list[Forecaster]:
    from ml.forecast.deep import DeepQuantileForecaster

    return [DeepQuantileForecaster()]
