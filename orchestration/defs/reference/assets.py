"""Reference and operational data the dbt models join: ECB rates and the watches snapshot."""

import datetime as dt

import pyarrow as pa
from dagster import AssetExecutionContext, BackfillPolicy, MaterializeResult, asset

from orchestration.defs.partitions import observation_days
from orchestration.defs.resources import OperationalStoreResource, WarehouseResource
from wayra.money import MINOR_UNIT_EXPONENTS, ecb_rate
from wayra.opstore.models import Watch
from wayra.simulator.geography import city_code_for_airport
from wayra.warehouse.raw_tables import ECB_RATE_SCHEMA, OPERATIONAL_WATCH_SCHEMA


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


@asset(
    group_name="operational_extract",
    description="Snapshot of the operational store's watches, so marts can join them.",
)
def raw_operational_watches(
    warehouse: WarehouseResource, operational_store: OperationalStoreResource
) -> MaterializeResult:
    from sqlalchemy import select

    extracted_at = dt.datetime.now(dt.UTC)
    with operational_store.session() as session:
        rows = [
            {
                "watch_id": w.id,
                "user_id": w.user_id,
                "origin": w.origin,
                "destination": w.destination,
                "destination_city_code": city_code_for_airport(w.destination),
                "depart_from": w.depart_from,
                "depart_to": w.depart_to,
                "nights_min": w.nights_min,
                "nights_max": w.nights_max,
                "adults": w.adults,
                "cabin": w.cabin,
                "max_stops": w.max_stops,
                "budget_minor": w.budget_minor,
                "currency": w.currency,
                "status": w.status,
                "created_at": w.created_at,
                "extracted_at": extracted_at,
            }
            for w in session.scalars(select(Watch))
        ]
    store = warehouse.warehouse()
    store.ensure_raw_tables()
    landed = store.replace_table(
        "operational_watches", pa.Table.from_pylist(rows, schema=OPERATIONAL_WATCH_SCHEMA)
    )
    return MaterializeResult(metadata={"watches": landed})
