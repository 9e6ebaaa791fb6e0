"""Recommendations for every active watch: ranked, explained, risk-scored and advised.

Pure: the caller (the ``published_recommendations`` Dagster asset) reads the warehouse and
the operational store, and publishes what this returns in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ml.optimizer import CriterionWeights, SolveSettings
from ml.policy import BuyWaitModel
from ml.recommendations.advice import advise_watches, daily_prices
from ml.recommendations.explain import explain_ranking
from ml.recommendations.inputs import Row, WatchSpec, route_problems
from ml.recommendations.market import MarketContext
from ml.recommendations.ranking import WatchRanking, rank_watch
from ml.recommendations.records import package_record, reference_prices, summary_record
from ml.recommendations.risk import package_legs, package_risk

TOP_PACKAGES = 5


@dataclass(frozen=True)
class WatchInputs:
    watch: WatchSpec
    weights: CriterionWeights
    flights: Sequence[Row]
    hotels: Sequence[Row]
    history: Sequence[tuple[dt.datetime, int]]  # best package price per observation instant


@dataclass
class Recommendations:
    packages: list[dict[str, Any]] = field(default_factory=list)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


def _package_records(inputs: WatchInputs, ranking: WatchRanking, first, typical):
    risks = [
        package_risk(
            {
                leg: ranked.problem.risks[offer.offer_id]
                for leg, offer in package_legs(ranked.package).items()
            }
        )
        for ranked in ranking.packages
    ]
    explanations = explain_ranking(
        [r.package for r in ranking.packages],
        inputs.watch.currency,
        risks=risks,
        first_price_minor=first,
        typical_price_minor=typical,
    )
    return [
        package_record(ranked, rank, inputs.watch, explanation, risk, first, typical)
        for rank, (ranked, explanation, risk) in enumerate(
            zip(ranking.packages, explanations, risks, strict=True), start=1
        )
    ]


def recommend(
    watches: Sequence[WatchInputs],
    market: MarketContext,
    buy_wait: BuyWaitModel | None,
    *,
    k: int = TOP_PACKAGES,
    settings: SolveSettings = SolveSettings(),
    on_watch: Callable[[WatchInputs, WatchRanking], None] | None = None,
) -> Recommendations:
    out = Recommendations()
    rankings: list[tuple[WatchInputs, WatchRanking, int | None, int | None]] = []
    for inputs in watches:
        watch = inputs.watch
        problems = route_problems(
            watch,
            inputs.flights,
            inputs.hotels,
            inputs.weights,
            lambda kind, row, party=watch.party_size: market.risk_of(kind, row, party),
        )
        ranking = rank_watch(problems, k=k, settings=settings)
        first, typical = reference_prices([price for _, price in inputs.history])
        out.packages.extend(_package_records(inputs, ranking, first, typical))
        rankings.append((inputs, ranking, first, typical))
        out.statuses[ranking.status] = out.statuses.get(ranking.status, 0) + 1
        if on_watch is not None:
            on_watch(inputs, ranking)

    advice: dict[str, dict[str, Any]] = {}
    if buy_wait is not None:
        series = {
            inputs.watch.watch_id: (
                daily_prices(inputs.history),
                ranking.packages[0].package.departure_date,
                inputs.watch.currency,
                inputs.watch.budget_minor,
            )
            for inputs, ranking, _, _ in rankings
            if ranking.packages and inputs.history
        }
        advice = advise_watches(buy_wait, series)
    for inputs, ranking, first, typical in rankings:
        out.summaries.append(
            summary_record(inputs.watch, ranking, first, typical, advice.get(inputs.watch.watch_id))
        )
    return out
