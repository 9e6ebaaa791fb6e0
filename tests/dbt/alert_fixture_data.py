"""Alerts and alert interactions for the whole-project dbt fixture (``fixture_data``), so that
fct_alert_action_rate has rows to compare across DuckDB and PostgreSQL: a rounding tie (1/32
and 3/32 of the alerts of one week), a week whose 7-day windows are still open at the
extract, an alert not yet due, an opened-twice alert and a too-late open.

Rows follow RAW_TABLES["operational_alerts"] and ["operational_alert_interactions"]; the
watches and users are the fixture's (watch "w-eur" belongs to "user-w-eur")."""

from __future__ import annotations

import datetime as dt

# The fixture's extract instant (fixture_data.OBSERVED_ON, a Sunday, at noon UTC).
EXTRACTED_AT = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)


def _at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=dt.UTC)


def _alert(alert_id: str, watch_id: str, kind: str, deliver_at: dt.datetime, channels_sent: int):
    return {
        "alert_id": alert_id,
        "user_id": f"user-{watch_id}",
        "watch_id": watch_id,
        "kind": kind,
        "urgent": kind == "booking_urgency",
        "digest": False,
        "observed_at": deliver_at,
        "deliver_at": deliver_at,
        "created_at": deliver_at,
        "channels_sent": channels_sent,
        "delivered": channels_sent > 0 or deliver_at <= EXTRACTED_AT,
        "extracted_at": EXTRACTED_AT,
    }


# Week of May 12: 32 better_alternative alerts, one opened and three acted on (rates 0.03125
# and 0.09375: ties at 4 decimals, rounded half to even). Week of May 19: three price drops.
# Week of May 26: a budget target due on Saturday (window still open at the extract) and a
# booking urgency not due until after it.
ALERTS = [
    *(
        _alert(f"alt-{n:02d}", "w-eur", "better_alternative", _at(5, 13, 8, n), n % 2)
        for n in range(32)
    ),
    _alert("drop-1", "w-gbp", "price_drop", _at(5, 19, 9), 1),
    _alert("drop-2", "w-gbp", "price_drop", _at(5, 21, 18), 0),
    _alert("drop-3", "w-jpy", "price_drop", _at(5, 25, 23, 30), 2),
    _alert("budget-1", "w-multi", "budget_target", _at(5, 31, 7), 1),
    _alert("urgency-1", "w-eur", "booking_urgency", _at(6, 2, 7), 0),
]

ALERT_INTERACTIONS = [
    {"interaction_id": n, "alert_id": alert_id, "action": action, "occurred_at": occurred_at,
     "extracted_at": EXTRACTED_AT}
    for n, (alert_id, action, occurred_at) in enumerate([
        ("alt-00", "opened", _at(5, 13, 9)),
        ("alt-00", "acted", _at(5, 13, 9, 5)),
        ("alt-01", "acted", _at(5, 14, 10)),
        ("alt-02", "acted", _at(5, 20, 8)),
        ("drop-1", "opened", _at(5, 19, 10)),
        ("drop-1", "opened", _at(5, 20, 10)),  # opened twice: one opened alert
        ("drop-2", "opened", _at(5, 29, 18)),  # 8 days after due: does not count
        ("drop-3", "acted", _at(5, 26, 8)),  # acted without an open
        ("budget-1", "opened", _at(5, 31, 8)),
    ], start=1)
]  # fmt: skip
