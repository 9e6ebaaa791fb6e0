"""The rules' memory survives JSON, and a restored state carries on exactly as the original."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ml.alerts import RuleState
from tests.ml.alerts.helpers import START, daily, observe, run


def test_state_round_trips_through_json_and_carries_on_identically():
    history = daily(
        [100_000, 89_000, 104_000, 99_000], budget=100_000, buy_now=True, prob=0.9, key="A"
    )
    alerts, state = run(history)
    assert alerts and not state.is_armed("budget_target")
    restored = RuleState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state

    later = [
        observe(80_000, START + dt.timedelta(days=5), budget=100_000, key="B"),
        observe(70_000, START + dt.timedelta(days=6), budget=100_000, key="B"),
    ]
    assert run(later, state=restored) == run(later, state=state)


def test_a_new_watch_has_an_empty_state():
    assert RuleState.from_dict(None) == RuleState.from_dict({}) == RuleState()


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"version": 99}, "version"),
        ({"version": 1, "armed": {"sunburn": True}}, "unknown alert kind"),
        ({"version": 1, "last_alert_at": {"price_drop": "yesterday"}}, "ISO 8601"),
        ({"version": 1, "last_evaluated_at": "2026-05-04T12:00:00"}, "UTC offset"),
        ({"version": 1, "first_price_minor": "100"}, "first_price_minor is not a int"),
    ],
)
def test_unreadable_state_is_refused(document, reason):
    with pytest.raises(ValueError, match=reason):
        RuleState.from_dict(document)
