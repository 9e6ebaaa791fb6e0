"""Token lifecycle, error mapping and credential hygiene of the Amadeus connectors."""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback

import pytest

from wayra.domain import FlightSearch, HotelSearch
from wayra.providers.amadeus import AmadeusError, AmadeusFlightProvider, AmadeusHotelProvider
from wayra.providers.base import ProviderError

from ..loopback.amadeus_server import CLIENT_SECRET, AmadeusLoopback, amadeus_error
from .conftest import amadeus_settings

AT = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
SEARCH = FlightSearch("SYD", "BKK", dt.date(2026, 12, 1))
SEARCH_PATH = "/v2/shopping/flight-offers"


@pytest.fixture
def provider(settings) -> AmadeusFlightProvider:
    return AmadeusFlightProvider.from_settings(settings)


def failure(provider, search=SEARCH) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        provider.search_flights(search, AT)
    return info.value


# --- tokens -------------------------------------------------------------------------------
def test_one_token_serves_many_calls(provider, server):
    for _ in range(3):
        provider.search_flights(SEARCH, AT)
    assert server.token_requests == 1
    (token_call,) = [r for r in server.requests if r.path == "/v1/security/oauth2/token"]
    assert token_call.method == "POST"
    assert token_call.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_an_expiring_token_is_refreshed_by_the_sdk():
    # expires_in=1 is inside the SDK's 10 s refresh buffer, so every call fetches a new token
    # and the server never sees a stale one.
    with AmadeusLoopback(expires_in=1) as server:
        provider = AmadeusFlightProvider.from_settings(amadeus_settings(server.base_url))
        provider.search_flights(SEARCH, AT)
        time.sleep(1.1)  # the first token is now dead on the server too
        assert len(provider.search_flights(SEARCH, AT).rows) == 2
        assert server.token_requests == 2


def test_a_token_revoked_early_is_refreshed_once_transparently(provider, server):
    provider.search_flights(SEARCH, AT)
    server.revoke_tokens()
    assert len(provider.search_flights(SEARCH, AT).rows) == 2
    assert server.token_requests == 2
    statuses = [r.path for r in server.requests]
    assert statuses == [
        "/v1/security/oauth2/token",
        SEARCH_PATH,
        SEARCH_PATH,  # answered 401
        "/v1/security/oauth2/token",
        SEARCH_PATH,
    ]


def test_401_after_a_refresh_is_final(provider, server):
    server.fail_next(
        401, times=2, body=amadeus_error(401, 38192, "Invalid access token"), path=SEARCH_PATH
    )
    exc = failure(provider)
    assert exc.retryable is False
    assert exc.status == 401
    assert server.token_requests == 2


def test_wrong_credentials_are_not_retryable_and_not_echoed():
    with AmadeusLoopback(client_secret="the-server-wants-another") as server:
        provider = AmadeusFlightProvider.from_settings(amadeus_settings(server.base_url))
        exc = failure(provider)
    assert exc.retryable is False
    assert "authentication" in str(exc) and "401" in str(exc)
    assert "Client credentials are invalid" in str(exc)
    assert CLIENT_SECRET not in str(exc)


# --- error mapping ------------------------------------------------------------------------
def test_429_is_retryable_and_keeps_retry_after(provider, server):
    server.fail_next(429, retry_after=7)
    exc = failure(provider)
    assert isinstance(exc, AmadeusError)
    assert exc.retryable is True
    assert exc.retry_after == 7.0
    assert exc.status == 429
    assert provider.search_flights(SEARCH, AT).status == "ok"  # only the next call failed


def test_429_with_an_http_date_retry_after(provider, server):
    server.fail_next(429, retry_after=time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()))
    exc = failure(provider)
    assert exc.retryable and 0.0 <= exc.retry_after <= 1.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_retryable(provider, server, status):
    server.fail_next(status)
    exc = failure(provider)
    assert exc.retryable is True
    assert f"HTTP {status}" in str(exc)


def test_400_is_not_retryable_and_carries_amadeus_message(provider, server):
    server.fail_next(
        400,
        body={
            "errors": [
                {
                    "status": 400,
                    "code": 425,
                    "title": "INVALID DATE",
                    "detail": "Date/Time is in the past",
                    "source": {"parameter": "departureDate"},
                }
            ]
        },
    )
    exc = failure(provider)
    assert exc.retryable is False
    assert exc.status == 400 and exc.code == 425
    assert "INVALID DATE - Date/Time is in the past [departureDate]" in str(exc)


def test_404_is_not_retryable(provider, server):
    server.fail_next(404, body=amadeus_error(404, 38196, "Resource not found"))
    exc = failure(provider)
    assert exc.retryable is False and "Resource not found" in str(exc)


def test_a_slow_answer_times_out_as_retryable():
    with AmadeusLoopback() as server:
        settings = amadeus_settings(server.base_url, provider_timeout_seconds=0.3)
        provider = AmadeusFlightProvider.from_settings(settings)
        provider.search_flights(SEARCH, AT)  # token in hand: the timeout hits the search
        server.delay_next(1.5, path=SEARCH_PATH)
        started = time.perf_counter()
        exc = failure(provider)
        elapsed = time.perf_counter() - started
    assert exc.retryable is True
    assert "timed out" in str(exc)
    assert elapsed < 1.0


def test_an_unreachable_server_is_retryable():
    with AmadeusLoopback() as server:
        url = server.base_url
    provider = AmadeusFlightProvider.from_settings(amadeus_settings(url))  # server gone
    exc = failure(provider)
    assert exc.retryable is True and "network error" in str(exc)


def test_hotel_failures_map_the_same_way(server, settings):
    provider = AmadeusHotelProvider.from_settings(settings)
    server.fail_next(503, path="/v1/reference-data/locations/hotels/by-city")
    with pytest.raises(ProviderError) as info:
        provider.search_hotels(HotelSearch("PAR", dt.date(2026, 12, 1), 2), AT)
    assert info.value.retryable is True
    server.fail_next(429, retry_after=3, path="/v3/shopping/hotel-offers")
    with pytest.raises(ProviderError) as info:
        provider.search_hotels(HotelSearch("PAR", dt.date(2026, 12, 1), 2), AT)
    assert info.value.retryable is True and info.value.retry_after == 3.0


# --- credential hygiene -------------------------------------------------------------------
def test_credentials_never_reach_logs_or_errors(caplog, server, settings):
    caplog.set_level(logging.DEBUG)
    provider = AmadeusFlightProvider.from_settings(settings)
    errors: list[BaseException] = []
    provider.search_flights(SEARCH, AT)
    for fault in (429, 500, 400, 401):
        server.fail_next(fault, times=2 if fault == 401 else 1, path=SEARCH_PATH)
        with pytest.raises(ProviderError) as info:
            provider.search_flights(SEARCH, AT)
        errors.append(info.value)
    with AmadeusLoopback(client_secret="other") as bad_server:
        bad = AmadeusFlightProvider.from_settings(amadeus_settings(bad_server.base_url))
        with pytest.raises(ProviderError) as info:
            bad.search_flights(SEARCH, AT)
        errors.append(info.value)
    tokens = list(server.state.tokens)
    assert tokens
    texts = [caplog.text, repr(provider), repr(provider._api)]
    for exc in errors:
        assert exc.__cause__ is None and exc.__suppress_context__
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    for text in texts:
        assert CLIENT_SECRET not in text
        for token in tokens:
            assert token not in text
