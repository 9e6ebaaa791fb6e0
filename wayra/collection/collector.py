"""Run a search plan against providers and shape the answers into raw Arrow batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pyarrow as pa

from wayra.collection.planner import SearchPlan
from wayra.domain import (
    FLIGHT_QUOTE_SCHEMA,
    HOTEL_QUOTE_SCHEMA,
    PROVIDER_REQUEST_SCHEMA,
    FlightSearch,
    HotelSearch,
    ProviderResponse,
)


@dataclass
class CollectedBatch:
    flight_quotes: pa.Table
    hotel_quotes: pa.Table
    requests: pa.Table


def search_key(search: FlightSearch | HotelSearch) -> str:
    if isinstance(search, FlightSearch):
        return (
            f"flight:{search.origin}-{search.destination}:{search.departure_date}"
            f":{search.adults}:{search.cabin}"
        )
    return f"hotel:{search.city_code}:{search.check_in}+{search.nights}:{search.adults}"


def collect(
    plan: SearchPlan,
    flight_providers: Mapping[str, object],
    hotel_providers: Mapping[str, object],
    observed_at: dt.datetime,
    partition_date: dt.date,
    on_request: Callable[[], None] | None = None,
) -> CollectedBatch:
    """One request per (provider, unique search); every request's outcome is recorded."""
    flight_rows: list[dict] = []
    hotel_rows: list[dict] = []
    request_rows: list[dict] = []

    def record(response: ProviderResponse, category: str, search, watches: set[str]) -> None:
        request_rows.append(
            {
                "partition_date": partition_date,
                "provider": response.provider,
                "category": category,
                "request_id": response.request_id,
                "requested_at": observed_at,
                "search_key": search_key(search),
                "status": response.status,
                "error": response.error,
                "latency_ms": response.latency_ms,
                "quotes_returned": len(response.rows),
                "watches_served": len(watches),
            }
        )
        if on_request:
            on_request()

    for search, watches in plan.flights.items():
        for provider in flight_providers.values():
            response = provider.search_flights(search, observed_at)
            flight_rows.extend(response.rows)
            record(response, "flight", search, watches)
    for search, watches in plan.hotels.items():
        for provider in hotel_providers.values():
            response = provider.search_hotels(search, observed_at)
            hotel_rows.extend(response.rows)
            record(response, "hotel", search, watches)

    return CollectedBatch(
        flight_quotes=_to_table(flight_rows, FLIGHT_QUOTE_SCHEMA, partition_date),
        hotel_quotes=_to_table(hotel_rows, HOTEL_QUOTE_SCHEMA, partition_date),
        requests=pa.Table.from_pylist(request_rows, schema=PROVIDER_REQUEST_SCHEMA),
    )


def _to_table(rows: list[dict], schema: pa.Schema, partition_date: dt.date) -> pa.Table:
    for row in rows:
        row["partition_date"] = partition_date
    return pa.Table.from_pylist(rows, schema=schema)
