"""What the platform does for automated watches after each publication: proposals for watches in
"propose" mode, bookings for watches in "auto" mode."""

import datetime as dt

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.defs.resources import (
    OperationalStoreResource,
    PaymentsResource,
    ProvidersResource,
)


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
        report = propose_for_watches(factory, found.by_name, dt.datetime.now(dt.UTC))
    return MaterializeResult(
        metadata={
            "watches_in_propose_mode": report.watches,
            "proposed": report.outcomes.get("proposed", 0),
            "outcomes": MetadataValue.json(report.outcomes),
        }
    )


@asset(
    deps=[AssetKey("published_recommendations")],
    group_name="booking",
    description="For each watch in auto mode: book its top package on the traveler's behalf "
    "when the advice says buy now, it fits the budget, a card is saved and the watch has no "
    "booking yet; the same saga as a one-click approval, and the traveler is emailed the outcome.",
)
def automatic_bookings(
    context: AssetExecutionContext,
    operational_store: OperationalStoreResource,
    providers: ProvidersResource,
    payments: PaymentsResource,
) -> MaterializeResult:
    from booking.auto_booking import auto_book_watches
    from booking.services import BookingServices

    gateway = payments.payments()
    if gateway is None:
        context.log.warning("Stripe is not configured (WAYRA_STRIPE_API_KEY): nothing booked")
        return MaterializeResult(metadata={"booked": 0, "skipped": "payments not configured"})
    found = providers.provider_set()
    with operational_store.session_factory() as factory:
        services = BookingServices.build(factory, gateway, found.by_name)
        report = auto_book_watches(services, dt.datetime.now(dt.UTC))
    return MaterializeResult(
        metadata={
            "watches_in_auto_mode": report.watches,
            "booked": report.outcomes.get("booked_confirmed", 0),
            "outcomes": MetadataValue.json(report.outcomes),
        }
    )
