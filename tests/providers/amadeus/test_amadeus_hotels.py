"""AmadeusHotelProvider through the real SDK against the loopback Amadeus."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from data_contracts import load_contract
from wayra.domain import HOTEL_QUOTE_SCHEMA, HotelSearch
from wayra.providers.amadeus import AmadeusHotelProvider, _distance_km, _refundable
from wayra.providers.amadeus_client import AmadeusApi
from wayra.providers.base import HotelProvider
from wayra.providers.simulated import payload_hash

from ..loopback.amadeus_server import CLIENT_ID, CLIENT_SECRET, AmadeusLoopback, amadeus_error
from .conftest import fixture, minor

AT = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
SEARCH = HotelSearch("PAR", dt.date(2026, 12, 1), nights=3, adults=2)
OFFERS_PATH = "/v3/shopping/hotel-offers"
LIST_PATH = "/v1/reference-data/locations/hotels/by-city"


def hotel_provider(server: AmadeusLoopback, **kwargs) -> AmadeusHotelProvider:
    api = AmadeusApi(CLIENT_ID, CLIENT_SECRET, server.base_url, 2.0)
    return AmadeusHotelProvider(api, **kwargs)


def with_partition(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(
        [{"partition_date": r["observed_at"].date(), **r} for r in rows], schema=HOTEL_QUOTE_SCHEMA
    )


def test_is_a_hotel_provider(settings):
    provider = AmadeusHotelProvider.from_settings(settings)
    assert isinstance(provider, HotelProvider)
    assert (provider.name, provider.category) == ("amadeus_hotels", "hotel")


def test_recorded_offers_become_rows_priced_exactly(server):
    entries = fixture("hotel_offers_search_response_ok.json")["data"]
    expected = {(o["id"], e["hotel"]["hotelId"]): (e, o) for e in entries for o in e["offers"]}
    response = hotel_provider(server).search_hotels(SEARCH, AT)
    assert response.status == "ok"
    # Every batch answers with the same recording; one row per distinct offer survives.
    assert len(response.rows) == len(expected)
    for row in response.rows:
        entry, offer = expected[(row["offer_id"].removeprefix("amadeus_hotels:"), row["hotel_id"])]
        price = offer["price"]
        assert row["total_minor"] == minor(price["total"], price["currency"])
        assert row["currency"] == price["currency"]
        assert row["hotel_name"] == entry["hotel"]["name"]
        assert row["check_in"] == dt.date.fromisoformat(offer["checkInDate"])
        assert row["check_out"] == dt.date.fromisoformat(offer["checkOutDate"])
        assert row["nights"] == (row["check_out"] - row["check_in"]).days
        assert row["room_type"] == offer["room"]["typeEstimated"]["category"]
        assert row["refundable"] is False  # "NON-REFUNDABLE RATE", no deadline
        assert row["rooms_left"] is None
        assert row["payload_hash"] == payload_hash({"hotel": entry["hotel"], "offer": offer})
        # Not in the recorded by-city list, so the position comes from the offer's hotel.
        assert (row["latitude"], row["longitude"]) == (
            entry["hotel"]["latitude"],
            entry["hotel"]["longitude"],
        )
        assert set(row) == {f.name for f in HOTEL_QUOTE_SCHEMA} - {"partition_date"}


def test_hotel_ids_are_batched_from_the_city_list(server):
    listed = [h["hotelId"] for h in fixture("hotels_by_city_response_ok.json")["data"]]
    provider = hotel_provider(server, batch_size=20, max_hotels=45)
    server.hotel_offers = "echo"
    rows = provider.search_hotels(SEARCH, AT).rows
    (listing,) = server.api_requests(LIST_PATH)
    assert listing.query == {"cityCode": ["PAR"]}
    calls = server.api_requests(OFFERS_PATH)
    batches = [c.query["hotelIds"][0].split(",") for c in calls]
    assert [len(b) for b in batches] == [20, 20, 5]
    assert [i for b in batches for i in b] == listed[:45]
    for call in calls:
        assert {k: v[0] for k, v in call.query.items() if k != "hotelIds"} == {
            "adults": "2",
            "checkInDate": "2026-12-01",
            "checkOutDate": "2026-12-04",
            "roomQuantity": "1",
        }
    assert sorted(r["hotel_id"] for r in rows) == sorted(listed[:45])
    by_id = {h["hotelId"]: h for h in fixture("hotels_by_city_response_ok.json")["data"]}
    for row in rows:
        geo = by_id[row["hotel_id"]]["geoCode"]
        assert (row["latitude"], row["longitude"]) == (geo["latitude"], geo["longitude"])
    assert len({r["request_id"] for r in rows}) == 1


def test_the_hotel_list_is_followed_across_pages(server):
    server.by_city_page_size = 300
    server.hotel_offers = "echo"
    listed = [h["hotelId"] for h in fixture("hotels_by_city_response_ok.json")["data"]]
    rows = hotel_provider(server, max_hotels=len(listed)).search_hotels(SEARCH, AT).rows
    pages = server.api_requests(LIST_PATH)
    assert [p.query.get("page[offset]") for p in pages] == [None, ["300"], ["600"]]
    assert len(rows) == len(listed)


def test_a_batch_without_availability_is_empty_not_a_failure(server):
    server.hotel_offers = "echo"
    server.fail_next(
        400,
        body=amadeus_error(400, 3664, "NO ROOMS AVAILABLE AT REQUESTED PROPERTY"),
        path=OFFERS_PATH,
    )
    rows = hotel_provider(server, batch_size=20, max_hotels=40).search_hotels(SEARCH, AT).rows
    assert len(rows) == 20


def test_rows_pass_the_hotel_contract_when_amadeus_sends_ratings(server):
    listing = fixture("hotels_by_city_response_ok.json")
    for i, hotel in enumerate(listing["data"]):
        hotel["rating"] = str(1 + i % 5)
        hotel["distance"] = {"value": i / 10, "unit": "KM"}
    server.set_body("hotels_by_city_response_ok.json", listing)
    server.hotel_offers = "echo"
    rows = hotel_provider(server, max_hotels=30).search_hotels(SEARCH, AT).rows
    assert len(rows) == 30
    assert {r["stars"] for r in rows} == {1, 2, 3, 4, 5}
    result = load_contract("hotel_quotes").validate(with_partition(rows))
    assert result.quarantined.num_rows == 0, result.quarantined.to_pylist()


def test_unrated_hotels_from_the_recorded_list_pass_the_contract(server):
    # The recorded list (like many real ones) has no ratings: stars stay unknown, not invented.
    rows = hotel_provider(server).search_hotels(SEARCH, AT).rows
    assert rows and all(r["stars"] is None for r in rows)
    result = load_contract("hotel_quotes").validate(with_partition(rows))
    assert result.quarantined.num_rows == 0, result.quarantined.to_pylist()


def test_nearest_hotels_are_priced_first(server):
    listing = fixture("hotels_by_city_response_ok.json")
    listing["data"] = listing["data"][:5]
    for hotel, distance in zip(listing["data"], [5.0, 1.0, None, 3.0, 2.0], strict=True):
        if distance is not None:
            hotel["distance"] = {"value": distance, "unit": "KM"}
    server.set_body("hotels_by_city_response_ok.json", listing)
    hotel_provider(server, max_hotels=3).search_hotels(SEARCH, AT)
    (call,) = server.api_requests(OFFERS_PATH)
    ids = [h["hotelId"] for h in listing["data"]]
    assert call.query["hotelIds"][0].split(",") == [ids[1], ids[4], ids[3]]


def test_reprice_reads_the_offer_by_id(server):
    offer = fixture("hotel_offer_search_response_ok.json")["data"]["offers"][0]
    result = hotel_provider(server).reprice("amadeus_hotels:QF3MNOBDQ8", AT)
    assert result.available
    assert result.total_minor == minor(offer["price"]["total"], offer["price"]["currency"])
    assert result.currency == offer["price"]["currency"]
    assert [r.path for r in server.api_requests()] == [f"{OFFERS_PATH}/QF3MNOBDQ8"]


@pytest.mark.parametrize(
    ("policies", "refundable"),
    [
        ({}, False),
        ({"cancellation": {"type": "FULL_STAY", "description": {"text": "NON-REFUNDABLE"}}}, False),
        ({"cancellations": [{"deadline": "2026-11-30T18:00:00+01:00", "amount": "0"}]}, True),
        ({"cancellation": {"deadline": "2026-11-30T18:00:00+01:00"}}, True),
        ({"refundable": {"cancellationRefund": "NON_REFUNDABLE"}}, False),
        ({"refundable": {"cancellationRefund": "REFUNDABLE_UP_TO_DEADLINE"}}, True),
    ],
)
def test_refundable_rule(policies, refundable):
    assert _refundable({"policies": policies}) is refundable


def test_distance_units():
    assert _distance_km({"distance": {"value": 2.5, "unit": "KM"}}) == 2.5
    assert _distance_km({"distance": {"value": 1, "unit": "MI"}}) == pytest.approx(1.609344)
    assert _distance_km({}) is None
