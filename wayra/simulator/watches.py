"""Synthetic watch populations for load tests and benchmarks (deterministic by seed)."""

from __future__ import annotations

import datetime as dt
import random

from wayra.collection.planner import WatchSpec
from wayra.simulator.geography import SIMULATED_AIRPORTS, city_code_for_airport


def synthetic_routes(count: int, seed: int = 5) -> list[tuple[str, str]]:
    """``count`` distinct routes between simulated airports in different cities."""
    rng = random.Random(seed)
    airports = sorted(SIMULATED_AIRPORTS)
    routes: set[tuple[str, str]] = set()
    while len(routes) < count:
        origin, destination = rng.sample(airports, 2)
        if city_code_for_airport(origin) != city_code_for_airport(destination):
            routes.add((origin, destination))
    return sorted(routes)


def synthetic_watches(
    count: int, route_count: int, observed_on: dt.date, seed: int = 5
) -> list[WatchSpec]:
    """Watches spread evenly over the routes, departing 20-60 days out in 3-day windows,
    3-4 nights, 1 or 2 adults: realistic overlap, so coalescing has something to do."""
    rng = random.Random(seed)
    routes = synthetic_routes(route_count, seed)
    watches = []
    for i in range(count):
        origin, destination = routes[i % route_count]
        start = observed_on + dt.timedelta(days=rng.randrange(20, 60))
        watches.append(
            WatchSpec(
                watch_id=f"w{i}",
                origin=origin,
                destination=destination,
                destination_city_code=city_code_for_airport(destination),
                depart_from=start,
                depart_to=start + dt.timedelta(days=2),
                nights_min=3,
                nights_max=4,
                adults=rng.choice((1, 2)),
            )
        )
    return watches
