import datetime as dt
import json

import pyarrow as pa
import pytest

from data_contracts import load_contract
from wayra.domain import FLIGHT_QUOTE_SCHEMA, HOTEL_QUOTE_SCHEMA

AT = dt.datetime(2026, 6, 1, 6, tzinfo=dt.UTC)
PROVENANCE = dict(
    partition_date=AT.date(), provider="p", request_id="r", observed_at=AT, payload_hash="h"
)
FLIGHT = dict(
    PROVENANCE, offer_id="o1", origin="LHR", destination="JFK", departure_date=dt.date(2026, 7, 1),
    carrier="BA", flight_number="BA117", stops=0, cabin="ECONOMY", adults=2,
    departure_at=dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), arrival_at=dt.datetime(2026, 7, 1, 17, tzinfo=dt.UTC),
    duration_minutes=480, fare_bucket="K", seats_left=4, promotion=False, total_minor=84210, currency="GBP",
)  # fmt: skip
HOTEL = dict(
    PROVENANCE, offer_id="h1", city_code="NYC", hotel_id="NYC001", hotel_name="Hotel", stars=4,
    latitude=40.7, longitude=-74.0, distance_km=1.2, check_in=dt.date(2026, 7, 1),
    check_out=dt.date(2026, 7, 4), nights=3, adults=2, room_type="DOUBLE", refundable=True,
    rooms_left=2, total_minor=90000, currency="USD",
)  # fmt: skip


def flights(*rows):
    return pa.Table.from_pylist(list(rows), schema=FLIGHT_QUOTE_SCHEMA)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"total_minor": 0}, "total_minor.min"),
        ({"total_minor": -500}, "total_minor.min"),
        ({"currency": "XXX"}, "currency.in"),
        ({"currency": None}, "currency.required"),
        ({"offer_id": None}, "offer_id.required"),
        ({"departure_at": None}, "departure_at.required"),
        ({"origin": "lh"}, "origin.pattern"),
        ({"arrival_at": dt.datetime(2026, 7, 1, 8, tzinfo=dt.UTC)}, "arrival_after_departure"),
        ({"destination": "LHR"}, "origin_differs_from_destination"),
    ],
)
def test_each_broken_rule_quarantines_the_row_with_its_reason(change, rule):
    result = load_contract("flight_quotes").validate(flights(FLIGHT, {**FLIGHT, **change}))
    assert result.valid.num_rows == 1
    assert result.valid["offer_id"].to_pylist() == ["o1"]
    [bad] = result.quarantined.to_pylist()
    assert rule in bad["rule"].split(",")
    assert bad["reason"]
    # The quarantined row keeps the whole original payload for inspection and replay.
    assert json.loads(bad["row_json"])["request_id"] == "r"


def test_a_row_breaking_several_rules_lists_them_all():
    result = load_contract("flight_quotes").validate(
        flights({**FLIGHT, "currency": "EURO", "total_minor": 0})
    )
    [bad] = result.quarantined.to_pylist()
    assert set(bad["rule"].split(",")) == {"currency.in", "total_minor.min"}
    assert result.quarantine_rate == 1.0


def test_hotel_stay_must_match_its_dates():
    rows = [HOTEL, {**HOTEL, "offer_id": "h2", "check_out": dt.date(2026, 7, 5)}]
    result = load_contract("hotel_quotes").validate(
        pa.Table.from_pylist(rows, schema=HOTEL_QUOTE_SCHEMA)
    )
    assert result.valid["offer_id"].to_pylist() == ["h1"]
    assert result.quarantined["rule"].to_pylist() == ["stay_length_matches_dates"]


def test_valid_rows_pass_unchanged():
    table = flights(FLIGHT, {**FLIGHT, "offer_id": "o2", "seats_left": None})
    result = load_contract("flight_quotes").validate(table)
    assert result.valid.equals(table)
    assert result.quarantined.num_rows == 0
