"""The channel-independent alert content."""

from __future__ import annotations

import pytest

from tests.notifications.conftest import alert_message
from wayra.notifications import subject


def test_subject_names_the_kind_the_trip_and_the_price():
    assert subject(alert_message()) == "Price drop: London → New York, 10–17 Jun now 412.30 EUR"
    assert subject(alert_message(kind="budget_target")).startswith("Within your budget: ")


def test_saving_is_shown_only_when_cheaper_than_the_reference():
    assert str(alert_message().saving) == "37.70 EUR"
    assert alert_message(reference_minor=40_000).saving is None
    assert alert_message(reference_minor=None).saving is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "flash_sale"},
        {"currency": "XXX"},
        {"price_minor": 412.3},
        {"alert_id": "has space"},
        {"alert_id": "<injected>"},
    ],
    ids=str,
)
def test_invalid_messages_are_refused(overrides):
    with pytest.raises((ValueError, TypeError)):
        alert_message(**overrides)
