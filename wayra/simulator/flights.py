"""The flight market: per-route schedules and the fare each flight charges at a given moment.

A route (origin, destination) has a fixed seeded schedule: legacy nonstops by the home
carriers, low-cost nonstops on short-haul, and one-stop connections by third-country hubs.
For one departure date each flight has a booking curve (load factor rising toward departure),
eight fare buckets that close as load passes seeded thresholds, advance-purchase fences that
close the cheap buckets 21/14/7/3 days out, and a few short promotions. Demand, and so how fast
buckets close, rises with the season, public holidays and the departure weekday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from wayra.domain import Cabin, FlightSearch
from wayra.simulator.carriers import CARRIERS, Carrier, region
from wayra.simulator.demand import BookingCurves, near_holiday, season_index
from wayra.simulator.geography import SIMULATED_AIRPORTS, Airport, great_circle_km
from wayra.simulator.offers import FlightOffer
from wayra.simulator.seeding import rng_for

HORIZON_DAYS = 365  # schedules open this many days before departure

BUCKET_CODES = ("O", "Q", "V", "L", "K", "M", "B", "Y")  # cheapest first
BUCKET_MULT = np.array([0.50, 0.62, 0.75, 0.88, 1.00, 1.20, 1.45, 1.80])
# Load factor at which each bucket closes; the last one never closes on load.
BUCKET_CLOSE_LOAD = np.array([0.30, 0.45, 0.57, 0.67, 0.76, 0.84, 0.91, np.inf])
# Advance-purchase fences: minimum days before departure for each bucket to be sold.
BUCKET_FENCE_DAYS = np.array([21.0, 14.0, 7.0, 3.0, 0.0, 0.0, 0.0, 0.0])

CABIN_MULT = {
    Cabin.ECONOMY: 1.0,
    Cabin.PREMIUM_ECONOMY: 1.8,
    Cabin.BUSINESS: 4.0,
    Cabin.FIRST: 7.0,
}
CABIN_SEAT_SHARE = {
    Cabin.ECONOMY: 0.80,
    Cabin.PREMIUM_ECONOMY: 0.08,
    Cabin.BUSINESS: 0.10,
    Cabin.FIRST: 0.02,
}
# Demand (load) and fare effect of the departure weekday, Monday first: Friday and Sunday
# are the peaks, Tuesday and Wednesday the troughs.
DEPARTURE_DOW_DEMAND = (0.03, -0.10, -0.08, 0.03, 0.14, -0.04, 0.12)
DEPARTURE_DOW_PRICE = (1.00, 0.93, 0.94, 1.01, 1.08, 0.97, 1.07)
# Airlines file cheaper fares early in the week and price up over weekends.
OBSERVATION_DOW_PRICE = (1.00, 0.97, 0.98, 1.00, 1.01, 1.03, 1.03)
MAX_PROMOS = 4

UTC = dt.UTC


@dataclass(frozen=True, slots=True)
class ScheduledFlight:
    carrier: Carrier
    flight_number: str
    stops: int
    departure_minute: int  # local time at the origin, minutes after midnight
    duration_minutes: int
    capacity: int
    fare_factor: float  # carrier, stops and a per-flight level
    tau_days: float  # how early this flight's passengers book
    weekdays: tuple[bool, ...]  # operating days, Monday first


@dataclass(frozen=True, slots=True)
class Route:
    origin: Airport
    destination: Airport
    distance_km: float
    base_fare_eur: float
    flights: tuple[ScheduledFlight, ...]


@dataclass(frozen=True, slots=True)
class RouteDate:
    """Everything about one route on one departure date that does not depend on when it
    is observed; cached so a search only does the time-dependent arithmetic."""

    flights: tuple[ScheduledFlight, ...]
    departure_at: tuple[dt.datetime, ...]
    arrival_at: tuple[dt.datetime, ...]
    departure_ts: np.ndarray
    fare: np.ndarray  # EUR, mid bucket, economy, one adult, before observation effects
    capacity: np.ndarray
    legacy: np.ndarray
    curves: BookingCurves
    close_load: np.ndarray  # (n, 8)
    promo_start: np.ndarray  # (n, MAX_PROMOS) days-before-departure a promotion starts
    promo_end: np.ndarray
    promo_discount: np.ndarray


def base_fare_eur(distance_km: float) -> float:
    # Concave in distance: fixed costs dominate short-haul.
    return 30.0 + 0.11 * distance_km**0.93


def flight_offer_id(search: FlightSearch, flight_number: str) -> str:
    return (
        f"F|{search.origin}|{search.destination}|{search.departure_date.isoformat()}|"
        f"{flight_number}|{Cabin(search.cabin).value}|{search.adults}"
    )


def parse_flight_offer_id(offer_id: str) -> tuple[FlightSearch, str]:
    kind, origin, destination, day, flight_number, cabin, adults = offer_id.split("|")
    if kind != "F":
        raise ValueError(f"not a flight offer id: {offer_id!r}")
    search = FlightSearch(
        origin, destination, dt.date.fromisoformat(day), int(adults), Cabin(cabin)
    )
    return search, flight_number


class FlightMarket:
    def __init__(self, seed: int, promotions: bool = True):
        """``promotions=False`` prices the same market without its promotions (every other
        draw unchanged): the regular fare path, for analyses that ask what promotions add."""
        self.seed = seed
        self.promotions = promotions
        self.route = lru_cache(maxsize=4096)(self._build_route)
        self.route_date = lru_cache(maxsize=8192)(self._build_route_date)

    # --- static schedule -------------------------------------------------------------
    def _build_route(self, origin: str, destination: str) -> Route | None:
        o, d = SIMULATED_AIRPORTS.get(origin), SIMULATED_AIRPORTS.get(destination)
        if o is None or d is None or o.city_code == d.city_code:
            return None
        rng = rng_for(self.seed, "route", origin, destination)
        dist = great_circle_km(o, d)
        countries = {o.country, d.country}
        legacy = [c for c in CARRIERS.values() if not c.low_cost]
        home = [c for c in legacy if countries & set(c.countries)]
        picks: list[tuple[Carrier, int]] = []  # (carrier, stops)
        if dist < 11500:
            if not home:
                same_region = [c for c in legacy if region(c.countries[0]) == region(o.country)]
                home = [same_region[rng.integers(len(same_region))]]
            if len(home) > 3:
                home = [home[i] for i in sorted(rng.choice(len(home), 3, replace=False))]
            for c in home:
                picks += [(c, 0)] * (2 if dist < 3000 and rng.random() < 0.6 else 1)
        else:
            # Too far for a nonstop: the home carriers connect over their own hubs.
            picks += [(c, 1) for c in home[:2]]
        both_europe = region(o.country) == region(d.country) == "europe"
        both_na = region(o.country) == region(d.country) == "north_america"
        if (both_europe and dist < 3800) or (both_na and dist < 5000):
            lcc = [c for c in CARRIERS.values() if c.low_cost]
            local = [c for c in lcc if countries & set(c.countries)]
            lcc = local or [c for c in lcc if region(c.countries[0]) == region(o.country)]
            k = min(len(lcc), 1 + int(rng.random() < 0.5))
            picks += [(lcc[i], 0) for i in sorted(rng.choice(len(lcc), k, replace=False))]
        # Connections go over a hub of a third-country carrier from either end's region.
        regions = {region(o.country), region(d.country)}
        hubs = [
            c
            for c in legacy
            if not countries & set(c.countries) and region(c.countries[0]) in regions
        ]
        k = 1 + int(rng.integers(0, 3)) + (2 if dist >= 11500 else 0)
        picks += [(hubs[i], 1) for i in sorted(rng.choice(len(hubs), min(k, len(hubs)), False))]

        flights = []
        used: set[str] = set()
        for carrier, stops in picks:
            number = f"{carrier.code}{int(rng.integers(10, 3000))}"
            while number in used:
                number = f"{carrier.code}{int(rng.integers(10, 3000))}"
            used.add(number)
            airborne = (dist * (1.18 if stops else 1.0)) / 820.0 * 60.0
            layover = float(rng.uniform(55, 200)) if stops else 0.0
            duration = int(round((airborne + 35 + layover) / 5.0) * 5)
            if carrier.low_cost:
                capacity = 186
                weekdays = tuple(bool(x) for x in rng.random(7) < 0.75)
                if sum(weekdays) < 3:
                    weekdays = (True, False, True, False, True, False, True)
            else:
                capacity = int(rng.integers(150, 191) if dist < 3000 else rng.integers(250, 351))
                weekdays = (True,) * 7
            fare_factor = carrier.fare_factor * (0.82 if stops else 1.0) * rng.uniform(0.93, 1.07)
            tau = rng.uniform(25, 45) if carrier.low_cost else rng.uniform(35, 60)
            flights.append(
                ScheduledFlight(
                    carrier=carrier,
                    flight_number=number,
                    stops=stops,
                    departure_minute=int(rng.integers(6 * 12, 22 * 12)) * 5,
                    duration_minutes=duration,
                    capacity=capacity,
                    fare_factor=float(fare_factor),
                    tau_days=float(tau + (15 if dist > 4000 else 0)),
                    weekdays=weekdays,
                )
            )
        flights.sort(key=lambda f: (f.departure_minute, f.flight_number))
        return Route(o, d, dist, base_fare_eur(dist), tuple(flights))

    # --- one departure date ----------------------------------------------------------
    def _build_route_date(self, origin: str, destination: str, day: dt.date) -> RouteDate | None:
        route = self.route(origin, destination)
        if route is None:
            return None
        flights = tuple(f for f in route.flights if f.weekdays[day.weekday()])
        n = len(flights)
        if n == 0:
            return None
        o, d = route.origin, route.destination
        tz = ZoneInfo(o.tz)
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=tz)
        deps = tuple(
            (midnight + dt.timedelta(minutes=f.departure_minute)).astimezone(UTC) for f in flights
        )
        arrs = tuple(
            dep + dt.timedelta(minutes=f.duration_minutes)
            for dep, f in zip(deps, flights, strict=True)
        )

        rng = rng_for(self.seed, "route-date", origin, destination, day.isoformat())
        season = season_index(day, southern=d.latitude < 0)
        holiday = near_holiday(o.country, day) or near_holiday(d.country, day)
        weekday = day.weekday()
        demand = 0.18 * season + (0.12 if holiday else 0.0) + DEPARTURE_DOW_DEMAND[weekday]
        final = np.clip(0.74 + demand + rng.normal(0.0, 0.09, n), 0.35, 1.15)
        tau = np.array([f.tau_days for f in flights]) * rng.uniform(0.85, 1.15, n)
        curves = BookingCurves.draw(rng, final, tau)
        close_load = BUCKET_CLOSE_LOAD + rng.uniform(-0.04, 0.04, (n, len(BUCKET_CODES)))

        count = np.minimum(rng.poisson(2.5, n), MAX_PROMOS)
        start = rng.uniform(5.0, 150.0, (n, MAX_PROMOS))
        length = rng.integers(2, 7, (n, MAX_PROMOS)).astype(float)
        active = np.arange(MAX_PROMOS)[None, :] < count[:, None]
        start = np.where(active, start, -1.0)
        discount = rng.uniform(0.10, 0.30, (n, MAX_PROMOS))
        if not self.promotions:  # drawn all the same, so every later draw is unchanged
            discount = np.zeros_like(discount)

        date_mult = (
            (1.0 + 0.12 * season) * (1.08 if holiday else 1.0) * DEPARTURE_DOW_PRICE[weekday]
        )
        fare = route.base_fare_eur * np.array([f.fare_factor for f in flights]) * date_mult
        return RouteDate(
            flights=flights,
            departure_at=deps,
            arrival_at=arrs,
            departure_ts=np.array([x.timestamp() for x in deps]),
            fare=fare,
            capacity=np.array([f.capacity for f in flights], dtype=float),
            legacy=np.array([not f.carrier.low_cost for f in flights]),
            curves=curves,
            close_load=close_load,
            promo_start=start,
            promo_end=start - length,
            promo_discount=discount,
        )

    # --- pricing at an observation time ----------------------------------------------
    def offers(
        self, search: FlightSearch, at: dt.datetime, booked: Mapping[tuple[str, str], int]
    ) -> list[FlightOffer]:
        """The market at ``at``; ``booked`` maps (flight_number, cabin) to seats Wayra holds."""
        rd = self.route_date(search.origin, search.destination, search.departure_date)
        if rd is None or search.adults < 1:
            return []
        cabin = Cabin(search.cabin)
        route = self.route(search.origin, search.destination)
        days = (rd.departure_ts - at.timestamp()) / 86400.0
        load = rd.curves.load(days)
        cabin_ok = np.ones(len(rd.flights), dtype=bool)
        if cabin is not Cabin.ECONOMY:
            cabin_ok = rd.legacy.copy()
            if cabin is Cabin.PREMIUM_ECONOMY:
                cabin_ok &= route.distance_km > 3000
            elif cabin is Cabin.FIRST:
                cabin_ok &= route.distance_km > 6000
        seats = np.floor(rd.capacity * CABIN_SEAT_SHARE[cabin] * (1.0 - load)).astype(np.int64)
        if booked:
            seats -= np.array([booked.get((f.flight_number, cabin.value), 0) for f in rd.flights])
        sellable = (days > 0) & (days <= HORIZON_DAYS) & cabin_ok & (seats >= search.adults)
        if not sellable.any():
            return []

        is_open = (load[:, None] < rd.close_load) & (days[:, None] >= BUCKET_FENCE_DAYS)
        bucket = np.argmax(is_open, axis=1)
        in_promo = (days[:, None] <= rd.promo_start) & (days[:, None] > rd.promo_end)
        discount = np.where(in_promo, rd.promo_discount, 0.0).max(axis=1)
        obs_mult = OBSERVATION_DOW_PRICE[at.astimezone(UTC).weekday()]
        price = rd.fare * BUCKET_MULT[bucket] * obs_mult * (1.0 - discount)
        total = np.rint(price * CABIN_MULT[cabin] * search.adults * 100.0).astype(np.int64)

        out = []
        for i in np.flatnonzero(sellable).tolist():
            f = rd.flights[i]
            out.append(
                FlightOffer(
                    offer_id=flight_offer_id(search, f.flight_number),
                    origin=search.origin,
                    destination=search.destination,
                    departure_date=search.departure_date,
                    carrier=f.carrier.code,
                    flight_number=f.flight_number,
                    stops=f.stops,
                    cabin=cabin.value,
                    adults=search.adults,
                    departure_at=rd.departure_at[i],
                    arrival_at=rd.arrival_at[i],
                    duration_minutes=f.duration_minutes,
                    fare_bucket=BUCKET_CODES[int(bucket[i])],
                    seats_left=int(seats[i]),
                    promotion=bool(discount[i] > 0),
                    total_minor=max(1, int(total[i])),
                )
            )
        return out

    def flight_exists(self, search: FlightSearch, flight_number: str) -> bool:
        rd = self.route_date(search.origin, search.destination, search.departure_date)
        return rd is not None and any(f.flight_number == flight_number for f in rd.flights)

    def departure_at(self, search: FlightSearch, flight_number: str) -> dt.datetime | None:
        rd = self.route_date(search.origin, search.destination, search.departure_date)
        if rd is None:
            return None
        for f, dep in zip(rd.flights, rd.departure_at, strict=True):
            if f.flight_number == flight_number:
                return dep
        return None
