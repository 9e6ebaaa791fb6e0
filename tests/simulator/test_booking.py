"""Reprice, book and cancel against the market's inventory."""

from __future__ import annotations

import datetime as dt

import pytest

from wayra.domain import FlightSearch, HotelSearch
from wayra.providers import default_simulated_providers
from wayra.simulator import MarketSimulator

from .helpers import ROUTES, at_utc


def _flight_that_sells_out(market: MarketSimulator):
    """A flight on offer 40 days out that is gone (sold out) before departure."""
    for o, d in ROUTES:
        for k in range(30):
            dep = dt.date(2025, 7, 1) + dt.timedelta(days=k)
            search = FlightSearch(o, d, dep)
            early = market.flight_offers(search, at_utc(dep - dt.timedelta(days=40)))
            late = {x.flight_number for x in market.flight_offers(search, at_utc(dep, hour=0))}
            for offer in early:
                if offer.flight_number not in late and offer.departure_at > at_utc(dep, 1):
                    return offer
    raise AssertionError("no flight sells out")


def test_reprice_moves_and_reports_sold_out():
    market = MarketSimulator(seed=31)
    offer = _flight_that_sells_out(market)
    dep = offer.departure_date
    first = market.reprice(offer.offer_id, at_utc(dep - dt.timedelta(days=40)))
    assert first.available and first.total_minor == offer.total_minor and first.currency == "EUR"
    moved = market.reprice(offer.offer_id, at_utc(dep - dt.timedelta(days=10)))
    assert moved.available is False or moved.total_minor != first.total_minor
    gone = market.reprice(offer.offer_id, at_utc(dep, hour=0))
    assert gone.available is False and gone.reason == "sold_out"
    after = market.reprice(offer.offer_id, offer.departure_at + dt.timedelta(hours=1))
    assert after.available is False and after.reason == "departed"
    assert market.reprice("F|LHR|JFK|2025-07-01|ZZ1|ECONOMY|1", first.at).reason == "unknown_offer"
    assert market.reprice("garbage", first.at).reason == "unknown_offer"
    booking = market.book(offer.offer_id, at_utc(dep, hour=0), "late-1")
    assert booking.success is False and booking.reason == "sold_out"


def test_book_is_idempotent_and_cancel_releases_inventory():
    market = MarketSimulator(seed=32)
    search = FlightSearch("LHR", "JFK", dt.date(2025, 8, 14), adults=2)
    at = at_utc(dt.date(2025, 6, 1))
    offer = market.flight_offers(search, at)[0]
    booked = market.book(offer.offer_id, at, "key-1")
    again = market.book(offer.offer_id, at + dt.timedelta(minutes=5), "key-1")
    assert booked.success and again == booked
    after = {o.flight_number: o for o in market.flight_offers(search, at)}[offer.flight_number]
    assert after.seats_left == offer.seats_left - 2  # one booking of two seats, not two

    first = market.cancel(booked.booking_ref, at)
    second = market.cancel(booked.booking_ref, at)
    assert first.success and first.status == "cancelled"
    assert second.success and second.status == "already_cancelled"
    restored = {o.flight_number: o for o in market.flight_offers(search, at)}[offer.flight_number]
    assert restored.seats_left == offer.seats_left
    unknown = market.cancel("WSNOPE", at)
    assert unknown.success is False and unknown.status == "unknown_booking"


def test_booking_consumes_rooms_until_sold_out():
    market = MarketSimulator(seed=33)
    search = HotelSearch("ROM", dt.date(2025, 9, 12), 2)
    at = at_utc(dt.date(2025, 8, 1))
    offer = min(market.hotel_offers(search, at), key=lambda o: o.rooms_left)
    results = [market.book(offer.offer_id, at, f"k{i}") for i in range(offer.rooms_left + 1)]
    assert all(r.success for r in results[:-1])
    assert len({r.booking_ref for r in results[:-1]}) == offer.rooms_left
    assert results[-1].success is False and results[-1].reason == "sold_out"
    # the other refundability of the same room type is gone too, for the same nights
    keys = {(o.hotel_id, o.room_type) for o in market.hotel_offers(search, at)}
    assert (offer.hotel_id, offer.room_type) not in keys
    market.cancel(results[0].booking_ref, at)
    assert market.reprice(offer.offer_id, at).available


def test_provider_reprice_and_book_quote_in_their_currency():
    providers = default_simulated_providers(seed=34)
    ota, gds = providers["sim_flight_ota"], providers["sim_flight_gds"]
    search = FlightSearch("CDG", "NRT", dt.date(2025, 10, 2))
    at = at_utc(dt.date(2025, 8, 20))
    row = next(r for r in gds.search_flights(search, at).rows)
    quote = gds.reprice(row["offer_id"], at)
    assert quote.available and quote.currency == "EUR" and quote.total_minor == row["total_minor"]
    ota_id = "sim_flight_ota:" + row["offer_id"].split(":", 1)[1]
    ota_quote = ota.reprice(ota_id, at)
    assert ota_quote.currency == "USD" and ota_quote.offer_id == ota_id
    booking = ota.book(ota_id, at, "trip-9")
    assert booking.success and booking.currency == "USD"
    assert booking.total_minor == ota_quote.total_minor
    assert ota.book(ota_id, at, "trip-9") == booking
    # the same key at another provider is a different booking
    other = gds.book(row["offer_id"], at, "trip-9")
    assert other.success and other.booking_ref != booking.booking_ref
    assert ota.cancel(booking.booking_ref, at).status == "cancelled"


def test_hotel_provider_reprice_through_offer_id():
    providers = default_simulated_providers(seed=35)
    direct = providers["sim_hotel_direct"]
    at = at_utc(dt.date(2025, 3, 1))
    resp = direct.search_hotels(HotelSearch("STO", dt.date(2025, 4, 4), 2), at)
    row = resp.rows[0]
    assert row["currency"] == "SEK"
    quote = direct.reprice(row["offer_id"], at)
    assert quote.available and quote.total_minor == row["total_minor"]
    later = direct.reprice(row["offer_id"], at + dt.timedelta(days=30))
    assert later.total_minor != quote.total_minor
    with pytest.raises(Exception, match="not one of our offer ids"):
        direct.reprice("sim_hotel_ota:" + row["offer_id"], at)
