"""Product defaults and a watch's overrides from its stored JSON."""

from __future__ import annotations

import datetime as dt

import pytest

from ml.alerts import PRICE_DROP, AlertSettings, AlertSettingsError
from tests.ml.alerts.helpers import daily, of_kind, run


def test_product_defaults():
    s = AlertSettings()
    assert (s.price_drop_pct, s.budget_within_pct, s.urgency_probability) == (10, 5, 0.5)
    assert s.fare_fence_days == (21, 14, 7)
    assert s.cooldown("price_drop") == dt.timedelta(hours=24)
    assert s.cooldown("booking_urgency") == dt.timedelta(hours=12)
    assert s.quiet_hours == (dt.time(22), dt.time(7))
    assert s.urgent_overrides_quiet and not s.digest
    assert s.budget_rearm_pct == 10.0  # twice the 5% window


def test_valid_overrides_apply():
    s = AlertSettings().with_overrides(
        {
            "price_drop_pct": 8,
            "quiet_hours": ["23:00", "06:30"],
            "digest": True,
            "digest_time": 9,
            "quiet_hours_start": None,  # the serving API's "default" beside an explicit pair
            "fare_fence_days": [14, 30],
            "booking_urgency_cooldown_hours": 6,
        }
    )
    assert s.price_drop_pct == 8.0
    assert s.quiet_hours == (dt.time(23), dt.time(6, 30))
    assert s.digest and s.digest_time == dt.time(9)
    assert s.fare_fence_days == (30, 14)
    assert s.cooldown("booking_urgency") == dt.timedelta(hours=6)
    assert AlertSettings().with_overrides(s.to_dict()) == s  # to_dict is override-shaped
    assert AlertSettings().with_overrides({}) == AlertSettings()
    assert AlertSettings().with_overrides(None) == AlertSettings()


def test_an_override_changes_what_alerts():
    prices = [100_000, 94_000]
    assert of_kind(run(daily(prices))[0], PRICE_DROP) == []
    eager = AlertSettings().with_overrides({"price_drop_pct": 5})
    assert len(of_kind(run(daily(prices), eager)[0], PRICE_DROP)) == 1


def test_the_serving_apis_stored_preferences_load():
    stored_default = {
        "channels": ["email"],
        "price_drop_pct": 10,
        "quiet_hours_start": None,
        "quiet_hours_end": None,
    }
    assert AlertSettings().with_overrides(stored_default) == AlertSettings()
    custom = AlertSettings().with_overrides(
        {"channels": ["push"], "quiet_hours_start": "22:30:00", "quiet_hours_end": "06:00:00"}
    )
    assert custom.quiet_hours == (dt.time(22, 30), dt.time(6))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"colour": "red"}, "unknown alert setting 'colour'"),
        ({"price_drop_pct": 0}, "price_drop_pct: must be above 0, at most 100"),
        ({"price_drop_pct": "10"}, "price_drop_pct: must be a number"),
        ({"price_drop_pct": True}, "price_drop_pct: must be a number"),
        ({"urgency_probability": 1.5}, "urgency_probability: must be above 0, at most 1"),
        ({"urgency_rearm_margin": 0.6}, "urgency_rearm_margin: must be at least 0 and below"),
        ({"digest": "yes"}, "digest: must be true or false"),
        ({"digest_time": "8am"}, 'digest_time: must be a time of day such as "22:00"'),
        ({"quiet_hours": ["22:00", "22:00"]}, "quiet_hours: start and end must differ"),
        ({"quiet_hours": "22-07"}, "quiet_hours: must be [start, end] or null"),
        ({"fare_fence_days": [7, 7]}, "fare_fence_days: must be distinct whole days"),
        ({"fare_fence_days": [0]}, "fare_fence_days: must be distinct whole days, each at least 1"),
        ({"price_drop_cooldown_hours": -1}, "price_drop_cooldown_hours: must be within 0-336"),
        ({"quiet_hours_start": "22:00"}, "quiet_hours_start and quiet_hours_end go together"),
        ([("price_drop_pct", 5)], "must be a JSON object"),
    ],
)
def test_invalid_overrides_raise_with_a_reason(overrides, reason):
    with pytest.raises(AlertSettingsError, match="invalid alert preferences") as caught:
        AlertSettings().with_overrides(overrides)
    assert reason in str(caught.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValueError) as caught:
        AlertSettings().with_overrides({"colour": "red", "digest": 1, "price_drop_pct": 200})
    assert len(caught.value.problems) == 3


def test_direct_construction_is_checked_too():
    with pytest.raises(AlertSettingsError, match="budget_rearm_multiple"):
        AlertSettings(budget_rearm_multiple=0.5)
