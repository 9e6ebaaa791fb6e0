"""Quiet hours and the digest, resolved in the traveler's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ml.alerts import BOOKING_URGENCY, BUDGET_TARGET, AlertSettings
from tests.ml.alerts.helpers import observe, of_kind, run

UTC = dt.UTC


def local(zone: str, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo(zone))


def budget_alert(at: dt.datetime, timezone: str, settings: AlertSettings | None = None):
    """A non-urgent alert raised at ``at``."""
    (alert,) = run([observe(99_000, at, budget=100_000)], settings, timezone)[0]
    assert alert.kind == BUDGET_TARGET and not alert.urgent
    return alert


def urgent_alert(at: dt.datetime, timezone: str, settings: AlertSettings | None = None):
    raised = run([observe(120_000, at, budget=100_000, buy_now=True, prob=0.9)], settings, timezone)
    (alert,) = of_kind(raised[0], BOOKING_URGENCY)
    return alert


@pytest.mark.parametrize(
    ("zone", "raised_local", "expected_utc"),
    [
        # 23:30 EDT (UTC-4) on May 4 is 03:30 UTC May 5; 07:00 EDT May 5 is 11:00 UTC.
        ("America/New_York", (2026, 5, 4, 23, 30), dt.datetime(2026, 5, 5, 11, 0, tzinfo=UTC)),
        # 23:30 JST (UTC+9) on May 4 is 14:30 UTC May 4; 07:00 JST May 5 is 22:00 UTC May 4.
        ("Asia/Tokyo", (2026, 5, 4, 23, 30), dt.datetime(2026, 5, 4, 22, 0, tzinfo=UTC)),
        # After midnight the end of quiet hours is the same morning.
        ("Asia/Tokyo", (2026, 5, 5, 2, 0), dt.datetime(2026, 5, 4, 22, 0, tzinfo=UTC)),
        # The night DST starts (Mar 8, 2026): 23:30 EST, delivered at 07:00 EDT = 11:00 UTC.
        ("America/New_York", (2026, 3, 7, 23, 30), dt.datetime(2026, 3, 8, 11, 0, tzinfo=UTC)),
    ],
)
def test_non_urgent_alerts_wait_for_the_end_of_local_quiet_hours(zone, raised_local, expected_utc):
    raised_at = local(zone, *raised_local).astimezone(UTC)
    alert = budget_alert(raised_at, zone)
    assert alert.deliver_at == expected_utc
    assert alert.deliver_at.astimezone(ZoneInfo(zone)).time() == dt.time(7, 0)
    assert alert.observed_at == raised_at and not alert.digest


def test_outside_quiet_hours_alerts_go_out_at_once():
    raised_at = local("Asia/Tokyo", 2026, 5, 4, 12, 0)
    assert budget_alert(raised_at, "Asia/Tokyo").deliver_at == raised_at
    # 07:00 is the end of quiet hours, so already outside them.
    seven = local("America/New_York", 2026, 5, 4, 7, 0)
    assert budget_alert(seven, "America/New_York").deliver_at == seven


def test_urgent_alerts_break_quiet_hours_unless_the_traveler_says_not_to():
    raised_at = local("America/New_York", 2026, 5, 4, 23, 30)
    assert urgent_alert(raised_at, "America/New_York").deliver_at == raised_at
    patient = AlertSettings().with_overrides({"urgent_overrides_quiet": False})
    delayed = urgent_alert(raised_at, "America/New_York", patient)
    assert delayed.deliver_at == local("America/New_York", 2026, 5, 5, 7, 0)


def test_quiet_hours_can_be_switched_off():
    raised_at = local("Asia/Tokyo", 2026, 5, 4, 23, 30)
    loud = AlertSettings().with_overrides({"quiet_hours": None})
    assert budget_alert(raised_at, "Asia/Tokyo", loud).deliver_at == raised_at


def test_digest_mode_collects_non_urgent_alerts_for_the_next_digest():
    digest = AlertSettings().with_overrides({"digest": True})
    noon = budget_alert(local("Asia/Tokyo", 2026, 5, 4, 12, 0), "Asia/Tokyo", digest)
    assert noon.digest
    assert noon.deliver_at == local("Asia/Tokyo", 2026, 5, 5, 8, 0)
    early = budget_alert(local("Asia/Tokyo", 2026, 5, 4, 7, 30), "Asia/Tokyo", digest)
    assert early.deliver_at == local("Asia/Tokyo", 2026, 5, 4, 8, 0)
    urgent = urgent_alert(local("Asia/Tokyo", 2026, 5, 4, 12, 0), "Asia/Tokyo", digest)
    assert not urgent.digest and urgent.deliver_at == local("Asia/Tokyo", 2026, 5, 4, 12, 0)


def test_a_digest_time_inside_quiet_hours_waits_for_their_end():
    settings = AlertSettings().with_overrides({"digest": True, "digest_time": "06:00"})
    alert = budget_alert(local("Asia/Tokyo", 2026, 5, 4, 12, 0), "Asia/Tokyo", settings)
    assert alert.deliver_at == local("Asia/Tokyo", 2026, 5, 5, 7, 0) and alert.digest
