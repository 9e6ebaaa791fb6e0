"""Travelers' real reactions, as the operational store keeps them, turned into training data.

A shown set is one watch's ranked packages in one publication version (what the traveler saw
on one page); every feedback event ("liked", "dismissed") is about one package of it. For an
honest evaluation each traveler's latest set with a positive event is held out when they have
another set to learn from; its relevance is 1 for the packages they liked, 0 for the rest (real
travelers have no hidden utility to grade by).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ml.preferences.evaluation import HeldOutSet
from ml.preferences.events import (
    PreferenceEvent,
    PreferencePair,
    ShownPackage,
    preference_pairs,
)

POSITIVE = frozenset({"liked", "approved", "chosen"})


@dataclass(frozen=True)
class FeedbackData:
    pairs: list[PreferencePair]  # for training
    holdout: list[HeldOutSet]
    travelers: frozenset[str]  # everyone with at least one event


def shown_set_id(version: int, watch_id: str) -> str:
    return f"{version}:{watch_id}"


def feedback_data(
    shown: Iterable[Mapping[str, Any]], feedback: Iterable[Mapping[str, Any]]
) -> FeedbackData:
    """``shown``: recommendation_id, user_id, version, watch_id, criteria (the packages of
    every set that has feedback); ``feedback``: recommendation_id, user_id, kind."""
    packages: dict[str, ShownPackage] = {}
    version_of: dict[str, int] = {}
    for row in shown:
        if not row["criteria"]:
            continue  # published before the optimizer recorded criteria
        set_id = shown_set_id(row["version"], row["watch_id"])
        packages[row["recommendation_id"]] = ShownPackage(
            row["recommendation_id"], row["user_id"], set_id, dict(row["criteria"])
        )
        version_of[set_id] = row["version"]
    events = [
        PreferenceEvent(row["user_id"], packages[rid].shown_set_id, rid, row["kind"])
        for row in feedback
        if (rid := row["recommendation_id"]) in packages
    ]
    held = _held_out_sets(events, version_of)
    by_set: dict[str, list[ShownPackage]] = defaultdict(list)
    for package in packages.values():
        by_set[package.shown_set_id].append(package)
    holdout = [
        HeldOutSet(
            traveler_id,
            set_id,
            tuple(by_set[set_id]),
            tuple(
                1.0
                if any(
                    e.package_id == p.package_id and e.kind in POSITIVE
                    for e in events
                    if e.shown_set_id == set_id
                )
                else 0.0
                for p in by_set[set_id]
            ),
        )
        for traveler_id, set_id in sorted(held.items())
    ]
    held_sets = set(held.values())
    train_events = [e for e in events if e.shown_set_id not in held_sets]
    train_shown = [p for p in packages.values() if p.shown_set_id not in held_sets]
    return FeedbackData(
        pairs=preference_pairs(train_shown, train_events),
        holdout=holdout,
        travelers=frozenset(e.traveler_id for e in events),
    )


def _held_out_sets(events: list[PreferenceEvent], version_of: dict[str, int]) -> dict[str, str]:
    """Traveler -> their latest set with a positive event, if they have another set."""
    sets: dict[str, set[str]] = defaultdict(set)
    positive: dict[str, set[str]] = defaultdict(set)
    for event in events:
        sets[event.traveler_id].add(event.shown_set_id)
        if event.kind in POSITIVE:
            positive[event.traveler_id].add(event.shown_set_id)
    return {
        traveler: max(positive[traveler], key=lambda s: (version_of[s], s))
        for traveler in sets
        if positive[traveler] and len(sets[traveler]) > 1
    }
