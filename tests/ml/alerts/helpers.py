"""Building observations and running one watch through the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ml.alerts import AlertCandidate, AlertSettings, RuleState, WatchObservation, evaluate

START = dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC)  # midday UTC: outside default quiet hours
DEPARTURE = dt.date(2026, 8, 1)


def observe(
    price: int,
    at: dt.datetime = START,
    *,
    budget: int | None = None,
    departure: dt.date = DEPARTURE,
    buy_now: bool | None = None,
    prob: float | None = None,
    key: str | None = None,
    score: float | None = None,
    currency: str = "EUR",
    watch_id: str = "watch-1",
) -> WatchObservation:
    return WatchObservation(
        watch_id=watch_id,
        observed_at=at,
        best_price_minor=price,
        currency=currency,
        budget_minor=budget,
        departure_date=departure,
        buy_now=buy_now,
        prob_above_budget=prob,
        best_package_key=key,
        best_score=score,
    )


def daily(prices: Iterable[int], **kwargs) -> list[WatchObservation]:
    """One observation a day at START's time of day."""
    return [observe(p, START + dt.timedelta(days=i), **kwargs) for i, p in enumerate(prices)]


def run(
    observations: Iterable[WatchObservation],
    settings: AlertSettings | None = None,
    timezone: str = "UTC",
    state: RuleState | None = None,
) -> tuple[list[AlertCandidate], RuleState]:
    settings = settings or AlertSettings()
    state = state or RuleState()
    alerts: list[AlertCandidate] = []
    for observation in observations:
        raised, state = evaluate(observation, state, settings, timezone)
        alerts.extend(raised)
    return alerts, state


def of_kind(alerts: list[AlertCandidate], kind: str) -> list[AlertCandidate]:
    return [a for a in alerts if a.kind == kind]
