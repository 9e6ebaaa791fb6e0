"""Domain types shared by providers, ingestion, the warehouse and serving.

The raw quote schemas are the contract between provider connectors and the warehouse: every
connector (simulated or real) emits rows with exactly these columns, prices in integer minor
units plus an ISO currency, and provenance (provider, request_id, observed_at, offer_id,
payload_hash). Rows are *raw*: fields may be missing or wrong, which is what the data contracts
check before anything downstream sees them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

import pyarrow as pa


class Cabin(StrEnum):
    ECONOMY = "ECONOMY"
    PREMIUM_ECONOMY = "PREMIUM_ECONOMY"
    BUSINESS = "BUSINESS"
    FIRST = "FIRST"


@dataclass(frozen=True, slots=True)
class FlightSearch:
    """One-way flight search; a round trip is two of these. Hashable, so searches coalesce."""

    origin: str
    destination: str
    departure_date: dt.date
    adults: int = 1
    cabin: Cabin = Cabin.ECONOMY


@dataclass(frozen=True, slots=True)
class HotelSearch:
    city_code: str
    check_in: dt.date
    nights: int
    adults: int = 1

    @property
    def check_out(self) -> dt.date:
        return self.check_in + dt.timedelta(days=self.nights)


@dataclass(slots=True)
class ProviderResponse:
    """What one provider request returned: its outcome, and raw quote rows (dicts keyed by the
    schema's column names, without ``partition_date``)."""

    provider: str
    request_id: str
    status: str  # "ok" | "error"
    latency_ms: float
    rows: list[dict] = field(default_factory=list)
    error: str | None = None


UTC_TS = pa.timestamp("us", tz="UTC")

PROVENANCE_FIELDS = [
    pa.field("partition_date", pa.date32(), nullable=False),
    pa.field("provider", pa.string(), nullable=False),
    pa.field("request_id", pa.string(), nullable=False),
    pa.field("observed_at", UTC_TS, nullable=False),
    pa.field("offer_id", pa.string()),
    pa.field("payload_hash", pa.string(), nullable=False),
]

FLIGHT_QUOTE_SCHEMA = pa.schema(
    [
        *PROVENANCE_FIELDS,
        pa.field("origin", pa.string()),
        pa.field("destination", pa.string()),
        pa.field("departure_date", pa.date32()),
        pa.field("carrier", pa.string()),
        pa.field("flight_number", pa.string()),
        pa.field("stops", pa.int16()),
        pa.field("cabin", pa.string()),
        pa.field("adults", pa.int16()),
        pa.field("departure_at", UTC_TS),
        pa.field("arrival_at", UTC_TS),
        pa.field("duration_minutes", pa.int32()),
        pa.field("fare_bucket", pa.string()),
        pa.field("seats_left", pa.int16()),
        pa.field("promotion", pa.bool_()),
        pa.field("total_minor", pa.int64()),
        pa.field("currency", pa.string()),
    ]
)

HOTEL_QUOTE_SCHEMA = pa.schema(
    [
        *PROVENANCE_FIELDS,
        pa.field("city_code", pa.string()),
        pa.field("hotel_id", pa.string()),
        pa.field("hotel_name", pa.string()),
        pa.field("stars", pa.int16()),
        pa.field("latitude", pa.float64()),
        pa.field("longitude", pa.float64()),
        pa.field("distance_km", pa.float64()),
        pa.field("check_in", pa.date32()),
        pa.field("check_out", pa.date32()),
        pa.field("nights", pa.int16()),
        pa.field("adults", pa.int16()),
        pa.field("room_type", pa.string()),
        pa.field("refundable", pa.bool_()),
        pa.field("rooms_left", pa.int16()),
        pa.field("total_minor", pa.int64()),
        pa.field("currency", pa.string()),
    ]
)

# Outcome of every provider request, so reliability can be scored.
PROVIDER_REQUEST_SCHEMA = pa.schema(
    [
        pa.field("partition_date", pa.date32(), nullable=False),
        pa.field("provider", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("request_id", pa.string(), nullable=False),
        pa.field("requested_at", UTC_TS, nullable=False),
        pa.field("search_key", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("error", pa.string()),
        pa.field("latency_ms", pa.float64(), nullable=False),
        pa.field("attempts", pa.int16(), nullable=False),
        pa.field("quotes_returned", pa.int32(), nullable=False),
        pa.field("watches_served", pa.int32(), nullable=False),
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("partition_date", pa.date32(), nullable=False),
        pa.field("observed_at", UTC_TS),
        pa.field("feed", pa.string(), nullable=False),
        pa.field("provider", pa.string(), nullable=False),
        pa.field("request_id", pa.string(), nullable=False),
        pa.field("offer_id", pa.string()),
        pa.field("payload_hash", pa.string(), nullable=False),
        pa.field("rule", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("row_json", pa.string(), nullable=False),
    ]
)
