"""Price alerts: rules run after each collection cycle, their settings, and a replay of a price
history through them. Pure functions, no database. See ``docs/alerts.md``."""

from ml.alerts.rules import AlertCandidate, RuleState, WatchObservation, evaluate
from ml.alerts.settings import (
    ALERT_KINDS,
    BETTER_ALTERNATIVE,
    BOOKING_URGENCY,
    BUDGET_TARGET,
    PRICE_DROP,
    AlertSettings,
    AlertSettingsError,
)

__all__ = [
    "ALERT_KINDS",
    "BETTER_ALTERNATIVE",
    "BOOKING_URGENCY",
    "BUDGET_TARGET",
    "PRICE_DROP",
    "AlertCandidate",
    "AlertSettings",
    "AlertSettingsError",
    "RuleState",
    "WatchObservation",
    "evaluate",
]
