"""Provider times are often local wall-clock times without an offset; the airport says which
zone they are in. Everything Wayra stores is timezone-aware UTC."""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@cache
def _airport_zones() -> dict[str, str]:
    import airportsdata

    return {code: row["tz"] for code, row in airportsdata.load("IATA").items() if row.get("tz")}


def airport_zone(iata: str | None, fallback: str | None = None) -> ZoneInfo | None:
    """The airport's IANA zone from ``airportsdata``, else ``fallback`` (a zone name)."""
    for name in (_airport_zones().get(iata or ""), fallback):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return None


def airport_local_to_utc(
    local: str | None, iata: str | None, fallback_zone: str | None = None
) -> dt.datetime | None:
    """``local`` (ISO, with or without offset) at airport ``iata`` as an aware UTC datetime;
    None when the time or the zone cannot be known (the data contract then says so)."""
    if not local:
        return None
    try:
        moment = dt.datetime.fromisoformat(local)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC)
    zone = airport_zone(iata, fallback_zone)
    return moment.replace(tzinfo=zone).astimezone(dt.UTC) if zone else None
