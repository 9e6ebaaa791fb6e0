"""Collect one observation day per partition and land it: quotes, quarantine, request log.

Each partition is replaced as a whole, so re-running a day (after a crash midway, or to
rebuild history) yields exactly the same rows, never duplicates and never gaps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from data_contracts import ValidationResult, load_contract
from wayra.collection.collector import CollectedBatch, circuit_summary, collect
from wayra.collection.limits import Clock, ProviderLimits, VirtualClock
from wayra.collection.planner import WatchSpec, plan_searches
from wayra.warehouse import Warehouse

# Quotes are observed at a fixed time of the (UTC) partition day, which keeps a re-run of a
# partition identical to the first run.
OBSERVATION_TIME = dt.time(6, 0, tzinfo=dt.UTC)


def observation_instant(partition_date: dt.date) -> dt.datetime:
    return dt.datetime.combine(partition_date, OBSERVATION_TIME)


@dataclass
class FeedStats:
    landed: int = 0
    quarantined: int = 0
    quarantine_by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def quarantine_rate(self) -> float:
        total = self.landed + self.quarantined
        return self.quarantined / total if total else 0.0


@dataclass
class IngestionReport:
    partitions: list[dt.date] = field(default_factory=list)
    watches: int = 0
    requests: int = 0
    request_statuses: dict[str, int] = field(default_factory=dict)
    circuits: dict[str, dict[str, object]] = field(default_factory=dict)
    naive_searches: int = 0
    unique_searches: int = 0
    feeds: dict[str, FeedStats] = field(
        default_factory=lambda: {"flight_quotes": FeedStats(), "hotel_quotes": FeedStats()}
    )

    @property
    def failed_requests(self) -> int:
        return self.requests - self.request_statuses.get("ok", 0)

    @property
    def quotes_landed(self) -> int:
        return sum(f.landed for f in self.feeds.values())


def validate_and_land(
    warehouse: Warehouse, batch: CollectedBatch, day: dt.date, observed_at: dt.datetime
) -> dict[str, ValidationResult]:
    """Split each feed by its contract and land the day (valid quotes, quarantine, request log)
    in one transaction; returns each feed's validation result."""
    results = {
        feed: load_contract(feed).validate(rows)
        for feed, rows in (
            ("flight_quotes", batch.flight_quotes),
            ("hotel_quotes", batch.hotel_quotes),
        )
    }
    warehouse.replace_observation(
        {
            **{feed: result.valid for feed, result in results.items()},
            "quote_quarantine": pa.concat_tables([r.quarantined for r in results.values()]),
            "provider_requests": batch.requests,
        },
        day,
        observed_at,
    )
    return results


def ingest_partitions(
    warehouse: Warehouse,
    watches: Sequence[WatchSpec],
    flight_providers: Mapping[str, object],
    hotel_providers: Mapping[str, object],
    partition_dates: Iterable[dt.date],
    on_partition: Callable[[dt.date, IngestionReport], None] | None = None,
    *,
    observed_at_for: Callable[[dt.date], dt.datetime] = observation_instant,
    clock: Clock | None = None,
    limits: Mapping[str, ProviderLimits] | None = None,
) -> IngestionReport:
    """Collect and land each day in turn; a day becomes visible whole or not at all, so a run
    killed midway leaves complete days behind and a re-run fills the rest."""
    warehouse.ensure_raw_tables()
    report = IngestionReport(watches=len(watches))
    clock = clock or VirtualClock()
    for day in partition_dates:
        observed_at = observed_at_for(day)
        plan = plan_searches(watches, day)
        batch = collect(
            plan, flight_providers, hotel_providers, observed_at, day, clock=clock, limits=limits
        )
        report.naive_searches += plan.naive_search_count
        report.unique_searches += plan.unique_search_count
        report.requests += batch.requests.num_rows
        for status in batch.requests["status"].to_pylist():
            report.request_statuses[status] = report.request_statuses.get(status, 0) + 1
        report.circuits = circuit_summary(batch.circuits)

        for feed, result in validate_and_land(warehouse, batch, day, observed_at).items():
            stats = report.feeds[feed]
            stats.landed += result.valid.num_rows
            stats.quarantined += result.quarantined.num_rows
            for rule in result.quarantined["rule"].to_pylist():
                stats.quarantine_by_rule[rule] = stats.quarantine_by_rule.get(rule, 0) + 1
        report.partitions.append(day)
        if on_partition:
            on_partition(day, report)
    return report
