"""Reading the watches to collect for from the operational store (the source of truth)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from wayra.collection.planner import WatchSpec
from wayra.domain import Cabin
from wayra.opstore.models import Watch
from wayra.simulator.geography import SIMULATED_CITIES, city_code_for_airport


@cache
def _iata_airports() -> frozenset[str]:
    # ~7k airports parsed from a bundled JSON file: load on first use, not at import.
    import airportsdata

    return frozenset(airportsdata.load("IATA"))


def is_known_place(code: str) -> bool:
    """A metro city code we simulate (LON, PAR, NYC...) or any IATA airport code."""
    return code in SIMULATED_CITIES or code in _iata_airports()


def airports_for(code: str) -> tuple[str, ...]:
    """The airports a watch code stands for: a metro city's airports, or the airport itself.

    City codes win over airport codes: ``FRA`` is both and means the same either way, but a
    traveller who typed ``LON`` wants Heathrow and Gatwick, not an airport called LON.
    """
    if code in SIMULATED_CITIES:
        return SIMULATED_CITIES[code].airports
    if code in _iata_airports():
        return (code,)
    raise KeyError(f"unknown airport or city code {code!r}")


def expand_airports(codes: Iterable[str]) -> list[str]:
    """Airports of several codes, first occurrence order, without duplicates."""
    return list(dict.fromkeys(a for code in codes for a in airports_for(code)))


def watch_routes(watch: Watch) -> Iterator[tuple[str, str, str]]:
    """(origin airport, destination airport, destination city code) of every route a watch
    covers. Pairs where both ends are the same airport are skipped (LON -> LHR would
    otherwise ask for LHR -> LHR)."""
    destinations = expand_airports(watch.destinations)
    for origin in expand_airports(watch.origins):
        for destination in destinations:
            if origin != destination:
                yield origin, destination, city_code_for_airport(destination)


def active_watch_specs(session: Session) -> list[WatchSpec]:
    """Active watches as collection specs: one per (origin, destination) airport pair, all
    carrying the watch's id so the planner still deduplicates searches across watches."""
    watches = session.scalars(select(Watch).where(Watch.status == "active").order_by(Watch.id))
    return [
        WatchSpec(
            watch_id=w.id,
            origin=origin,
            destination=destination,
            destination_city_code=city_code,
            depart_from=w.depart_from,
            depart_to=w.depart_to,
            nights_min=w.nights_min,
            nights_max=w.nights_max,
            adults=w.adults,
            cabin=Cabin(w.cabin),
        )
        for w in watches
        for origin, destination, city_code in watch_routes(w)
    ]
