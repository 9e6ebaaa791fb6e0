"""Reference and operational data the dbt models join: ECB rates, the watches snapshot, the
users snapshot with the incremental API usage events, the alerts snapshot with the
incremental alert interactions, and the booking snapshots with the incremental decision log."""

import datetime as dt

import pyarrow as pa
from dagster import (
    AssetExecutionContext,
    AssetSpec,
    BackfillPolicy,
    MaterializeResult,
    asset,
    multi_asset,
)

from orchestration.defs.partitions import observation_days
from orchestration.defs.reference.increments import read_increment, warehouse_watermark
from orchestration.defs.resources import OperationalStoreResource, WarehouseResource
from wayra.collection.watches import watch_routes
from wayra.money import MINOR_UNIT_EXPONENTS, ecb_rate
from wayra.opstore.alert_models import Alert, AlertDelivery, AlertInteraction
from wayra.opstore.booking_models import (
    Booking,
    BookingDecision,
    BookingLeg,
    BookingPayment,
    BookingProposal,
)
from wayra.opstore.models import ApiUsageEvent, User, Watch
from wayra.warehouse.raw_tables import (
    ECB_RATE_SCHEMA,
    OPERATIONAL_ALERT_INTERACTION_SCHEMA,
    OPERATIONAL_ALERT_SCHEMA,
    OPERATIONAL_API_USAGE_EVENT_SCHEMA,
    OPERATIONAL_BOOKING_DECISION_SCHEMA,
    OPERATIONAL_BOOKING_LEG_SCHEMA,
    OPERATIONAL_BOOKING_PAYMENT_SCHEMA,
    OPERATIONAL_BOOKING_PROPOSAL_SCHEMA,
    OPERATIONAL_BOOKING_SCHEMA,
    OPERATIONAL_USER_SCHEMA,
    OPERATIONAL_WATCH_ROUTE_SCHEMA,
    OPERATIONAL_WATCH_SCHEMA,
)


@asset(
    partitions_def=observation_days,
    backfill_policy=BackfillPolicy.single_run(),
    group_name="reference",
    description="ECB reference rates in force on each observation day (rate_date = ECB publication used).",
)
def raw_ecb_rates(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> MaterializeResult:
    days = [dt.date.fromisoformat(key) for key in context.partition_keys]
    rows = []
    for day in days:
        for currency, exponent in MINOR_UNIT_EXPONENTS.items():
            rate = ecb_rate(currency, day)
            rows.append(
                {
                    "partition_date": day,
                    "currency": currency,
                    "units_per_eur": float(rate.units_per_eur),
                    "rate_date": rate.rate_date,
                    "minor_unit_exponent": exponent,
                }
            )
    store = warehouse.warehouse()
    store.ensure_raw_tables()
    landed = store.replace_partitions(
        "ecb_rates", pa.Table.from_pylist(rows, schema=ECB_RATE_SCHEMA), days
    )
    return MaterializeResult(metadata={"rows": landed, "days": len(days)})


def _codes(values: list[str]) -> str | None:
    return ",".join(values) if values else None


@multi_asset(
    specs=[
        AssetSpec(
            "raw_operational_watches",
            description="Snapshot of the operational store's watches, one row each with their preferences.",
        ),
        AssetSpec(
            "raw_operational_watch_routes",
            description="The airport routes each watch covers (city codes expanded).",
        ),
    ],
    group_name="operational_extract",
    can_subset=False,
)
def operational_watches_extract(
    warehouse: WarehouseResource, operational_store: OperationalStoreResource
):
    from sqlalchemy import select

    extracted_at = dt.datetime.now(dt.UTC)
    watches, routes = [], []
    with operational_store.session() as session:
        for w in session.scalars(select(Watch).where(Watch.status != "deleted")):
            watches.append(
                {
                    "watch_id": w.id,
                    "user_id": w.user_id,
                    "depart_from": w.depart_from,
                    "depart_to": w.depart_to,
                    "nights_min": w.nights_min,
                    "nights_max": w.nights_max,
                    "adults": w.adults,
                    "children": w.children,
                    "cabin": w.cabin,
                    "max_stops": w.max_stops,
                    "preferred_airlines": _codes(w.preferred_airlines),
                    "excluded_airlines": _codes(w.excluded_airlines),
                    "hotel_min_stars": w.hotel_min_stars,
                    "hotel_max_distance_km": w.hotel_max_distance_km,
                    "hotel_point_latitude": w.hotel_point_latitude,
                    "hotel_point_longitude": w.hotel_point_longitude,
                    "hotel_refundable_only": w.hotel_refundable_only,
                    "budget_minor": w.budget_minor,
                    "currency": w.currency,
                    "automation_mode": w.automation_mode,
                    "timezone": w.timezone,
                    "status": w.status,
                    "created_at": w.created_at,
                    "extracted_at": extracted_at,
                }
            )
            routes.extend(
                {
                    "watch_id": w.id,
                    "origin": origin,
                    "destination": destination,
                    "destination_city_code": city_code,
                    "extracted_at": extracted_at,
                }
                for origin, destination, city_code in watch_routes(w)
            )
    store = warehouse.warehouse()
    store.ensure_raw_tables()
    # Both snapshots in one transaction: routes never refer to a watch snapshot they don't match.
    landed = store.replace_tables(
        {
            "operational_watches": pa.Table.from_pylist(watches, schema=OPERATIONAL_WATCH_SCHEMA),
            "operational_watch_routes": pa.Table.from_pylist(
                routes, schema=OPERATIONAL_WATCH_ROUTE_SCHEMA
            ),
        }
    )
    yield MaterializeResult(
        asset_key="raw_operational_watches", metadata={"watches": landed["operational_watches"]}
    )
    yield MaterializeResult(
        asset_key="raw_operational_watch_routes",
        metadata={"routes": landed["operational_watch_routes"]},
    )


@multi_asset(
    specs=[
        AssetSpec(
            "raw_operational_users",
            description=(
                "Snapshot of the operational store's users: id, plan and sign-up time only "
                "(no email, name or API key material: PII and secrets stay out of the warehouse)."
            ),
        ),
        AssetSpec(
            "raw_operational_api_usage_events",
            description=(
                "Authenticated API requests (route template, status, user), appended "
                "incrementally past the highest event id already in the warehouse."
            ),
        ),
    ],
    group_name="operational_extract",
    can_subset=False,
)
def operational_usage_extract(
    warehouse: WarehouseResource, operational_store: OperationalStoreResource
):
    """Users are a full snapshot (a few rows per customer; plans change in place). Usage events
    are append-only in the operational store, so they are read incrementally
    (:mod:`~orchestration.defs.reference.increments`): re-running lands nothing twice, and a
    late-committing event still lands."""
    from sqlalchemy import select

    store = warehouse.warehouse()
    store.ensure_raw_tables()
    watermark = warehouse_watermark(store, "operational_api_usage_events", "event_id")

    extracted_at = dt.datetime.now(dt.UTC)
    with operational_store.session() as session:
        users = [
            {
                "user_id": u.id,
                "plan": u.plan,
                "created_at": u.created_at,
                "extracted_at": extracted_at,
            }
            for u in session.scalars(select(User).order_by(User.id))
        ]
        increment = read_increment(
            session, ApiUsageEvent, ApiUsageEvent.occurred_at, watermark, extracted_at
        )
        events = [
            {
                "event_id": e.id,
                "user_id": e.user_id,
                "method": e.method,
                "route": e.route,
                "status_code": e.status_code,
                "occurred_at": e.occurred_at,
                "extracted_at": extracted_at,
            }
            for e in increment.rows
        ]
    # Users and the new events in one transaction: an event never lands without its user row.
    landed = store.replace_tables(
        {"operational_users": pa.Table.from_pylist(users, schema=OPERATIONAL_USER_SCHEMA)},
        increments={
            "operational_api_usage_events": (
                "event_id",
                pa.Table.from_pylist(events, schema=OPERATIONAL_API_USAGE_EVENT_SCHEMA),
            )
        },
    )
    yield MaterializeResult(
        asset_key="raw_operational_users", metadata={"users": landed["operational_users"]}
    )
    yield MaterializeResult(
        asset_key="raw_operational_api_usage_events",
        metadata={
            "new_events": increment.new,
            "reread_events": landed["operational_api_usage_events"] - increment.new,
            "watermark_before": watermark,
        },
    )


@multi_asset(
    specs=[
        AssetSpec(
            "raw_operational_alerts",
            description=(
                "Snapshot of the operational store's alerts: kind, urgency, digest, when observed "
                "and due, and whether delivered (a channel sent it, or it was due and so in the "
                "in-app feed). No headline, explanation or facts: message text stays out."
            ),
        ),
        AssetSpec(
            "raw_operational_alert_interactions",
            description=(
                "Alerts opened or acted on, appended incrementally past the highest "
                "interaction id already in the warehouse."
            ),
        ),
    ],
    group_name="operational_extract",
    can_subset=False,
)
def operational_alerts_extract(
    warehouse: WarehouseResource, operational_store: OperationalStoreResource
):
    """Alerts are a full snapshot: their delivery state changes in place as the outbox sends.
    Interactions are append-only in the operational store and read incrementally
    (:mod:`~orchestration.defs.reference.increments`): nothing lands twice, nothing is skipped."""
    from sqlalchemy import func, select

    store = warehouse.warehouse()
    store.ensure_raw_tables()
    watermark = warehouse_watermark(store, "operational_alert_interactions", "interaction_id")

    extracted_at = dt.datetime.now(dt.UTC)
    with operational_store.session() as session:
        # Interactions before alerts: an alert exists before anyone interacts with it, so every
        # interaction read here has its alert in the snapshot read after it.
        increment = read_increment(
            session, AlertInteraction, AlertInteraction.occurred_at, watermark, extracted_at
        )
        interactions = [
            {
                "interaction_id": i.id,
                "alert_id": i.alert_id,
                "action": i.action,
                "occurred_at": i.occurred_at,
                "extracted_at": extracted_at,
            }
            for i in increment.rows
        ]
        channels_sent = dict(
            session.execute(
                select(AlertDelivery.alert_id, func.count())
                .where(AlertDelivery.status == "sent")
                .group_by(AlertDelivery.alert_id)
            ).all()
        )
        alerts = []
        for a in session.scalars(select(Alert).order_by(Alert.id)):
            sent = channels_sent.get(a.id, 0)
            alerts.append(
                {
                    "alert_id": a.id,
                    "user_id": a.user_id,
                    "watch_id": a.watch_id,
                    "kind": a.kind,
                    "urgent": a.urgent,
                    "digest": a.digest,
                    "observed_at": a.observed_at,
                    "deliver_at": a.deliver_at,
                    "created_at": a.created_at,
                    "channels_sent": sent,
                    # The in-app feed shows an alert once it is due, so a due alert reached
                    # the traveler even when no channel sends it (or every channel failed).
                    "delivered": sent > 0 or a.deliver_at <= extracted_at,
                    "extracted_at": extracted_at,
                }
            )
    # The alerts and the new interactions in one transaction, like users and usage events.
    landed = store.replace_tables(
        {"operational_alerts": pa.Table.from_pylist(alerts, schema=OPERATIONAL_ALERT_SCHEMA)},
        increments={
            "operational_alert_interactions": (
                "interaction_id",
                pa.Table.from_pylist(interactions, schema=OPERATIONAL_ALERT_INTERACTION_SCHEMA),
            )
        },
    )
    yield MaterializeResult(
        asset_key="raw_operational_alerts",
        metadata={
            "alerts": landed["operational_alerts"],
            "delivered": sum(a["delivered"] for a in alerts),
        },
    )
    yield MaterializeResult(
        asset_key="raw_operational_alert_interactions",
        metadata={
            "new_interactions": increment.new,
            "reread_interactions": landed["operational_alert_interactions"] - increment.new,
            "watermark_before": watermark,
        },
    )


@multi_asset(
    specs=[
        AssetSpec(
            "raw_operational_proposals",
            description=(
                "Snapshot of the booking proposals: traveler, watch, recommendation, origin "
                "(traveler|platform), stored status, total and timestamps. No frozen package, "
                "risk, advice or reason text."
            ),
        ),
        AssetSpec(
            "raw_operational_bookings",
            description=(
                "Snapshot of the bookings: proposal, traveler, watch, saga state, total and "
                "timestamps (created, updated, confirmed, closed). No failure text or lease."
            ),
        ),
        AssetSpec(
            "raw_operational_booking_payments",
            description=(
                "Snapshot of the bookings' payments: authorized, captured and refunded minor "
                "amounts in the booking currency, ECB rate date, status. No Stripe ids."
            ),
        ),
        AssetSpec(
            "raw_operational_booking_legs",
            description=(
                "Snapshot of the bookings' legs: kind, provider, status and share of the charge "
                "in the booking currency. No offer ids or provider booking references."
            ),
        ),
        AssetSpec(
            "raw_operational_booking_decisions",
            description=(
                "The automated-decision log (decision, subject, outcome codes), appended "
                "incrementally past the highest decision id already in the warehouse; the "
                "conditions and reason texts stay in the operational store."
            ),
        ),
    ],
    group_name="operational_extract",
    can_subset=False,
)
def operational_bookings_extract(
    warehouse: WarehouseResource, operational_store: OperationalStoreResource
):
    """Proposals, bookings, payments and legs are full snapshots: their status, state and
    amounts change in place as the saga runs. The decision log is append-only in the
    operational store and read incrementally (:mod:`~orchestration.defs.reference.increments`)."""
    from sqlalchemy import select

    store = warehouse.warehouse()
    store.ensure_raw_tables()
    watermark = warehouse_watermark(store, "operational_booking_decisions", "decision_id")

    extracted_at = dt.datetime.now(dt.UTC)
    # Children before parents (decisions, legs, payments, bookings, proposals), as for alerts:
    # a row written between two reads can only add a parent without its children, never a
    # child whose parent the snapshot lacks (rows are never deleted while referenced).
    with operational_store.session() as session:
        increment = read_increment(
            session, BookingDecision, BookingDecision.decided_at, watermark, extracted_at
        )
        decisions = [
            {
                "decision_id": d.id,
                "proposal_id": d.proposal_id,
                "booking_id": d.booking_id,
                "decision": d.decision,
                "subject": d.subject,
                "outcome": d.outcome,
                "decided_at": d.decided_at,
                "extracted_at": extracted_at,
            }
            for d in increment.rows
        ]
        legs = [
            {
                "leg_id": leg.id,
                "booking_id": leg.booking_id,
                "position": leg.position,
                "kind": leg.kind,
                "provider": leg.provider,
                "status": leg.status,
                "charge_minor": leg.charge_minor,
                "extracted_at": extracted_at,
            }
            for leg in session.scalars(
                select(BookingLeg).order_by(BookingLeg.booking_id, BookingLeg.position)
            )
        ]
        payments = [
            {
                "booking_id": p.booking_id,
                "currency": p.currency,
                "authorized_minor": p.amount_minor,
                "captured_minor": p.captured_minor,
                "refunded_minor": p.refunded_minor,
                "fx_rate_date": p.fx_rate_date,
                "status": p.status,
                "extracted_at": extracted_at,
            }
            for p in session.scalars(select(BookingPayment).order_by(BookingPayment.booking_id))
        ]
        bookings = [
            {
                "booking_id": b.id,
                "proposal_id": b.proposal_id,
                "user_id": b.user_id,
                "watch_id": watch_id,
                "state": b.state,
                "total_minor": b.total_minor,
                "currency": b.currency,
                "created_at": b.created_at,
                "updated_at": b.updated_at,
                "confirmed_at": b.confirmed_at,
                "closed_at": b.closed_at,
                "extracted_at": extracted_at,
            }
            for b, watch_id in session.execute(
                select(Booking, BookingProposal.watch_id)
                .join(BookingProposal, BookingProposal.id == Booking.proposal_id)
                .order_by(Booking.id)
            )
        ]
        proposals = [
            {
                "proposal_id": p.id,
                "user_id": p.user_id,
                "watch_id": p.watch_id,
                "recommendation_id": p.recommendation_id,
                "origin": p.origin,
                "status": p.status,
                "created_at": p.created_at,
                "expires_at": p.expires_at,
                "decided_at": p.decided_at,
                "total_minor": p.total_minor,
                "currency": p.currency,
                "extracted_at": extracted_at,
            }
            for p in session.scalars(select(BookingProposal).order_by(BookingProposal.id))
        ]
    # All five in one warehouse transaction: marts never join a booking snapshot to a proposal
    # or payment snapshot of another extract.
    landed = store.replace_tables(
        {
            "operational_proposals": pa.Table.from_pylist(
                proposals, schema=OPERATIONAL_BOOKING_PROPOSAL_SCHEMA
            ),
            "operational_bookings": pa.Table.from_pylist(
                bookings, schema=OPERATIONAL_BOOKING_SCHEMA
            ),
            "operational_booking_payments": pa.Table.from_pylist(
                payments, schema=OPERATIONAL_BOOKING_PAYMENT_SCHEMA
            ),
            "operational_booking_legs": pa.Table.from_pylist(
                legs, schema=OPERATIONAL_BOOKING_LEG_SCHEMA
            ),
        },
        increments={
            "operational_booking_decisions": (
                "decision_id",
                pa.Table.from_pylist(decisions, schema=OPERATIONAL_BOOKING_DECISION_SCHEMA),
            )
        },
    )
    yield MaterializeResult(
        asset_key="raw_operational_proposals",
        metadata={"proposals": landed["operational_proposals"]},
    )
    yield MaterializeResult(
        asset_key="raw_operational_bookings", metadata={"bookings": landed["operational_bookings"]}
    )
    yield MaterializeResult(
        asset_key="raw_operational_booking_payments",
        metadata={"payments": landed["operational_booking_payments"]},
    )
    yield MaterializeResult(
        asset_key="raw_operational_booking_legs",
        metadata={"legs": landed["operational_booking_legs"]},
    )
    yield MaterializeResult(
        asset_key="raw_operational_booking_decisions",
        metadata={
            "new_decisions": increment.new,
            "reread_decisions": landed["operational_booking_decisions"] - increment.new,
            "watermark_before": watermark,
        },
    )
