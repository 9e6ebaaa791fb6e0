"""Offer and package risk: bounds, monotonicity, unknown inputs and the reasons' wording."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ml.optimizer import FlightOffer, HotelRoomOffer, HotelStay, NightRate, Package
from ml.optimizer.criteria import Criteria
from ml.recommendations.risk import (
    COMPONENT_WEIGHTS,
    MAX_POINTS,
    OUTBOUND,
    RETURN,
    OfferRisk,
    OfferRiskInputs,
    offer_risk,
    package_legs,
    package_risk,
)

volatilities = st.none() | st.floats(0, 2)
probabilities = st.none() | st.floats(0, 1)


@st.composite
def risk_inputs(draw) -> OfferRiskInputs:
    return OfferRiskInputs(
        kind=draw(st.sampled_from(["flight", "hotel"])),
        route_volatility=draw(volatilities),
        units_left=draw(st.none() | st.integers(0, 50)),
        units_needed=draw(st.integers(1, 9)),
        bookable_probability=draw(probabilities),
        provider_uptime=draw(probabilities),
        refundable=draw(st.sampled_from([None, True, False])),
    )


def points(inputs: OfferRiskInputs, **changes) -> int:
    return offer_risk(dataclasses.replace(inputs, **changes)).points


def safe() -> OfferRiskInputs:
    return OfferRiskInputs("flight", 0.0, 9, 1, 1.0, 1.0, True)


def test_the_weights_add_up_to_the_optimizers_scale():
    assert sum(COMPONENT_WEIGHTS.values()) == MAX_POINTS == 1000


@given(risk_inputs())
def test_offer_points_are_bounded_integers_summing_their_components(inputs):
    risk = offer_risk(inputs)
    assert isinstance(risk.points, int)
    assert 0 <= risk.points <= MAX_POINTS
    assert risk.points == sum(risk.components.values())
    for name, value in risk.components.items():
        assert isinstance(value, int)
        assert 0 <= value <= COMPONENT_WEIGHTS[name]


@given(risk_inputs(), st.integers(0, 50), st.integers(0, 50))
def test_fewer_units_left_is_never_less_risky(inputs, a, b):
    fewer, more = sorted((a, b))
    assert points(inputs, units_left=fewer) >= points(inputs, units_left=more)


@given(risk_inputs(), st.integers(1, 9), st.integers(1, 9))
def test_needing_more_units_is_never_less_risky(inputs, a, b):
    fewer, more = sorted((a, b))
    assert points(inputs, units_needed=more) >= points(inputs, units_needed=fewer)


@given(risk_inputs(), st.floats(0, 2), st.floats(0, 2))
def test_higher_volatility_is_never_less_risky(inputs, a, b):
    low, high = sorted((a, b))
    assert points(inputs, route_volatility=high) >= points(inputs, route_volatility=low)


@given(risk_inputs(), st.floats(0, 1), st.floats(0, 1))
def test_likelier_bookable_and_more_reliable_are_never_riskier(inputs, a, b):
    low, high = sorted((a, b))
    assert points(inputs, bookable_probability=low) >= points(inputs, bookable_probability=high)
    assert points(inputs, provider_uptime=low) >= points(inputs, provider_uptime=high)


@given(risk_inputs())
def test_non_refundable_is_at_least_unknown_which_is_at_least_refundable(inputs):
    non_refundable = points(inputs, refundable=False)
    assert non_refundable >= points(inputs, refundable=None) >= points(inputs, refundable=True)


def test_the_documented_mappings():
    risk = offer_risk(OfferRiskInputs("flight", 0.08, 2, 1, 0.7, 0.8, False))
    assert risk.components == {
        "volatility": 200,  # 250 * 0.08 / 0.10
        "scarcity": 125,  # 250 * 1 / 2
        "bookability": 75,  # 250 * 0.3
        "provider": 60,  # 150 * 0.2 / 0.5
        "cancellation": 100,
    }
    saturated = offer_risk(OfferRiskInputs("hotel", 0.5, 1, 2, 0.0, 0.2, False))
    assert saturated.points == MAX_POINTS
    assert offer_risk(safe()).components["scarcity"] == 28  # 1 of 9 seats: 250 / 9


def test_unknown_inputs_score_a_documented_default_never_zero():
    unknown = offer_risk(OfferRiskInputs("flight"))
    assert unknown.components == {
        "volatility": 100,
        "scarcity": 100,
        "bookability": 100,
        "provider": 60,
        "cancellation": 60,
    }
    assert offer_risk(safe()).points < unknown.points


@pytest.mark.parametrize(
    "changes",
    [
        {"route_volatility": -0.1},
        {"route_volatility": float("nan")},
        {"units_left": -1},
        {"units_needed": 0},
        {"bookable_probability": 1.5},
        {"provider_uptime": float("nan")},
        {"kind": "train"},
    ],
)
def test_impossible_inputs_are_refused(changes):
    with pytest.raises(ValueError):
        dataclasses.replace(safe(), **changes)


def legs(**inputs: OfferRiskInputs) -> dict[str, OfferRisk]:
    names = {"outbound": OUTBOUND, "back": RETURN, "hotel": "hotel"}
    return {names[leg]: offer_risk(value) for leg, value in inputs.items()}


def calm_hotel(**changes) -> OfferRiskInputs:
    return dataclasses.replace(OfferRiskInputs("hotel", 0.0, 9, 1, 1.0, 1.0, True), **changes)


@given(st.lists(risk_inputs(), min_size=1, max_size=4), st.data())
def test_package_score_is_bounded_and_never_falls_when_an_offer_gets_riskier(offers, data):
    risks = {f"leg{i}": offer_risk(inputs) for i, inputs in enumerate(offers)}
    package = package_risk(risks)
    assert 0 <= package.score <= 100
    assert package.level == (
        "low" if package.score < 25 else "medium" if package.score < 50 else "high"
    )
    assert len(package.top_reasons) <= 3
    worse_leg = data.draw(st.sampled_from(sorted(risks)))
    worse = offer_risk(dataclasses.replace(risks[worse_leg].inputs, refundable=False, units_left=0))
    assert package_risk(risks | {worse_leg: worse}).score >= package.score


def test_one_weak_offer_shows_through_three_safe_ones():
    weak = OfferRiskInputs("flight", 0.1, 1, 1, 0.0, 0.0, False)  # 1000 points
    package = package_risk(legs(outbound=weak, back=safe(), hotel=calm_hotel()))
    # (max 1000 + mean (1000 + 28 + 28) / 3) / 2 / 10 = 67.6
    assert package.score == 68
    assert package.level == "high"
    assert package.components["scarcity"] == 250


def test_a_safe_package_is_low_risk_with_no_reasons():
    package = package_risk(legs(outbound=safe(), back=safe(), hotel=calm_hotel()))
    assert package.level == "low"
    assert package.top_reasons == []


def test_reasons_name_the_leg_and_its_numbers_biggest_first():
    scarce = dataclasses.replace(safe(), units_left=2, route_volatility=0.08)
    package = package_risk(legs(outbound=safe(), back=scarce, hotel=calm_hotel(refundable=False)))
    assert package.top_reasons == [
        "prices on the return flight's route move a lot (±8% a day)",  # 200 points
        "only 2 seats left on the return flight",  # 125
        "the hotel rate is non-refundable",  # 100
    ]


def test_hotel_reasons_speak_of_rooms_and_cities():
    hotel = calm_hotel(units_left=1, route_volatility=0.05, bookable_probability=0.4)
    reasons = package_risk(legs(outbound=safe(), hotel=hotel)).top_reasons
    assert reasons == [
        "only 1 room left at the hotel",
        "60% chance the hotel's price will not hold",
        "prices in the hotel's city move a lot (±5% a day)",
    ]


def test_a_shared_fact_names_every_leg_it_applies_to():
    non_refundable = dataclasses.replace(safe(), refundable=False)
    package = package_risk(
        legs(outbound=non_refundable, back=safe(), hotel=calm_hotel(refundable=False))
    )
    assert package.top_reasons == ["the outbound flight and the hotel rate are non-refundable"]


def test_unknown_inputs_are_reasons_too():
    unknown = OfferRiskInputs("flight", units_needed=2)
    reasons = package_risk(legs(outbound=safe(), back=unknown)).top_reasons
    assert reasons == [
        "little price history yet on the return flight's route",
        "seats left on the return flight are unknown",
        "no estimate yet of whether the return flight's price will hold",
    ]


def test_not_enough_units_and_an_unreliable_provider_are_spelled_out():
    short = dataclasses.replace(safe(), units_left=1, units_needed=3, provider_uptime=0.75)
    reasons = package_risk(legs(outbound=short)).top_reasons
    assert reasons == [
        "not enough seats left on the outbound flight (1 for 3 needed)",
        "the outbound flight's price source missed 25% of our checks",
    ]


def test_an_empty_package_is_refused():
    with pytest.raises(ValueError):
        package_risk({})


def test_package_legs_name_each_offer_of_a_split_stay():
    day = dt.datetime(2026, 5, 4, 8, tzinfo=dt.UTC)
    flight = FlightOffer("o", "AA", 1, "EUR", day, day, 0, 0, 9, True)
    back = dataclasses.replace(flight, offer_id="r")
    room = HotelRoomOffer("h1", "H1", 4, 8.0, 0.0, 0.0, True, "EUR", (NightRate(day.date(), 1, 1),))
    other_room = dataclasses.replace(room, offer_id="h2", hotel_id="H2")
    stays = tuple(
        HotelStay(r, day.date(), day.date() + dt.timedelta(days=1), 1, 1)
        for r in (room, other_room)
    )
    package = Package(flight, back, stays, day.date(), 4, "EUR", Criteria(), {}, 0, True)
    assert package_legs(package) == {
        OUTBOUND: flight,
        RETURN: back,
        "first hotel": room,
        "second hotel": other_room,
    }
    single = dataclasses.replace(package, stays=stays[:1])
    assert list(package_legs(single)) == [OUTBOUND, RETURN, "hotel"]
