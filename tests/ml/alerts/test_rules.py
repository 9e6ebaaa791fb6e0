"""The four rules on hand-made price paths: thresholds, references, hysteresis, cooldowns."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from ml.alerts import (
    BETTER_ALTERNATIVE,
    BOOKING_URGENCY,
    BUDGET_TARGET,
    PRICE_DROP,
    AlertSettings,
    RuleState,
    WatchObservation,
    evaluate,
)
from tests.ml.alerts.helpers import DEPARTURE, START, daily, observe, of_kind, run


def oscillating(center: int, days: int, seed: int = 0) -> list[int]:
    """``center`` +-1%: alternating sides, with a random amplitude up to 1%."""
    rng = random.Random(seed)
    return [
        round(center * (1 + (1 if i % 2 else -1) * rng.uniform(0.002, 0.01))) for i in range(days)
    ]


# --- price drop ---------------------------------------------------------------------------
def test_a_price_bouncing_around_the_drop_threshold_alerts_once():
    threshold = 90_000  # 10% below the first price
    alerts, _ = run(daily([100_000, *oscillating(threshold, 30)]))
    assert len(alerts) == 1  # not one per dip below 90_000
    assert alerts[0].kind == PRICE_DROP and alerts[0].reference_minor == 100_000


def test_price_drop_compares_with_the_first_price_then_the_last_alerted_one():
    alerts, state = run(daily([100_000, 95_000, 90_000, 89_000, 85_000, 95_000, 80_000]))
    drops = of_kind(alerts, PRICE_DROP)
    # 90_000 is exactly 10% below: "more than 10%" needs 89_000. 85_000 is only 4.5% below
    # the new reference 89_000; 80_000 is 10.1% below it.
    assert [(a.price_minor, a.reference_minor) for a in drops] == [
        (89_000, 100_000),
        (80_000, 89_000),
    ]
    assert drops[0].facts["drop_pct"] == 11.0 and drops[0].facts["first_price_minor"] == 100_000
    assert state.reference_price_minor == 80_000 and state.first_price_minor == 100_000


def test_a_price_sliding_steadily_alerts_at_every_further_full_drop():
    prices = [round(100_000 * 0.99**i) for i in range(40)]  # -1% a day
    drops = of_kind(run(daily(prices))[0], PRICE_DROP)
    assert len(drops) == 3
    for alert in drops:
        assert alert.price_minor * 100 < alert.reference_minor * 90


def test_price_drop_cooldown_delays_but_does_not_lose_a_second_drop():
    six_hours = dt.timedelta(hours=6)
    observations = [
        observe(100_000, START),
        observe(89_000, START + six_hours),  # alert
        observe(79_000, START + 2 * six_hours),  # a further drop, inside the 24 h cooldown
        observe(79_000, START + 5 * six_hours),  # 24 h after the first alert
    ]
    drops = of_kind(run(observations)[0], PRICE_DROP)
    assert [a.observed_at for a in drops] == [START + six_hours, START + 5 * six_hours]
    assert drops[1].reference_minor == 89_000


# --- budget target ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("price", "alerts", "under"),
    [(104_000, 1, False), (105_000, 1, False), (95_000, 1, True), (105_100, 0, None)],
)
def test_budget_target_within_five_percent_above_or_under(price, alerts, under):
    raised, _ = run([observe(price, budget=100_000)])
    budget_alerts = of_kind(raised, BUDGET_TARGET)
    assert len(budget_alerts) == alerts
    if alerts:
        assert budget_alerts[0].facts["under_budget"] is under
        assert budget_alerts[0].reference_minor == 100_000
        assert not budget_alerts[0].urgent


def test_a_price_bouncing_around_the_budget_threshold_alerts_once():
    prices = [130_000, *oscillating(105_000, 30, seed=1)]
    budget_alerts = of_kind(run(daily(prices, budget=100_000))[0], BUDGET_TARGET)
    assert len(budget_alerts) == 1


def hourly(*hours_and_prices: tuple[int, int], budget: int) -> list[WatchObservation]:
    return [observe(p, START + dt.timedelta(hours=h), budget=budget) for h, p in hours_and_prices]


def test_budget_target_re_arms_only_above_the_band_and_respects_its_cooldown():
    # 109_000 is not clearly away from the budget (re-arm band: 10% above it); 111_000 is.
    observations = hourly(
        (0, 104_000), (6, 109_000), (12, 104_000), (24, 104_000), (48, 111_000), (72, 99_000),
        budget=100_000,
    )  # fmt: skip
    assert [a.observed_at for a in of_kind(run(observations)[0], BUDGET_TARGET)] == [
        START,
        START + dt.timedelta(hours=72),
    ]
    # Re-armed at 6 h, but cooling down until 24 h after the first alert.
    observations = hourly((0, 104_000), (6, 120_000), (12, 99_000), (24, 99_000), budget=100_000)
    assert [a.observed_at for a in of_kind(run(observations)[0], BUDGET_TARGET)] == [
        START,
        START + dt.timedelta(hours=24),
    ]


# --- booking urgency ----------------------------------------------------------------------
def test_buy_now_with_a_likely_budget_overrun_is_urgent_and_wait_is_not():
    urgent, _ = run([observe(120_000, budget=100_000, buy_now=True, prob=0.8)])
    assert [(a.kind, a.urgent) for a in urgent] == [(BOOKING_URGENCY, True)]
    assert urgent[0].facts["reasons"] == ["buy_now"]
    assert urgent[0].facts["prob_above_budget"] == 0.8
    assert run([observe(120_000, budget=100_000, buy_now=False, prob=0.8)])[0] == []
    assert run([observe(120_000, budget=100_000, buy_now=True, prob=0.3)])[0] == []


def test_urgency_repeats_only_after_the_risk_has_clearly_fallen():
    probs = [0.8, 0.8, 0.45, 0.55, 0.45, 0.55, 0.3, 0.7]  # 0.45 is within the 0.1 margin
    observations = [
        observe(120_000, START + dt.timedelta(days=i), budget=100_000, buy_now=True, prob=p)
        for i, p in enumerate(probs)
    ]
    # The policy flipping to WAIT and back does not re-arm either.
    observations.insert(2, observe(120_000, START + dt.timedelta(days=1, hours=12), buy_now=False))
    urgent = of_kind(run(observations)[0], BOOKING_URGENCY)
    assert [a.observed_at for a in urgent] == [START, START + dt.timedelta(days=7)]


def test_a_fare_fence_crossing_alerts_once():
    days_left = range(25, 15, -1)  # crosses the 21-day fence only
    observations = [
        observe(100_000, START + dt.timedelta(days=i), departure=START.date() + dt.timedelta(25))
        for i in range(len(days_left))
    ]
    urgent = of_kind(run(observations)[0], BOOKING_URGENCY)
    assert len(urgent) == 1
    assert urgent[0].facts["reasons"] == ["fare_fence"]
    assert urgent[0].facts.items() >= {
        ("fence_days", 21),
        ("days_to_departure", 21),
        ("fence_passed", False),
    }
    assert urgent[0].urgent


def test_a_fare_fence_is_not_pushed_while_the_policy_says_wait():
    departure = START.date() + dt.timedelta(22)
    observations = [
        observe(100_000, START + dt.timedelta(days=i), departure=departure, buy_now=False)
        for i in range(4)
    ]
    assert run(observations)[0] == []


def test_a_fence_seen_late_says_it_has_passed():
    departure = START.date() + dt.timedelta(23)
    observations = [
        observe(100_000, START, departure=departure),
        observe(100_000, START + dt.timedelta(days=4), departure=departure),  # missed cycles
    ]
    (alert,) = run(observations)[0]
    assert alert.facts["fence_days"] == 21 and alert.facts["fence_passed"] is True


# --- better alternative -------------------------------------------------------------------
@pytest.mark.parametrize(("new_price", "alerts"), [(94_000, 1), (98_000, 0)])
def test_better_alternative_by_price(new_price, alerts):
    raised, state = run(daily([100_000, new_price], key=None))
    assert raised == []  # no package keys: the rule has nothing to compare
    observations = [observe(100_000, key="A"), observe(new_price, START + dt.timedelta(1), key="B")]
    raised, state = run(observations)
    better = of_kind(raised, BETTER_ALTERNATIVE)
    assert len(better) == alerts
    if alerts:
        assert better[0].facts.items() >= {
            ("package_key", "B"),
            ("previous_package_key", "A"),
            ("price_saving_pct", 6.0),
        }
        assert state.last_recommended_key == "B"
    else:
        assert state.last_recommended_key == "A"  # small gains accumulate against A


def test_better_alternative_by_score_and_small_gains_add_up():
    observations = [
        observe(100_000, START, key="A", score=50.0),
        observe(100_000, START + dt.timedelta(1), key="B", score=47.0),  # 6% better score
        observe(99_000, START + dt.timedelta(2), key="C", score=46.5),  # 1%: not yet
        observe(96_000, START + dt.timedelta(3), key="D", score=46.0),  # 4%: still no
        observe(94_500, START + dt.timedelta(4), key="E", score=46.0),  # 5.5% below B: alert
    ]
    better = of_kind(run(observations)[0], BETTER_ALTERNATIVE)
    assert [a.facts["package_key"] for a in better] == ["B", "E"]
    assert better[0].facts["score_improvement_pct"] == 6.0


def test_the_same_package_getting_cheaper_is_a_price_drop_not_an_alternative():
    observations = [observe(100_000, key="A"), observe(95_000, START + dt.timedelta(1), key="A")]
    raised, state = run(observations)
    assert raised == []
    assert state.last_recommended_price_minor == 95_000


# --- evaluation as a whole ----------------------------------------------------------------
def test_replaying_a_cycle_raises_nothing_and_keeps_the_state():
    observation = observe(89_000, START + dt.timedelta(1))
    alerts, state = run([observe(100_000), observation])
    assert len(alerts) == 1
    again, same = evaluate(observation, state, AlertSettings(), "UTC")
    assert again == [] and same == state


def test_a_change_of_currency_starts_the_references_afresh():
    alerts, state = run(
        [observe(100_000), observe(60_000, START + dt.timedelta(1), currency="GBP")]
    )
    assert alerts == []
    assert state.first_price_minor == 60_000 and state.currency == "GBP"


def test_dedupe_keys_are_deterministic_and_distinct():
    observations = daily([100_000, 89_000, 79_000, 70_000], budget=75_000, buy_now=True, prob=1.0)
    first, _ = run(observations)
    second, _ = run(observations)
    assert [a.dedupe_key for a in first] == [a.dedupe_key for a in second]
    assert len({a.dedupe_key for a in first}) == len(first) > 3


def test_observations_are_checked():
    with pytest.raises(ValueError, match="timezone-aware"):
        observe(100, START.replace(tzinfo=None))
    with pytest.raises(ValueError, match="best_price_minor"):
        observe(0)
    with pytest.raises(ValueError, match="prob_above_budget"):
        observe(100, prob=1.5)
    with pytest.raises(ValueError, match="IANA"):
        evaluate(observe(100), RuleState(), AlertSettings(), "Mars/Olympus")


def test_days_to_departure_is_counted_in_the_travelers_calendar():
    late_evening_utc = dt.datetime(2026, 7, 31, 20, 0, tzinfo=dt.UTC)  # Aug 1 in Tokyo
    observation = WatchObservation(
        "w", late_evening_utc, 100, "EUR", 200, DEPARTURE, buy_now=True, prob_above_budget=0.9
    )
    (tokyo,) = of_kind(run([observation], timezone="Asia/Tokyo")[0], BOOKING_URGENCY)
    (utc,) = of_kind(run([observation], timezone="UTC")[0], BOOKING_URGENCY)
    assert tokyo.facts["days_to_departure"] == 0 and utc.facts["days_to_departure"] == 1
