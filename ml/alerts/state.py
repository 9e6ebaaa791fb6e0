"""What the alert rules remember about one watch between collection cycles, as JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from ml.alerts.settings import ALERT_KINDS, BOOKING_URGENCY, BUDGET_TARGET

STATE_VERSION = 1
# Rules whose trigger is a level the price can hover around: after alerting they stay
# disarmed until the condition has been clearly false. Price drop and better alternative need
# no flag: their reference moves to what was alerted, so the next alert needs a new full step.
BANDED_KINDS = (BUDGET_TARGET, BOOKING_URGENCY)


@dataclass(frozen=True)
class RuleState:
    """Per watch. Treat as immutable: :func:`ml.alerts.rules.evaluate` returns a new one."""

    currency: str | None = None  # of the prices below; a change of currency starts afresh
    first_price_minor: int | None = None
    # The last alerted price drop, or the first observed price before any.
    reference_price_minor: int | None = None
    disarmed: frozenset[str] = frozenset()
    last_alert_at: Mapping[str, dt.datetime] = field(default_factory=dict)
    last_recommended_key: str | None = None
    last_recommended_price_minor: int | None = None
    last_recommended_score: float | None = None
    last_evaluated_at: dt.datetime | None = None

    def is_armed(self, kind: str) -> bool:
        return kind not in self.disarmed

    def replace(self, **changes: object) -> RuleState:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, object]:
        return {
            "version": STATE_VERSION,
            "currency": self.currency,
            "first_price_minor": self.first_price_minor,
            "reference_price_minor": self.reference_price_minor,
            "armed": {kind: self.is_armed(kind) for kind in BANDED_KINDS},
            "last_alert_at": {
                kind: at.astimezone(dt.UTC).isoformat()
                for kind, at in sorted(self.last_alert_at.items())
            },
            "last_recommended_key": self.last_recommended_key,
            "last_recommended_price_minor": self.last_recommended_price_minor,
            "last_recommended_score": self.last_recommended_score,
            "last_evaluated_at": _iso(self.last_evaluated_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> RuleState:
        """The state :meth:`to_dict` wrote; None or ``{}`` is a new watch's state.
        Raises ``ValueError`` for a document this version cannot read."""
        if not data:
            return cls()
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"alert state version {data.get('version')!r} is not {STATE_VERSION}")
        armed = _mapping(data, "armed")
        unknown = sorted(set(armed) - set(BANDED_KINDS))
        last_alert_at = _mapping(data, "last_alert_at")
        unknown += sorted(set(last_alert_at) - set(ALERT_KINDS))
        if unknown:
            raise ValueError(f"alert state: unknown alert kind(s) {', '.join(unknown)}")
        score = data.get("last_recommended_score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
            raise ValueError(f"alert state: last_recommended_score is not a number ({score!r})")
        return cls(
            currency=_optional(data, "currency", str),
            first_price_minor=_optional(data, "first_price_minor", int),
            reference_price_minor=_optional(data, "reference_price_minor", int),
            disarmed=frozenset(kind for kind, is_armed in armed.items() if not is_armed),
            last_alert_at={kind: _instant(kind, at) for kind, at in last_alert_at.items()},
            last_recommended_key=_optional(data, "last_recommended_key", str),
            last_recommended_price_minor=_optional(data, "last_recommended_price_minor", int),
            last_recommended_score=None if score is None else float(score),
            last_evaluated_at=_optional_instant(data.get("last_evaluated_at")),
        )


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def _mapping(data: Mapping[str, object], key: str) -> Mapping[str, object]:
    value = data.get(key) or {}
    if not isinstance(value, Mapping):
        raise ValueError(f"alert state: {key} is not an object")
    return value


def _optional(data: Mapping[str, object], key: str, kind: type) -> object:
    value = data.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, kind)):
        raise ValueError(f"alert state: {key} is not a {kind.__name__} ({value!r})")
    return value


def _instant(name: str, text: object) -> dt.datetime:
    if not isinstance(text, str):
        raise ValueError(f"alert state: time for {name} is not text ({text!r})")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"alert state: time for {name} is not ISO 8601 ({text!r})") from None
    if moment.tzinfo is None:
        raise ValueError(f"alert state: time for {name} has no UTC offset ({text!r})")
    return moment.astimezone(dt.UTC)


def _optional_instant(text: object) -> dt.datetime | None:
    return None if text is None else _instant("last_evaluated_at", text)
