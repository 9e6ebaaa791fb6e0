"""What travelers were shown and what they did with it, turned into pairwise comparisons.

A *shown set* is one ranked list a traveler saw (one watch's recommendations in one publication
version): the packages in it were alternatives to each other, so only comparisons inside a set
say anything about preferences. Events carry a signal strength:

| kind        | signal | meaning                                     |
|-------------|--------|---------------------------------------------|
| ``chosen``  | +3     | booked or picked this package               |
| ``approved``| +2     | approved this recommendation                |
| ``liked``   | +1     | liked it                                    |
| (no event)  | 0      |                                             |
| ``dismissed``| -1    | hid it                                      |
| ``declined``| -2     | declined this recommendation                |

:func:`preference_pairs` says "a is preferred over b" for every two packages of a set whose
signals differ, with at least one of them carrying an event. That is the issue's rule (a
positive package beats every other, a negative one loses to every other) extended so that it
never contradicts itself: a chosen package beats a merely liked one, and two liked packages are
not compared.

Several events on one package are resolved without regard to their order (events carry no
time): duplicates count once, the strongest signal wins (``chosen`` beats ``declined``: the
traveler booked it in the end), and opposite signals of equal strength (``approved`` and
``declined``, ``liked`` and ``dismissed``) cancel to no signal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from ml.optimizer.criteria import CRITERIA

EventKind = Literal["chosen", "approved", "liked", "declined", "dismissed"]
SIGNAL: Mapping[str, int] = {
    "chosen": 3,
    "approved": 2,
    "liked": 1,
    "dismissed": -1,
    "declined": -2,
}


@dataclass(frozen=True, slots=True)
class ShownPackage:
    """One package as shown in one shown set, with its criteria (all of ``CRITERIA``, in the
    units of :class:`ml.optimizer.criteria.Criteria`)."""

    package_id: str
    traveler_id: str
    shown_set_id: str
    criteria: Mapping[str, int]

    def __post_init__(self) -> None:
        if set(self.criteria) != set(CRITERIA):
            missing = sorted(set(CRITERIA) - set(self.criteria))
            unknown = sorted(set(self.criteria) - set(CRITERIA))
            raise ValueError(
                f"package {self.package_id}: criteria must be exactly {CRITERIA} "
                f"(missing {missing}, unknown {unknown})"
            )

    def values(self) -> tuple[int, ...]:
        """The criteria in ``CRITERIA`` order."""
        return tuple(int(self.criteria[name]) for name in CRITERIA)


@dataclass(frozen=True, slots=True)
class PreferenceEvent:
    traveler_id: str
    shown_set_id: str
    package_id: str
    kind: EventKind

    def __post_init__(self) -> None:
        if self.kind not in SIGNAL:
            raise ValueError(f"unknown event kind {self.kind!r}; expected one of {list(SIGNAL)}")


@dataclass(frozen=True, slots=True)
class PreferencePair:
    """In one shown set, the traveler preferred ``preferred_id`` over ``other_id``."""

    traveler_id: str
    shown_set_id: str
    preferred_id: str
    other_id: str
    preferred: tuple[int, ...]  # criteria in CRITERIA order
    other: tuple[int, ...]

    @property
    def difference(self) -> tuple[int, ...]:
        """How much more of each cost the other package had: what choosing the preferred one
        saved (negative where the preferred one cost more)."""
        return tuple(o - p for o, p in zip(self.other, self.preferred, strict=True))


def resolve_signal(kinds: Iterable[str]) -> int:
    """One package's signal from all its events in one set (see the module's rules)."""
    signals = {SIGNAL[kind] for kind in kinds}
    if not signals:
        return 0
    strongest = max(abs(s) for s in signals)
    if strongest in signals and -strongest in signals:
        return 0
    return strongest if strongest in signals else -strongest


def preference_pairs(
    shown: Iterable[ShownPackage], events: Iterable[PreferenceEvent]
) -> list[PreferencePair]:
    """Every comparison the events imply, set by set, in a deterministic order (sets and
    packages as first shown). An event on a package that was not shown in that set raises: it
    would mean the shown sets were reconstructed wrongly."""
    sets: dict[tuple[str, str], dict[str, ShownPackage]] = {}
    for package in shown:
        members = sets.setdefault((package.traveler_id, package.shown_set_id), {})
        if package.package_id in members:
            raise ValueError(
                f"package {package.package_id} appears twice in shown set {package.shown_set_id}"
            )
        members[package.package_id] = package

    kinds: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for event in events:
        key = (event.traveler_id, event.shown_set_id)
        if event.package_id not in sets.get(key, {}):
            raise ValueError(
                f"{event.kind} event on package {event.package_id}, which traveler "
                f"{event.traveler_id} was not shown in set {event.shown_set_id}"
            )
        kinds[key][event.package_id].append(event.kind)

    pairs = []
    for key, members in sets.items():
        if key not in kinds:
            continue
        signal = {pid: resolve_signal(kinds[key].get(pid, ())) for pid in members}
        for a, first in members.items():
            for b, second in members.items():
                # Packages without events have signal 0: never compared with each other.
                if signal[a] > signal[b]:
                    pairs.append(
                        PreferencePair(
                            first.traveler_id,
                            first.shown_set_id,
                            a,
                            b,
                            first.values(),
                            second.values(),
                        )
                    )
    return pairs
