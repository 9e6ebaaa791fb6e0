"""Explanations of real optimizer rankings on tiny instances: what they name, and in what units."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from ml.optimizer import (
    CRITERIA,
    Criteria,
    CriterionWeights,
    FlightOffer,
    HotelRoomOffer,
    NightRate,
    ObjectiveScale,
    Offers,
    Package,
    TripRequest,
    optimize,
)
from ml.recommendations.explain import _PHRASES, Explanation, _ordinal, explain_ranking
from ml.recommendations.risk import OfferRiskInputs, offer_risk, package_risk

DAY = dt.date(2026, 5, 4)
BACK = DAY + dt.timedelta(days=3)
CRITERION_WORDS = {
    "travel_minutes": "travel time",
    "stops": "stop",
    "off_window_minutes": "preferred times",
    "rating_shortfall": "rated",
    "poi_distance_m": "point of interest",
    "non_refundable": "non-refundable",
    "risk_points": "risk",
}


def flight(offer_id, day, *, price, minutes=120, stops=0, currency="EUR") -> FlightOffer:
    departs = dt.datetime.combine(day, dt.time(8), dt.UTC)
    return FlightOffer(
        offer_id=offer_id,
        carrier="AA",
        price_minor=price,
        currency=currency,
        departs_at=departs,
        arrives_at=departs + dt.timedelta(minutes=minutes),
        duration_minutes=minutes,
        stops=stops,
        seats_left=9,
        refundable=True,
    )


def room(offer_id, *, price, rating=8.0, currency="EUR") -> HotelRoomOffer:
    return HotelRoomOffer(
        offer_id=offer_id,
        hotel_id=offer_id.upper(),
        stars=4,
        rating=rating,
        latitude=41.39,
        longitude=2.17,
        refundable=True,
        currency=currency,
        nights=tuple(NightRate(DAY + dt.timedelta(days=d), price, 3) for d in range(3)),
    )


def ranked(offers: Offers, **request_fields) -> list[Package]:
    request = TripRequest(
        **{
            "earliest_departure": DAY,
            "latest_departure": DAY,
            "min_nights": 3,
            "max_nights": 3,
            "travelers": 2,
            "budget_minor": None,
            "currency": offers.currency,
        }
        | request_fields
    )
    # One part differing is enough here: the instances have a single choice to make.
    return list(optimize(request, offers, k=5, min_parts_differing=1).packages)


def direct_or_cheap_connection() -> list[Package]:
    """Non-stop at 250.00 EUR a head, or a 1-stop 3h10 longer at 240.00 EUR: under the default
    weights 20.00 EUR saved is worth less than 3h10 (19.00) plus a stop (20.00)."""
    offers = Offers(
        "EUR",
        (
            flight("direct", DAY, price=25_000, minutes=150),
            flight("connection", DAY, price=24_000, minutes=340, stops=1),
        ),
        (flight("back", BACK, price=10_000),),
        (room("hotel", price=12_000),),
    )
    return ranked(offers)


def mentions(text: str, criterion: str) -> bool:
    return CRITERION_WORDS[criterion] in text.lower()


def test_every_criterion_has_a_phrase():
    assert set(_PHRASES) == set(CRITERIA)


def test_the_best_says_so_with_its_total_price():
    packages = direct_or_cheap_connection()
    assert [p.outbound.offer_id for p in packages] == ["direct", "connection"]
    best = explain_ranking(packages, "EUR")[0]
    # 2 x 250.00 + 2 x 100.00 + 3 nights x 120.00
    assert best.headline.startswith("Best overall: 1,060.00 EUR in total, ")
    assert best.headline.endswith(" than #2")
    assert "1 fewer stop" in best.headline


def test_a_cheaper_but_slower_second_names_price_and_travel_time():
    second = explain_ranking(direct_or_cheap_connection(), "EUR")[1]
    assert second.headline == (
        "Ranks 2nd: 20.00 EUR cheaper than #1 but 1 more stop and 3h10 more travel time"
    )
    assert second.reasons == [
        "1,040.00 EUR in total.",
        "20.00 EUR cheaper than #1.",
        "1 more stop than #1.",
        "3h10 more travel time than #1.",
    ]


def test_reasons_leave_out_criteria_that_are_equal():
    # Same flights; the hotels differ in price and rating only.
    offers = Offers(
        "EUR",
        (flight("out", DAY, price=20_000),),
        (flight("back", BACK, price=10_000),),
        (room("good", price=14_000, rating=9.0), room("plain", price=12_000, rating=6.5)),
    )
    packages = ranked(offers)
    # The second is a split stay: one night plain, two good.
    assert [[s.offer.offer_id for s in p.stays] for p in packages] == [
        ["good"],
        ["plain", "good"],
        ["plain"],
    ]
    explanations = explain_ranking(packages, "EUR")
    assert [e.headline for e in explanations] == [
        "Best overall: 1,020.00 EUR in total, a hotel rated 0.8 points higher than #2",
        "Ranks 2nd: 20.00 EUR cheaper than #1 but hotels rated 0.8 points lower",
        "Ranks 3rd: 40.00 EUR cheaper than #2 but a hotel rated 1.7 points lower",
    ]
    assert explanations[2].reasons == [
        "960.00 EUR in total.",
        "A hotel rated 1.7 points lower than #2.",  # 6.5 against (6.5 + 9.0 + 9.0) / 3
        "40.00 EUR cheaper than #2.",
    ]
    for explanation in explanations:
        text = " ".join([explanation.headline, *explanation.reasons])
        for criterion in CRITERION_WORDS.keys() - {"rating_shortfall"}:
            assert not mentions(text, criterion), (criterion, text)


def test_a_criterion_without_weight_is_not_a_reason():
    weights = CriterionWeights(travel_minutes=0)
    packages = ranked(
        Offers(
            "EUR",
            (
                flight("direct", DAY, price=25_000, minutes=150),
                flight("connection", DAY, price=24_000, minutes=340, stops=1),
            ),
            (flight("back", BACK, price=10_000),),
            (room("hotel", price=12_000),),
        ),
        weights=weights,
    )
    for explanation in explain_ranking(packages, "EUR"):
        assert "travel time" not in " ".join([explanation.headline, *explanation.reasons])


def worse_by(package: Package, **deltas: int) -> Package:
    """``package`` with some criteria raised, rescored under the default weights."""
    criteria = package.criteria + Criteria(**deltas)
    scale = ObjectiveScale.of(CriterionWeights())
    return dataclasses.replace(
        package,
        criteria=criteria,
        total_price_minor=criteria.price_minor,
        contributions=scale.contributions(criteria),
        objective=scale.objective(criteria),
    )


def test_each_criterion_in_its_own_units():
    best = direct_or_cheap_connection()[0]
    # Per night 1.2 km further over 3 nights; 3000 each for a non-refundable part and 300 risk
    # points, 720 for the distance, 225 for 45 minutes off the preferred window.
    worse = worse_by(
        best, off_window_minutes=45, poi_distance_m=3 * 1_200, non_refundable=1, risk_points=300
    )
    second = explain_ranking([best, worse], "EUR")[1]
    assert second.headline == (
        "Ranks 2nd: 1 more non-refundable booking and a higher risk score than #1"
    )
    assert second.reasons == [
        "1,060.00 EUR in total.",
        "1 more non-refundable booking than #1.",
        "A higher risk score than #1.",
        "A hotel 1.2 km further from your point of interest than #1.",
        "Departing 45 min further outside your preferred times than #1.",
    ]


def test_a_longer_stay_is_named_rather_than_a_rating_that_did_not_change():
    best = direct_or_cheap_connection()[0]
    [stay] = best.stays
    longer_stay = dataclasses.replace(stay, check_out=stay.check_out + dt.timedelta(days=1))
    # One more night at 120.00 in the same 8.0 hotel: 20 more tenths of shortfall, same mean.
    longer = worse_by(best, price_minor=12_000, rating_shortfall=20)
    longer = dataclasses.replace(longer, stays=(longer_stay,))
    second = explain_ranking([best, longer], "EUR")[1]
    assert second.headline == "Ranks 2nd: 120.00 EUR more expensive than #1"
    assert second.reasons == [
        "1,180.00 EUR in total.",
        "120.00 EUR more expensive than #1.",
        "1 more night than #1.",
    ]


def test_currencies_without_minor_units_print_no_decimals():
    offers = Offers(
        "JPY",
        (flight("out", DAY, price=48_000, currency="JPY"),),
        (flight("back", BACK, price=45_500, currency="JPY"),),
        (room("hotel", price=15_000, currency="JPY"),),
    )
    [only] = explain_ranking(ranked(offers), "JPY")
    assert only.headline == "Best overall: 232,000 JPY in total, the only package that fits"
    assert only.reasons == []


def test_savings_against_the_first_and_typical_prices():
    packages = direct_or_cheap_connection()
    first, second = explain_ranking(
        packages, "EUR", first_price_minor=114_000, typical_price_minor=104_000
    )
    assert first.reasons[-2:] == [
        "80.00 EUR below the first price we saw.",
        "20.00 EUR above the typical price.",
    ]
    assert second.reasons[-2:] == [
        "100.00 EUR below the first price we saw.",
        "The same as the typical price.",
    ]


def test_a_package_risk_becomes_the_last_reason():
    packages = direct_or_cheap_connection()
    scarce = offer_risk(OfferRiskInputs("flight", 0.0, 2, 2, 1.0, 1.0, True))
    risk = package_risk({"outbound flight": scarce})
    explanations = explain_ranking(packages, "EUR", risks=[risk, None])
    assert explanations[0].reasons[-1] == (
        "Medium risk (25/100): only 2 seats left on the outbound flight."
    )
    assert not any("risk" in reason for reason in explanations[1].reasons)


def test_equal_objectives_are_called_as_good():
    packages = direct_or_cheap_connection()
    twin = dataclasses.replace(packages[0])
    explanations = explain_ranking([packages[0], twin], "EUR")
    assert explanations[0].headline.endswith(", as good as #2")
    assert explanations[1] == Explanation(
        "Ranks 2nd: as good overall as #1", ["1,060.00 EUR in total."]
    )


def test_mismatched_inputs_are_refused():
    packages = direct_or_cheap_connection()
    with pytest.raises(ValueError, match="not JPY"):
        explain_ranking(packages, "JPY")
    with pytest.raises(ValueError, match="one risk"):
        explain_ranking(packages, "EUR", risks=[None])


def test_nothing_to_explain():
    assert explain_ranking([], "EUR") == []


@pytest.mark.parametrize(
    ("n", "word"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (22, "22nd")],
)
def test_ordinals(n, word):
    assert _ordinal(n) == word
