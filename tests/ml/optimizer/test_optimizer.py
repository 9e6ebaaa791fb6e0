"""Worked examples: exact scaling, split stays, reception hours, time limits, inputs refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from fractions import Fraction

import pytest
from ortools.sat.python import cp_model

from ml.optimizer import (
    CriterionWeights,
    FlightOffer,
    HotelRoomOffer,
    NightRate,
    ObjectiveScale,
    Offers,
    SolveSettings,
    SolveStatus,
    TripRequest,
    optimize,
    pareto_front,
)
from ml.optimizer import model as cp_sat_model
from ml.optimizer.synthetic import synthetic_instance
from tests.ml.optimizer.reference import Plan, evaluate, valid_plans, violations

DAY = dt.date(2026, 5, 4)


def flight(offer_id, day, hour, price=10_000, minutes=120, **kw) -> FlightOffer:
    departs = dt.datetime.combine(day, dt.time(hour), dt.UTC)
    return FlightOffer(
        offer_id=offer_id,
        carrier=kw.pop("carrier", "AA"),
        price_minor=price,
        currency="EUR",
        departs_at=departs,
        arrives_at=departs + dt.timedelta(minutes=minutes),
        duration_minutes=minutes,
        stops=kw.pop("stops", 0),
        seats_left=kw.pop("seats_left", 9),
        refundable=kw.pop("refundable", True),
        **kw,
    )


def room(offer_id, hotel_id, prices: dict[int, int], **kw) -> HotelRoomOffer:
    return HotelRoomOffer(
        offer_id=offer_id,
        hotel_id=hotel_id,
        stars=kw.pop("stars", 4),
        rating=kw.pop("rating", 8.0),
        latitude=41.39,
        longitude=2.17,
        refundable=kw.pop("refundable", True),
        currency="EUR",
        nights=tuple(
            NightRate(DAY + dt.timedelta(days=d), p, 3) for d, p in sorted(prices.items())
        ),
        **kw,
    )


def request(**kw) -> TripRequest:
    fields = {
        "earliest_departure": DAY,
        "latest_departure": DAY,
        "min_nights": 3,
        "max_nights": 3,
        "travelers": 2,
        "budget_minor": None,
        "currency": "EUR",
        "weights": CriterionWeights(1, 0, 0, 0, 0, 0, 0, 0),  # price only
    }
    return TripRequest(**(fields | kw))


def test_weights_scale_to_exact_integers():
    scale = ObjectiveScale.of(CriterionWeights(price_minor="0.5", poi_distance_m=0.2, stops=3))
    assert scale.denominator == 10
    assert scale.coefficients.tolist()[:3] == [5, 100, 30]
    with pytest.raises(ValueError, match=">= 0"):
        ObjectiveScale.of(CriterionWeights(stops=-1))


def test_a_split_stay_wins_when_the_cheap_hotel_is_full_one_night():
    # Hotel A is cheap but has no rate on the third night; B is dear throughout; C is cheap
    # on the third night only. A for two nights then C beats B for three.
    offers = Offers(
        "EUR",
        (flight("out", DAY, 8),),
        (flight("back", DAY + dt.timedelta(days=3), 18),),
        (
            room("a", "A", {0: 5_000, 1: 5_000}),
            room("b", "B", {0: 20_000, 1: 20_000, 2: 20_000}),
            room("c", "C", {2: 6_000}),
        ),
    )
    best = optimize(request(), offers, k=1).packages[0]
    assert [(s.offer.offer_id, s.nights) for s in best.stays] == [("a", 2), ("c", 1)]
    assert best.total_price_minor == 2 * 20_000 + 5_000 * 2 + 6_000  # one room for two
    assert best.objective == Fraction(best.total_price_minor)


def test_a_whole_stay_quote_is_never_split_or_shortened():
    # A and C are cheap stay quotes, but for four nights and for nights 1-3: A cannot be cut
    # to the trip's three nights, nor C to the two inside the trip, so B is the only stay.
    offers = Offers(
        "EUR",
        (flight("out", DAY, 8),),
        (flight("back", DAY + dt.timedelta(days=3), 18),),
        (
            room("a", "A", {0: 5_000, 1: 5_000, 2: 9_000, 3: 5_000}, sold_as_whole_stay=True),
            room("b", "B", {0: 20_000, 1: 20_000, 2: 20_000}),
            room("c", "C", {1: 1_000, 2: 1_000, 3: 1_000}, sold_as_whole_stay=True),
        ),
    )
    packages = optimize(request(), offers, k=3, min_parts_differing=1).packages
    assert [[s.offer.offer_id for s in p.stays] for p in packages] == [["b"]]
    # Quoted for exactly the trip's nights, a whole-stay offer is bookable as it is.
    exact = replace(
        offers, hotels=(room("w", "W", {0: 7_000, 1: 7_000, 2: 7_001}, sold_as_whole_stay=True),)
    )
    (package,) = optimize(request(), exact, k=1).packages
    assert package.stays[0].price_minor == 21_001  # one room for two


def test_a_late_arrival_cannot_check_in_after_reception_closes():
    offers = Offers(
        "EUR",
        (flight("late", DAY, 20, price=5_000), flight("early", DAY, 9, price=9_000)),
        (flight("back", DAY + dt.timedelta(days=3), 18),),
        (room("small", "S", {0: 4_000, 1: 4_000, 2: 4_000}, latest_check_in_minute=21 * 60),),
    )
    # The late flight lands at 22:00 and the transfer takes an hour: reception is closed.
    best = optimize(request(transfer_minutes=60), offers, k=2).packages
    assert [p.outbound.offer_id for p in best] == ["early"]


def test_diversity_rules_out_variants_of_one_package():
    back = DAY + dt.timedelta(days=3)
    offers = Offers(
        "EUR",
        (flight("o1", DAY, 8), flight("o2", DAY, 9, price=10_500)),
        (flight("r1", back, 18), flight("r2", back, 19, price=10_100)),
        (
            room("a", "A", dict.fromkeys(range(3), 5_000), refundable=False),
            room("b", "B", dict.fromkeys(range(3), 6_000), refundable=False),
        ),
    )
    # Each non-refundable stay costs 5,000 more, so split stays rank last.
    trip = request(weights=CriterionWeights(1, 0, 0, 0, 0, 0, 5_000, 0))
    packages = optimize(trip, offers, k=20).packages
    assert [(*p.key()[:2], sorted(p.hotel_ids)) for p in packages] == [
        ("o1", "r1", ["A"]),
        ("o2", "r2", ["A"]),
        ("o1", "r2", ["B"]),
        ("o2", "r1", ["B"]),
    ]
    # Distinct in at least one part: 2 outbounds x 2 returns x 3 hotel sets ({A}, {B}, {A, B}).
    assert len(optimize(trip, offers, k=20, min_parts_differing=1).packages) == 12


def test_offers_in_another_currency_are_refused():
    with pytest.raises(ValueError, match="convert"):
        Offers("EUR", (replace(flight("o", DAY, 8), currency="USD"),), (), ())


def test_a_solve_out_of_time_says_so():
    trip, offers = synthetic_instance(seed=3, outbound=60, inbound=60, hotel_offers=80)
    result = optimize(trip, offers, k=3, settings=SolveSettings(time_limit_s=1e-6))
    assert (result.status, result.packages, result.binding) == (SolveStatus.UNKNOWN, (), ())


def test_best_found_packages_are_flagged(monkeypatch):
    """A solve stopped by its time limit with a package in hand (CP-SAT's FEASIBLE)."""
    monkeypatch.setitem(cp_sat_model._STATUS, cp_model.OPTIMAL, SolveStatus.BEST_FOUND)
    trip, offers = synthetic_instance(seed=3, outbound=30, inbound=30, hotel_offers=20)
    result = optimize(trip, offers, k=3)
    assert result.status is SolveStatus.BEST_FOUND
    assert result.packages and not any(p.proven_optimal for p in result.packages)
    assert not pareto_front(trip, offers).complete


def test_a_realistic_instance_matches_brute_force():
    """Timezones, overnight flights, reception hours, sold-out nights, budget, all at once."""
    trip, offers = synthetic_instance(
        seed=11, outbound=14, inbound=14, hotel_offers=8, departure_days=3, nights=(2, 4)
    )
    trip = replace(trip, budget_minor=300_000, max_stops=2, excluded_airlines=frozenset())
    result = optimize(trip, offers, k=5)
    everything = valid_plans(trip, offers)
    assert result.status is SolveStatus.OPTIMAL
    assert result.packages[0].objective == min(e.objective for _, e in everything)
    for package in result.packages:
        plan = Plan.of(package)
        assert violations(trip, plan) == []
        assert evaluate(trip, plan).objective == package.objective


def test_the_large_instance_returns_ten_valid_packages():
    trip, offers = synthetic_instance(seed=1)
    result = optimize(trip, offers, k=10)
    assert result.status is SolveStatus.OPTIMAL and len(result.packages) == 10
    assert result.candidates["allowed_outbound"] > result.candidates["outbound"]
    for package in result.packages:
        assert violations(trip, Plan.of(package)) == []
