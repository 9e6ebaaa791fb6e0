"""From the option marts' rows to published records: ranking across routes, the over-budget
fallback with what binds, Pareto fronts, legs, savings, explanations, risk and advice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ml.optimizer import CriterionWeights
from ml.recommendations.advice import advise_watches, daily_prices
from ml.recommendations.inputs import WatchSpec
from ml.recommendations.market import MarketContext
from ml.recommendations.recommend import WatchInputs, recommend

DAY = dt.date(2027, 3, 10)
OBSERVED = dt.date(2027, 1, 5)


def flight_row(
    offer_id: str,
    direction: str,
    day: dt.date,
    price: int,
    *,
    origin: str = "LHR",
    stops: int = 0,
    minutes: int = 480,
    hour: int = 9,
    seats: int | None = 9,
) -> dict[str, Any]:
    departs = dt.datetime.combine(day, dt.time(hour), dt.UTC)
    return {
        "watch_id": "w1",
        "direction": direction,
        "route_origin": origin,
        "route_destination": "JFK",
        "destination_city_code": "NYC",
        "observed_on": OBSERVED,
        "departure_date": day,
        "provider": "sim_air",
        "offer_id": offer_id,
        "carrier": "BA",
        "flight_number": f"BA{len(offer_id)}",
        "departure_at": departs,
        "arrival_at": departs + dt.timedelta(minutes=minutes),
        "duration_minutes": minutes,
        "stops": stops,
        "seats_left": seats,
        "total_minor": price + 7,  # the provider's own currency and amount
        "currency": "USD",
        "converted_minor": price,
        "fx_rate_date": OBSERVED - dt.timedelta(days=1),
        "is_preferred_airline": False,
    }


def hotel_row(offer_id: str, check_in: dt.date, nights: int, price: int, **kw) -> dict[str, Any]:
    return {
        "watch_id": "w1",
        "city_code": "NYC",
        "observed_on": OBSERVED,
        "check_in": check_in,
        "nights": nights,
        "provider": "sim_hotel",
        "offer_id": offer_id,
        "hotel_id": kw.get("hotel_id", offer_id.upper()),
        "hotel_name": f"Hotel {offer_id}",
        "stars": kw.get("stars", 4),
        "latitude": 40.75,
        "longitude": -73.99,
        "room_type": "STANDARD",
        "rooms_left": kw.get("rooms_left", 5),
        "is_refundable": kw.get("refundable", True),
        "total_minor": price,
        "currency": "GBP",
        "converted_minor": price,
        "fx_rate_date": OBSERVED,
    }


def watch(budget_minor: int | None = 200_000) -> WatchSpec:
    return WatchSpec(
        watch_id="w1",
        user_id="u1",
        depart_from=DAY,
        depart_to=DAY,
        nights_min=3,
        nights_max=3,
        party_size=2,
        currency="GBP",
        budget_minor=budget_minor,
    )


BACK = DAY + dt.timedelta(days=3)
FLIGHTS = [
    flight_row("out-direct", "outbound", DAY, 40_000),
    flight_row("out-cheap", "outbound", DAY, 30_000, stops=1, minutes=720),
    flight_row("back-direct", "inbound", BACK, 42_000, hour=18),
    flight_row("back-cheap", "inbound", BACK, 33_000, stops=1, minutes=700, hour=18),
]
HOTELS = [hotel_row("h-good", DAY, 3, 60_000), hotel_row("h-basic", DAY, 3, 45_000, stars=2)]
HISTORY = [
    (dt.datetime(2027, 1, 3, 6, tzinfo=dt.UTC), 150_000),
    (dt.datetime(2027, 1, 4, 6, tzinfo=dt.UTC), 140_000),
    (dt.datetime(2027, 1, 5, 6, tzinfo=dt.UTC), 145_000),
]


def run(spec: WatchSpec, flights=FLIGHTS, hotels=HOTELS, market=MarketContext(), model=None):
    inputs = WatchInputs(spec, CriterionWeights(), flights, hotels, HISTORY)
    return recommend([inputs], market, model)


def test_packages_are_ranked_explained_and_priced_from_their_legs() -> None:
    result = run(watch())
    assert result.statuses == {"optimal": 1}
    packages = result.packages
    assert [p["rank"] for p in packages] == list(range(1, len(packages) + 1))
    assert len(packages) >= 2
    for package in packages:
        legs = package["legs"]
        assert [leg["kind"] for leg in legs] == ["outbound", "inbound", "hotel"]
        assert package["total_minor"] == sum(leg["converted_minor"] for leg in legs)
        # The provider's own amount travels with the leg, for re-pricing at booking time.
        assert legs[0]["price_minor"] == legs[0]["converted_minor"] + 7
        assert (legs[1]["origin"], legs[1]["destination"]) == ("JFK", "LHR")
        assert (package["departure_date"], package["return_date"]) == (DAY, BACK)
        assert package["saving_vs_first_minor"] == 150_000 - package["total_minor"]
        assert package["saving_vs_typical_minor"] == 145_000 - package["total_minor"]
        assert package["explanation"]["headline"] and package["risk"]["level"] in {
            "low",
            "medium",
            "high",
        }
        assert package["within_budget"] is (package["total_minor"] <= 200_000)
    scores = [p["score"] for p in packages]
    assert scores == sorted(scores)
    assert packages[0]["explanation"]["headline"].startswith("Best overall")
    (summary,) = result.summaries
    assert (summary["first_price_minor"], summary["typical_price_minor"]) == (150_000, 145_000)
    front = summary["pareto_front"]
    prices = [p["total_minor"] for p in front]
    conveniences = [p["convenience"] for p in front]
    assert prices == sorted(prices) and conveniences == sorted(conveniences, reverse=True)
    # The cheapest package of all is on the front.
    assert prices[0] == 30_000 + 33_000 + 45_000


def test_over_budget_watches_still_see_the_closest_packages_and_what_binds() -> None:
    result = run(watch(budget_minor=100_000))
    assert result.statuses == {"over_budget": 1}
    assert result.packages and all(p["within_budget"] is False for p in result.packages)
    (summary,) = result.summaries
    (binding,) = [b for b in summary["binding"] if b["constraint"] == "budget"]
    assert binding["by"] == 30_000 + 33_000 + 45_000 - 100_000
    assert all(point["within_budget"] is False for point in summary["pareto_front"])


def test_a_watch_without_hotels_gets_no_package() -> None:
    result = run(watch(), hotels=[])
    assert result.statuses == {"no_package": 1}
    assert result.packages == []
    assert result.summaries[0]["status"] == "no_package"


def test_routes_are_pooled_and_never_mixed() -> None:
    gatwick = [
        flight_row("lgw-out", "outbound", DAY, 20_000, origin="LGW"),
        flight_row("lgw-back", "inbound", BACK, 20_000, origin="LGW", hour=18),
    ]
    result = run(watch(), flights=FLIGHTS + gatwick)
    best = result.packages[0]
    assert [leg["offer_id"] for leg in best["legs"][:2]] == ["lgw-out", "lgw-back"]
    for package in result.packages:
        outbound, inbound = package["legs"][:2]
        assert outbound["origin"] == inbound["destination"]


def test_scarce_volatile_offers_carry_more_risk() -> None:
    calm = run(watch()).packages[0]["risk"]["score"]
    market = MarketContext(
        volatility={("flight", "LHR-JFK"): 0.09, ("flight", "JFK-LHR"): 0.09},
        provider_uptime={"sim_air": 0.6, "sim_hotel": 0.6},
    )
    scarce = [
        {**row, "seats_left": 2} if row["direction"] == "outbound" else row for row in FLIGHTS
    ]
    stormy = run(watch(), flights=scarce, market=market).packages[0]["risk"]
    assert stormy["score"] > calm
    assert any("seats left" in reason for reason in stormy["reasons"])


def test_daily_prices_keep_each_days_lowest() -> None:
    points = [
        (dt.datetime(2027, 1, 3, 6, tzinfo=dt.UTC), 150_000),
        (dt.datetime(2027, 1, 3, 18, tzinfo=dt.UTC), 148_000),
        (dt.datetime(2027, 1, 4, 6, tzinfo=dt.UTC), 149_000),
    ]
    assert daily_prices(points) == [(dt.date(2027, 1, 3), 148_000), (dt.date(2027, 1, 4), 149_000)]


@pytest.mark.usefixtures("trained_split")
def test_advice_comes_from_the_buy_wait_model_in_minor_units(trained_split) -> None:
    model, _, _ = trained_split
    prices = [(OBSERVED - dt.timedelta(days=20 - d), 140_000 + 500 * d) for d in range(21)]
    advice = advise_watches(model, {"w1": (prices, DAY, "GBP", 150_000)})["w1"]
    assert advice["observed_on"] == OBSERVED.isoformat()
    assert advice["action"] in {"BUY_NOW", "WAIT"}
    assert isinstance(advice["expected_saving_minor"], int)
    assert 0.0 <= advice["prob_above_budget"] <= 1.0
    assert dt.date.fromisoformat(advice["book_by"]) >= OBSERVED
    # The same model through the recommender fills the watch's summary.
    result = run(watch(), model=model)
    assert result.summaries[0]["advice"]["action"] in {"BUY_NOW", "WAIT"}
