"""`dbt build` of the whole project (models, data tests and dbt unit tests) on a hand-built
warehouse, on DuckDB and on PostgreSQL, with the best-package mart checked against an
independent Decimal computation and row for row across the two backends, and EVERY mart of the
manifest (non-empty on this fixture) compared across them by row count and per-column
checksums."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pyarrow as pa
import pytest

from tests.dbt.builds import dbt_build, duckdb_settings
from tests.dbt.fixture_data import OBSERVED_ON, RATE_DATE, convert_minor, land_fixture
from tests.dbt.parity import differences, exposed_models, mart_checksums, mart_names
from wayra.settings import Settings
from wayra.warehouse import Warehouse
from wayra.warehouse.dbt_runner import DBT_PROJECT_DIR, DbtRunError, run_dbt

# Both tests reuse one built DuckDB warehouse, so they must land on the same xdist worker.
pytestmark = pytest.mark.xdist_group("dbt")

MART = "fct_best_current_packages"
MART_COLUMNS = [
    "watch_id", "user_id", "observed_on", "departure_date", "return_date", "nights",
    "package_total_minor", "currency", "budget_minor", "within_budget", "fx_rate_date",
    "outbound_provider", "outbound_offer_id", "outbound_carrier", "outbound_flight_number",
    "outbound_departure_at", "outbound_arrival_at", "outbound_stops", "outbound_total_minor",
    "outbound_currency", "outbound_converted_minor",
    "inbound_provider", "inbound_offer_id", "inbound_carrier", "inbound_flight_number",
    "inbound_departure_at", "inbound_arrival_at", "inbound_stops", "inbound_total_minor",
    "inbound_currency", "inbound_converted_minor",
    "hotel_provider", "hotel_offer_id", "hotel_id", "hotel_name", "hotel_stars",
    "hotel_refundable", "hotel_total_minor", "hotel_currency", "hotel_converted_minor",
    "origin", "destination",
]  # fmt: skip


def _build(settings: Settings, work_dir: Path):
    """Land the fixture and `dbt build`; per-run target/log paths keep parallel runs apart."""
    land_fixture(Warehouse(settings))
    return dbt_build(settings, work_dir)


def _mart_rows(settings: Settings) -> list[dict]:
    warehouse = Warehouse(settings)
    table = warehouse.query_arrow(
        f"select * from {settings.warehouse_schema}.{MART} order by watch_id"
    )
    return table.to_pylist()


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory: pytest.TempPathFactory):
    work_dir = tmp_path_factory.mktemp("dbt-duckdb")
    with pytest.MonkeyPatch.context() as mp:
        settings = duckdb_settings(mp, work_dir)
        result = _build(settings, work_dir)
        # The manifest of this build names every mart (tests below enumerate them from it).
        yield settings, result, _mart_rows(settings), work_dir / "dbt-target"


def _statuses(result) -> dict[str, str]:
    return {r.node.unique_id: str(r.status) for r in result.result.results}


def test_build_runs_unit_tests_and_data_tests(duckdb_build):
    _, result, _, _ = duckdb_build
    statuses = _statuses(result)
    unit_tests = {k for k in statuses if k.startswith("unit_test.")}
    assert len(unit_tests) >= 5, unit_tests
    assert any("convert_to_watch_currency" in k for k in unit_tests)
    assert any("pick_cheapest_eligible_legs" in k for k in unit_tests)
    assert any(k.startswith("test.wayra.package_total_is_sum_of_legs") for k in statuses)
    assert set(statuses.values()) <= {"pass", "success", "no-op"}, statuses


def test_mart_has_one_row_per_active_watch_with_a_package(duckdb_build):
    _, _, rows, _ = duckdb_build
    # w-paused is not active; w-nohotel has flights but no hotel, so no complete package.
    assert [r["watch_id"] for r in rows] == ["w-eur", "w-gbp", "w-jpy", "w-multi"]
    assert list(rows[0]) == MART_COLUMNS


def test_eur_watch_gets_cheapest_eligible_package(duckdb_build):
    _, _, rows, _ = duckdb_build
    row = rows[0]
    out_gbp = convert_minor(22_000, "GBP", "EUR")
    hotel_gbp = convert_minor(30_000, "GBP", "EUR")
    # Every complete, eligible (departure, nights) combination, priced independently.
    alternatives = {
        (dt.date(2025, 7, 1), 2): convert_minor(30_000, "USD", "EUR") + 20_000 + 40_000,
        (dt.date(2025, 7, 1), 3): convert_minor(30_000, "USD", "EUR") + 18_000 + 52_000,
        (dt.date(2025, 7, 2), 2): out_gbp + 18_000 + hotel_gbp,
        (dt.date(2025, 7, 2), 3): out_gbp + convert_minor(3_000_000, "JPY", "EUR") + 61_000,
    }
    best = min(alternatives, key=alternatives.__getitem__)
    assert best == (dt.date(2025, 7, 2), 2)
    assert row == row | {
        "observed_on": OBSERVED_ON,
        "departure_date": dt.date(2025, 7, 2),
        "return_date": dt.date(2025, 7, 4),
        "nights": 2,
        "currency": "EUR",
        "outbound_offer_id": "e-out-0702-gbp",
        "outbound_total_minor": 22_000,
        "outbound_currency": "GBP",
        "outbound_converted_minor": out_gbp,
        "outbound_stops": 1,
        "inbound_offer_id": "e-in-0704",
        "inbound_converted_minor": 18_000,
        "hotel_offer_id": "h-par-0702-2n-gbp",
        "hotel_converted_minor": hotel_gbp,
        "package_total_minor": alternatives[best],
        "budget_minor": 100_000,
        "within_budget": True,
        "fx_rate_date": RATE_DATE,
    }


def test_multi_route_watch_takes_the_cheapest_route_that_meets_its_preferences(duckdb_build):
    _, _, rows, _ = duckdb_build
    (multi,) = [r for r in rows if r["watch_id"] == "w-multi"]
    # LIS: 10,000 + 30,000; MAD: 15,000 + 16,000 (its 5,000 XX flight is excluded). Only
    # m-hotel-ok is 3+ stars, refundable and within 2 km of the watch's point.
    assert multi == multi | {
        "origin": "MAD",
        "destination": "CDG",
        "outbound_offer_id": "m-out-mad",
        "inbound_offer_id": "m-in-mad",
        "hotel_offer_id": "m-hotel-ok",
        "package_total_minor": 15_000 + 16_000 + 45_000,
    }
    assert [r["origin"] for r in rows if r["watch_id"] == "w-eur"] == ["LIS"]


def test_gbp_and_jpy_watches_convert_exactly(duckdb_build):
    _, _, rows, _ = duckdb_build
    gbp, jpy = rows[1], rows[2]
    expected_gbp = {
        "outbound_offer_id": "g-out-eur",  # 2 stops allowed: the watch sets no max_stops
        "outbound_converted_minor": convert_minor(150_000, "EUR", "GBP"),
        "inbound_offer_id": "g-in-jpy",
        "inbound_converted_minor": convert_minor(260_000, "JPY", "GBP"),
        "hotel_offer_id": "h-tyo-eur",
        "hotel_converted_minor": convert_minor(70_000, "EUR", "GBP"),
        "return_date": dt.date(2025, 7, 15),
    }
    assert gbp == gbp | expected_gbp
    assert gbp["package_total_minor"] == sum(
        expected_gbp[k] for k in expected_gbp if k.endswith("_converted_minor")
    )
    assert gbp["within_budget"] is True

    expected_jpy = {
        "outbound_offer_id": "j-out-usd",
        "outbound_converted_minor": convert_minor(70_000, "USD", "JPY"),
        "inbound_offer_id": "j-in-gbp",
        "inbound_converted_minor": convert_minor(55_555, "GBP", "JPY"),
        "hotel_offer_id": "h-lis-usd",
        "hotel_converted_minor": convert_minor(50_000, "USD", "JPY"),
        "currency": "JPY",
    }
    assert jpy == jpy | expected_jpy
    assert jpy["package_total_minor"] == sum(
        expected_jpy[k] for k in expected_jpy if k.endswith("_converted_minor")
    )
    assert jpy["within_budget"] is False


def test_run_dbt_names_failed_nodes_and_restores_environment(duckdb_build, tmp_path, monkeypatch):
    settings, _, _, _ = duckdb_build
    warehouse = Warehouse(settings)
    watches = warehouse.query_arrow(f"select * from {settings.raw_schema}.operational_watches")
    bad = watches.to_pylist()
    bad[0]["cabin"] = "COACH"
    monkeypatch.setenv("WAYRA_DBT_TARGET", "sentinel")
    warehouse.replace_table("operational_watches", pa.Table.from_pylist(bad))
    try:
        with pytest.raises(DbtRunError) as excinfo:
            run_dbt(
                ["test", "--select", "stg_operational__watches",
                 "--target-path", str(tmp_path / "t"), "--log-path", str(tmp_path / "l")],
                settings,
            )  # fmt: skip
    finally:
        warehouse.replace_table("operational_watches", watches)
    assert any(
        "accepted_values_stg_operational__watches_cabin" in n for n in excinfo.value.failed_nodes
    )
    assert "accepted_values_stg_operational__watches_cabin" in str(excinfo.value)
    # The profile variables were applied only for the run.
    assert os.environ["WAYRA_DBT_TARGET"] == "sentinel"
    assert DBT_PROJECT_DIR.joinpath("dbt_project.yml").is_file()


def test_every_mart_has_rows(duckdb_build):
    """The cross-adapter comparison below is only as good as the data: no mart may be empty."""
    settings, _, _, target_dir = duckdb_build
    marts = mart_names(target_dir)
    assert {MART, "fct_best_offers", "fct_watch_savings", "fct_mrr_by_plan"} <= set(marts)
    warehouse = Warehouse(settings)
    counts = {
        mart: warehouse.scalar(f"select count(*) from {settings.warehouse_schema}.{mart}")
        for mart in marts
    }
    assert all(counts.values()), counts


def test_every_mart_has_a_consumer(duckdb_build):
    """Lineage: each mart is named by an exposure (the API, a dashboard or an ML training set)."""
    _, _, _, target_dir = duckdb_build
    assert set(mart_names(target_dir)) - exposed_models(target_dir) == set()


def test_kpis_on_the_fixture(duckdb_build):
    settings, _, _, _ = duckdb_build
    warehouse = Warehouse(settings)
    schema = settings.warehouse_schema
    # skyprov on OBSERVED_ON: every logged request but one error and one budget skip succeeded.
    (sky,) = warehouse.query_arrow(
        f"select * from {schema}.fct_provider_reliability_daily "
        "where provider = 'skyprov' and observed_on = ?",
        [OBSERVED_ON],
    ).to_pylist()
    ok, requests = sky["ok_count"], sky["requests"]
    assert requests == ok + 2 and sky["success_rate"] == ok / (ok + 1)
    assert sky["data_uptime"] == ok / requests
    # w-gbp's legs were dearer the day before; the other watches were first priced today.
    savings = {
        r["watch_id"]: r
        for r in warehouse.query_arrow(f"select * from {schema}.fct_watch_savings").to_pylist()
    }
    gbp = savings.pop("w-gbp")
    first = (
        convert_minor(160_000, "EUR", "GBP")
        + convert_minor(250_000, "JPY", "GBP")
        + convert_minor(75_000, "EUR", "GBP")
    )
    current = _mart_rows(settings)[1]["package_total_minor"]
    assert gbp["first_package_total_minor"] == first
    assert gbp["current_package_total_minor"] == current
    assert gbp["savings_share"] == (first - current) / first > 0
    assert all(r["savings_minor"] == 0 for r in savings.values())
    assert gbp["avg_savings_share"] == pytest.approx(gbp["savings_share"] / 4)


@pytest.mark.postgres
def test_postgres_marts_match_duckdb(duckdb_build, postgres_database, data_dir, monkeypatch):
    duckdb_settings, _, duckdb_rows, target_dir = duckdb_build
    monkeypatch.setenv("WAYRA_WAREHOUSE_URL", postgres_database)
    settings = Settings()
    assert settings.dbt_target == "postgres"
    _build(settings, data_dir)
    postgres_rows = _mart_rows(settings)
    assert [list(r) for r in postgres_rows] == [MART_COLUMNS] * len(duckdb_rows)
    assert postgres_rows == duckdb_rows
    # Every mart of the manifest, on the same input: row counts and per-column checksums.
    marts = mart_names(target_dir)
    assert marts == mart_names(data_dir / "dbt-target")
    mismatches = {
        mart: found
        for mart in marts
        if (
            found := differences(
                mart_checksums(duckdb_settings, mart), mart_checksums(settings, mart)
            )
        )
    }
    assert not mismatches, mismatches
