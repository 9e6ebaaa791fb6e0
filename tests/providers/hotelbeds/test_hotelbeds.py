"""HotelbedsHotelProvider against a loopback server that speaks the APItude Booking API."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from decimal import Decimal

import pyarrow as pa
import pytest

from data_contracts import load_contract
from wayra.domain import HOTEL_QUOTE_SCHEMA, HotelSearch
from wayra.money import minor_unit_exponent
from wayra.providers.base import HotelProvider, ProviderError
from wayra.providers.hotelbeds import HotelbedsHotelProvider, signature
from wayra.settings import Settings

from ..loopback.hotelbeds_server import HotelbedsLoopback, documented_signature, load_body

AT = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
SEARCH = HotelSearch("BCN", dt.date(2026, 12, 15), nights=3, adults=2)
API = "/hotel-api/1.0"


def body_rates() -> list[tuple[dict, dict, dict]]:
    return [
        (hotel, room, rate)
        for hotel in load_body("availability.json")["hotels"]["hotels"]
        for room in hotel["rooms"]
        for rate in room["rates"]
    ]


def minor(amount: str, currency: str) -> int:
    return int(Decimal(amount).scaleb(minor_unit_exponent(currency)))


def expected_amount(rate: dict) -> str:
    # The documented choice: a binding (hotelMandatory) sellingRate, else the net.
    if rate.get("hotelMandatory") and "sellingRate" in rate:
        return rate["sellingRate"]
    return rate["net"]


@pytest.fixture
def credentials() -> tuple[str, str]:
    return "hbkey" + secrets.token_hex(12), "hbsecret" + secrets.token_hex(12)


@pytest.fixture
def server(credentials):
    with HotelbedsLoopback(*credentials) as srv:
        yield srv


@pytest.fixture
def provider(server, credentials):
    p = HotelbedsHotelProvider(*credentials, server.base_url, timeout_seconds=2.0)
    yield p
    p.close()


def with_partition(rows: list[dict]) -> list[dict]:
    return [{"partition_date": r["observed_at"].date(), **r} for r in rows]


# --- configuration -----------------------------------------------------------------------
def test_from_settings(server, credentials):
    key, secret = credentials
    assert HotelbedsHotelProvider.from_settings(Settings(_env_file=None)) is None
    assert (
        HotelbedsHotelProvider.from_settings(Settings(_env_file=None, hotelbeds_api_key=key))
        is None
    )
    provider = HotelbedsHotelProvider.from_settings(
        Settings(
            _env_file=None,
            hotelbeds_api_key=key,
            hotelbeds_secret=secret,
            hotelbeds_base_url=server.base_url,
        )
    )
    assert isinstance(provider, HotelProvider)
    assert provider.name == "hotelbeds" and provider.category == "hotel"
    assert secret not in repr(provider)
    assert len(provider.search_hotels(SEARCH, AT).rows) == len(body_rates())


# --- search ------------------------------------------------------------------------------
def test_search_returns_one_row_per_rate(provider):
    response = provider.search_hotels(SEARCH, AT)
    expected = body_rates()
    assert response.status == "ok" and response.provider == "hotelbeds"
    assert response.request_id == load_body("availability.json")["auditData"]["token"]
    assert len(response.rows) == len(expected)
    for row, (hotel, room, rate) in zip(response.rows, expected, strict=True):
        assert row["offer_id"] == "hotelbeds:" + rate["rateKey"]
        assert row["total_minor"] == minor(expected_amount(rate), hotel["currency"])
        assert row["currency"] == hotel["currency"]
        assert row["hotel_id"] == str(hotel["code"])
        assert row["hotel_name"] == hotel["name"]
        assert row["latitude"] == float(hotel["latitude"])
        assert row["longitude"] == float(hotel["longitude"])
        assert row["distance_km"] is None
        assert row["room_type"] == room["code"]
        assert row["refundable"] == (rate["rateClass"] != "NRF")
        assert row["rooms_left"] == rate["allotment"]
        assert (row["check_in"], row["check_out"], row["nights"]) == (
            SEARCH.check_in,
            SEARCH.check_out,
            3,
        )
        assert row["city_code"] == "BCN" and row["adults"] == 2
        assert len(row["payload_hash"]) == 64


def test_binding_selling_rate_wins_and_advisory_one_does_not(provider):
    rows = {r["offer_id"]: r for r in provider.search_hotels(SEARCH, AT).rows}
    binding = [r for _, _, r in body_rates() if r.get("hotelMandatory")]
    advisory = [r for _, _, r in body_rates() if "sellingRate" in r and not r["hotelMandatory"]]
    assert binding and advisory, "the bodies should exercise both cases"
    for rate in binding:
        assert rows["hotelbeds:" + rate["rateKey"]]["total_minor"] == minor(
            rate["sellingRate"], "EUR"
        )
    for rate in advisory:
        assert rows["hotelbeds:" + rate["rateKey"]]["total_minor"] == minor(rate["net"], "EUR")


def test_stars_come_from_the_category(provider):
    stars = {r["hotel_id"]: r["stars"] for r in provider.search_hotels(SEARCH, AT).rows}
    # 5LUX, 4EST, HS3 (a three-star hostal)
    assert stars == {"1533": 5, "87634": 4, "6832": 3}


def test_request_is_shaped_like_hotelbeds(provider, server):
    provider.search_hotels(SEARCH, AT)
    req = server.requests[0]
    assert (req.method, req.path) == ("POST", f"{API}/hotels")
    assert req.body == {
        "stay": {"checkIn": "2026-12-15", "checkOut": "2026-12-18"},
        "occupancies": [{"rooms": 1, "adults": 2, "children": 0}],
        "destination": {"code": "BCN"},
    }
    assert req.headers["accept"] == "application/json"
    assert req.headers["accept-encoding"] == "gzip"


def test_rows_pass_the_hotel_contract(provider):
    rows = provider.search_hotels(SEARCH, AT).rows
    table = pa.Table.from_pylist(with_partition(rows), schema=HOTEL_QUOTE_SCHEMA)
    result = load_contract("hotel_quotes").validate(table)
    assert result.quarantined.num_rows == 0
    assert result.valid.num_rows == len(body_rates())


def test_no_availability_is_an_empty_ok_answer(provider):
    response = provider.search_hotels(HotelSearch("OPO", dt.date(2026, 12, 15), 2), AT)
    assert response.status == "ok" and response.rows == []


# --- auth --------------------------------------------------------------------------------
def test_signature_is_the_documented_algorithm(server, credentials):
    key, secret = credentials
    fixed = 1_795_000_000
    provider = HotelbedsHotelProvider(key, secret, server.base_url, clock=lambda: fixed)
    server.clock = lambda: fixed
    provider.search_hotels(SEARCH, AT)
    headers = server.requests[-1].headers
    assert headers["api-key"] == key
    assert headers["x-signature"] == documented_signature(key, secret, fixed)
    assert signature(key, secret, fixed) == documented_signature(key, secret, fixed)
    assert secret not in str(headers)


def test_bad_secret_is_rejected_and_not_retryable(server, credentials):
    key, _ = credentials
    wrong = HotelbedsHotelProvider(key, "not-the-secret", server.base_url, timeout_seconds=2.0)
    with pytest.raises(ProviderError) as info:
        wrong.search_hotels(SEARCH, AT)
    assert not info.value.retryable
    assert "credentials rejected" in str(info.value)


def test_unknown_api_key_is_rejected(server, credentials):
    _, secret = credentials
    wrong = HotelbedsHotelProvider("someone-else", secret, server.base_url, timeout_seconds=2.0)
    with pytest.raises(ProviderError) as info:
        wrong.search_hotels(SEARCH, AT)
    assert not info.value.retryable and info.value.status == 401


@pytest.mark.parametrize(("skew", "accepted"), [(-120, True), (120, True), (-900, False)])
def test_clock_skew_tolerance(server, credentials, skew, accepted):
    provider = HotelbedsHotelProvider(
        *credentials, server.base_url, clock=lambda: time.time() + skew
    )
    if accepted:
        assert provider.search_hotels(SEARCH, AT).rows
    else:
        with pytest.raises(ProviderError, match="credentials rejected"):
            provider.search_hotels(SEARCH, AT)


# --- errors ------------------------------------------------------------------------------
def test_429_is_retryable_with_retry_after(provider, server):
    server.fail_next(
        status=429,
        body={"error": {"code": "TOO_MANY", "message": "slow"}},
        headers={"Retry-After": "3"},
    )
    with pytest.raises(ProviderError) as info:
        provider.search_hotels(SEARCH, AT)
    assert info.value.retryable and info.value.retry_after == 3


def test_403_over_qps_is_a_rate_limit_not_a_credential_failure(provider, server):
    server.fail_next(status=403, body="<h1>Developer Over Qps</h1>")
    with pytest.raises(ProviderError) as info:
        provider.search_hotels(SEARCH, AT)
    assert info.value.retryable and info.value.retry_after >= 1


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_retryable(provider, server, status):
    server.fail_next(status=status, body=load_body("error_500.json"))
    with pytest.raises(ProviderError) as info:
        provider.search_hotels(SEARCH, AT)
    assert info.value.retryable


def test_400_is_not_retryable_and_carries_hotelbeds_message(provider, server):
    body = load_body("error_400.json")
    server.fail_next(status=400, body=body)
    with pytest.raises(ProviderError) as info:
        provider.search_hotels(SEARCH, AT)
    assert not info.value.retryable
    assert body["error"]["message"] in str(info.value)
    assert info.value.code == body["error"]["code"]


def test_timeout_is_retryable(server, credentials):
    quick = HotelbedsHotelProvider(*credentials, server.base_url, timeout_seconds=0.2)
    server.fail_next(delay=0.6)
    with pytest.raises(ProviderError) as info:
        quick.search_hotels(SEARCH, AT)
    assert info.value.retryable and "timed out" in str(info.value)


def test_secrets_never_reach_logs_or_errors(server, credentials, caplog):
    key, secret = credentials
    caplog.set_level(logging.DEBUG)
    provider = HotelbedsHotelProvider(key, secret, server.base_url, timeout_seconds=0.3)
    echo = {"error": {"code": "INVALID_DATA", "message": f"secret {secret} for {key} refused"}}
    messages = []
    for failure in (
        dict(status=400, body=echo),
        dict(status=500, body=echo),
        dict(status=401, body=echo),
        dict(status=400, body=f"plain text {secret}"),
        dict(delay=0.5),
    ):
        server.fail_next(**failure)
        with pytest.raises(ProviderError) as info:
            provider.search_hotels(SEARCH, AT)
        messages += [str(info.value), repr(info.value)]
    provider.search_hotels(SEARCH, AT)
    assert caplog.records
    assert all(secret not in m for m in messages)
    assert secret not in caplog.text


# --- reprice / book / cancel -------------------------------------------------------------
def test_reprice_returns_the_checkrate_price(provider, server):
    check = load_body("checkrates.json")["hotel"]
    rate = check["rooms"][0]["rates"][0]
    offer_id = "hotelbeds:" + rate["rateKey"]
    searched = next(r for r in provider.search_hotels(SEARCH, AT).rows if r["offer_id"] == offer_id)
    result = provider.reprice(offer_id, AT)
    assert result.available and result.offer_id == offer_id
    assert result.total_minor == minor(rate["net"], check["currency"])
    assert result.currency == check["currency"]
    assert result.remaining == rate["allotment"]
    assert result.total_minor != searched["total_minor"]
    req = server.requests[-1]
    assert (req.method, req.path) == ("POST", f"{API}/checkrates")
    assert req.body == {"rooms": [{"rateKey": rate["rateKey"]}]}


def test_reprice_of_an_unknown_rate_is_a_rejected_request(provider):
    with pytest.raises(ProviderError) as info:
        provider.reprice("hotelbeds:20261215|nope", AT)
    assert not info.value.retryable


def test_book_and_cancel_are_not_implemented_yet(provider):
    with pytest.raises(NotImplementedError, match="not implemented"):
        provider.book("hotelbeds:x", AT, "key-1")
    with pytest.raises(NotImplementedError, match="not implemented"):
        provider.cancel("1-234567", AT)
