"""Shared sampling and row validation for the simulator tests."""

from __future__ import annotations

import datetime as dt

from wayra.domain import FLIGHT_QUOTE_SCHEMA, HOTEL_QUOTE_SCHEMA
from wayra.money import is_known_currency

UTC = dt.UTC
FLIGHT_COLUMNS = set(FLIGHT_QUOTE_SCHEMA.names) - {"partition_date"}
HOTEL_COLUMNS = set(HOTEL_QUOTE_SCHEMA.names) - {"partition_date"}

ROUTES = [
    ("LHR", "CDG"),
    ("CDG", "LHR"),
    ("LHR", "JFK"),
    ("JFK", "LHR"),
    ("FRA", "MAD"),
    ("AMS", "BCN"),
    ("MUC", "FCO"),
    ("DUB", "LIS"),
    ("VIE", "ZRH"),
    ("CPH", "ARN"),
    ("OSL", "PRG"),
    ("WAW", "BUD"),
    ("LGW", "ATH"),
    ("ORY", "NRT"),
    ("SFO", "ORD"),
    ("BOS", "MIA"),
    ("YYZ", "LAX"),
    ("HND", "SIN"),
    ("HKG", "SYD"),
    ("EWR", "FRA"),
]


def at_utc(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _is_code(value: object) -> bool:
    return isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper()


def valid_flight_row(row: dict) -> bool:
    return (
        row["offer_id"] is not None
        and _is_code(row["origin"])
        and _is_code(row["destination"])
        and isinstance(row["total_minor"], int)
        and row["total_minor"] > 0
        and is_known_currency(row["currency"])
        and row["departure_at"] is not None
        and row["arrival_at"] is not None
        and row["arrival_at"] > row["departure_at"]
        and row["departure_at"].tzinfo is not None
        and row["seats_left"] > 0
    )


def valid_hotel_row(row: dict) -> bool:
    return (
        row["offer_id"] is not None
        and row["hotel_id"] is not None
        and isinstance(row["total_minor"], int)
        and row["total_minor"] > 0
        and is_known_currency(row["currency"])
        and row["check_out"] > row["check_in"]
        and row["rooms_left"] > 0
    )
