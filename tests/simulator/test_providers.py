"""Provider profiles: markup, currency, staleness, request errors and corrupted rows."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa
import pytest

from wayra.domain import FLIGHT_QUOTE_SCHEMA, HOTEL_QUOTE_SCHEMA, FlightSearch, HotelSearch
from wayra.money import ecb_rate
from wayra.providers import (
    DEFAULT_SIMULATED_PROFILES,
    FlightProvider,
    HotelProvider,
    ProviderError,
    SimulatedFlightProvider,
    SimulatedProviderProfile,
    default_simulated_providers,
)
from wayra.simulator import MarketSimulator

from .helpers import (
    FLIGHT_COLUMNS,
    HOTEL_COLUMNS,
    ROUTES,
    at_utc,
    valid_flight_row,
    valid_hotel_row,
)

CITIES = ["LON", "PAR", "NYC", "TYO", "BCN", "FRA", "PRG", "SYD"]


def flight_requests(n_days: int = 30):
    for i, (o, d) in enumerate(ROUTES):
        dep = dt.date(2025, 6, 1) + dt.timedelta(days=3 * i)
        for k in range(n_days):
            yield (
                FlightSearch(o, d, dep, adults=1 + k % 2),
                at_utc(dep - dt.timedelta(days=70 - 2 * k), hour=k % 24),
            )


def hotel_requests(n_days: int = 30):
    for i, c in enumerate(CITIES):
        check_in = dt.date(2025, 6, 1) + dt.timedelta(days=5 * i)
        for k in range(n_days):
            search = HotelSearch(c, check_in, nights=1 + k % 4, adults=2)
            yield search, at_utc(check_in - dt.timedelta(days=62 - 2 * k), hour=k % 24)


def as_eur(row: dict) -> float:
    rate = float(ecb_rate(row["currency"], row["observed_at"].date()).units_per_eur)
    exponent = 0 if row["currency"] == "JPY" else 2
    return row["total_minor"] / 10**exponent / rate


def test_default_profiles_and_protocols():
    assert [p.name for p in DEFAULT_SIMULATED_PROFILES] == [
        "sim_flight_gds",
        "sim_flight_ota",
        "sim_hotel_direct",
        "sim_hotel_ota",
    ]
    providers = default_simulated_providers(seed=1)
    assert set(providers) == {p.name for p in DEFAULT_SIMULATED_PROFILES}
    assert len({id(p.simulator) for p in providers.values()}) == 1
    assert isinstance(providers["sim_flight_gds"], FlightProvider)
    assert isinstance(providers["sim_hotel_ota"], HotelProvider)
    assert providers["sim_flight_ota"].category == "flight"
    with pytest.raises(ValueError):
        SimulatedFlightProvider(DEFAULT_SIMULATED_PROFILES[2], MarketSimulator(1))


def test_rows_match_the_raw_schemas():
    providers = default_simulated_providers(seed=2)
    at = at_utc(dt.date(2025, 5, 1))
    flights = providers["sim_flight_gds"].search_flights(
        FlightSearch("LHR", "JFK", dt.date(2025, 6, 3), adults=2), at
    )
    hotels = providers["sim_hotel_direct"].search_hotels(
        HotelSearch("PAR", dt.date(2025, 6, 3), 3, 2), at
    )
    assert flights.status == hotels.status == "ok"
    assert flights.rows and hotels.rows
    for resp, columns, schema in (
        (flights, FLIGHT_COLUMNS, FLIGHT_QUOTE_SCHEMA),
        (hotels, HOTEL_COLUMNS, HOTEL_QUOTE_SCHEMA),
    ):
        for row in resp.rows:
            assert set(row) == columns
            assert row["observed_at"] == at
            assert row["request_id"] == resp.request_id
            assert len(row["payload_hash"]) == 64
        pruned = pa.schema([f for f in schema if f.name != "partition_date"])
        pa.Table.from_pylist(resp.rows, schema=pruned)  # types fit the contract
    assert all(r["currency"] == "GBP" and r["adults"] == 2 for r in flights.rows)
    assert all(r["currency"] == "EUR" and r["nights"] == 3 for r in hotels.rows)
    assert len({r["payload_hash"] for r in hotels.rows}) == len(hotels.rows)


def test_providers_disagree_and_the_ota_markup_shows():
    providers = default_simulated_providers(seed=3)
    gds, ota = providers["sim_flight_gds"], providers["sim_flight_ota"]
    ratios = []
    for search, at in flight_requests(10):
        a = {r["flight_number"]: r for r in gds.search_flights(search, at).rows}
        for r in ota.search_flights(search, at).rows:
            if r["flight_number"] in a and valid_flight_row(r):
                assert r["currency"] == "USD"
                ratios.append(as_eur(r) / as_eur(a[r["flight_number"]]))
    ratios = np.array(ratios)
    assert len(ratios) > 300
    assert np.mean(np.abs(ratios - 1) > 0.005) > 0.9  # they (almost) never agree exactly
    # 5% markup plus 6h-stale cache noise around it
    assert 1.03 < np.median(ratios) < 1.07
    assert np.mean(ratios) > 1.02


def test_malformed_rows_at_the_configured_rate_and_the_rest_valid():
    providers = default_simulated_providers(seed=4)
    for name, kind, requests, valid in (
        ("sim_flight_ota", "flight", flight_requests(60), valid_flight_row),
        ("sim_hotel_ota", "hotel", hotel_requests(40), valid_hotel_row),
    ):
        provider = providers[name]
        rows = []
        for search, at in requests:
            resp = (
                provider.search_flights(search, at)
                if kind == "flight"
                else provider.search_hotels(search, at)
            )
            rows += resp.rows
        n = len(rows)
        bad = sum(not valid(r) for r in rows)
        rate = provider.profile.malformed_rate
        sigma = math.sqrt(n * rate * (1 - rate))
        assert n > 1000
        assert abs(bad - n * rate) < 4 * sigma + 1, (name, bad, n)
        kinds = {
            "total": sum(r["total_minor"] is not None and r["total_minor"] <= 0 for r in rows),
            "currency": sum(r["currency"] in ("XXX", "EURO", None) for r in rows),
            "missing": sum(r["offer_id"] is None for r in rows),
        }
        assert all(v > 0 for v in kinds.values()), kinds

    # the reliable profiles never corrupt a row
    for search, at in flight_requests(10):
        assert all(
            map(valid_flight_row, providers["sim_flight_gds"].search_flights(search, at).rows)
        )
    for search, at in hotel_requests(10):
        assert all(
            map(valid_hotel_row, providers["sim_hotel_direct"].search_hotels(search, at).rows)
        )


def test_request_errors_at_the_configured_rate():
    providers = default_simulated_providers(seed=5)
    outcomes = {"sim_flight_ota": [], "sim_flight_gds": []}
    for name in outcomes:
        for search, at in flight_requests(60):
            resp = providers[name].search_flights(search, at)
            outcomes[name].append(resp.status)
            if resp.status == "error":
                assert resp.rows == [] and resp.error
            assert resp.latency_ms > 0
    n = len(outcomes["sim_flight_ota"])
    errors = outcomes["sim_flight_ota"].count("error")
    assert abs(errors - 0.02 * n) < 4 * math.sqrt(n * 0.02 * 0.98) + 1
    assert outcomes["sim_flight_gds"].count("error") == 0


def _history(seed: int, reverse: bool = False) -> list:
    providers = default_simulated_providers(seed)
    work = [("f", s, at) for s, at in flight_requests(8)] + [
        ("h", s, at) for s, at in hotel_requests(6)
    ]
    if reverse:
        work = work[::-1]
    out = {}
    for kind, search, at in work:
        for name in (
            ("sim_flight_gds", "sim_flight_ota")
            if kind == "f"
            else ("sim_hotel_direct", "sim_hotel_ota")
        ):
            p = providers[name]
            resp = p.search_flights(search, at) if kind == "f" else p.search_hotels(search, at)
            out[(name, search, at)] = (resp.request_id, resp.status, resp.latency_ms, resp.rows)
    return [out[k] for k in sorted(out, key=repr)]


def test_a_seed_reproduces_history_and_query_order_does_not_matter():
    first = _history(seed=7)
    assert first == _history(seed=7)
    assert first == _history(seed=7, reverse=True)
    other = _history(seed=8)
    differing = sum(a[3] != b[3] for a, b in zip(first, other, strict=True))
    assert differing > 0.8 * len(first)


def test_jpy_quotes_are_whole_yen():
    providers = default_simulated_providers(seed=6)
    at = at_utc(dt.date(2025, 4, 1))
    resp = providers["sim_flight_gds"].search_flights(
        FlightSearch("NRT", "SIN", dt.date(2025, 5, 20)), at
    )
    rate = float(ecb_rate("JPY", at.date()).units_per_eur)
    market = {
        o.flight_number: o
        for o in providers["sim_flight_gds"].simulator.flight_offers(
            FlightSearch("NRT", "SIN", dt.date(2025, 5, 20)), at
        )
    }
    assert resp.rows
    for row in resp.rows:
        assert row["currency"] == "JPY" and type(row["total_minor"]) is int
        expected = market[row["flight_number"]].total_minor / 100 * rate
        assert abs(row["total_minor"] - expected) <= 0.5 + 1e-9  # rounded to whole yen
        assert row["total_minor"] > 5000  # yen, not hundredths of a yen
    hotel = providers["sim_hotel_direct"].search_hotels(
        HotelSearch("TYO", dt.date(2025, 5, 20), 2), at
    )
    assert hotel.rows and all(
        r["currency"] == "JPY" and r["total_minor"] > 5000 for r in hotel.rows
    )


def test_custom_profile_with_fixed_currency_and_markup():
    market = MarketSimulator(seed=12)
    plain = SimulatedFlightProvider(
        SimulatedProviderProfile("plain", "flight", quote_currency="EUR"), market
    )
    marked = SimulatedFlightProvider(
        SimulatedProviderProfile("marked", "flight", markup=0.10, quote_currency="EUR"), market
    )
    search, at = FlightSearch("MAD", "LIS", dt.date(2025, 9, 9)), at_utc(dt.date(2025, 8, 1))
    a = {r["flight_number"]: r["total_minor"] for r in plain.search_flights(search, at).rows}
    b = {r["flight_number"]: r["total_minor"] for r in marked.search_flights(search, at).rows}
    assert a and a.keys() == b.keys()
    for k in a:
        assert b[k] == pytest.approx(a[k] * 1.10, abs=1)
    with pytest.raises(ProviderError) as err:
        marked.reprice("plain:F|MAD|LIS|2025-09-09|XX1|ECONOMY|1", at)
    assert err.value.retryable is False
