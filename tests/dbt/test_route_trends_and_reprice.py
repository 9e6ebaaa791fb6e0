"""Route price trends and proxy re-price outcomes on a small hand-built history: the trend and
volatility equal an independent computation of their documented definitions (which only looks
backwards, so equality also proves no look-ahead), a doubling series has trend ln 2 and no
volatility, every re-price case gets its label (or is left out), and DuckDB and PostgreSQL build
the same rows."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pytest

from tests.dbt.builds import dbt_build, duckdb_settings, sorted_rows
from tests.dbt.fixture_data import (
    _flight,
    _hotel,
    _ts,
    _wobble,
    convert_minor,
    history_ecb_rows,
)
from wayra.settings import Settings
from wayra.warehouse import RAW_TABLES, Warehouse

pytestmark = pytest.mark.xdist_group("route_trends_reprice")

D = dt.date
DAYS = [D(2025, 6, 1) + dt.timedelta(days=n) for n in range(16)]
WINDOW_DAYS = 14
MARTS = {
    "fct_route_price_trends": "series_kind, route_key, observed_on",
    "fct_offer_reprice_outcomes": "quote_kind, provider, offer_id, observed_at",
    "int_offer_reprice_outcomes": "quote_kind, provider, offer_id, observed_at",
}
SELECT = ["--select", "+fct_route_price_trends", "+fct_offer_reprice_outcomes"]


# --- the history ---------------------------------------------------------------------------


def _quote(row: dict, provider: str, request_id: str, at: dt.datetime) -> dict:
    return row | {"provider": provider, "request_id": request_id, "observed_at": at}


def trend_flights() -> list[dict]:
    """LIS-CDG: two departure dates (one rising, one falling), both missing 06-09, one also
    06-12, and a second provider in GBP on some days; MAD-JFK: one series doubling daily."""
    rows = []
    for n, day in enumerate(DAYS):
        if day == D(2025, 6, 9):
            continue
        rising = 20_000 + 200 * n + _wobble("a", day) % 700
        rows.append(
            _flight("lis-cdg-0701", "LIS", "CDG", D(2025, 7, 1), rising, "EUR", partition=day)
        )
        if n % 3 == 0:  # sometimes cheaper, sometimes dearer than skyprov's price
            gbp = convert_minor(rising, "EUR", "GBP") + _wobble("g", day) % 600 - 300
            row = _flight(
                "jet-lis-cdg-0701", "LIS", "CDG", D(2025, 7, 1), gbp, "GBP", partition=day
            )
            rows.append(_quote(row, "jetprov", f"req-jet-{day}", _ts(day, 6)))
        if day != D(2025, 6, 12):
            falling = 30_000 - 150 * n + _wobble("b", day) % 900
            rows.append(
                _flight("lis-cdg-0705", "LIS", "CDG", D(2025, 7, 5), falling, "EUR", partition=day)
            )
        if n < 5:
            rows.append(
                _flight("mad-jfk", "MAD", "JFK", D(2025, 7, 10), 1_000 * 2**n, "EUR", partition=day)
            )
    return rows


def trend_hotels() -> list[dict]:
    return [
        _hotel("par-0701", "PAR", D(2025, 7, 1), 2, 40_000 + _wobble("h", day) % 5_000, "EUR",
               adults=2, partition=day)
        for day in DAYS
    ]  # fmt: skip


# Re-price cases. Flights by "repprov" (EUR) for LIS-MAD on 07-10, collected 06-01 and 06-02
# (nothing on 06-03); one search for a flight leaving 06-02; hotels by "bedrep".
FLIGHT_SEARCH = "flight:LIS-MAD:2025-07-10:1:ECONOMY"
LEAVING_SEARCH = "flight:LIS-MAD:2025-06-02:1:ECONOMY"
HOTEL_SEARCH = "hotel:PAR:2025-07-10+2:2"  # its 06-02 collection failed
GBP_HOTEL_SEARCH = "hotel:PAR:2025-07-12+2:2"


def _request(
    request_id: str,
    provider: str,
    category: str,
    day: dt.date,
    hour: int,
    search_key: str,
    status: str = "ok",
) -> dict:
    return {
        "partition_date": day,
        "provider": provider,
        "category": category,
        "request_id": request_id,
        "requested_at": _ts(day, hour),
        "search_key": search_key,
        "status": status,
        "error": None if status == "ok" else status,
        "latency_ms": 100.0,
        "attempts": 1,
        "quotes_returned": 0,
        "watches_served": 1,
    }


def reprice_requests() -> list[dict]:
    d1, d2, d3 = DAYS[:3]
    return [
        _request("rq-1", "repprov", "flight", d1, 6, FLIGHT_SEARCH),
        _request("rq-2", "repprov", "flight", d2, 6, FLIGHT_SEARCH),
        _request("rq-3", "repprov", "flight", d1, 6, LEAVING_SEARCH),
        _request("rq-4", "repprov", "flight", d2, 6, LEAVING_SEARCH),
        _request("hq-1", "bedrep", "hotel", d1, 7, HOTEL_SEARCH),
        _request("hq-2", "bedrep", "hotel", d2, 7, HOTEL_SEARCH, status="error"),
        _request("hq-3", "bedrep", "hotel", d3, 7, HOTEL_SEARCH),
        _request("hq-4", "bedrep", "hotel", d1, 7, GBP_HOTEL_SEARCH),
        _request("hq-5", "bedrep", "hotel", d2, 7, GBP_HOTEL_SEARCH),
    ]


def reprice_flights() -> list[dict]:
    d1, d2 = DAYS[:2]

    def quote(offer, day, price, request_id, departure=D(2025, 7, 10)):
        row = _flight(offer, "LIS", "MAD", departure, price, "EUR", partition=day, seats_left=4)
        return _quote(row, "repprov", request_id, _ts(day, 6))

    return [
        quote("cheaper", d1, 10_000, "rq-1"),
        quote("within", d1, 10_000, "rq-1"),
        quote("dearer", d1, 10_000, "rq-1"),
        quote("gone", d1, 9_500, "rq-1"),
        quote("broken", d1, 10_000, "rq-1"),
        quote("cheaper", d2, 9_000, "rq-2"),
        quote("within", d2, 10_040, "rq-2"),  # +0.4%: within the 0.5% tolerance
        quote("dearer", d2, 10_100, "rq-2"),  # +1%
        quote("leaving", d1, 8_000, "rq-3", departure=d2),
    ]


def reprice_hotels() -> list[dict]:
    d1, d3 = DAYS[0], DAYS[2]

    def quote(offer, day, price, currency, request_id, check_in):
        row = _hotel(offer, "PAR", check_in, 2, price, currency, adults=2, partition=day)
        return _quote(row, "bedrep", request_id, _ts(day, 7))

    return [
        quote("room-a", d1, 5_000, "EUR", "hq-1", D(2025, 7, 10)),
        quote("room-b", d1, 5_200, "EUR", "hq-1", D(2025, 7, 10)),
        quote("room-a", d3, 5_000, "EUR", "hq-3", D(2025, 7, 10)),
        # In the quote's own currency: +0.5% exactly still holds, one minor unit more does not.
        quote("gbp-room", d1, 30_000, "GBP", "hq-4", D(2025, 7, 12)),
        quote("gbp-dear", d1, 30_000, "GBP", "hq-4", D(2025, 7, 12)),
        quote("gbp-room", DAYS[1], 30_150, "GBP", "hq-5", D(2025, 7, 12)),
        quote("gbp-dear", DAYS[1], 30_151, "GBP", "hq-5", D(2025, 7, 12)),
    ]


def reprice_quarantine() -> list[dict]:
    day = DAYS[1]
    return [
        {
            "partition_date": day,
            "observed_at": _ts(day, 6),
            "feed": "flight_quotes",
            "provider": "repprov",
            "request_id": "rq-2",
            "offer_id": "broken",
            "payload_hash": "hash-broken-2",
            "rule": "total_minor_positive",
            "reason": "total_minor must be > 0",
            "row_json": "{}",
        }
    ]


EXPECTED_LABELS = {
    ("repprov", "cheaper", DAYS[0]): True,
    ("repprov", "within", DAYS[0]): True,
    ("repprov", "dearer", DAYS[0]): False,
    ("repprov", "gone", DAYS[0]): False,  # absent although the search was collected
    ("bedrep", "gbp-room", DAYS[0]): True,
    ("bedrep", "gbp-dear", DAYS[0]): False,
}
EXPECTED_UNLABELLED = {
    ("repprov", "broken", DAYS[0]): "unreadable",
    ("repprov", "cheaper", DAYS[1]): "not_recollected",  # nothing collected after 06-02
    ("repprov", "leaving", DAYS[0]): "trip_started",
    ("bedrep", "room-a", DAYS[0]): "not_recollected",  # 06-02 failed, 06-03 is 48 h later
    ("bedrep", "room-b", DAYS[0]): "not_recollected",
    ("bedrep", "room-a", DAYS[2]): "not_recollected",
    ("skyprov", "mad-jfk", DAYS[0]): "no_request_log",
}


def _table(name: str, rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=RAW_TABLES[name])


def land(warehouse: Warehouse) -> None:
    warehouse.ensure_raw_tables()
    warehouse.replace_partitions_of(
        {
            "flight_quotes": _table("flight_quotes", trend_flights() + reprice_flights()),
            "hotel_quotes": _table("hotel_quotes", trend_hotels() + reprice_hotels()),
            "ecb_rates": _table("ecb_rates", history_ecb_rows(DAYS)),
            "provider_requests": _table("provider_requests", reprice_requests()),
            "quote_quarantine": _table("quote_quarantine", reprice_quarantine()),
        },
        DAYS,
    )


# --- the independent reference -------------------------------------------------------------


def expected_trends() -> dict[tuple[str, str, dt.date], dict]:
    """The yml's definitions, computed directly from the landed rows."""
    daily: dict[tuple, dict[dt.date, int]] = defaultdict(dict)  # series -> day -> cheapest
    for row in trend_flights() + reprice_flights():
        route = ("flight", f"{row['origin']}-{row['destination']}")
        series = (*route, row["departure_date"], row["cabin"], row["adults"])
        eur = convert_minor(row["total_minor"], row["currency"], "EUR")
        day = row["partition_date"]
        daily[series][day] = min(daily[series].get(day, eur), eur)
    for row in trend_hotels() + reprice_hotels():
        series = ("hotel", row["city_code"], row["check_in"], row["nights"], row["adults"])
        eur = convert_minor(row["total_minor"], row["currency"], "EUR")
        day = row["partition_date"]
        daily[series][day] = min(daily[series].get(day, eur), eur)

    routes: dict[tuple, dict[dt.date, list]] = defaultdict(lambda: defaultdict(list))
    for series, prices in daily.items():
        for day in prices:
            routes[series[:2]][day].append(series)

    expected = {}
    for route, days in routes.items():
        returns: dict[dt.date, float] = {}
        for day in sorted(days):
            series_returns = [
                math.log(daily[s][day] / daily[s][day - dt.timedelta(days=1)])
                for s in days[day]
                if day - dt.timedelta(days=1) in daily[s]
            ]
            if series_returns:
                returns[day] = statistics.fmean(series_returns)
        for day in sorted(days):
            start = day - dt.timedelta(days=WINDOW_DAYS - 1)
            sxy = sxx = 0.0
            points = 0
            for s in days[day]:
                window = [(d, p) for d, p in daily[s].items() if start <= d <= day]
                if len(window) < 2:
                    continue
                xs = [(d - day).days for d, _ in window]
                ys = [math.log(p) for _, p in window]
                mx, my = statistics.fmean(xs), statistics.fmean(ys)
                sxy += sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
                sxx += sum((x - mx) ** 2 for x in xs)
                points += len(window)
            window_returns = [r for d, r in returns.items() if start <= d <= day]
            expected[(*route, day)] = {
                "series_count": len(days[day]),
                "trend_points": points,
                "log_price_trend_per_day": sxy / sxx if sxx > 0 else None,
                "daily_log_return": returns.get(day),
                "return_days_14d": len(window_returns),
                "log_return_volatility_14d": (
                    statistics.stdev(window_returns) if len(window_returns) >= 2 else None
                ),
            }
    return expected


# --- builds --------------------------------------------------------------------------------


def _dbt(settings: Settings, work_dir: Path) -> None:
    dbt_build(settings, work_dir, *SELECT)


def _rows(settings: Settings, model: str) -> list[dict]:
    return sorted_rows(settings, model, MARTS[model])


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory: pytest.TempPathFactory):
    work_dir = tmp_path_factory.mktemp("route-trends-reprice")
    with pytest.MonkeyPatch.context() as mp:
        settings = duckdb_settings(mp, work_dir)
        land(Warehouse(settings))
        _dbt(settings, work_dir)
        yield {model: _rows(settings, model) for model in MARTS}


def _close(a: float | None, b: float) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def test_trend_and_volatility_follow_their_definitions(duckdb_build):
    rows = duckdb_build["fct_route_price_trends"]
    expected = expected_trends()
    assert {(r["series_kind"], r["route_key"], r["observed_on"]) for r in rows} == set(expected)
    for row in rows:
        want = expected[row["series_kind"], row["route_key"], row["observed_on"]]
        for column, value in want.items():
            if isinstance(value, float):
                assert _close(row[column], value), (row, column, value)
            else:
                assert row[column] == value, (row, column, value)
    # The fixture exercises what the definitions are about: a missing day (no return the day
    # after, the window still spans calendar days) and a window that has dropped its first days.
    lis_cdg = {r["observed_on"]: r for r in rows if r["route_key"] == "LIS-CDG"}
    assert D(2025, 6, 9) not in lis_cdg and lis_cdg[D(2025, 6, 10)]["daily_log_return"] is None
    # 06-03..06-16: 13 days of the rising series (06-09 missing), 12 of the falling one.
    assert lis_cdg[DAYS[-1]]["trend_points"] == 13 + 12
    assert lis_cdg[DAYS[-1]]["log_return_volatility_14d"] > 0


def test_a_doubling_series_trends_at_ln2_without_volatility(duckdb_build):
    rows = [r for r in duckdb_build["fct_route_price_trends"] if r["route_key"] == "MAD-JFK"]
    assert [r["observed_on"] for r in rows] == DAYS[:5]
    first, *later = rows
    assert first["log_price_trend_per_day"] is None and first["daily_log_return"] is None
    for n, row in enumerate(later, start=2):
        assert row["trend_points"] == n
        assert math.isclose(row["log_price_trend_per_day"], math.log(2), rel_tol=1e-12)
        assert math.isclose(row["daily_log_return"], math.log(2), rel_tol=1e-12)
    assert later[0]["log_return_volatility_14d"] is None  # one return so far
    assert all(abs(r["log_return_volatility_14d"]) < 1e-12 for r in later[1:])
    assert [r["return_days_14d"] for r in rows] == [0, 1, 2, 3, 4]


def test_reprice_labels_each_case(duckdb_build):
    outcomes = {
        (r["provider"], r["offer_id"], r["observed_on"]): r
        for r in duckdb_build["int_offer_reprice_outcomes"]
    }
    for key, label in EXPECTED_LABELS.items():
        assert outcomes[key]["still_bookable_at_price"] is label, key
    for key, outcome in EXPECTED_UNLABELLED.items():
        assert outcomes[key]["reprice_outcome"] == outcome, key
        assert outcomes[key]["still_bookable_at_price"] is None, key
    assert outcomes["repprov", "gone", DAYS[0]]["reprice_outcome"] == "withdrawn"
    assert outcomes["repprov", "dearer", DAYS[0]]["repriced_total_minor"] == 10_100

    mart = duckdb_build["fct_offer_reprice_outcomes"]
    # Only labelled quotes reach the mart; every trend quote lacks a request log.
    labels = {
        (r["provider"], r["offer_id"], r["observed_on"]): r["still_bookable_at_price"] for r in mart
    }
    assert labels == EXPECTED_LABELS


def test_reprice_features_are_known_at_quote_time(duckdb_build):
    mart = {(r["provider"], r["offer_id"]): r for r in duckdb_build["fct_offer_reprice_outcomes"]}
    cheaper = mart["repprov", "cheaper"]
    assert cheaper == cheaper | {
        "days_to_departure": 39,
        "inventory_left": 4,
        "fare_bucket": "Y",
        "is_promotion": False,
        "stops": 0,
        "series_min_7d_eur_minor": 9_500,  # "gone" was the series' cheapest that morning
        "observation_weekday": 7,
        "repriced_at": _ts(DAYS[1], 6),
    }
    assert math.isclose(cheaper["price_vs_series_min_7d"], 10_000 / 9_500)
    room = mart["bedrep", "gbp-room"]
    assert room["fare_bucket"] is None and room["is_refundable"] is True
    assert room["price_eur_minor"] == convert_minor(30_000, "GBP", "EUR")
    assert room["price_vs_series_min_7d"] == 1.0


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


@pytest.mark.postgres
def test_postgres_matches_duckdb(duckdb_build, postgres_database, data_dir, monkeypatch):
    monkeypatch.setenv("WAYRA_WAREHOUSE_URL", postgres_database)
    settings = Settings()
    assert settings.dbt_target == "postgres"
    land(Warehouse(settings))
    _dbt(settings, data_dir)
    for model, expected in duckdb_build.items():
        actual = _rows(settings, model)
        assert len(actual) == len(expected) > 0, model
        for got, want in zip(actual, expected, strict=True):
            assert got.keys() == want.keys(), model
            for column in want:
                assert _same(got[column], want[column]), (model, column, got, want)
