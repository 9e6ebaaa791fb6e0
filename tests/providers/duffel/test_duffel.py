"""DuffelFlightProvider against a loopback server that speaks Duffel API v2."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import secrets
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pyarrow as pa
import pytest

from data_contracts import load_contract
from wayra.domain import FLIGHT_QUOTE_SCHEMA, Cabin, FlightSearch
from wayra.money import minor_unit_exponent
from wayra.providers import duffel as duffel_module
from wayra.providers.base import FlightProvider, ProviderError
from wayra.providers.duffel import DuffelFlightProvider
from wayra.settings import Settings

from ..loopback.duffel_server import DuffelLoopback, load_body

AT = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
SEARCH = FlightSearch("LHR", "JFK", dt.date(2026, 12, 15), adults=2, cabin=Cabin.ECONOMY)
PAGES = ("offers_page_1.json", "offers_page_2.json", "offers_page_3.json")


def body_offers() -> list[dict]:
    return [offer for name in PAGES for offer in load_body(name)["data"]]


def minor(amount: str, currency: str) -> int:
    return int(Decimal(amount).scaleb(minor_unit_exponent(currency)))


@pytest.fixture
def token() -> str:
    return "duffel_test_" + secrets.token_urlsafe(24)


@pytest.fixture
def server(token):
    with DuffelLoopback(token) as srv:
        yield srv


@pytest.fixture
def provider(server, token):
    p = DuffelFlightProvider(token, server.base_url, timeout_seconds=2.0)
    yield p
    p.close()


def with_partition(rows: list[dict]) -> list[dict]:
    return [{"partition_date": r["observed_at"].date(), **r} for r in rows]


# --- configuration -----------------------------------------------------------------------
def test_from_settings(server, token):
    assert DuffelFlightProvider.from_settings(Settings(_env_file=None)) is None
    settings = Settings(
        _env_file=None,
        duffel_access_token=token,
        duffel_base_url=server.base_url,
        provider_timeout_seconds=3.0,
    )
    provider = DuffelFlightProvider.from_settings(settings)
    assert isinstance(provider, FlightProvider)
    assert provider.name == "duffel" and provider.category == "flight"
    assert token not in repr(provider)
    assert len(provider.search_flights(SEARCH, AT).rows) == len(body_offers())


# --- search ------------------------------------------------------------------------------
def test_search_follows_every_page_and_parses_every_offer(provider, server):
    response = provider.search_flights(SEARCH, AT)
    offers = body_offers()
    request_id = load_body("offer_request_created.json")["data"]["id"]

    assert response.status == "ok" and response.provider == "duffel"
    assert response.request_id == request_id
    assert [r["offer_id"] for r in response.rows] == ["duffel:" + o["id"] for o in offers]
    for row, offer in zip(response.rows, offers, strict=True):
        assert row["total_minor"] == minor(offer["total_amount"], offer["total_currency"])
        assert row["currency"] == offer["total_currency"]
        assert row["carrier"] == offer["owner"]["iata_code"]
        segments = offer["slices"][0]["segments"]
        first = segments[0]
        assert row["flight_number"] == (
            first["marketing_carrier"]["iata_code"] + first["marketing_carrier_flight_number"]
        )
        assert row["stops"] == len(segments) - 1
        assert row["request_id"] == request_id and row["observed_at"] == AT
        assert row["cabin"] == "ECONOMY" and row["adults"] == 2
        assert row["seats_left"] is None
        assert len(row["payload_hash"]) == 64

    # One offer request, then one GET per page, each cursor taken from the previous page.
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/air/offer_requests"),
        ("GET", "/air/offers"),
        ("GET", "/air/offers"),
        ("GET", "/air/offers"),
    ]
    cursors = [r.query.get("after", [None])[0] for r in server.requests[1:]]
    assert cursors == [None] + [load_body(p)["meta"]["after"] for p in PAGES[:-1]]
    assert all(r.query["offer_request_id"] == [request_id] for r in server.requests[1:])


def test_offer_request_is_shaped_like_duffels(provider, server):
    provider.search_flights(
        FlightSearch("LHR", "JFK", dt.date(2026, 12, 15), adults=3, cabin=Cabin.PREMIUM_ECONOMY),
        AT,
    )
    post = server.requests[0]
    assert post.query == {"return_offers": ["false"]}
    assert post.body == {
        "data": {
            "slices": [{"origin": "LHR", "destination": "JFK", "departure_date": "2026-12-15"}],
            "passengers": [{"type": "adult"}] * 3,
            "cabin_class": "premium_economy",
        }
    }
    assert post.headers["duffel-version"] == "v2"
    assert post.headers["accept-encoding"] == "gzip"
    assert post.headers["authorization"].startswith("Bearer ")


def test_local_times_become_utc_with_the_airport_zone(provider):
    rows = {r["offer_id"]: r for r in provider.search_flights(SEARCH, AT).rows}
    for offer in body_offers():
        segments = offer["slices"][0]["segments"]
        first, last = segments[0], segments[-1]
        dep = dt.datetime.fromisoformat(first["departing_at"]).replace(
            tzinfo=ZoneInfo(first["origin"]["time_zone"])
        )
        arr = dt.datetime.fromisoformat(last["arriving_at"]).replace(
            tzinfo=ZoneInfo(last["destination"]["time_zone"])
        )
        row = rows["duffel:" + offer["id"]]
        assert row["departure_at"] == dep and row["departure_at"].tzinfo == dt.UTC
        assert row["arrival_at"] == arr and row["arrival_at"].tzinfo == dt.UTC
        assert row["duration_minutes"] == (arr - dep).total_seconds() // 60
    # LHR -> JFK in December: 08:25 London (UTC+0), 11:20 New York (UTC-5).
    ba = rows["duffel:off_0000AbCdEfGhIjKlMn0001"]
    assert ba["departure_at"] == dt.datetime(2026, 12, 15, 8, 25, tzinfo=dt.UTC)
    assert ba["arrival_at"] == dt.datetime(2026, 12, 15, 16, 20, tzinfo=dt.UTC)


def test_rows_pass_the_flight_contract(provider):
    rows = provider.search_flights(SEARCH, AT).rows
    table = pa.Table.from_pylist(with_partition(rows), schema=FLIGHT_QUOTE_SCHEMA)
    result = load_contract("flight_quotes").validate(table)
    assert result.quarantined.num_rows == 0
    assert result.valid.num_rows == len(body_offers())


def test_page_cap_stops_runaway_pagination(provider, server, monkeypatch):
    monkeypatch.setattr(duffel_module, "MAX_PAGES", 2)
    rows = provider.search_flights(SEARCH, AT).rows
    assert len(server.requests) == 3
    assert len(rows) == sum(len(load_body(p)["data"]) for p in PAGES[:2])


def test_failure_mid_pagination_fails_the_search(provider, server):
    # The offer request and first page succeed; the second page fails.
    server.fail_next(status=503, body={"errors": [{"message": "upstream busy"}]}, after=2)
    with pytest.raises(ProviderError) as info:
        provider.search_flights(SEARCH, AT)
    assert info.value.retryable
    assert len(server.requests) == 3


# --- auth --------------------------------------------------------------------------------
def test_bad_token_is_rejected_and_not_retryable(server):
    wrong = DuffelFlightProvider("duffel_test_wrong", server.base_url, timeout_seconds=2.0)
    with pytest.raises(ProviderError) as info:
        wrong.search_flights(SEARCH, AT)
    assert not info.value.retryable
    assert "credentials rejected" in str(info.value)
    assert info.value.status == 401


def test_server_requires_version_header_like_duffel(server, token):
    response = httpx.post(
        server.base_url + "/air/offer_requests",
        headers={"Authorization": f"Bearer {token}"},
        json={"data": {}},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "unsupported_version"
    response = httpx.get(server.base_url + "/air/offers", headers={"Duffel-Version": "v2"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["type"] == "authentication_error"


# --- errors ------------------------------------------------------------------------------
def test_429_is_retryable_with_retry_after(provider, server):
    server.fail_next(status=429, body=load_body("error_429.json"), headers={"Retry-After": "7"})
    with pytest.raises(ProviderError) as info:
        provider.search_flights(SEARCH, AT)
    assert info.value.retryable
    assert info.value.retry_after == 7


def test_429_falls_back_to_duffels_ratelimit_reset(provider, server):
    reset = email.utils.format_datetime(
        dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30), usegmt=True
    )
    server.fail_next(
        status=429,
        body=load_body("error_429.json"),
        headers={"ratelimit-limit": "120", "ratelimit-remaining": "0", "ratelimit-reset": reset},
    )
    with pytest.raises(ProviderError) as info:
        provider.search_flights(SEARCH, AT)
    assert info.value.retryable
    assert 25 <= info.value.retry_after <= 31


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retryable(provider, server, status):
    server.fail_next(status=status, body={"errors": [{"message": "internal", "code": "x"}]})
    with pytest.raises(ProviderError) as info:
        provider.search_flights(SEARCH, AT)
    assert info.value.retryable


@pytest.mark.parametrize("status", [400, 422])
def test_4xx_is_not_retryable_and_carries_duffels_message(provider, server, status):
    body = load_body("error_validation.json")
    server.fail_next(status=status, body=body)
    with pytest.raises(ProviderError) as info:
        provider.search_flights(SEARCH, AT)
    assert not info.value.retryable
    assert body["errors"][0]["message"] in str(info.value)
    assert info.value.code == body["errors"][0]["code"]


def test_timeout_is_retryable(server, token):
    quick = DuffelFlightProvider(token, server.base_url, timeout_seconds=0.2)
    server.fail_next(delay=0.6)
    with pytest.raises(ProviderError) as info:
        quick.search_flights(SEARCH, AT)
    assert info.value.retryable
    assert "timed out" in str(info.value)


def test_connection_refused_is_retryable(token):
    with DuffelLoopback(token) as srv:
        url = srv.base_url
    closed = DuffelFlightProvider(token, url, timeout_seconds=1.0)
    with pytest.raises(ProviderError) as info:
        closed.search_flights(SEARCH, AT)
    assert info.value.retryable


def test_secrets_never_reach_logs_or_errors(server, token, caplog):
    caplog.set_level(logging.DEBUG)
    provider = DuffelFlightProvider(token, server.base_url, timeout_seconds=0.3)
    echo = {"errors": [{"message": f"token {token} is malformed", "code": "bad"}]}
    failures = [
        dict(status=400, body=echo),
        dict(status=500, body=echo),
        dict(status=401, body=echo),
        dict(status=429, body=echo, headers={"Retry-After": "1"}),
        dict(delay=0.5),
    ]
    messages = []
    for failure in failures:
        server.fail_next(**failure)
        with pytest.raises(ProviderError) as info:
            provider.search_flights(SEARCH, AT)
        messages.append(str(info.value))
        messages.append(repr(info.value))
    provider.search_flights(SEARCH, AT)
    provider.reprice("duffel:off_0000AbCdEfGhIjKlMn0001", AT)
    assert caplog.records, "the connector should log its calls"
    assert all(token not in m for m in messages)
    assert token not in caplog.text
    assert all(token not in str(r.args) for r in caplog.records)


# --- reprice / book / cancel -------------------------------------------------------------
def test_reprice_returns_the_refreshed_price(provider, server):
    single = load_body("offer_single.json")["data"]
    offer_id = "duffel:" + single["id"]
    searched = next(
        r for r in provider.search_flights(SEARCH, AT).rows if r["offer_id"] == offer_id
    )
    result = provider.reprice(offer_id, AT)
    assert result.available and result.offer_id == offer_id
    assert result.total_minor == minor(single["total_amount"], single["total_currency"])
    assert result.currency == single["total_currency"]
    assert result.total_minor != searched["total_minor"]
    assert server.requests[-1].path == f"/air/offers/{single['id']}"


def test_reprice_of_a_gone_offer_is_unavailable(provider, server):
    server.gone_offer_ids.add("off_gone")
    result = provider.reprice("duffel:off_gone", AT)
    assert not result.available and result.reason == "unknown_offer"
    assert not provider.reprice("duffel:off_never_existed", AT).available


def test_reprice_rejects_foreign_offer_ids(provider):
    with pytest.raises(ProviderError):
        provider.reprice("sim_flight_gds:F|LHR|JFK", AT)


def test_book_and_cancel_are_not_implemented_yet(provider):
    with pytest.raises(NotImplementedError, match="not implemented"):
        provider.book("duffel:off_x", AT, "key-1")
    with pytest.raises(NotImplementedError, match="not implemented"):
        provider.cancel("ord_x", AT)
