"""How much of the clairvoyant's savings any buy/wait policy could capture on a simulator history,
measured by a policy that knows more than a real one ever could.

A real policy sees past prices only. The *ceiling* policy also sees its trip's regular-fare path
from today until departure: what every future day would cost without promotions (the simulator
priced with ``promotions=False``). That path tells exactly when fare buckets close and fences
pass, everything a price history could ever hint at about the future, so only promotions stay
unknown. It is learned by the same fitted value iteration as the policy
(:class:`~ml.policy.ContinuationValueModel`), on the same training series, and its waiting margin
is picked on the very requests it is scored on: a generous bound on purpose.

Next to it, the same learner with the price features alone, selected the same way, shows how
far the learner itself gets without the extra knowledge. The gap between the ceiling and the
clairvoyant is what promotions, unannounced by construction, keep out of anyone's reach.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from ml.backtest import StrategyScore, first_buy, request_days, score
from ml.features import FEATURE_COLUMNS, series_features
from ml.history import HistoryError, draw_requests, split_by_departure
from ml.policy import ContinuationValueModel

REGULAR_LOOKAHEAD_DAYS = (1, 2, 3, 5, 7, 10, 14, 21, 28)
REGULAR_FEATURES: tuple[str, ...] = (
    "log_regular_vs_price",
    *(f"log_regular_min_next_{k}d" for k in REGULAR_LOOKAHEAD_DAYS),
    "log_regular_min_to_departure",
)
CEILING_FEATURES = (*FEATURE_COLUMNS, *REGULAR_FEATURES)
# Expected saving (share of today's price) a policy must see before it waits; the best one that
# keeps the no-regret floor is picked per learner.
MARGINS = (0.0, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05)
NO_REGRET_FLOOR = 0.95
_KEY = ["series_id", "observed_on"]


@dataclass(frozen=True)
class LearnerScore:
    score: StrategyScore
    margin: float  # the waiting margin that gave it


@dataclass(frozen=True)
class CeilingResult:
    ceiling: LearnerScore  # knows the regular-fare path ahead
    price_only: LearnerScore  # the same learner on past prices alone
    clairvoyant: StrategyScore
    requests: int


def regular_fare_features(panel: pl.DataFrame, regular: pl.DataFrame) -> pl.DataFrame:
    """``panel`` with the price features plus :data:`REGULAR_FEATURES`: the regular fare today
    and the lowest regular fare over the next k observed days and until departure, as logs
    relative to today's actual price. ``regular`` is the same history without promotions."""
    regular = regular.select(*_KEY, pl.col("price").alias("regular_price"))
    joined = series_features(panel).join(regular, on=_KEY, how="left")
    missing = joined.filter(pl.col("regular_price").is_null())
    if not missing.is_empty():
        row = missing.row(0, named=True)
        raise HistoryError(
            f"no regular fare for {row['series_id']} on {row['observed_on']}: "
            "the regular history must cover the same trips and days"
        )
    log_regular = pl.col("regular_price").log()

    def ahead_min(days: int) -> pl.Expr:  # min over the next ``days`` rows, today excluded
        return log_regular.reverse().rolling_min(days, min_samples=1).reverse().shift(-1)

    return (
        joined.sort(_KEY)
        .with_columns(
            (log_regular - pl.col("log_price")).alias("log_regular_vs_price"),
            *(
                (ahead_min(k).over("series_id") - pl.col("log_price")).alias(
                    f"log_regular_min_next_{k}d"
                )
                for k in REGULAR_LOOKAHEAD_DAYS
            ),
            (
                log_regular.reverse().cum_min().reverse().shift(-1).over("series_id")
                - pl.col("log_price")
            ).alias("log_regular_min_to_departure"),
        )
        .drop("regular_price")
    )


def information_ceiling(
    panel: pl.DataFrame,
    regular: pl.DataFrame,
    requests: pl.DataFrame | None = None,
    train_until: dt.date | None = None,
    seed: int = 0,
) -> CeilingResult:
    """Train both learners on the series departing by ``train_until`` (default: the backtest's
    70/30 split) and replay ``requests`` (default: three seeded draws per held-out series)."""
    frame = regular_fare_features(panel, regular)
    train, test, _ = split_by_departure(frame, train_until)
    if requests is None:
        requests = draw_requests(test, seed=seed, per_series=3)
    days = request_days(test.select(*_KEY, "departure_date", "price"), requests)
    if days.is_empty():
        raise HistoryError("no request falls on a series departing after the training cut-off")

    def learner(features: tuple[str, ...]) -> LearnerScore:
        model = ContinuationValueModel(seed=seed, features=features).fit(train)
        saving = pl.Series("saving", 1.0 - np.exp(model.predict(test)))
        scored = days.join(test.select(*_KEY).with_columns(saving), on=_KEY)
        return _best_margin(scored)

    clairvoyant = first_buy(days, pl.lit(True)).with_columns(
        pl.col("clairvoyant_price").alias("price_paid")
    )
    return CeilingResult(
        ceiling=learner(CEILING_FEATURES),
        price_only=learner(FEATURE_COLUMNS),
        clairvoyant=score(clairvoyant),
        requests=requests.height,
    )


def _best_margin(days: pl.DataFrame) -> LearnerScore:
    """The highest capture among margins that keep the no-regret floor, else the margin with the
    highest no-regret rate (a learner that cannot keep the floor at any margin)."""
    scores = [
        LearnerScore(score(first_buy(days, pl.col("saving") <= margin)), margin)
        for margin in MARGINS
    ]
    kept = [s for s in scores if s.score.no_regret_rate >= NO_REGRET_FLOOR]
    if kept:
        return max(kept, key=lambda s: s.score.clairvoyant_capture)
    return max(scores, key=lambda s: s.score.no_regret_rate)
