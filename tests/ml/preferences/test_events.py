from __future__ import annotations

import pytest

from ml.optimizer.criteria import CRITERIA
from ml.preferences.events import (
    PreferenceEvent,
    ShownPackage,
    preference_pairs,
    resolve_signal,
)


def shown_set(*package_ids: str, set_id: str = "s1", traveler: str = "ana") -> list[ShownPackage]:
    """Packages whose price is their position, so a pair's criteria say which is which."""
    return [
        ShownPackage(pid, traveler, set_id, {name: 0 for name in CRITERIA} | {"price_minor": i})
        for i, pid in enumerate(package_ids)
    ]


def event(package_id: str, kind: str, set_id: str = "s1") -> PreferenceEvent:
    return PreferenceEvent("ana", set_id, package_id, kind)


def compared(pairs) -> set[tuple[str, str]]:
    return {(p.preferred_id, p.other_id) for p in pairs}


def test_a_chosen_package_is_preferred_over_every_other_in_its_set():
    pairs = preference_pairs(shown_set("a", "b", "c"), [event("b", "chosen")])
    assert compared(pairs) == {("b", "a"), ("b", "c")}
    b_over_a = next(p for p in pairs if p.other_id == "a")
    assert b_over_a.difference[CRITERIA.index("price_minor")] == -1  # b cost one more


def test_every_other_package_is_preferred_over_a_declined_one():
    pairs = preference_pairs(shown_set("a", "b", "c"), [event("c", "declined")])
    assert compared(pairs) == {("a", "c"), ("b", "c")}


def test_signals_of_different_strength_are_ordered_and_equal_ones_not_compared():
    events = [
        event("a", "chosen"),
        event("b", "liked"),
        event("c", "liked"),
        event("e", "dismissed"),
    ]
    pairs = preference_pairs(shown_set("a", "b", "c", "d", "e"), events)
    assert compared(pairs) == {
        ("a", "b"), ("a", "c"), ("a", "d"), ("a", "e"),
        ("b", "d"), ("b", "e"), ("c", "d"), ("c", "e"),
        ("d", "e"),
    }  # fmt: skip


def test_duplicate_events_count_once():
    once = preference_pairs(shown_set("a", "b"), [event("a", "chosen")])
    twice = preference_pairs(shown_set("a", "b"), [event("a", "chosen"), event("a", "chosen")])
    assert once == twice


@pytest.mark.parametrize(
    ("kinds", "signal"),
    [
        (["chosen", "declined"], 3),  # booked in the end: the strongest signal wins
        (["dismissed", "approved"], 2),
        (["approved", "declined"], 0),  # equal and opposite: no signal
        (["liked", "dismissed", "liked"], 0),
        ([], 0),
    ],
)
def test_conflicting_events_resolve_the_same_whatever_their_order(kinds, signal):
    assert resolve_signal(kinds) == signal
    assert resolve_signal(reversed(kinds)) == signal


def test_cancelled_events_leave_a_set_without_comparisons():
    events = [event("a", "liked"), event("a", "dismissed")]
    assert preference_pairs(shown_set("a", "b"), events) == []


def test_sets_are_separate():
    shown = shown_set("a", "b") + shown_set("c", "d", set_id="s2")
    pairs = preference_pairs(shown, [event("a", "chosen"), event("d", "approved", "s2")])
    assert compared(pairs) == {("a", "b"), ("d", "c")}


def test_an_event_on_a_package_not_shown_in_that_set_is_refused():
    with pytest.raises(ValueError, match="was not shown"):
        preference_pairs(shown_set("a", "b"), [event("a", "chosen", set_id="s2")])


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="unknown event kind"):
        event("a", "booked")
    with pytest.raises(ValueError, match="missing"):
        ShownPackage("a", "ana", "s1", {"price_minor": 1})
    with pytest.raises(ValueError, match="twice"):
        preference_pairs(shown_set("a", "a"), [])
