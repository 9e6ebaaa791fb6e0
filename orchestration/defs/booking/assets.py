"""Proposals the platform makes after each publication, for watches in "propose" mode."""

import datetime as dt

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.defs.resources import OperationalStoreResource, ProvidersResource


@asset(
    deps=[AssetKey("published_recommendations")],
    group_name="booking",
    description="For each watch in propose mode whose advice says buy now: a proposal for its "
    "top package (every leg re-priced) and the email asking the traveler to approve it. At most "
    "one open proposal per watch; again within a day only if at least 3% cheaper.",
)
def platform_proposals(
    context: AssetExecutionContext,
    operational_store: OperationalStoreResource,
    providers: ProvidersResource,
) -> MaterializeResult:
    from booking.platform_proposals import propose_for_watches

    found = providers.provider_set()
    with operational_store.session_factory() as factory:
        report = propose_for_watches(
            factory, {**found.flights, **found.hotels}, dt.datetime.now(dt.UTC)
        )
    return MaterializeResult(
        metadata={
            "watches_in_propose_mode": report.watches,
            "proposed": report.outcomes.get("proposed", 0),
            "outcomes": MetadataValue.json(report.outcomes),
        }
    )
