"""The alert rules, run on each watch after every collection cycle.

:func:`evaluate` is pure: one watch's observation and remembered :class:`RuleState` in, the
alerts to send and the next state out. Nothing reads a clock; every time comes from the
observation, so a replayed history gives the same alerts as the live run did. Thresholds,
hysteresis and cooldowns are in :class:`~ml.alerts.settings.AlertSettings` and
``docs/alerts.md``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from ml.alerts.delivery import schedule, traveler_zone
from ml.alerts.settings import (
    BETTER_ALTERNATIVE,
    BOOKING_URGENCY,
    BUDGET_TARGET,
    PRICE_DROP,
    AlertSettings,
)
from ml.alerts.state import RuleState

__all__ = ["AlertCandidate", "RuleState", "WatchObservation", "evaluate"]


@dataclass(frozen=True)
class WatchObservation:
    """One watch's best package after a collection cycle, with the buy/wait advice on it."""

    watch_id: str
    observed_at: dt.datetime  # timezone-aware
    best_price_minor: int
    currency: str
    budget_minor: int | None
    departure_date: dt.date
    buy_now: bool | None = None  # the policy's BUY_NOW (True) or WAIT (False); None: no advice
    prob_above_budget: float | None = None  # P(price above budget before departure), 0..1
    best_package_key: str | None = None  # the optimizer's identity of the best package
    best_score: float | None = None  # the optimizer's score for it: lower is better

    def __post_init__(self) -> None:
        if self.observed_at.tzinfo is None or self.observed_at.utcoffset() is None:
            raise ValueError(f"observed_at must be timezone-aware, got {self.observed_at!r}")
        for name in ("best_price_minor", "budget_minor"):
            value = getattr(self, name)
            if value is None and name == "budget_minor":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive int (minor units), got {value!r}")
        prob = self.prob_above_budget
        if prob is not None and not 0.0 <= prob <= 1.0:
            raise ValueError(f"prob_above_budget must be within 0..1, got {prob!r}")
        if self.best_score is not None and not math.isfinite(self.best_score):
            raise ValueError(f"best_score must be finite, got {self.best_score!r}")


@dataclass(frozen=True)
class AlertCandidate:
    """An alert to send (or to fold into a digest) at ``deliver_at`` (UTC)."""

    watch_id: str
    kind: str
    observed_at: dt.datetime  # UTC
    deliver_at: dt.datetime  # UTC
    urgent: bool
    price_minor: int
    reference_minor: int | None  # what the price is compared with (kind-specific, see facts)
    currency: str
    dedupe_key: str  # watch, kind and observation instant: sending it twice is detectable
    facts: Mapping[str, object] = field(default_factory=dict)  # numbers for the message
    digest: bool = False  # waits for the daily digest rather than going out alone

    def to_dict(self) -> dict[str, object]:
        return {
            "watch_id": self.watch_id,
            "kind": self.kind,
            "observed_at": self.observed_at.isoformat(),
            "deliver_at": self.deliver_at.isoformat(),
            "urgent": self.urgent,
            "digest": self.digest,
            "price_minor": self.price_minor,
            "reference_minor": self.reference_minor,
            "currency": self.currency,
            "dedupe_key": self.dedupe_key,
            "facts": dict(self.facts),
        }


@dataclass(frozen=True)
class _Cycle:
    """One evaluation: the observation and what follows from it in the traveler's calendar."""

    observation: WatchObservation
    settings: AlertSettings
    days_left: int  # whole days from the traveler's local date to departure
    previous_days_left: int | None  # the same at the previous evaluation


@dataclass(frozen=True)
class _Firing:
    """A rule's condition holds; it becomes an alert unless the kind is cooling down."""

    kind: str
    urgent: bool
    reference_minor: int | None
    facts: dict[str, object]
    fired_state: dict[str, object] = field(default_factory=dict)  # applied once it is sent


Rule = Callable[[_Cycle, RuleState], tuple[RuleState, _Firing | None]]


def evaluate(
    observation: WatchObservation, state: RuleState, settings: AlertSettings, timezone: str
) -> tuple[list[AlertCandidate], RuleState]:
    """The alerts ``observation`` raises for its watch, and the watch's next state.

    ``timezone`` is the traveler's IANA zone (quiet hours, digest, days to departure). An
    observation no later than the last one evaluated is a replayed or late cycle: it raises
    nothing and leaves the state as it was, so re-running a cycle is harmless.
    """
    zone = traveler_zone(timezone)
    obs = observation
    at = obs.observed_at.astimezone(dt.UTC)  # what the state remembers and alerts carry
    if state.last_evaluated_at is not None and at <= state.last_evaluated_at:
        return [], state
    if state.currency is not None and state.currency != obs.currency:
        state = RuleState()  # prices in another currency are not comparable with the old ones

    def days_left(moment: dt.datetime) -> int:
        return (obs.departure_date - moment.astimezone(zone).date()).days

    cycle = _Cycle(
        obs,
        settings,
        days_left(at),
        None if state.last_evaluated_at is None else days_left(state.last_evaluated_at),
    )
    state = _baseline(obs, state)
    alerts = []
    for rule in RULES:
        state, firing = rule(cycle, state)
        if firing is None or _cooling_down(firing.kind, at, state, settings):
            continue
        state = state.replace(
            **firing.fired_state, last_alert_at={**state.last_alert_at, firing.kind: at}
        )
        alerts.append(_candidate(cycle, firing, zone))
    return alerts, state.replace(last_evaluated_at=at, currency=obs.currency)


def _baseline(obs: WatchObservation, state: RuleState) -> RuleState:
    """A new watch's references: its first price and its first recommended package."""
    if state.first_price_minor is None:
        state = state.replace(first_price_minor=obs.best_price_minor)
    if state.reference_price_minor is None:
        state = state.replace(reference_price_minor=state.first_price_minor)
    if obs.best_package_key is not None and state.last_recommended_key is None:
        state = state.replace(
            last_recommended_key=obs.best_package_key,
            last_recommended_price_minor=obs.best_price_minor,
            last_recommended_score=obs.best_score,
        )
    return state


def _cooling_down(
    kind: str, observed_at: dt.datetime, state: RuleState, settings: AlertSettings
) -> bool:
    last = state.last_alert_at.get(kind)
    return last is not None and observed_at - last < settings.cooldown(kind)


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2)


# --- the rules ----------------------------------------------------------------------------
# Thresholds compare ``price * 100`` with ``reference * (100 - pct)``: exact in integers for
# whole-percent settings, so a price exactly on a threshold is decided the same everywhere.


def _price_drop(cycle: _Cycle, state: RuleState) -> tuple[RuleState, _Firing | None]:
    """More than ``price_drop_pct`` below the reference; the alerted price becomes the
    reference, so only a further full drop alerts again (a bounce around the threshold
    cannot)."""
    price, reference = cycle.observation.best_price_minor, state.reference_price_minor
    assert reference is not None  # set by _baseline
    if price * 100 >= reference * (100 - cycle.settings.price_drop_pct):
        return state, None
    facts = {
        "drop_pct": _pct(reference - price, reference),
        "first_price_minor": state.first_price_minor,
    }
    return state, _Firing(PRICE_DROP, False, reference, facts, {"reference_price_minor": price})


def _budget_target(cycle: _Cycle, state: RuleState) -> tuple[RuleState, _Firing | None]:
    """At most ``budget_within_pct`` above the budget (or under it); re-arms only once the
    price is back above ``budget_rearm_pct``."""
    settings, price = cycle.settings, cycle.observation.best_price_minor
    budget = cycle.observation.budget_minor
    if budget is None:
        return state, None
    if not state.is_armed(BUDGET_TARGET) and (
        price * 100 > budget * (100 + settings.budget_rearm_pct)
    ):
        state = state.replace(disarmed=state.disarmed - {BUDGET_TARGET})
    if not state.is_armed(BUDGET_TARGET) or (
        price * 100 > budget * (100 + settings.budget_within_pct)
    ):
        return state, None
    facts = {
        "budget_minor": budget,
        "vs_budget_pct": _pct(price - budget, budget),
        "under_budget": price <= budget,
    }
    disarm = {"disarmed": state.disarmed | {BUDGET_TARGET}}
    return state, _Firing(BUDGET_TARGET, False, budget, facts, disarm)


def _booking_urgency(cycle: _Cycle, state: RuleState) -> tuple[RuleState, _Firing | None]:
    """BUY_NOW with P(above budget) >= ``urgency_probability``, re-arming once the probability
    is ``urgency_rearm_margin`` below it; or a fare fence crossed since the previous
    evaluation, unless the policy says WAIT. Always urgent.

    A WAIT alone does not re-arm: the policy's action can flip from day to day while the
    budget risk stays high, and each flip back to BUY_NOW would repeat the same alert."""
    obs, settings = cycle.observation, cycle.settings
    prob = obs.prob_above_budget
    likely_over = obs.buy_now is True and prob is not None and prob >= settings.urgency_probability
    clearly_not = (
        prob is not None and prob < settings.urgency_probability - settings.urgency_rearm_margin
    )
    if not state.is_armed(BOOKING_URGENCY) and clearly_not:
        state = state.replace(disarmed=state.disarmed - {BOOKING_URGENCY})
    policy_fires = likely_over and state.is_armed(BOOKING_URGENCY)
    # The policy knows the fences (days to departure is among its features): when it says
    # WAIT, a "buy before the fence" alert would contradict the advice the traveler sees.
    fence = _crossed_fence(cycle) if obs.buy_now is not False else None
    if not policy_fires and fence is None:
        return state, None
    facts: dict[str, object] = {
        "reasons": [
            reason
            for reason, holds in (("buy_now", policy_fires), ("fare_fence", fence is not None))
            if holds
        ],
        "prob_above_budget": prob,
        "budget_minor": obs.budget_minor,
    }
    if fence is not None:
        facts |= {"fence_days": fence, "fence_passed": cycle.days_left < fence}
    disarm = {"disarmed": state.disarmed | {BOOKING_URGENCY}} if policy_fires else {}
    return state, _Firing(BOOKING_URGENCY, True, obs.budget_minor, facts, disarm)


def _crossed_fence(cycle: _Cycle) -> int | None:
    """The nearest fence N with ``days_left <= N < previous days_left``.

    An N-day advance-purchase fare can be bought until N days before departure; with daily
    cycles the crossing is seen on that last day (``days_left == N``, about to pass). After
    missed cycles it is seen late (``fence_passed`` in the facts) rather than not at all.
    """
    if cycle.previous_days_left is None:
        return None
    crossed = [
        n for n in cycle.settings.fare_fence_days if cycle.days_left <= n < cycle.previous_days_left
    ]
    return min(crossed, default=None)


def _better_alternative(cycle: _Cycle, state: RuleState) -> tuple[RuleState, _Firing | None]:
    """A different best package beating the last recommended one by the price or the score
    margin; it then becomes the last recommended one. Small improvements do not move the
    reference, so they add up until one alert is worth sending."""
    obs, settings = cycle.observation, cycle.settings
    key, price = obs.best_package_key, obs.best_price_minor
    if key is None or state.last_recommended_key is None:
        return state, None
    if key == state.last_recommended_key:  # track the recommended package's own price
        return state.replace(
            last_recommended_price_minor=price, last_recommended_score=obs.best_score
        ), None
    last_price, last_score = state.last_recommended_price_minor, state.last_recommended_score
    assert last_price is not None  # recorded with the key
    cheaper = (last_price - price) * 100 >= last_price * settings.better_alternative_price_pct
    score_gain = (
        _pct(last_score - obs.best_score, abs(last_score))
        if obs.best_score is not None and last_score
        else None
    )
    better_scored = score_gain is not None and score_gain >= settings.better_alternative_score_pct
    if not (cheaper or better_scored):
        return state, None
    facts = {
        "package_key": key,
        "previous_package_key": state.last_recommended_key,
        "price_saving_pct": _pct(last_price - price, last_price),
        "score_improvement_pct": score_gain,
    }
    recommended = {
        "last_recommended_key": key,
        "last_recommended_price_minor": price,
        "last_recommended_score": obs.best_score,
    }
    return state, _Firing(BETTER_ALTERNATIVE, False, last_price, facts, recommended)


RULES: tuple[Rule, ...] = (_price_drop, _budget_target, _booking_urgency, _better_alternative)


def _candidate(cycle: _Cycle, firing: _Firing, zone: ZoneInfo) -> AlertCandidate:
    obs = cycle.observation
    at = obs.observed_at.astimezone(dt.UTC)
    deliver_at, digest = schedule(at, firing.urgent, cycle.settings, zone)
    instant = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return AlertCandidate(
        watch_id=obs.watch_id,
        kind=firing.kind,
        observed_at=at,
        deliver_at=deliver_at,
        urgent=firing.urgent,
        price_minor=obs.best_price_minor,
        reference_minor=firing.reference_minor,
        currency=obs.currency,
        dedupe_key=f"{obs.watch_id}:{firing.kind}:{instant}",
        facts={
            "days_to_departure": cycle.days_left,
            "departure_date": obs.departure_date.isoformat(),
            **firing.facts,
        },
        digest=digest,
    )
