"""Provider quote collection: one run covers a range of observation days (single-run backfill)."""

import datetime as dt

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetSpec,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from data_contracts import load_contract
from orchestration.defs.partitions import observation_days
from orchestration.defs.resources import (
    OperationalStoreResource,
    SimulatedProvidersResource,
    WarehouseResource,
)
from wayra.collection.ingest import IngestionReport, ingest_partitions
from wayra.collection.watches import active_watch_specs

QUOTE_FEEDS = ("flight_quotes", "hotel_quotes")
QUARANTINE_CHECK = "quarantine_rate_within_contract"


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
    providers: SimulatedProvidersResource,
):
    """Collect every active watch's searches for each observation day in the run's range,
    validate them against the feed contracts and land them partition by partition."""
    days = [dt.date.fromisoformat(key) for key in context.partition_keys]
    with operational_store.session() as session:
        watches = active_watch_specs(session)
    flight_providers, hotel_providers = providers.providers()

    def progress(day: dt.date, report: IngestionReport) -> None:
        context.log.info(
            f"{day}: {len(report.partitions)}/{len(days)} days, {report.quotes_landed:,} quotes landed"
        )

    report = ingest_partitions(
        warehouse.warehouse(), watches, flight_providers, hotel_providers, days, progress
    )
    window = {"first_day": str(days[0]), "last_day": str(days[-1]), "days": len(days)}
    for feed in QUOTE_FEEDS:
        stats = report.feeds[feed]
        yield MaterializeResult(
            asset_key=f"raw_{feed}",
            metadata={**window, "rows_landed": stats.landed, "rows_quarantined": stats.quarantined},
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
            "watches": report.watches,
            "searches_without_coalescing": report.naive_searches,
            "unique_searches": report.unique_searches,
        },
    )
