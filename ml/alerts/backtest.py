"""Alert quality on a price history: replay it through the rules, count what each rule would
have sent per watch per week, and check whether acting on price-drop and urgency alerts beat
waiting to the end.

Each series of a history panel (:mod:`ml.history`) is one watch whose best package is the
series' price, evaluated once a day at 06:00 UTC (when :mod:`ml.simulated_history` looks at
the market). Its budget is the panel's ``budget`` column where there is one, else
``DEFAULT_BUDGET_SHARE`` of its first price: a traveler hoping for a little less than the first
quote, so budget alerts can happen at all. Better-alternative alerts need the optimizer's
package identity: optional ``package_key`` (and ``score``) columns; without them that rule
cannot fire and is reported as not in the history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from ml.alerts.rules import AlertCandidate, RuleState, WatchObservation, evaluate
from ml.alerts.settings import (
    ALERT_KINDS,
    BETTER_ALTERNATIVE,
    BOOKING_URGENCY,
    PRICE_DROP,
    AlertSettings,
)
from ml.backtest import default_model
from ml.history import HistoryError, history_format, load_history, split_by_departure
from ml.policy import BUY_NOW, BuyWaitModel
from wayra.money import MINOR_UNIT_EXPONENTS

DEFAULT_BUDGET_SHARE = 0.95
OBSERVATION_TIME = dt.time(6, tzinfo=dt.UTC)
SAVING_KINDS = (PRICE_DROP, BOOKING_URGENCY)  # alerts that say "buy now", so acting is buying
BUDGET_COLUMN, PACKAGE_KEY_COLUMN, SCORE_COLUMN = "budget", "package_key", "score"
DEFAULT_MINOR_EXPONENT = 2  # a history may carry currencies Wayra cannot convert; cents then


def load_history_with_budgets(path: str | Path) -> pl.DataFrame:
    """:func:`ml.history.load_history`, plus the file's optional ``budget`` column (major units,
    one per series), which the checked panel leaves out. Raises ``HistoryError`` for a budget
    that is not a positive number or differs within a series."""
    panel = load_history(path)
    if history_format(path) == "parquet":
        table = pl.read_parquet(path)
    else:
        table = pl.read_csv(path, infer_schema=False)
    if BUDGET_COLUMN not in table.columns:
        return panel
    text = pl.col(BUDGET_COLUMN).cast(pl.String).str.strip_chars()
    text = pl.when(text == "").then(None).otherwise(text)  # a blank cell: no budget
    budgets = table.select(
        pl.col("series_id").cast(pl.String).str.strip_chars(),
        text.cast(pl.Float64, strict=False).alias(BUDGET_COLUMN),
        text.alias("text"),
    )
    bad = budgets.with_row_index("row", offset=1).filter(
        pl.col("text").is_not_null()
        & (pl.col(BUDGET_COLUMN).is_null() | ~(pl.col(BUDGET_COLUMN) > 0))
    )
    if not bad.is_empty():
        row = bad.row(0, named=True)
        raise HistoryError(
            f"budget must be a positive number (got {row['text']!r})",
            row["row"],
            more=bad.height - 1,
        )
    per_series = (
        budgets.drop_nulls(BUDGET_COLUMN).group_by("series_id").agg(pl.col(BUDGET_COLUMN).unique())
    )
    clash = per_series.filter(pl.col(BUDGET_COLUMN).list.len() > 1)
    if not clash.is_empty():
        raise HistoryError(f"series {clash['series_id'][0]} has more than one budget")
    return panel.join(
        per_series.select("series_id", pl.col(BUDGET_COLUMN).list.first()),
        on="series_id",
        how="left",
    )


def history_budgets(
    panel: pl.DataFrame, budget_share: float = DEFAULT_BUDGET_SHARE
) -> pl.DataFrame:
    """``series_id``, ``budget`` (major units): the panel's own ``budget`` (first non-null per
    series) where it has the column, else ``budget_share`` of the first price."""
    if not budget_share > 0:
        raise ValueError(f"budget_share must be positive, got {budget_share}")
    ordered = panel.sort("series_id", "observed_on")
    budget = (
        pl.col(BUDGET_COLUMN).drop_nulls().first()
        if BUDGET_COLUMN in panel.columns
        else pl.col("price").first() * budget_share
    )
    return ordered.group_by("series_id", maintain_order=True).agg(
        budget.cast(pl.Float64).alias(BUDGET_COLUMN)
    )


def replay(
    panel: pl.DataFrame,
    settings: AlertSettings | None = None,
    advice: pl.DataFrame | None = None,
    timezone: str = "UTC",
    budget_share: float = DEFAULT_BUDGET_SHARE,
) -> list[AlertCandidate]:
    """Every alert the rules raise over ``panel``, watch by watch, day by day.

    ``advice``: :meth:`~ml.policy.BuyWaitModel.advise` output for the panel's days (see
    :func:`train_advice`, with the same ``budget_share``); without it, urgency alerts come
    from fare fences only. ``budget_share``: see :func:`history_budgets`.
    """
    settings = settings or AlertSettings()
    alerts: list[AlertCandidate] = []
    state, watch = RuleState(), None
    for row in _observation_rows(panel, advice, budget_share):
        if row["series_id"] != watch:
            state, watch = RuleState(), row["series_id"]
        raised, state = evaluate(_observation(row), state, settings, timezone)
        alerts.extend(raised)
    return alerts


def _observation_rows(
    panel: pl.DataFrame, advice: pl.DataFrame | None, budget_share: float
) -> Iterable[dict]:
    key = ["series_id", "observed_on"]
    frame = panel.drop(BUDGET_COLUMN, strict=False).join(
        history_budgets(panel, budget_share), on="series_id", how="left"
    )
    if advice is None:
        frame = frame.with_columns(
            pl.lit(None, dtype=pl.String).alias("action"),
            pl.lit(None, dtype=pl.Float64).alias("prob_above_budget"),
        )
    else:
        frame = frame.join(advice.select(*key, "action", "prob_above_budget"), on=key, how="left")
    for column, dtype in ((PACKAGE_KEY_COLUMN, pl.String), (SCORE_COLUMN, pl.Float64)):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(column))
    return frame.sort(key).iter_rows(named=True)


def _minor(amount: float, currency: str) -> int:
    exponent = MINOR_UNIT_EXPONENTS.get(currency, DEFAULT_MINOR_EXPONENT)
    return max(1, round(amount * 10**exponent))  # a positive price never rounds to nothing


def _observation(row: dict) -> WatchObservation:
    currency, action = row["currency"], row["action"]
    return WatchObservation(
        watch_id=row["series_id"],
        observed_at=dt.datetime.combine(row["observed_on"], OBSERVATION_TIME),
        best_price_minor=_minor(row["price"], currency),
        currency=currency,
        budget_minor=None if row[BUDGET_COLUMN] is None else _minor(row[BUDGET_COLUMN], currency),
        departure_date=row["departure_date"],
        buy_now=None if action is None else action == BUY_NOW,
        prob_above_budget=row["prob_above_budget"],
        best_package_key=row[PACKAGE_KEY_COLUMN],
        best_score=row[SCORE_COLUMN],
    )


# --- the report ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleReport:
    kind: str
    alerts: int
    per_watch_per_week: float
    in_history: bool  # the history has what the rule needs (package keys: better alternative)
    # Price drop and urgency only: of the alerts before a series' last day (``compared``),
    # the share where buying at the alert's price was cheaper than the last price, and the
    # mean saving against that last price (percent; negative: acting cost more).
    compared: int = 0
    acted_and_saved_share: float | None = None
    mean_saving_pct: float | None = None


@dataclass(frozen=True)
class AlertReport:
    watches: int
    watch_weeks: float  # sum over watches of the days from first to last observation, / 7
    rules: dict[str, RuleReport]

    def as_dict(self) -> dict[str, object]:
        return {
            "watches": self.watches,
            "watch_weeks": self.watch_weeks,
            "rules": {kind: asdict(r) for kind, r in self.rules.items()},
        }


def alert_report(panel: pl.DataFrame, alerts: Iterable[AlertCandidate]) -> AlertReport:
    """Per rule: alerts, alerts per watch per week, and for price drop and urgency whether
    acting on each alert saved money against buying at the last observed price."""
    ends = _series_ends(panel)
    watch_weeks = sum(((last - first).days + 1) / 7 for first, last, _ in ends.values())
    by_kind: dict[str, list[AlertCandidate]] = {kind: [] for kind in ALERT_KINDS}
    for alert in alerts:
        if alert.watch_id not in ends:
            raise ValueError(f"alert for watch {alert.watch_id!r}, which is not in the history")
        by_kind[alert.kind].append(alert)
    rules = {}
    for kind, raised in by_kind.items():
        rate = len(raised) / watch_weeks if watch_weeks else 0.0
        in_history = kind != BETTER_ALTERNATIVE or PACKAGE_KEY_COLUMN in panel.columns
        report = RuleReport(kind, len(raised), rate, in_history)
        if kind in SAVING_KINDS:
            report = _with_savings(report, raised, ends)
        rules[kind] = report
    return AlertReport(len(ends), watch_weeks, rules)


def _series_ends(panel: pl.DataFrame) -> dict[str, tuple[dt.date, dt.date, int]]:
    """Per series: first and last observed day, and the last price in minor units."""
    ends = (
        panel.sort("series_id", "observed_on")
        .group_by("series_id", maintain_order=True)
        .agg(
            pl.col("observed_on").first().alias("first_on"),
            pl.col("observed_on").last().alias("last_on"),
            pl.col("price").last().alias("last_price"),
            pl.col("currency").last(),
        )
    )
    return {
        row["series_id"]: (
            row["first_on"],
            row["last_on"],
            _minor(row["last_price"], row["currency"]),
        )
        for row in ends.iter_rows(named=True)
    }


def _with_savings(
    report: RuleReport,
    alerts: list[AlertCandidate],
    ends: dict[str, tuple[dt.date, dt.date, int]],
) -> RuleReport:
    savings = []
    for alert in alerts:
        _, last_on, last_price = ends[alert.watch_id]
        # On the last day there is nothing left to wait for: acting and waiting are the same.
        if alert.observed_at.astimezone(dt.UTC).date() < last_on:
            savings.append((last_price - alert.price_minor) / last_price)
    if not savings:
        return report
    return dataclasses.replace(
        report,
        compared=len(savings),
        acted_and_saved_share=sum(s > 0 for s in savings) / len(savings),
        mean_saving_pct=100.0 * sum(savings) / len(savings),
    )


# --- advice for urgency -------------------------------------------------------------------
@dataclass(frozen=True)
class TrainedAdvice:
    panel: pl.DataFrame  # the held-out series (departing after train_until): replay these
    advice: pl.DataFrame  # the buy/wait model's advice on them, with history_budgets
    train_until: dt.date
    train_series: int


def train_advice(
    panel: pl.DataFrame,
    train_until: dt.date | None = None,
    model_factory: Callable[[], BuyWaitModel] | None = None,
    budget_share: float = DEFAULT_BUDGET_SHARE,
) -> TrainedAdvice:
    """Train the buy/wait model on series departing by ``train_until`` (default: the 70/30
    split of ``wayra backtest``) and advise on the rest, day by day, with each series' budget,
    so urgency alerts can be replayed without the model having seen those trips."""
    train, test, cutoff = split_by_departure(panel, train_until)
    model = (model_factory or default_model)().fit(train)
    advice = model.advise(test, budgets=history_budgets(test, budget_share))
    return TrainedAdvice(test, advice, cutoff, train["series_id"].n_unique())
