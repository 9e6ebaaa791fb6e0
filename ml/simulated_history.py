"""Price histories drawn straight from the deterministic market simulator, for forecasting work
without a warehouse: one series per trip (a flight, or a hotel stay), one cheapest price a day.

This asks :class:`~wayra.simulator.MarketSimulator` itself rather than the simulated providers,
so prices carry no provider markup or noise: the series is the market's own booking curve.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from wayra.domain import Cabin, FlightSearch, HotelSearch
from wayra.money import minor_unit_exponent
from wayra.simulator import SIMULATED_AIRPORTS, SIMULATED_CITIES, MarketSimulator
from wayra.simulator.offers import FlightOffer, HotelOffer

KINDS = ("flight", "hotel")
SPREAD_DAYS = 120  # departure dates spread over this many days from the first departure
OBSERVATION_TIME = dt.time(6, 0, tzinfo=dt.UTC)  # one daily look at the market
HOTEL_NIGHTS = 3
HOTEL_ADULTS = 2
FILE_SCHEMA = {  # the history file format of ml.history
    "series_id": pl.String,
    "observed_at": pl.Date,
    "departure_date": pl.Date,
    "price": pl.Float64,
    "currency": pl.String,
}


@dataclass(frozen=True, slots=True)
class _Series:
    series_id: str
    departure_date: dt.date
    quote: Callable[[dt.datetime], list[FlightOffer] | list[HotelOffer]]


def simulate_history(
    seed: int = 7,
    series: int = 300,
    days: int = 100,
    first_departure: dt.date = dt.date(2026, 6, 1),
    kinds: Sequence[str] = KINDS,
    hotel_share: float = 0.3,
    promotions: bool = True,
) -> pl.DataFrame:
    """A history in the file format (``series_id``, ``observed_at``, ``departure_date``,
    ``price``, ``currency``): ``series`` trips, each observed daily at 06:00 UTC for ``days``
    days up to the day before departure. Days on which a trip is sold out have no row.

    Deterministic for a seed: the same arguments give the same frame. ``promotions=False``
    gives the same trips at their regular fares (the market without its flight promotions).
    """
    unknown = set(kinds) - set(KINDS)
    if unknown or not kinds:
        raise ValueError(f"kinds must be a non-empty subset of {KINDS}, got {tuple(kinds)}")
    if series < 1 or days < 1:
        raise ValueError(f"series and days must be positive, got {series} and {days}")
    if not 0 <= hotel_share <= 1:
        raise ValueError(f"hotel_share must be between 0 and 1, got {hotel_share}")
    hotels = series if "flight" not in kinds else round(series * hotel_share)
    hotels = hotels if "hotel" in kinds else 0

    market = MarketSimulator(seed, promotions=promotions)
    rng = random.Random(seed)
    trips = _flight_series(market, rng, series - hotels, first_departure)
    trips += _hotel_series(market, rng, hotels, first_departure)

    rows: dict[str, list] = {name: [] for name in FILE_SCHEMA}
    for trip in trips:
        for back in range(days, 0, -1):
            day = trip.departure_date - dt.timedelta(days=back)
            offers = trip.quote(dt.datetime.combine(day, OBSERVATION_TIME))
            if not offers:  # sold out: no observation that day
                continue
            cheapest = min(offers, key=lambda offer: offer.total_minor)
            rows["series_id"].append(trip.series_id)
            rows["observed_at"].append(day)
            rows["departure_date"].append(trip.departure_date)
            rows["price"].append(
                cheapest.total_minor / 10 ** minor_unit_exponent(cheapest.currency)
            )
            rows["currency"].append(cheapest.currency)
    return pl.DataFrame(rows, schema=FILE_SCHEMA).sort("series_id", "observed_at")


def _departure(first_departure: dt.date, index: int, count: int) -> dt.date:
    """The ``index``-th of ``count`` departure dates, evenly spread over SPREAD_DAYS."""
    return first_departure + dt.timedelta(days=index * SPREAD_DAYS // count)


def _flight_series(
    market: MarketSimulator, rng: random.Random, count: int, first_departure: dt.date
) -> list[_Series]:
    """One-way economy trips for one adult. Each route is used once before any is reused, and
    a reused route gets a later departure date, so (route, date) never repeats."""
    routes = [
        (origin, destination)
        for origin, a in sorted(SIMULATED_AIRPORTS.items())
        for destination, b in sorted(SIMULATED_AIRPORTS.items())
        if a.city_code != b.city_code
    ]
    if count > len(routes) * SPREAD_DAYS:
        raise ValueError(f"at most {len(routes) * SPREAD_DAYS} flight series, asked {count}")
    rng.shuffle(routes)
    trips = []
    for i in range(count):
        origin, destination = routes[i % len(routes)]
        departure = _departure(first_departure, i, count)
        search = FlightSearch(origin, destination, departure, 1, Cabin.ECONOMY)
        trips.append(
            _Series(
                f"F|{origin}|{destination}|{departure.isoformat()}",
                departure,
                lambda at, search=search: market.flight_offers(search, at),
            )
        )
    return trips


def _hotel_series(
    market: MarketSimulator, rng: random.Random, count: int, first_departure: dt.date
) -> list[_Series]:
    """Three-night stays for two adults, cities cycled like routes (so never repeated)."""
    cities = sorted(SIMULATED_CITIES)
    if count > len(cities) * SPREAD_DAYS:
        raise ValueError(f"at most {len(cities) * SPREAD_DAYS} hotel series, asked {count}")
    rng.shuffle(cities)
    trips = []
    for i in range(count):
        city_code = cities[i % len(cities)]
        check_in = _departure(first_departure, i, count)
        search = HotelSearch(city_code, check_in, HOTEL_NIGHTS, HOTEL_ADULTS)
        trips.append(
            _Series(
                f"H|{city_code}|{check_in.isoformat()}|{HOTEL_NIGHTS}",
                check_in,
                lambda at, search=search: market.hotel_offers(search, at),
            )
        )
    return trips
