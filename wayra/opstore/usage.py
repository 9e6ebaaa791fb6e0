"""Recording API usage events: one INSERT in its own short transaction, never in the way."""

from __future__ import annotations

import datetime as dt
import logging

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
    """Insert one usage event; returns whether it was stored.

    Usage analytics must never fail a request: any error is logged and swallowed. The event
    gets its own session and transaction (not the request's), so it commits even when the
    handler rolled back, and holds a write lock only for the one INSERT.
    """
    try:
        with session_factory.begin() as session:
            session.execute(
                insert(ApiUsageEvent).values(
                    user_id=user_id,
                    method=method.upper(),
                    route=route,
                    status_code=status_code,
                    occurred_at=occurred_at or utcnow(),
                )
            )
        return True
    except Exception:
        log.warning("could not record an API usage event for %s %s", method, route, exc_info=True)
        return False
