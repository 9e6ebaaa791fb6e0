"""Cross-provider validation: one provider deliberately quotes +50% on some items; exactly those
quotes are the anomalies (with their reason), reliability is scored per provider and day, and
DuckDB and PostgreSQL build identical marts."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from pathlib import Path

import pytest

from tests.dbt.builds import dbt_build, duckdb_settings, sorted_rows
from tests.dbt.fixture_data import (
    CROSS_OFF_PROVIDER,
    convert_minor,
    cross_flights,
    cross_hotels,
    cross_is_off,
    cross_request_counts,
    land_cross_provider,
)
from wayra.settings import Settings
from wayra.warehouse import Warehouse

pytestmark = pytest.mark.xdist_group("cross_provider")

MARTS = {
    "fct_quote_anomalies": "quote_kind, provider, offer_id, observed_at",
    "fct_provider_reliability_daily": "provider, observed_on",
}
SELECT = ["--select", "+fct_quote_anomalies", "+fct_provider_reliability_daily"]


def _dbt(settings: Settings, work_dir: Path) -> None:
    dbt_build(settings, work_dir, *SELECT)


def _rows(settings: Settings, mart: str) -> list[dict]:
    return sorted_rows(settings, mart, MARTS[mart])


@pytest.fixture(scope="module")
def cross_build(tmp_path_factory: pytest.TempPathFactory):
    work_dir = tmp_path_factory.mktemp("cross-provider")
    with pytest.MonkeyPatch.context() as mp:
        settings = duckdb_settings(mp, work_dir)
        land_cross_provider(Warehouse(settings))
        _dbt(settings, work_dir)
        yield settings, {mart: _rows(settings, mart) for mart in MARTS}


def _item(row: dict) -> tuple:
    if "flight_number" in row:
        return ("flight", row["origin"], row["destination"], row["departure_date"],
                row["carrier"], row["flight_number"], row["cabin"], row["adults"])  # fmt: skip
    return ("hotel", row["city_code"], row["hotel_id"], row["check_in"], row["nights"],
            row["adults"], row["room_type"], row["refundable"])  # fmt: skip


def _expected_anomalies() -> dict[tuple, str]:
    """Independent computation: (provider, offer_id, day) -> reason, for deviations > 25%."""
    quotes = cross_flights() + cross_hotels()
    cheapest: dict[tuple, dict[str, int]] = defaultdict(dict)
    for q in quotes:
        eur = convert_minor(q["total_minor"], q["currency"], "EUR")
        q["eur"] = eur
        best = cheapest[_item(q), q["partition_date"]]
        best[q["provider"]] = min(best.get(q["provider"], eur), eur)
    expected = {}
    for q in quotes:
        others = [p for prov, p in cheapest[_item(q), q["partition_date"]].items()
                  if prov != q["provider"]]  # fmt: skip
        if not others:
            continue
        consensus = float(statistics.median(others))
        deviation = (float(q["eur"]) - consensus) / consensus
        if abs(deviation) <= 0.25:
            continue
        pct = math.floor(abs(deviation) * 100 + 0.5)
        cents = math.floor(consensus + 0.5)
        n = len(others)
        expected[q["provider"], q["offer_id"], q["partition_date"]] = (
            f"price {pct}% {'above' if deviation > 0 else 'below'} the consensus of {n} other "
            f"provider{'' if n == 1 else 's'} (EUR {q['eur'] // 100}.{q['eur'] % 100:02d} "
            f"vs {cents // 100}.{cents % 100:02d})"
        )
    return expected


def test_the_off_provider_quotes_are_exactly_the_anomalies(cross_build):
    _, marts = cross_build
    anomalies = marts["fct_quote_anomalies"]
    got = {(r["provider"], r["offer_id"], r["observed_on"]): r["reason"] for r in anomalies}
    # Built from the fixture's own plan: delta's deliberately +50% items, nothing else.
    planted = set()
    for kind, quotes, prefix in (("flight", cross_flights(), "x"), ("hotel", cross_hotels(), "y")):
        for q in quotes:
            index = int(q["offer_id"].rsplit(prefix, 1)[1])
            if cross_is_off(kind, index, q["partition_date"], q["provider"]):
                planted.add((q["provider"], q["offer_id"], q["partition_date"]))
    assert planted and set(got) == planted
    assert got == _expected_anomalies()
    for row in anomalies:
        assert row["provider"] == CROSS_OFF_PROVIDER
        assert 0.4 < row["deviation"] < 0.6
        assert "% above the consensus of 3 other providers (EUR " in row["reason"]


def test_reliability_excludes_skipped_requests_and_scores_in_range(cross_build):
    _, marts = cross_build
    rows = marts["fct_provider_reliability_daily"]
    assert len(rows) == 4 * 4
    for r in rows:
        ok, error, budget, circuit = cross_request_counts(r["provider"], r["observed_on"])
        assert (r["requests"], r["ok_count"], r["error_count"], r["skipped_count"]) == (
            ok + error + budget + circuit,
            ok,
            error,
            budget + circuit,
        )
        assert r["success_rate"] == ok / (ok + error)
        assert 1 <= r["mean_attempts"] <= 3
        assert r["latency_p50_ms"] <= r["latency_p95_ms"]
        assert 0 <= r["reliability_score"] <= 1
        assert r["anomaly_rate"] == r["anomalies"] / r["quotes"]
        assert (r["anomalies"] > 0) == (r["provider"] == CROSS_OFF_PROVIDER)
    # charlie never updates its hotel prices while the others move: the only stale provider.
    stale = {r["provider"] for r in rows if r["stale_items"]}
    assert stale == {"charlie"}
    assert all(r["comparable_items"] > 0 for r in rows if r["observed_on"] > dt.date(2025, 6, 1))


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


@pytest.mark.postgres
def test_postgres_matches_duckdb(cross_build, postgres_database, data_dir, monkeypatch):
    _, expected = cross_build
    monkeypatch.setenv("WAYRA_WAREHOUSE_URL", postgres_database)
    settings = Settings()
    assert settings.dbt_target == "postgres"
    land_cross_provider(Warehouse(settings))
    _dbt(settings, data_dir)
    for mart in MARTS:
        actual = _rows(settings, mart)
        assert len(actual) == len(expected[mart]) > 0, mart
        for got, want in zip(actual, expected[mart], strict=True):
            assert got.keys() == want.keys(), mart
            for column in want:
                assert _same(got[column], want[column]), (mart, column, got, want)
