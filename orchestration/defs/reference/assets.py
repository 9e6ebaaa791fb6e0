"""Reference and operational data the dbt models join: ECB rates and the watches snapshot."""

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
from orchestration.defs.resources import OperationalStoreResource, WarehouseResource
from wayra.collection.watches import watch_routes
from wayra.money import MINOR_UNIT_EXPONENTS, ecb_rate
from wayra.opstore.models import Watch
from wayra.warehouse.raw_tables import (
    ECB_RATE_SCHEMA,
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
