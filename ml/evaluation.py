"""Score a fitted buy/wait model on a holdout panel: forecast accuracy and policy outcomes.

One function scores a new challenger and re-scores the current champion, so a promotion compares
like with like: the same holdout, the same requests, the same scorer. Requests are replayed with
the backtest's own helpers (:mod:`ml.backtest`), so the registry and ``wayra backtest`` cannot
disagree on what "captured 40% of the clairvoyant's savings" means.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polars as pl

from ml.backtest import StrategyScore, replay_strategies
from ml.forecast.baselines import SeasonalNaiveForecaster
from ml.forecast.metrics import ForecastMetrics, attach_actuals, forecast_metrics
from ml.history import HistoryError, draw_requests
from ml.policy import BuyWaitModel

# Several start days per held-out series: a promotion decided on a handful of requests would
# flip on noise. Seeded, so the champion and the challenger replay the very same requests.
REQUESTS_PER_SERIES = 5
REQUEST_SEED = 0

FORECAST_METRICS = ("mase", "smape", "quantile_loss", "coverage_80")
POLICY_METRICS = ("clairvoyant_capture", "mean_saving_pct", "no_regret_rate")


@dataclass(frozen=True)
class HoldoutEvaluation:
    forecast: ForecastMetrics
    strategies: dict[str, StrategyScore]  # policy, buy_at_once, fixed_rule, clairvoyant
    forecasts: pl.DataFrame  # the model's forecasts for every holdout origin and horizon
    holdout_series: int

    @property
    def policy(self) -> StrategyScore:
        return self.strategies["policy"]

    def metrics(self) -> dict[str, float]:
        """The model's own numbers: what MLflow logs and what promotion compares."""
        return {
            **{name: float(getattr(self.forecast, name)) for name in FORECAST_METRICS},
            **{name: float(getattr(self.policy, name)) for name in POLICY_METRICS},
            "forecast_pairs": float(self.forecast.pairs),
            "requests": float(self.policy.requests),
            "holdout_series": float(self.holdout_series),
        }

    def as_dict(self) -> dict[str, object]:
        return {
            "holdout_series": self.holdout_series,
            "forecast": self.forecast.as_dict(),
            "strategies": {name: asdict(s) for name, s in self.strategies.items()},
        }


def holdout_requests(holdout: pl.DataFrame, requests: pl.DataFrame | None = None) -> pl.DataFrame:
    """The given requests that fall on holdout series, or seeded draws from the holdout."""
    if requests is None:
        requests = draw_requests(holdout, seed=REQUEST_SEED, per_series=REQUESTS_PER_SERIES)
    else:
        requests = requests.filter(
            pl.col("series_id").is_in(holdout["series_id"].unique().implode())
        )
    if requests.is_empty():
        raise HistoryError("no request falls on a holdout series: nothing to score the policy on")
    return requests


def evaluate_holdout(
    model: BuyWaitModel, holdout: pl.DataFrame, requests: pl.DataFrame | None = None
) -> HoldoutEvaluation:
    """Forecast metrics (relative to seasonal naive) and the policy's outcomes on ``holdout``,
    next to the baseline strategies of the backtest."""
    requests = holdout_requests(holdout, requests)
    forecasts = model.forecaster.predict(holdout)
    # MASE only uses seasonal naive's point forecast, which needs no fitting; its p10/p90
    # spread (the only fitted part) plays no role here.
    naive = SeasonalNaiveForecaster().predict(holdout)
    forecast = forecast_metrics(attach_actuals(forecasts, holdout), attach_actuals(naive, holdout))

    advice = model.advise(holdout, forecasts=forecasts)
    _, strategies = replay_strategies(holdout, requests, advice)
    return HoldoutEvaluation(
        forecast=forecast,
        strategies=strategies,
        forecasts=forecasts,
        holdout_series=holdout["series_id"].n_unique(),
    )
