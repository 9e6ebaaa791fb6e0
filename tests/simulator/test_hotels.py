"""Hotel pricing: weekday/weekend by city type, refundability, occupancy, sell-outs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from wayra.domain import HotelSearch
from wayra.simulator import SIMULATED_CITIES, MarketSimulator, city

from .helpers import at_utc


@pytest.fixture(scope="module")
def market():
    return MarketSimulator(seed=21)


def _weekend_premium(market: MarketSimulator, city_code: str) -> float:
    """Mean price ratio of Fri/Sat nights to Sun-Thu nights, same rooms, 30 days out."""
    weekend, weekday = [], []
    for day in range(84):
        night = dt.date(2025, 9, 1) + dt.timedelta(days=day)
        at = at_utc(night - dt.timedelta(days=30))
        for o in market.hotel_offers(HotelSearch(city_code, night, 1), at):
            if o.refundable:
                (weekend if night.weekday() in (4, 5) else weekday).append(o.total_minor)
    return np.mean(weekend) / np.mean(weekday)


def test_weekend_pattern_depends_on_city_type(market):
    assert city("FRA").city_type == "business" and city("BCN").city_type == "leisure"
    business = [_weekend_premium(market, c) for c in ("FRA", "ZRH", "NYC")]
    leisure = [_weekend_premium(market, c) for c in ("BCN", "PRG", "LIS")]
    assert max(business) < 0.9, business
    assert min(leisure) > 1.1, leisure


def test_hotels_are_seeded_and_located_near_the_centre(market):
    for code in SIMULATED_CITIES:
        offers = market.hotel_offers(
            HotelSearch(code, dt.date(2025, 10, 7), 2), at_utc(dt.date(2025, 9, 1))
        )
        hotels = {o.hotel_id: o for o in offers}
        assert 6 <= len(hotels) <= 10
        assert len({o.hotel_name for o in hotels.values()}) == len(hotels)
        for o in hotels.values():
            assert 2 <= o.stars <= 5
            assert 0 < o.distance_km <= 13
            assert o.check_out == o.check_in + dt.timedelta(days=2)
    # more stars cost more, on average
    offers = [
        o
        for code in SIMULATED_CITIES
        for o in market.hotel_offers(
            HotelSearch(code, dt.date(2025, 10, 7), 1), at_utc(dt.date(2025, 9, 1))
        )
        if o.room_type == "STANDARD" and o.refundable
    ]
    by_stars = {s: np.mean([o.total_minor for o in offers if o.stars == s]) for s in (2, 3, 4, 5)}
    assert by_stars[2] < by_stars[3] < by_stars[4] < by_stars[5]


def test_non_refundable_is_cheaper_and_both_are_offered(market):
    offers = market.hotel_offers(
        HotelSearch("LON", dt.date(2025, 7, 10), 3, 2), at_utc(dt.date(2025, 6, 1))
    )
    pairs: dict[tuple, dict[bool, int]] = {}
    for o in offers:
        pairs.setdefault((o.hotel_id, o.room_type), {})[o.refundable] = o.total_minor
    assert pairs
    for prices in pairs.values():
        assert set(prices) == {True, False}
        assert prices[False] < prices[True]
        assert prices[False] > 0.75 * prices[True]


def test_length_of_stay_discount(market):
    at = at_utc(dt.date(2025, 3, 1))
    check_in = dt.date(2025, 4, 7)
    per_night = {}
    for nights in (1, 7):
        offers = market.hotel_offers(HotelSearch("AMS", check_in, nights), at)
        per_night[nights] = {
            (o.hotel_id, o.room_type): o.total_minor / nights for o in offers if o.refundable
        }
    singles = [
        np.mean(
            [
                o.total_minor
                for k in range(7)
                for o in market.hotel_offers(
                    HotelSearch("AMS", check_in + dt.timedelta(days=k), 1), at
                )
                if o.refundable and (o.hotel_id, o.room_type) == key
            ]
        )
        for key in per_night[7]
    ]
    week = [per_night[7][key] for key in per_night[7]]
    assert np.mean(np.array(week) / np.array(singles)) == pytest.approx(0.90, abs=0.03)


def test_occupancy_raises_price_near_check_in_and_rooms_sell_out(market):
    ratios, sold_out, rooms_fall = [], 0, 0
    total = 0
    for code in ("LON", "PAR", "BCN", "NYC", "ROM"):
        for day in range(0, 60, 3):
            check_in = dt.date(2025, 6, 1) + dt.timedelta(days=day)
            search = HotelSearch(code, check_in, 2)
            early = {
                (o.hotel_id, o.room_type): o
                for o in market.hotel_offers(search, at_utc(check_in - dt.timedelta(days=60)))
                if o.refundable
            }
            late = {
                (o.hotel_id, o.room_type): o
                for o in market.hotel_offers(search, at_utc(check_in - dt.timedelta(days=2)))
                if o.refundable
            }
            total += len(early)
            for key, o in early.items():
                if key in late:
                    ratios.append(late[key].total_minor / o.total_minor)
                    rooms_fall += late[key].rooms_left < o.rooms_left
                else:
                    sold_out += 1
    assert np.mean(ratios) > 1.15, np.mean(ratios)
    assert rooms_fall > 0.95 * len(ratios)
    assert 0.01 * total < sold_out < 0.5 * total, (sold_out, total)


def test_no_rows_after_check_in_or_for_unknown_cities(market):
    at = at_utc(dt.date(2025, 6, 1), hour=16)
    assert market.hotel_offers(HotelSearch("PAR", dt.date(2025, 6, 1), 1), at) == []
    assert market.hotel_offers(HotelSearch("XYZ", dt.date(2025, 6, 9), 1), at) == []
    assert market.hotel_offers(HotelSearch("PAR", dt.date(2025, 6, 9), 0), at) == []
