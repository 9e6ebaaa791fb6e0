"""AmadeusFlightProvider through the real SDK against the loopback Amadeus."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import airportsdata
import pyarrow as pa
import pytest

from data_contracts import load_contract
from wayra.domain import FLIGHT_QUOTE_SCHEMA, Cabin, FlightSearch
from wayra.providers.amadeus import AmadeusFlightProvider
from wayra.providers.base import FlightProvider
from wayra.providers.simulated import payload_hash
from wayra.settings import Settings

from .conftest import amadeus_settings, fixture, minor

AT = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
SEARCH = FlightSearch("SYD", "BKK", dt.date(2026, 12, 1), adults=2, cabin=Cabin.BUSINESS)
SEARCH_PATH = "/v2/shopping/flight-offers"


@pytest.fixture
def provider(settings) -> AmadeusFlightProvider:
    p = AmadeusFlightProvider.from_settings(settings)
    assert p is not None
    return p


def test_is_a_flight_provider_and_needs_credentials(provider):
    assert isinstance(provider, FlightProvider)
    assert (provider.name, provider.category) == ("amadeus_flights", "flight")
    assert AmadeusFlightProvider.from_settings(Settings(amadeus_client_id=None)) is None
    assert (
        AmadeusFlightProvider.from_settings(
            Settings(amadeus_client_id="x", amadeus_client_secret=None)
        )
        is None
    )


def test_sends_the_search_as_flight_offers_search_parameters(provider, server):
    provider.search_flights(SEARCH, AT)
    (request,) = server.api_requests(SEARCH_PATH)
    assert request.method == "GET"
    assert {k: v[0] for k, v in request.query.items()} == {
        "originLocationCode": "SYD",
        "destinationLocationCode": "BKK",
        "departureDate": "2026-12-01",
        "adults": "2",
        "travelClass": "BUSINESS",
        "max": str(provider.max_offers),
    }
    assert request.headers["Authorization"] == "<redacted>"
    assert request.headers["User-Agent"].startswith("amadeus-python/")


def test_every_offer_becomes_one_row_priced_exactly(provider):
    offers = fixture("flight_search_offer_response_ok.json")["data"]
    response = provider.search_flights(SEARCH, AT)
    assert response.status == "ok"
    assert len(response.rows) == len(offers)
    for row, offer in zip(response.rows, offers, strict=True):
        price = offer["price"]
        assert row["total_minor"] == minor(price["grandTotal"], price["currency"])
        assert row["currency"] == price["currency"]
        assert row["payload_hash"] == payload_hash(offer)
        assert row["seats_left"] == offer["numberOfBookableSeats"]
        assert row["observed_at"] == AT
        assert row["request_id"] == response.request_id
        assert set(row) == {f.name for f in FLIGHT_QUOTE_SCHEMA} - {"partition_date"}


def test_row_fields_follow_the_first_itinerary(provider):
    offer = fixture("flight_search_offer_response_ok.json")["data"][0]
    segments = offer["itineraries"][0]["segments"]
    first, last = segments[0], segments[-1]
    row = provider.search_flights(SEARCH, AT).rows[0]
    tz = airportsdata.load("IATA")
    expected_dep = (
        dt.datetime.fromisoformat(first["departure"]["at"])
        .replace(tzinfo=ZoneInfo(tz[first["departure"]["iataCode"]]["tz"]))
        .astimezone(dt.UTC)
    )
    expected_arr = (
        dt.datetime.fromisoformat(last["arrival"]["at"])
        .replace(tzinfo=ZoneInfo(tz[last["arrival"]["iataCode"]]["tz"]))
        .astimezone(dt.UTC)
    )
    fare = offer["travelerPricings"][0]["fareDetailsBySegment"][0]
    assert row["origin"] == first["departure"]["iataCode"]
    assert row["destination"] == last["arrival"]["iataCode"]
    assert row["departure_at"] == expected_dep
    assert row["arrival_at"] == expected_arr
    # GIG 21:50 local (UTC-3, no DST) is 00:50 UTC the next day.
    assert row["departure_at"] == dt.datetime(2020, 8, 2, 0, 50, tzinfo=dt.UTC)
    assert row["departure_date"] == dt.date(2020, 8, 1)  # the local date, as searched
    assert row["duration_minutes"] == (expected_arr - expected_dep).total_seconds() // 60
    assert row["stops"] == len(segments) - 1
    assert row["carrier"] == offer["validatingAirlineCodes"][0]
    assert row["flight_number"] == first["carrierCode"] + first["number"]
    assert row["cabin"] == fare["cabin"]
    assert row["fare_bucket"] == fare["class"]
    assert row["adults"] == 1  # the recorded offer prices one adult and one child
    assert row["promotion"] is False


def test_rows_pass_the_flight_contract(provider):
    rows = provider.search_flights(SEARCH, AT).rows
    table = pa.Table.from_pylist(
        [{"partition_date": r["observed_at"].date(), **r} for r in rows], schema=FLIGHT_QUOTE_SCHEMA
    )
    result = load_contract("flight_quotes").validate(table)
    assert result.quarantined.num_rows == 0, result.quarantined.to_pylist()
    assert result.valid.num_rows == len(rows)


def test_offer_ids_are_stable_and_distinct(provider):
    first = [r["offer_id"] for r in provider.search_flights(SEARCH, AT).rows]
    second = [r["offer_id"] for r in provider.search_flights(SEARCH, AT).rows]
    assert first == second
    assert len(set(first)) == len(first)
    assert all(o.startswith("amadeus_flights:") for o in first)


def test_malformed_offer_stays_a_raw_row_for_the_contract_to_quarantine(server, provider):
    body = fixture("flight_search_offer_response_ok.json")
    body["data"][0]["price"]["currency"] = "XXX"
    body["data"][1]["itineraries"][0]["segments"][0]["departure"]["iataCode"] = "ZZZ"
    server.set_body("flight_search_offer_response_ok.json", body)
    rows = provider.search_flights(SEARCH, AT).rows
    assert rows[0]["total_minor"] is None and rows[0]["currency"] == "XXX"
    assert rows[1]["departure_at"] is None  # no timezone for an unknown airport
    table = pa.Table.from_pylist(
        [{"partition_date": r["observed_at"].date(), **r} for r in rows], schema=FLIGHT_QUOTE_SCHEMA
    )
    assert load_contract("flight_quotes").validate(table).quarantined.num_rows == 2


def test_reprice_posts_the_cached_offer_and_returns_the_priced_total(provider, server):
    rows = provider.search_flights(SEARCH, AT).rows
    priced = fixture("flight_search_offer_pricing_response_ok.json")["data"]["flightOffers"][0]
    result = provider.reprice(rows[0]["offer_id"], AT)
    assert result.available
    assert result.total_minor == minor(priced["price"]["grandTotal"], priced["price"]["currency"])
    assert result.currency == priced["price"]["currency"]
    assert result.offer_id == rows[0]["offer_id"]
    (request,) = server.api_requests("/v1/shopping/flight-offers/pricing")
    assert request.method == "POST"
    assert {k.lower(): v for k, v in request.headers.items()}["x-http-method-override"] == "GET"
    sent = request.json()["data"]
    assert sent["type"] == "flight-offers-pricing"
    assert sent["flightOffers"] == [provider.offer(rows[0]["offer_id"])]


def test_reprice_of_an_offer_never_searched_is_unknown(provider, server):
    result = provider.reprice("amadeus_flights:nope", AT)
    assert not result.available and result.reason == "unknown_offer"
    assert server.api_requests() == []


def test_booking_is_not_wired_yet(provider):
    with pytest.raises(NotImplementedError, match="booking"):
        provider.book("amadeus_flights:x", AT, "key")
    with pytest.raises(NotImplementedError):
        provider.cancel("ref", AT)


def test_https_base_url_maps_to_the_sdk_host_port_and_ssl():
    p = AmadeusFlightProvider.from_settings(amadeus_settings("https://test.api.amadeus.com"))
    client = p._api.client
    assert (client.host, client.port, client.ssl) == ("test.api.amadeus.com", 443, True)
    p = AmadeusFlightProvider.from_settings(amadeus_settings("http://127.0.0.1:8765"))
    client = p._api.client
    assert (client.host, client.port, client.ssl) == ("127.0.0.1", 8765, False)
