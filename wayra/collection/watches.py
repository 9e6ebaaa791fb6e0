"""Reading the watches to collect for from the operational store (the source of truth)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wayra.collection.planner import WatchSpec
from wayra.domain import Cabin
from wayra.opstore.models import Watch
from wayra.simulator.geography import city_code_for_airport


def active_watch_specs(session: Session) -> list[WatchSpec]:
    """Active watches as collection specs."""
    watches = session.scalars(select(Watch).where(Watch.status == "active").order_by(Watch.id))
    return [
        WatchSpec(
            watch_id=w.id,
            origin=w.origin,
            destination=w.destination,
            destination_city_code=city_code_for_airport(w.destination),
            depart_from=w.depart_from,
            depart_to=w.depart_to,
            nights_min=w.nights_min,
            nights_max=w.nights_max,
            adults=w.adults,
            cabin=Cabin(w.cabin),
        )
        for w in watches
    ]
