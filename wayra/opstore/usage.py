"""Recording API usage events: buffered in memory and written in batches, never in the way.

A request must not wait for an analytics INSERT (on SQLite every commit takes the database's
one write lock, which serializes every concurrent request behind it). The API appends each
event to a ``UsageRecorder`` and a background task writes the buffer in one multi-row INSERT
about once a second, and once more when the app stops; a crash loses at most that second of
analytics, never a request.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from wayra.opstore.models import ApiUsageEvent, utcnow

log = logging.getLogger(__name__)


def record_api_usage(
    session_factory: sessionmaker[Session],
    *,
    user_id: str | None,
    method: str,
    route: str,
    status_code: int,
    occurred_at: dt.datetime | None = None,
) -> bool:
    """Insert one usage event now; returns whether it was stored (errors are logged)."""
    return _insert(
        session_factory,
        [_event(user_id, method, route, status_code, occurred_at or utcnow())],
    )


def _event(user_id, method, route, status_code, occurred_at) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "method": method.upper(),
        "route": route,
        "status_code": status_code,
        "occurred_at": occurred_at,
    }


def _insert(session_factory: sessionmaker[Session], events: list[dict[str, Any]]) -> bool:
    # Usage analytics must never fail a request: any error is logged and swallowed. The
    # events get their own transaction, not a request's.
    try:
        with session_factory.begin() as session:
            session.execute(insert(ApiUsageEvent), events)
        return True
    except Exception:
        log.warning("could not record %d API usage event(s)", len(events), exc_info=True)
        return False


class UsageRecorder:
    """A thread-safe buffer of usage events, written by ``flush``."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory
        self._lock = threading.Lock()
        self._pending: list[dict[str, Any]] = []

    def add(self, *, user_id: str | None, method: str, route: str, status_code: int) -> None:
        event = _event(user_id, method, route, status_code, utcnow())
        with self._lock:
            self._pending.append(event)

    def flush(self) -> int:
        """Write what is buffered; returns how many events were stored."""
        with self._lock:
            events, self._pending = self._pending, []
        if not events:
            return 0
        return len(events) if _insert(self._factory, events) else 0
