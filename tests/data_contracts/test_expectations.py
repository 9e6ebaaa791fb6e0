"""Great Expectations validation of landed rows: the contract, the unique key, freshness."""

import datetime as dt

import pyarrow as pa

from data_contracts.expectations import validate_landed
from tests.data_contracts.test_contracts import FLIGHT
from wayra.domain import FLIGHT_QUOTE_SCHEMA


def frame(*rows):
    return pa.Table.from_pylist(list(rows), schema=FLIGHT_QUOTE_SCHEMA).to_pandas()


def test_clean_landed_rows_pass():
    outcome = validate_landed("flight_quotes", frame(FLIGHT, {**FLIGHT, "offer_id": "o2"}))
    assert outcome.success and outcome.failed == [] and outcome.evaluated > 10 and outcome.rows == 2


def test_duplicate_key_stale_observation_and_bad_values_fail_with_the_expectation_named():
    stale = {
        **FLIGHT,
        "offer_id": "o3",
        "observed_at": FLIGHT["observed_at"] - dt.timedelta(days=2),
    }
    bad_currency = {**FLIGHT, "offer_id": "o4", "currency": "XXX"}
    outcome = validate_landed("flight_quotes", frame(FLIGHT, FLIGHT, stale, bad_currency))
    assert not outcome.success
    failed = {(f["expectation"], str(f["column"])) for f in outcome.failed}
    assert (
        "expect_compound_columns_to_be_unique",
        "['provider', 'offer_id', 'observed_at']",
    ) in failed
    assert ("expect_column_values_to_be_between", "_hours_into_partition") in failed
    assert ("expect_column_values_to_be_in_set", "currency") in failed
