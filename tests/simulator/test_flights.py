"""The fare dynamics the forecasting models are meant to learn."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

from wayra.domain import Cabin, FlightSearch
from wayra.simulator import MarketSimulator
from wayra.simulator.flights import BUCKET_CODES

from .helpers import ROUTES, at_utc

DEPARTURES = [dt.date(2025, 3, 3) + dt.timedelta(days=9 * i) for i in range(12)]
DAYS_BEFORE = [90, 80, 70, 60, 50, 45, 30, 21, 14, 10, 7, 5, 3, 2, 1]


@pytest.fixture(scope="module")
def histories():
    """{(route, departure, flight): [(days_before, offer)]} over a grid of observations."""
    market = MarketSimulator(seed=11)
    out: dict[tuple, list] = {}
    for o, d in ROUTES:
        for dep in DEPARTURES:
            search = FlightSearch(o, d, dep)
            for before in DAYS_BEFORE:
                at = at_utc(dep - dt.timedelta(days=before), hour=5)
                for offer in market.flight_offers(search, at):
                    out.setdefault((o, d, dep, offer.flight_number), []).append((before, offer))
    return out


def test_fares_rise_into_the_last_weeks(histories):
    late, early = [], []
    for obs in histories.values():
        by_day = {b: off.total_minor for b, off in obs}
        near = [v for b, v in by_day.items() if b <= 14]
        far = [v for b, v in by_day.items() if 45 <= b <= 90]
        if near and far:
            late.append(np.mean(near))
            early.append(np.mean(far))
    assert len(late) > 500
    ratio = np.mean(np.array(late) / np.array(early))
    assert ratio > 1.4, ratio
    # on most individual flights, not just on average
    assert np.mean(np.array(late) > np.array(early)) > 0.85


def test_advance_purchase_fences_and_buckets(histories):
    offers = [(b, off) for obs in histories.values() for b, off in obs]
    assert {off.fare_bucket for _, off in offers} <= set(BUCKET_CODES)
    assert len({off.fare_bucket for _, off in offers}) >= 6
    for before, off in offers:
        rank = BUCKET_CODES.index(off.fare_bucket)
        if before < 21:
            assert rank >= 1
        if before < 7:
            assert rank >= 3


def test_seats_fall_and_flights_sell_out(histories):
    sold_out = 0
    for obs in histories.values():
        seats = [off.seats_left for _, off in sorted(obs, key=lambda x: -x[0])]
        assert all(a >= b for a, b in itertools.pairwise(seats))
        if min(b for b, _ in obs) > 3:  # gone from the last observations: sold out
            sold_out += 1
    assert 0.02 * len(histories) < sold_out < 0.5 * len(histories)


def test_promotions_are_occasional_and_cheaper(histories):
    offers = [off for obs in histories.values() for _, off in obs]
    share = np.mean([off.promotion for off in offers])
    assert 0.02 < share < 0.30, share

    market = MarketSimulator(seed=11)
    ratios = []
    for (o, d, dep, number), obs in list(histories.items()):
        for before, off in obs:
            if not off.promotion:
                continue
            at = at_utc(dep - dt.timedelta(days=before), hour=5)
            for shift in (-1, 1, -2, 2, -3, 3, -4, 4, -5, 5, -6, 6, -7, 7):
                near = market.flight_offers(FlightSearch(o, d, dep), at + dt.timedelta(days=shift))
                match = [x for x in near if x.flight_number == number]
                if match and not match[0].promotion and match[0].fare_bucket == off.fare_bucket:
                    ratios.append(off.total_minor / match[0].total_minor)
                    break
    assert len(ratios) > 30
    assert np.median(ratios) < 0.92
    assert np.mean(np.array(ratios) < 1.0) > 0.85


def test_schedule_shape_nonstop_and_connections_low_cost_cheaper():
    market = MarketSimulator(seed=3)
    at = at_utc(dt.date(2025, 4, 1))
    offers = market.flight_offers(FlightSearch("LHR", "MAD", dt.date(2025, 5, 14)), at)
    stops = {o.stops for o in offers}
    assert stops == {0, 1}
    for o in offers:
        assert o.arrival_at > o.departure_at
        assert o.duration_minutes == (o.arrival_at - o.departure_at).total_seconds() / 60
        assert o.departure_at.utcoffset() == dt.timedelta(0)
    # same flight, same schedule on another date
    later = market.flight_offers(FlightSearch("LHR", "MAD", dt.date(2025, 5, 15)), at)
    times = {o.flight_number: o.departure_at.time() for o in later}
    assert any(times.get(o.flight_number) == o.departure_at.time() for o in offers)

    # low-cost carriers undercut legacy ones on short-haul, on average
    lcc, legacy = [], []
    for day in range(40):
        dep = dt.date(2025, 6, 1) + dt.timedelta(days=day)
        for o in market.flight_offers(FlightSearch("LGW", "BCN", dep), at):
            if o.stops == 0:
                (lcc if o.carrier in {"U2", "FR", "VY", "W6", "EW", "DY"} else legacy).append(
                    o.total_minor
                )
    assert lcc and legacy and np.mean(lcc) < 0.85 * np.mean(legacy)


def test_long_haul_dearer_and_cabins_and_adults():
    market = MarketSimulator(seed=5)
    at = at_utc(dt.date(2025, 2, 1))
    dep = dt.date(2025, 3, 12)
    short = market.flight_offers(FlightSearch("LHR", "CDG", dep), at)
    long = market.flight_offers(FlightSearch("LHR", "JFK", dep), at)
    assert min(o.total_minor for o in long) > 2 * min(o.total_minor for o in short)
    eco = {o.flight_number: o for o in long}
    biz = market.flight_offers(FlightSearch("LHR", "JFK", dep, cabin=Cabin.BUSINESS), at)
    assert biz and all(o.total_minor > 2 * eco[o.flight_number].total_minor for o in biz)
    two = market.flight_offers(FlightSearch("LHR", "JFK", dep, adults=2), at)
    for o in two:
        assert o.total_minor == pytest.approx(2 * eco[o.flight_number].total_minor, abs=2)


def test_holidays_and_season_raise_fares():
    """The same flights cost more just before Christmas than in mid-November (same weekday)."""
    market = MarketSimulator(seed=9)
    ratios = []
    for o, d in ROUTES:
        for peak, off_peak in ((dt.date(2025, 12, 23), dt.date(2025, 11, 11)),
                               (dt.date(2026, 12, 23), dt.date(2026, 11, 11))):  # fmt: skip
            quotes = {}
            for dep in (peak, off_peak):
                at = at_utc(dep - dt.timedelta(days=20))
                quotes[dep] = {
                    x.flight_number: x.total_minor
                    for x in market.flight_offers(FlightSearch(o, d, dep), at)
                }
            common = quotes[peak].keys() & quotes[off_peak].keys()
            ratios += [quotes[peak][f] / quotes[off_peak][f] for f in common]
    assert len(ratios) > 50
    assert np.mean(ratios) > 1.2, np.mean(ratios)


def test_unknown_route_and_out_of_horizon_are_empty():
    market = MarketSimulator(seed=1)
    at = at_utc(dt.date(2025, 1, 1))
    assert market.flight_offers(FlightSearch("LHR", "BHX", dt.date(2025, 2, 1)), at) == []
    assert market.flight_offers(FlightSearch("LHR", "LGW", dt.date(2025, 2, 1)), at) == []
    assert market.flight_offers(FlightSearch("LHR", "JFK", dt.date(2026, 6, 1)), at) == []
    assert market.flight_offers(FlightSearch("LHR", "JFK", dt.date(2024, 12, 1)), at) == []
    with pytest.raises(ValueError, match="timezone-aware"):
        market.flight_offers(
            FlightSearch("LHR", "JFK", dt.date(2025, 2, 1)), dt.datetime(2025, 1, 1)
        )
