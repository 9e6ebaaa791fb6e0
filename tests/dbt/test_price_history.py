"""Price history marts and ML features on a three-week fixture history: no look-ahead in the
features, incremental observations equal to a full refresh after late rows, and DuckDB equal to
PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.dbt.builds import dbt_build, duckdb_settings, sorted_rows
from tests.dbt.fixture_data import (
    HISTORY_DAYS,
    RATES,
    _flight,
    _hotel,
    _observed,
    convert_minor,
    history_flights,
    history_hotels,
    land_history,
)
from tests.dbt.parity import differences, mart_checksums
from wayra.settings import Settings
from wayra.warehouse import Warehouse

# Its own group: these builds share nothing with test_dbt_build's and can run on another worker.
pytestmark = pytest.mark.xdist_group("price_history")

NEW_MARTS = ["fct_price_observations", "fct_price_features", "dim_routes", "dim_hotels"]
# Only the price-history lineage (and its tests): the watch marts need watches this history lacks.
SELECT = ["--select", "+fct_price_features", "+dim_routes", "+dim_hotels"]
SORT_KEYS = {
    "fct_price_observations": "quote_kind, provider, offer_id, observed_at",
    "fct_price_features": "series_id, observed_on",
    "dim_routes": "origin, destination",
    "dim_hotels": "provider, hotel_id",
}
CUTOFF = dt.date(2025, 6, 12)  # "today" for the look-ahead test


def _dbt(settings: Settings, work_dir: Path, *extra: str) -> None:
    dbt_build(settings, work_dir, *SELECT, *extra)


def _rows(settings: Settings, mart: str, where: str = "") -> list[dict]:
    return sorted_rows(settings, mart, SORT_KEYS[mart], where)


@pytest.fixture(scope="module")
def history_build(tmp_path_factory: pytest.TempPathFactory):
    """The fixture history built once on DuckDB (full refresh)."""
    work_dir = tmp_path_factory.mktemp("price-history")
    with pytest.MonkeyPatch.context() as mp:
        settings = duckdb_settings(mp, work_dir)
        land_history(Warehouse(settings), history_flights(), history_hotels(), HISTORY_DAYS)
        _dbt(settings, work_dir)
        yield settings, work_dir, {mart: _rows(settings, mart) for mart in NEW_MARTS}


def test_observations_convert_to_eur_exactly(history_build):
    _, _, marts = history_build
    observations = marts["fct_price_observations"]
    assert len(observations) == len(history_flights()) + len(history_hotels())
    for row in observations:
        assert row["price_eur_minor"] == convert_minor(row["total_minor"], row["currency"], "EUR")
        assert str(row["eur_rate"].normalize()) == str(
            type(row["eur_rate"])(RATES[row["currency"]][0]).normalize()
        )
        assert row["rate_date"] == row["observed_on"] - dt.timedelta(days=1)
        assert row["days_to_departure"] == (row["departure_date"] - row["observed_on"]).days


def test_features_take_the_daily_minimum_and_calendar_lags(history_build):
    _, _, marts = history_build
    by_day: dict[tuple[str, dt.date], int] = {}
    for row in marts["fct_price_observations"]:
        if row["quote_kind"] == "flight":
            key = (f"F|{row['origin']}|{row['destination']}|{row['departure_date']}|"
                   f"{row['cabin']}|{row['adults']}", row["observed_on"])  # fmt: skip
            by_day[key] = min(by_day.get(key, row["price_eur_minor"]), row["price_eur_minor"])
    features = [r for r in marts["fct_price_features"] if r["series_kind"] == "flight"]
    assert {(r["series_id"], r["observed_on"]) for r in features} == set(by_day)
    lagged = 0
    for row in features:
        series, day = row["series_id"], row["observed_on"]
        assert row["price_eur_minor"] == by_day[series, day]
        week = [by_day.get((series, day - dt.timedelta(days=n))) for n in range(7)]
        assert row["price_lag_7d_eur_minor"] == by_day.get((series, day - dt.timedelta(days=7)))
        assert row["price_lag_1d_eur_minor"] == by_day.get((series, day - dt.timedelta(days=1)))
        assert row["rolling_min_7d_eur_minor"] == min(p for p in week if p is not None)
        assert row["observed_days_7d"] == sum(p is not None for p in week)
        lagged += row["price_lag_7d_eur_minor"] is not None
    # The fixture has missing days: some rows have a 7-day lag, and rows-based lags would differ.
    assert 0 < lagged < len(features)


def _future_changed(rows: list[dict], make_extra) -> list[dict]:
    """Rows after CUTOFF: prices moved, every third row dropped, new rows added."""
    kept = []
    for i, row in enumerate(rows):
        if row["partition_date"] <= CUTOFF:
            kept.append(row)
        elif i % 3:
            kept.append(row | {"total_minor": row["total_minor"] * 3 + 7})
    return kept + make_extra()


def test_features_do_not_look_ahead(history_build, tmp_path, monkeypatch):
    _, _, marts = history_build
    past = [r for r in marts["fct_price_features"] if r["observed_on"] <= CUTOFF]
    assert past and len(past) < len(marts["fct_price_features"])

    later = [day for day in HISTORY_DAYS if day > CUTOFF]

    def extra_flights():
        # A new, much cheaper provider on an existing series, and a brand-new series.
        cheap = [
            _flight(f"cheap-{day}", "LIS", "CDG", dt.date(2025, 7, 1), 10, "EUR", partition=day)
            for day in later
        ]
        new = _flight("new", "LIS", "CDG", dt.date(2025, 7, 2), 5_000, "EUR", partition=later[0])
        return [_observed(row, "cheapprov", row["partition_date"], 9) for row in cheap] + [new]

    def extra_hotels():
        paris = ("PAR", dt.date(2025, 7, 1), 2, 100, "EUR")
        return [_hotel("new-hotel", *paris, adults=2, partition=later[-1])]

    settings = duckdb_settings(monkeypatch, tmp_path)
    flights = _future_changed(history_flights(), extra_flights)
    hotels = _future_changed(history_hotels(), extra_hotels)
    land_history(Warehouse(settings), flights, hotels, HISTORY_DAYS)
    _dbt(settings, tmp_path, "--full-refresh")

    changed = _rows(settings, "fct_price_features")
    assert changed != marts["fct_price_features"]  # the future really changed
    assert [r for r in changed if r["observed_on"] <= CUTOFF] == past


def test_incremental_picks_up_late_rows_and_equals_a_full_refresh(tmp_path, monkeypatch):
    settings = duckdb_settings(monkeypatch, tmp_path)
    warehouse = Warehouse(settings)
    first_days, last_day = HISTORY_DAYS[:-1], HISTORY_DAYS[-1]
    old_day, thinned_day, hotelless_day, empty_day = HISTORY_DAYS[2:6]
    flights, hotels = history_flights(), history_hotels()

    land_history(warehouse, flights, hotels, first_days)
    _dbt(settings, tmp_path)

    # Re-landed old days: one gains a late row, one loses a row, one loses its hotels, one
    # loses everything; plus a new day.
    late = _observed(_flight("late-offer", "LIS", "CDG", dt.date(2025, 7, 1), 12_345, "GBP",
                             partition=old_day), "skyprov", old_day, 20)  # fmt: skip
    dropped = next(r for r in flights if r["partition_date"] == thinned_day)
    flights = [r for r in flights if r is not dropped and r["partition_date"] != empty_day]
    flights.append(late)
    hotels = [r for r in hotels if r["partition_date"] not in (hotelless_day, empty_day)]
    relanded = [old_day, thinned_day, hotelless_day, empty_day, last_day]
    land_history(warehouse, flights, hotels, relanded)
    _dbt(settings, tmp_path)  # incremental
    incremental = _rows(settings, "fct_price_observations")

    _dbt(settings, tmp_path, "--full-refresh")
    full = _rows(settings, "fct_price_observations")

    assert incremental == full
    assert len(full) == len(flights) + len(hotels)
    assert any(r["offer_id"] == "late-offer" for r in incremental)
    assert not any(r["observed_on"] == empty_day for r in incremental)


@pytest.mark.postgres
def test_postgres_marts_match_duckdb(history_build, postgres_database, data_dir, monkeypatch):
    duckdb_settings, _, marts = history_build
    expected = {mart: mart_checksums(duckdb_settings, mart) for mart in NEW_MARTS}
    monkeypatch.setenv("WAYRA_WAREHOUSE_URL", postgres_database)
    settings = Settings()
    assert settings.dbt_target == "postgres"
    land_history(Warehouse(settings), history_flights(), history_hotels(), HISTORY_DAYS)
    _dbt(settings, data_dir)
    # Row counts and per-column checksums (tests/dbt/parity.py); every mart of the whole
    # project is compared on one input in test_dbt_build.
    mismatches = {
        mart: found
        for mart in NEW_MARTS
        if (found := differences(expected[mart], mart_checksums(settings, mart)))
    }
    assert not mismatches, mismatches
    # Exact integer columns compare row for row too.
    assert [r["price_eur_minor"] for r in _rows(settings, "fct_price_observations")] == [
        r["price_eur_minor"] for r in marts["fct_price_observations"]
    ]
