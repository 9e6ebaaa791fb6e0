"""Alert thresholds, cooldowns, quiet hours and digest: the product defaults and a watch's
overrides (``watch.alert_preferences``, JSON).

Percentages are percent (10 means 10%), probabilities are 0..1, times of day are the
traveler's local wall-clock time. See ``docs/alerts.md`` for what each rule does with them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace

PRICE_DROP = "price_drop"
BUDGET_TARGET = "budget_target"
BOOKING_URGENCY = "booking_urgency"
BETTER_ALTERNATIVE = "better_alternative"
ALERT_KINDS = (PRICE_DROP, BUDGET_TARGET, BOOKING_URGENCY, BETTER_ALTERNATIVE)

# Keys the serving API stores in ``alert_preferences`` that are about delivery, not about
# when a rule fires: accepted (so any stored document loads) and left to the notifier.
DELIVERY_KEYS = frozenset({"channels"})
# The serving API stores quiet hours as two nullable times; null means "product default".
QUIET_START_KEY, QUIET_END_KEY = "quiet_hours_start", "quiet_hours_end"
MIN_BUDGET_REARM_GAP_PCT = 2.0  # the budget re-arm level sits at least this far above its trigger
MAX_COOLDOWN_HOURS = 14 * 24
PREFERENCES = "alert preferences"


class AlertSettingsError(ValueError):
    """Settings or a watch's overrides that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[str], what: str = "alert settings") -> None:
        self.problems = problems
        super().__init__(f"invalid {what}: " + "; ".join(problems))


@dataclass(frozen=True)
class AlertSettings:
    """Defaults from the product plan; :meth:`with_overrides` applies a watch's own."""

    # Price drop: the best package is more than this far below its reference price.
    price_drop_pct: float = 10.0
    # Budget target: the best package is at most this far above the budget (or under it) ...
    budget_within_pct: float = 5.0
    # ... and re-arms only once the price is ``budget_within_pct`` x this above the budget.
    budget_rearm_multiple: float = 2.0
    # Booking urgency: the policy says BUY_NOW and P(price above budget before departure) is
    # at least this. 0.5 ("more likely than not") sits above the policy's own budget-risk
    # trigger (0.10-0.40 by risk appetite), so the alert fires only when going over budget
    # is the expected outcome of waiting, not merely a risk the policy hedges against.
    urgency_probability: float = 0.5
    # ... and re-arms once the probability is this far below it.
    urgency_rearm_margin: float = 0.1
    # Fare fences: days before departure when advance-purchase fares stop being sold.
    fare_fence_days: tuple[int, ...] = (21, 14, 7)
    # Better alternative: a different package beats the last recommended one by this much.
    better_alternative_price_pct: float = 5.0
    better_alternative_score_pct: float = 5.0
    price_drop_cooldown_hours: float = 24.0
    budget_target_cooldown_hours: float = 24.0
    booking_urgency_cooldown_hours: float = 12.0
    better_alternative_cooldown_hours: float = 24.0
    # (start, end) in local time; may wrap midnight; None: no quiet hours.
    quiet_hours: tuple[dt.time, dt.time] | None = (dt.time(22), dt.time(7))
    urgent_overrides_quiet: bool = True
    digest: bool = False  # non-urgent alerts wait for one daily digest at ``digest_time``
    digest_time: dt.time = dt.time(8)

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise AlertSettingsError(problems)

    def cooldown(self, kind: str) -> dt.timedelta:
        """The least time between two alerts of ``kind`` for one watch."""
        if kind not in ALERT_KINDS:
            raise ValueError(f"unknown alert kind {kind!r}")
        return dt.timedelta(hours=getattr(self, f"{kind}_cooldown_hours"))

    @property
    def budget_rearm_pct(self) -> float:
        """How far above the budget the price must climb before a budget alert can repeat."""
        return max(
            self.budget_within_pct * self.budget_rearm_multiple,
            self.budget_within_pct + MIN_BUDGET_REARM_GAP_PCT,
        )

    def with_overrides(self, overrides: Mapping[str, object] | None) -> AlertSettings:
        """These settings with a watch's overrides (JSON values) applied.

        Keys are this class's field names; times are ``"HH:MM"`` (or whole hours),
        ``quiet_hours`` is ``[start, end]`` or null (none), and the serving API's
        ``quiet_hours_start``/``quiet_hours_end`` pair and ``channels`` are understood too.
        Raises :class:`AlertSettingsError` (a ``ValueError``) naming every unknown key and
        bad value.
        """
        if not overrides:
            return self
        if not isinstance(overrides, Mapping):
            raise AlertSettingsError([f"must be a JSON object, got {overrides!r}"], PREFERENCES)
        values: dict[str, object] = {}
        problems: list[str] = []
        for key, raw in overrides.items():
            if key in DELIVERY_KEYS or key in (QUIET_START_KEY, QUIET_END_KEY):
                continue
            parse = _PARSERS.get(key)
            if parse is None:
                problems.append(f"unknown alert setting {key!r}")
                continue
            try:
                values[key] = parse(raw)
            except (TypeError, ValueError) as exc:
                problems.append(f"{key}: {exc} (got {raw!r})")
        try:
            quiet = _serving_quiet_hours(overrides)
        except ValueError as exc:
            problems.append(str(exc))
        else:
            if quiet is not None:
                values["quiet_hours"] = quiet
        # Range checks on what did parse, so one answer names every problem.
        merged = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)} | values
        problems += _problems(SimpleNamespace(**merged))
        if problems:
            raise AlertSettingsError(problems, PREFERENCES)
        return dataclasses.replace(self, **values)

    def to_dict(self) -> dict[str, object]:
        """JSON values in the shape :meth:`with_overrides` accepts."""
        out: dict[str, object] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, dt.time):
                value = _clock(value)
            elif field.name == "quiet_hours" and value is not None:
                value = [_clock(t) for t in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[field.name] = value
        return out


def _clock(time: dt.time) -> str:
    return time.isoformat(timespec="minutes" if not time.second else "seconds")


# --- parsing JSON values ------------------------------------------------------------------
def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("must be a number")
    if not math.isfinite(value):
        raise ValueError("must be finite")
    return float(value)


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError("must be true or false")
    return value


def _time_of_day(value: object) -> dt.time:
    """``"HH:MM"``, ``"HH:MM:SS"`` or a whole hour 0-23."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= 23:
            raise ValueError("an hour must be 0-23")
        return dt.time(value)
    if not isinstance(value, str):
        raise TypeError('must be a time of day such as "22:00"')
    try:
        parsed = dt.time.fromisoformat(value)
    except ValueError:
        raise ValueError('must be a time of day such as "22:00"') from None
    if parsed.tzinfo is not None:
        raise ValueError("is local time: leave out the UTC offset")
    return parsed


def _quiet_hours(value: object) -> tuple[dt.time, dt.time] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise TypeError("must be [start, end] or null")
    return _time_of_day(value[0]), _time_of_day(value[1])


def _fence_days(value: object) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        raise TypeError("must be a list of whole days")
    if any(isinstance(d, bool) or not isinstance(d, int) for d in value):
        raise TypeError("must be a list of whole days")
    return tuple(sorted(value, reverse=True))


def _serving_quiet_hours(overrides: Mapping[str, object]) -> tuple[dt.time, dt.time] | None:
    """The serving API's pair; both null (its default) leaves the product default."""
    start, end = overrides.get(QUIET_START_KEY), overrides.get(QUIET_END_KEY)
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise ValueError(f"{QUIET_START_KEY} and {QUIET_END_KEY} go together")
    try:
        return _time_of_day(start), _time_of_day(end)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{QUIET_START_KEY}/{QUIET_END_KEY}: {exc}") from None


_PARSERS: dict[str, Callable[[object], object]] = {
    field.name: _number for field in dataclasses.fields(AlertSettings)
} | {
    "fare_fence_days": _fence_days,
    "quiet_hours": _quiet_hours,
    "urgent_overrides_quiet": _boolean,
    "digest": _boolean,
    "digest_time": _time_of_day,
}


# --- ranges -------------------------------------------------------------------------------
def _problems(settings: AlertSettings | SimpleNamespace) -> list[str]:
    """Every value out of range, as "name: reason" (empty when the settings are valid)."""
    s = settings
    checks = [
        # 100 (never) is allowed: the serving API accepts it for a watch that wants no drops.
        ("price_drop_pct", 0 < s.price_drop_pct <= 100, "must be above 0, at most 100"),
        ("budget_within_pct", 0 <= s.budget_within_pct <= 100, "must be within 0-100"),
        ("budget_rearm_multiple", s.budget_rearm_multiple >= 1, "must be at least 1"),
        ("urgency_probability", 0 < s.urgency_probability <= 1, "must be above 0, at most 1"),
        (
            "urgency_rearm_margin",
            0 <= s.urgency_rearm_margin < s.urgency_probability,
            "must be at least 0 and below urgency_probability",
        ),
        (
            "fare_fence_days",
            all(d >= 1 for d in s.fare_fence_days)
            and len(set(s.fare_fence_days)) == len(s.fare_fence_days),
            "must be distinct whole days, each at least 1",
        ),
        *(
            (name, 0 < getattr(s, name) < 100, "must be above 0 and below 100")
            for name in ("better_alternative_price_pct", "better_alternative_score_pct")
        ),
        *(
            (
                f"{kind}_cooldown_hours",
                0 <= getattr(s, f"{kind}_cooldown_hours") <= MAX_COOLDOWN_HOURS,
                f"must be within 0-{MAX_COOLDOWN_HOURS} hours",
            )
            for kind in ALERT_KINDS
        ),
        (
            "quiet_hours",
            s.quiet_hours is None or s.quiet_hours[0] != s.quiet_hours[1],
            "start and end must differ (use null for no quiet hours)",
        ),
    ]
    return [f"{name}: {reason}" for name, ok, reason in checks if not ok]
