"""Raw tables the pipeline lands into, and their DDL derived from the Arrow schemas."""

from __future__ import annotations

import pyarrow as pa

from wayra.domain import (
    FLIGHT_QUOTE_SCHEMA,
    HOTEL_QUOTE_SCHEMA,
    PROVIDER_REQUEST_SCHEMA,
    QUARANTINE_SCHEMA,
    UTC_TS,
)

ECB_RATE_SCHEMA = pa.schema(
    [
        pa.field("partition_date", pa.date32(), nullable=False),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("units_per_eur", pa.float64(), nullable=False),
        pa.field("rate_date", pa.date32(), nullable=False),
        pa.field("minor_unit_exponent", pa.int16(), nullable=False),
    ]
)

# One row per watch with its scalar preferences; the airports it covers are in
# OPERATIONAL_WATCH_ROUTE_SCHEMA. Airline lists are comma-separated IATA codes (NULL = none):
# plain text filters the same way on DuckDB and PostgreSQL, unlike their JSON functions.
OPERATIONAL_WATCH_SCHEMA = pa.schema(
    [
        pa.field("watch_id", pa.string(), nullable=False),
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("depart_from", pa.date32(), nullable=False),
        pa.field("depart_to", pa.date32(), nullable=False),
        pa.field("nights_min", pa.int16(), nullable=False),
        pa.field("nights_max", pa.int16(), nullable=False),
        pa.field("adults", pa.int16(), nullable=False),
        pa.field("children", pa.int16(), nullable=False),
        pa.field("cabin", pa.string(), nullable=False),
        pa.field("max_stops", pa.int16()),
        pa.field("preferred_airlines", pa.string()),
        pa.field("excluded_airlines", pa.string()),
        pa.field("hotel_min_stars", pa.int16()),
        pa.field("hotel_max_distance_km", pa.float64()),
        pa.field("hotel_point_latitude", pa.float64()),
        pa.field("hotel_point_longitude", pa.float64()),
        pa.field("hotel_refundable_only", pa.bool_(), nullable=False),
        pa.field("budget_minor", pa.int64(), nullable=False),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("automation_mode", pa.string(), nullable=False),
        pa.field("timezone", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("created_at", UTC_TS, nullable=False),
        pa.field("extracted_at", UTC_TS, nullable=False),
    ]
)

# Every (origin airport, destination airport) pair a watch covers, city codes expanded.
OPERATIONAL_WATCH_ROUTE_SCHEMA = pa.schema(
    [
        pa.field("watch_id", pa.string(), nullable=False),
        pa.field("origin", pa.string(), nullable=False),
        pa.field("destination", pa.string(), nullable=False),
        pa.field("destination_city_code", pa.string(), nullable=False),
        pa.field("extracted_at", UTC_TS, nullable=False),
    ]
)

# Users without PII or secrets: no email, display name or API key material reaches the
# warehouse; the plan and sign-up instant are all the KPIs need. Full snapshot per extract.
OPERATIONAL_USER_SCHEMA = pa.schema(
    [
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("plan", pa.string(), nullable=False),
        pa.field("created_at", UTC_TS, nullable=False),
        pa.field("extracted_at", UTC_TS, nullable=False),
    ]
)

# Authenticated API requests (append-only in the operational store, so landed incrementally
# by id watermark). ``route`` is the route template, never the raw path.
OPERATIONAL_API_USAGE_EVENT_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.int64(), nullable=False),
        pa.field("user_id", pa.string()),
        pa.field("method", pa.string(), nullable=False),
        pa.field("route", pa.string(), nullable=False),
        pa.field("status_code", pa.int16(), nullable=False),
        pa.field("occurred_at", UTC_TS, nullable=False),
        pa.field("extracted_at", UTC_TS, nullable=False),
    ]
)

# Alerts without their message: no headline, explanation or facts (they quote the traveler's
# trip), only what the action-rate KPI needs. Full snapshot per extract: ``delivered`` changes
# in place as deliveries go out. An alert counts as delivered when any channel delivery (email,
# SMS, webhook) was sent, or when it was due (deliver_at <= extracted_at): from then on the
# in-app feed shows it, so a traveler without a sending channel still receives it.
OPERATIONAL_ALERT_SCHEMA = pa.schema(
    [
        pa.field("alert_id", pa.string(), nullable=False),
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("watch_id", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("urgent", pa.bool_(), nullable=False),
        pa.field("digest", pa.bool_(), nullable=False),
        pa.field("observed_at", UTC_TS, nullable=False),
        pa.field("deliver_at", UTC_TS, nullable=False),
        pa.field("created_at", UTC_TS, nullable=False),
        pa.field("channels_sent", pa.int16(), nullable=False),
        pa.field("delivered", pa.bool_(), nullable=False),
        pa.field("extracted_at", UTC_TS, nullable=False),
    ]
)

# A traveler opened an alert or acted on it (append-only in the operational store, so landed
# incrementally by id watermark, like the API usage events).
OPERATIONAL_ALERT_INTERACTION_SCHEMA = pa.schema(
    [
        pa.field("interaction_id", pa.int64(), nullable=False),
        pa.field("alert_id", pa.string(), nullable=False),
        pa.field("action", pa.string(), nullable=False),
        pa.field("occurred_at", UTC_TS, nullable=False),
        pa.field("extracted_at", UTC_TS, nullable=False),
    ]
)

# Booking proposals without their frozen package, risk or advice (legs, prices and reasons are
# in the booking tables or stay in the operational store): who, which watch and
# recommendation, the origin (traveler|platform), the stored status and the timestamps the
# funnel KPIs need. Full snapshot per extract: a proposal's status changes in place. The stored
# status may still say "open" after expires_at (expiry is also derived on read); staging
# derives the effective status as of the extract.
OPERATIONAL_BOOKING_PROPOSAL_SCHEMA = pa.schema(
    [
        pa.field("proposal_id", pa.string(), nullable=False),
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("watch_id", pa.string(), nullable=False),
        pa.field("recommendation_id", pa.string()),
        pa.field("origin", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("created_at", UTC_TS, nullable=False),
        pa.field("expires_at", UTC_TS, nullable=False),
        pa.field("decided_at", UTC_TS),
        pa.field("total_minor", pa.int64(), nullable=False),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("extracted_at", UTC_TS, nullable=False),
    ]
)

# Bookings without the failure text or the saga's lease: state and timestamps only. watch_id
# is the proposal's (a booking has one proposal). closed_at is when it reached failed or
# cancelled. Full snapshot per extract: the state changes in place.
OPERATIONAL_BOOKING_SCHEMA = pa.schema(
    [
        pa.field("booking_id", pa.string(), nullable=False),
        pa.field("proposal_id", pa.string(), nullable=False),
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("watch_id", pa.string(), nullable=False),
        pa.field("state", pa.string(), nullable=False),
        pa.field("total_minor", pa.int64(), nullable=False),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("created_at", UTC_TS, nullable=False),
        pa.field("updated_at", UTC_TS, nullable=False),
        pa.field("confirmed_at", UTC_TS),
        pa.field("closed_at", UTC_TS),
        pa.field("extracted_at", UTC_TS, nullable=False),
    ]
)

# A booking's money at Stripe, in the booking currency, without any Stripe id (customer,
# payment method, intent): authorized (amount_minor), captured and refunded amounts, the ECB
# rate date the package was priced at, and the payment status. There is no card data to leave
# out: the operational store never holds any. Full snapshot per extract.
OPERATIONAL_BOOKING_PAYMENT_SCHEMA = pa.schema(
    [
        pa.field("booking_id", pa.string(), nullable=False),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("authorized_minor", pa.int64(), nullable=False),
        pa.field("captured_minor", pa.int64(), nullable=False),
        pa.field("refunded_minor", pa.int64(), nullable=False),
        pa.field("fx_rate_date", pa.date32(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("extracted_at", UTC_TS, nullable=False),
    ]
)

# A booking's flights and stays without offer ids or provider booking references: kind
# (outbound|inbound|hotel), provider, status and its share of the charge (charge_minor, in the
# booking currency; a booking's legs sum to its total). Full snapshot per extract.
OPERATIONAL_BOOKING_LEG_SCHEMA = pa.schema(
    [
        pa.field("leg_id", pa.string(), nullable=False),
        pa.field("booking_id", pa.string(), nullable=False),
        pa.field("position", pa.int16(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("provider", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("charge_minor", pa.int64(), nullable=False),
        pa.field("extracted_at", UTC_TS, nullable=False),
    ]
)

# The automated-decision log, codes only: which decision, on what subject, with which outcome
# and when. The conditions seen and the reasons (free text quoting prices and providers) stay
# in the operational store. Append-only there, so landed incrementally by id watermark.
OPERATIONAL_BOOKING_DECISION_SCHEMA = pa.schema(
    [
        pa.field("decision_id", pa.int64(), nullable=False),
        pa.field("proposal_id", pa.string()),
        pa.field("booking_id", pa.string()),
        pa.field("decision", pa.string(), nullable=False),
        pa.field("subject", pa.string()),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("decided_at", UTC_TS, nullable=False),
        pa.field("extracted_at", UTC_TS, nullable=False),
    ]
)

RAW_TABLES: dict[str, pa.Schema] = {
    "flight_quotes": FLIGHT_QUOTE_SCHEMA,
    "hotel_quotes": HOTEL_QUOTE_SCHEMA,
    "provider_requests": PROVIDER_REQUEST_SCHEMA,
    "quote_quarantine": QUARANTINE_SCHEMA,
    "ecb_rates": ECB_RATE_SCHEMA,
    "operational_watches": OPERATIONAL_WATCH_SCHEMA,
    "operational_watch_routes": OPERATIONAL_WATCH_ROUTE_SCHEMA,
    "operational_users": OPERATIONAL_USER_SCHEMA,
    "operational_api_usage_events": OPERATIONAL_API_USAGE_EVENT_SCHEMA,
    "operational_alerts": OPERATIONAL_ALERT_SCHEMA,
    "operational_alert_interactions": OPERATIONAL_ALERT_INTERACTION_SCHEMA,
    "operational_proposals": OPERATIONAL_BOOKING_PROPOSAL_SCHEMA,
    "operational_bookings": OPERATIONAL_BOOKING_SCHEMA,
    "operational_booking_payments": OPERATIONAL_BOOKING_PAYMENT_SCHEMA,
    "operational_booking_legs": OPERATIONAL_BOOKING_LEG_SCHEMA,
    "operational_booking_decisions": OPERATIONAL_BOOKING_DECISION_SCHEMA,
}

# The column that says which collection run (observation instant) a row came from.
OBSERVATION_COLUMNS = {
    "flight_quotes": "observed_at",
    "hotel_quotes": "observed_at",
    "quote_quarantine": "observed_at",
    "provider_requests": "requested_at",
}

_SQL_TYPES = {
    pa.string(): "TEXT",
    pa.date32(): "DATE",
    UTC_TS: "TIMESTAMPTZ",
    pa.int16(): "SMALLINT",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE PRECISION",
    pa.bool_(): "BOOLEAN",
}


def sql_type(arrow_type: pa.DataType) -> str:
    return _SQL_TYPES[arrow_type]


def create_table_sql(qualified_name: str, schema: pa.Schema) -> str:
    columns = ",\n  ".join(
        f"{f.name} {sql_type(f.type)}{'' if f.nullable else ' NOT NULL'}" for f in schema
    )
    return f"CREATE TABLE IF NOT EXISTS {qualified_name} (\n  {columns}\n)"
