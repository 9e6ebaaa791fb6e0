"""Provider quote collection: one run covers a range of observation days (single-run backfill)."""

import datetime as dt

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetSpec,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from data_contracts import load_contract
from data_contracts.expectations import validate_landed
from orchestration.defs.ingestion.schedules import OBSERVED_AT_TAG
from orchestration.defs.partitions import observation_days
from orchestration.defs.resources import (
    OperationalStoreResource,
    ProvidersResource,
    WarehouseResource,
)
from wayra.collection.ingest import IngestionReport, ingest_partitions, observation_instant
from wayra.collection.watches import active_watch_specs

QUOTE_FEEDS = ("flight_quotes", "hotel_quotes")
QUARANTINE_CHECK = "quarantine_rate_within_contract"
CIRCUITS_CHECK = "provider_circuits_closed"
EXPECTATIONS_CHECK = "great_expectations_contract"


@multi_asset(
    specs=[
        AssetSpec(
            "raw_flight_quotes",
            description="Contract-valid flight quotes, append-only, with provenance.",
        ),
        AssetSpec(
            "raw_hotel_quotes",
            description="Contract-valid hotel quotes, append-only, with provenance.",
        ),
        AssetSpec(
            "raw_quote_quarantine",
            description="Rows that broke a feed contract, with the rule and reason.",
        ),
        AssetSpec(
            "raw_provider_requests",
            description="Every provider request: status, latency, quotes, watches served.",
        ),
    ],
    check_specs=[
        AssetCheckSpec(
            QUARANTINE_CHECK,
            asset=f"raw_{feed}",
            description="Quarantined share <= the contract's max_quarantine_rate",
        )
        for feed in QUOTE_FEEDS
    ]
    + [
        AssetCheckSpec(
            EXPECTATIONS_CHECK,
            asset=f"raw_{feed}",
            description="Great Expectations validates the landed partitions against data_contracts/",
        )
        for feed in QUOTE_FEEDS
    ]
    + [
        AssetCheckSpec(
            CIRCUITS_CHECK,
            asset="raw_provider_requests",
            description="Every provider's circuit breaker ended the run closed (warns otherwise)",
        )
    ],
    partitions_def=observation_days,
    backfill_policy=BackfillPolicy.single_run(),
    group_name="ingestion",
    can_subset=False,
)
def provider_quotes(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    operational_store: OperationalStoreResource,
    providers: ProvidersResource,
):
    """Collect every active watch's searches for each observation day in the run's range,
    validate them against the feed contracts and land them partition by partition."""
    days = [dt.date.fromisoformat(key) for key in context.partition_keys]
    with operational_store.session() as session:
        watches = active_watch_specs(session)
    provider_set = providers.provider_set()
    tagged = context.run.tags.get(OBSERVED_AT_TAG)
    if tagged and len(days) == 1:
        instant = dt.datetime.fromisoformat(tagged)
        observed_at_for = lambda _day: instant  # noqa: E731 - one scheduled tick
    else:
        observed_at_for = observation_instant

    def progress(day: dt.date, report: IngestionReport) -> None:
        context.log.info(
            f"{day}: {len(report.partitions)}/{len(days)} days, {report.quotes_landed:,} quotes landed"
        )

    report = ingest_partitions(
        warehouse.warehouse(),
        watches,
        provider_set.flights,
        provider_set.hotels,
        days,
        progress,
        observed_at_for=observed_at_for,
        clock=provider_set.clock,
        limits=warehouse.settings().provider_limits,
    )
    window = {"first_day": str(days[0]), "last_day": str(days[-1]), "days": len(days)}
    store = warehouse.warehouse()
    for feed in QUOTE_FEEDS:
        stats = report.feeds[feed]
        yield MaterializeResult(
            asset_key=f"raw_{feed}",
            metadata={**window, "rows_landed": stats.landed, "rows_quarantined": stats.quarantined},
        )
        landed = store.query_arrow(
            f"SELECT * FROM {store.raw(feed)} WHERE partition_date BETWEEN ? AND ?",
            [days[0], days[-1]],
        )
        expectations = validate_landed(feed, landed.to_pandas())
        yield AssetCheckResult(
            asset_key=f"raw_{feed}",
            check_name=EXPECTATIONS_CHECK,
            passed=expectations.success,
            metadata={
                "rows_validated": expectations.rows,
                "expectations_evaluated": expectations.evaluated,
                "failed_expectations": MetadataValue.json(expectations.failed),
            },
        )
        limit = load_contract(feed).max_quarantine_rate
        yield AssetCheckResult(
            asset_key=f"raw_{feed}",
            check_name=QUARANTINE_CHECK,
            passed=stats.quarantine_rate <= limit,
            metadata={
                "quarantine_rate": MetadataValue.float(round(stats.quarantine_rate, 5)),
                "max_quarantine_rate": MetadataValue.float(limit),
                "by_rule": MetadataValue.json(stats.quarantine_by_rule),
            },
        )
    yield MaterializeResult(
        asset_key="raw_quote_quarantine",
        metadata={**window, "rows": sum(f.quarantined for f in report.feeds.values())},
    )
    yield MaterializeResult(
        asset_key="raw_provider_requests",
        metadata={
            **window,
            "requests": report.requests,
            "failed_requests": report.failed_requests,
            "request_statuses": MetadataValue.json(report.request_statuses),
            "providers": MetadataValue.json(report.circuits),
            "watches": report.watches,
            "searches_without_coalescing": report.naive_searches,
            "unique_searches": report.unique_searches,
        },
    )
    open_circuits = sorted(n for n, c in report.circuits.items() if c["state"] != "closed")
    yield AssetCheckResult(
        asset_key="raw_provider_requests",
        check_name=CIRCUITS_CHECK,
        passed=not open_circuits,
        severity=AssetCheckSeverity.WARN,
        metadata={
            **{f"circuit/{name}": str(c["state"]) for name, c in report.circuits.items()},
            "open": MetadataValue.json(open_circuits),
        },
    )
