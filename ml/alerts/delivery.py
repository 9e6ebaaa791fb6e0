"""When an alert may reach the traveler: quiet hours and the daily digest, in their time zone.

Wall-clock times are resolved in the traveler's zone on the day they fall on and then turned
into UTC, so a 07:00 end of quiet hours is 07:00 local on both sides of a DST change. A time
that does not exist that day (inside a spring-forward gap) resolves to the same instant as the
wall time one gap-length later, e.g. 02:30 -> 03:30.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ml.alerts.settings import AlertSettings


def traveler_zone(timezone: str) -> ZoneInfo:
    """The IANA zone, or ``ValueError`` naming the bad value."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"not an IANA time zone: {timezone!r}") from None


def in_quiet_hours(local: dt.time, quiet_hours: tuple[dt.time, dt.time] | None) -> bool:
    """Whether a local time of day falls in ``[start, end)``, which may wrap midnight."""
    if quiet_hours is None:
        return False
    start, end = quiet_hours
    local = local.replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def next_local_time(moment: dt.datetime, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The first instant at or after ``moment`` when the wall clock in ``zone`` shows ``at``
    (UTC)."""
    day = moment.astimezone(zone).date()
    candidate = dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)
    if candidate < moment:  # already past today: the next day's (always later, even on DST days)
        candidate = dt.datetime.combine(day + dt.timedelta(days=1), at, tzinfo=zone)
    return candidate.astimezone(dt.UTC)


def schedule(
    observed_at: dt.datetime, urgent: bool, settings: AlertSettings, zone: ZoneInfo
) -> tuple[dt.datetime, bool]:
    """``(deliver_at in UTC, digest)`` for an alert raised at ``observed_at``.

    Urgent alerts go out at once (through quiet hours too, unless the traveler turned
    ``urgent_overrides_quiet`` off) and never wait for a digest. Other alerts wait for the next
    digest in digest mode, and otherwise for the end of quiet hours. A digest time the traveler
    placed inside quiet hours is itself pushed to their end.
    """
    moment = observed_at.astimezone(dt.UTC)
    if urgent and settings.urgent_overrides_quiet:
        return moment, False
    digest = settings.digest and not urgent
    if digest:
        moment = next_local_time(moment, settings.digest_time, zone)
    quiet = settings.quiet_hours
    if quiet is not None and in_quiet_hours(moment.astimezone(zone).time(), quiet):
        moment = next_local_time(moment, quiet[1], zone)
    return moment, digest
