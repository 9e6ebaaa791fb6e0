"""Expand watches into concrete one-way flight and hotel-stay searches, coalesced.

Provider load must grow with *unique* searches, not with watches: every watch that needs the
same (route, date, travellers, cabin) shares one request, and the plan remembers which watches
each search serves so results can fan back out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from wayra.domain import Cabin, FlightSearch, HotelSearch

# Providers publish fares roughly a year ahead; searching beyond that wastes requests.
MAX_DAYS_AHEAD = 330


@dataclass(frozen=True, slots=True)
class WatchSpec:
    watch_id: str
    origin: str
    destination: str
    destination_city_code: str
    depart_from: dt.date
    depart_to: dt.date
    nights_min: int
    nights_max: int
    adults: int
    cabin: Cabin = Cabin.ECONOMY


@dataclass
class SearchPlan:
    flights: dict[FlightSearch, set[str]] = field(default_factory=lambda: defaultdict(set))
    hotels: dict[HotelSearch, set[str]] = field(default_factory=lambda: defaultdict(set))

    @property
    def watch_count(self) -> int:
        served = set().union(*self.flights.values(), *self.hotels.values())
        return len(served)

    @property
    def naive_search_count(self) -> int:
        """Searches that one request per watch and search would have issued."""
        return sum(map(len, self.flights.values())) + sum(map(len, self.hotels.values()))

    @property
    def unique_search_count(self) -> int:
        return len(self.flights) + len(self.hotels)


def plan_searches(watches: Iterable[WatchSpec], observed_on: dt.date) -> SearchPlan:
    """Searches needed on ``observed_on``: only departures still in the future and in range."""
    plan = SearchPlan()
    horizon = observed_on + dt.timedelta(days=MAX_DAYS_AHEAD)
    for watch in watches:
        day = max(watch.depart_from, observed_on + dt.timedelta(days=1))
        last = min(watch.depart_to, horizon)
        while day <= last:
            outbound = FlightSearch(watch.origin, watch.destination, day, watch.adults, watch.cabin)
            plan.flights[outbound].add(watch.watch_id)
            for nights in range(watch.nights_min, watch.nights_max + 1):
                back = day + dt.timedelta(days=nights)
                inbound = FlightSearch(
                    watch.destination, watch.origin, back, watch.adults, watch.cabin
                )
                plan.flights[inbound].add(watch.watch_id)
                stay = HotelSearch(watch.destination_city_code, day, nights, watch.adults)
                plan.hotels[stay].add(watch.watch_id)
            day += dt.timedelta(days=1)
    return plan
