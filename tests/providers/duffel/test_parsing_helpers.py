"""The pure helpers behind the HTTP connectors: Retry-After, reset headers, time zones, money."""

from __future__ import annotations

import datetime as dt
import email.utils

import pyarrow as pa

from data_contracts import load_contract
from wayra.domain import FLIGHT_QUOTE_SCHEMA, FlightSearch
from wayra.providers.duffel import DuffelFlightProvider, local_to_utc
from wayra.providers.hotelbeds import stars_from
from wayra.providers.http import parse_rate_limit_reset, parse_retry_after, redact

from ..loopback.duffel_server import load_body

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def test_retry_after_seconds_date_and_garbage():
    assert parse_retry_after("12", NOW) == 12
    http_date = email.utils.format_datetime(NOW + dt.timedelta(seconds=45), usegmt=True)
    assert parse_retry_after(http_date, NOW) == 45
    assert parse_retry_after(email.utils.format_datetime(NOW, usegmt=True), NOW) == 0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_rate_limit_reset_in_every_unit_providers_use():
    assert parse_rate_limit_reset("30", NOW) == 30
    assert parse_rate_limit_reset(str(int(NOW.timestamp()) + 20), NOW) == 20
    http_date = email.utils.format_datetime(NOW + dt.timedelta(seconds=5), usegmt=True)
    assert parse_rate_limit_reset(http_date, NOW) == 5


def test_redact():
    assert redact("a s3cret b", ["s3cret", None, ""]) == "a *** b"


def test_local_time_uses_airportsdata_then_the_payload_zone():
    # Summer in London is UTC+1.
    assert local_to_utc("2026-07-01T10:00:00", {"iata_code": "LHR"}) == dt.datetime(
        2026, 7, 1, 9, 0, tzinfo=dt.UTC
    )
    # Not an airport airportsdata knows: Duffel's own time_zone field decides.
    assert local_to_utc(
        "2026-07-01T10:00:00", {"iata_code": "ZZZ", "time_zone": "Asia/Tokyo"}
    ) == dt.datetime(2026, 7, 1, 1, 0, tzinfo=dt.UTC)
    assert local_to_utc("2026-07-01T10:00:00", {"iata_code": "ZZZ"}) is None
    assert local_to_utc("2026-07-01T10:00:00+02:00", None) == dt.datetime(
        2026, 7, 1, 8, 0, tzinfo=dt.UTC
    )


def test_stars_from_category():
    assert stars_from("4EST", "4 STARS") == 4
    assert stars_from("H3_5", None) == 3
    assert stars_from("AG", "2 KEYS") == 2
    assert stars_from(None, None) is None


def test_a_malformed_offer_becomes_a_quarantined_row_not_a_crash():
    provider = DuffelFlightProvider("unused", "http://127.0.0.1:9")
    at = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    search = FlightSearch("LHR", "JFK", dt.date(2026, 12, 15))
    good = load_body("offers_page_1.json")["data"][0]
    bad_currency = {**good, "total_currency": "XXX"}
    sub_minor = {**good, "total_amount": "10.001", "total_currency": "GBP"}
    yen = {**good, "total_amount": "51234", "total_currency": "JPY"}
    rows = [
        provider._row(o, search, search.cabin, "orq_x", at)
        for o in (good, bad_currency, sub_minor, yen)
    ]
    assert rows[1]["total_minor"] is None and rows[2]["total_minor"] is None
    assert rows[3]["total_minor"] == 51234
    table = pa.Table.from_pylist(
        [{"partition_date": at.date(), **r} for r in rows], schema=FLIGHT_QUOTE_SCHEMA
    )
    result = load_contract("flight_quotes").validate(table)
    assert (result.valid.num_rows, result.quarantined.num_rows) == (2, 2)
    provider.close()
