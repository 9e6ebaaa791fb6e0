"""The hotel market: 6-10 seeded hotels per simulated city and what a stay costs when asked.

Each (hotel, room type, night) fills along a booking curve toward that night; the nightly rate
rises with occupancy, follows the city's weekday/weekend pattern (business cities are dearer
on weeknights, leisure cities on Friday and Saturday nights), the season and public holidays.
Longer stays get a discount; non-refundable rates are cheaper. A room type with no room left on
any night of the stay is not offered.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from wayra.domain import HotelSearch
from wayra.simulator.demand import BookingCurves, near_holiday, season_index
from wayra.simulator.geography import SIMULATED_CITIES, City, haversine_km
from wayra.simulator.offers import HotelOffer
from wayra.simulator.seeding import rng_for

HORIZON_DAYS = 365
CHECK_IN_HOUR = 15
MAX_NIGHTS = 30

STAR_RATE_EUR = {2: 65.0, 3: 100.0, 4: 160.0, 5: 290.0}
ROOM_TYPES = ("STANDARD", "SUPERIOR", "DELUXE", "SUITE")
ROOM_MULT = {"STANDARD": 1.0, "SUPERIOR": 1.25, "DELUXE": 1.6, "SUITE": 2.6}
ROOM_INVENTORY = {"STANDARD": (30, 120), "SUPERIOR": (12, 40), "DELUXE": (6, 24), "SUITE": (2, 8)}

# (demand shift, price factor) for weeknights (Sun-Thu) and weekend nights (Fri, Sat).
DOW_PATTERN = {
    "business": ((0.10, 1.12), (-0.15, 0.84)),
    "leisure": ((-0.06, 0.94), (0.16, 1.18)),
    "mixed": ((0.0, 1.0), (0.05, 1.05)),
}

_NAME_A = ("Grand", "Royal", "Park", "City", "Riverside", "Central", "Old Town", "Harbour",
           "Garden", "Metropole", "Station", "Plaza")  # fmt: skip
_NAME_B = ("Hotel", "Suites", "Inn", "Residence", "Palace", "Lodge")


@dataclass(frozen=True, slots=True)
class Hotel:
    hotel_id: str
    name: str
    stars: int
    latitude: float
    longitude: float
    distance_km: float


@dataclass(frozen=True, slots=True)
class CityHotels:
    """A city's hotels, flattened to one "slot" per (hotel, room type) for vector maths."""

    city: City
    hotels: tuple[Hotel, ...]
    slot_hotel: tuple[int, ...]
    slot_room: tuple[str, ...]
    inventory: np.ndarray
    base_rate: np.ndarray  # EUR per night
    nonrefundable_factor: np.ndarray
    tau: np.ndarray


@dataclass(frozen=True, slots=True)
class NightMarket:
    curves: BookingCurves
    rate: np.ndarray  # EUR per slot before occupancy pricing


def hotel_offer_id(search: HotelSearch, hotel_id: str, room_type: str, refundable: bool) -> str:
    return (
        f"H|{search.city_code}|{hotel_id}|{room_type}|{search.check_in.isoformat()}|"
        f"{search.nights}|{search.adults}|{'R' if refundable else 'N'}"
    )


def parse_hotel_offer_id(offer_id: str) -> tuple[HotelSearch, str, str, bool]:
    kind, city_code, hotel_id, room, check_in, nights, adults, refund = offer_id.split("|")
    if kind != "H" or refund not in ("R", "N"):
        raise ValueError(f"not a hotel offer id: {offer_id!r}")
    search = HotelSearch(city_code, dt.date.fromisoformat(check_in), int(nights), int(adults))
    return search, hotel_id, room, refund == "R"


def length_of_stay_factor(nights: int) -> float:
    return 0.90 if nights >= 7 else 0.96 if nights >= 3 else 1.0


class HotelMarket:
    def __init__(self, seed: int):
        self.seed = seed
        self.city_hotels = lru_cache(maxsize=256)(self._build_city)
        self.night = lru_cache(maxsize=16384)(self._build_night)
        self.check_in_timestamp = lru_cache(maxsize=16384)(self._check_in_timestamp)

    def _build_city(self, city_code: str) -> CityHotels | None:
        c = SIMULATED_CITIES.get(city_code)
        if c is None:
            return None
        rng = rng_for(self.seed, "hotels", city_code)
        n = int(rng.integers(6, 11))
        hotels, names = [], set()
        slot_hotel, slot_room, inventory, base, nonref, tau = [], [], [], [], [], []
        for h in range(n):
            stars = int(rng.choice([2, 3, 4, 5], p=[0.15, 0.35, 0.35, 0.15]))
            name = f"{_NAME_A[rng.integers(len(_NAME_A))]} {c.name} {_NAME_B[rng.integers(6)]}"
            while name in names:
                name = f"{_NAME_A[rng.integers(len(_NAME_A))]} {c.name} {_NAME_B[rng.integers(6)]}"
            names.add(name)
            radius = float(np.clip(rng.gamma(2.0, 1.2), 0.1, 12.0))
            angle = float(rng.uniform(0, 2 * math.pi))
            lat = c.centre_latitude + radius * math.cos(angle) / 111.32
            lon = c.centre_longitude + radius * math.sin(angle) / (
                111.32 * math.cos(math.radians(c.centre_latitude))
            )
            dist = haversine_km(c.centre_latitude, c.centre_longitude, lat, lon)
            hotels.append(
                Hotel(
                    f"{city_code}-H{h:02d}",
                    name,
                    stars,
                    round(lat, 6),
                    round(lon, 6),
                    round(dist, 2),
                )
            )
            level = (
                STAR_RATE_EUR[stars]
                * c.cost_level
                * (1.0 + 0.25 * math.exp(-dist / 1.5))
                * rng.uniform(0.9, 1.1)
            )
            rooms = ["STANDARD"]
            if rng.random() < 0.7:
                rooms.append("SUPERIOR")
            if stars >= 3 and rng.random() < 0.5:
                rooms.append("DELUXE")
            if stars >= 4 and len(rooms) < 3 and rng.random() < 0.5:
                rooms.append("SUITE")
            refund_discount = rng.uniform(0.82, 0.92)
            for room in rooms:
                lo, hi = ROOM_INVENTORY[room]
                slot_hotel.append(h)
                slot_room.append(room)
                inventory.append(int(rng.integers(lo, hi + 1)))
                base.append(level * ROOM_MULT[room])
                nonref.append(refund_discount)
                tau.append(rng.uniform(20, 45) if c.city_type == "leisure" else rng.uniform(12, 35))
        return CityHotels(
            c,
            tuple(hotels),
            tuple(slot_hotel),
            tuple(slot_room),
            np.array(inventory, float),
            np.array(base),
            np.array(nonref),
            np.array(tau),
        )

    def _build_night(self, city_code: str, night: dt.date) -> NightMarket:
        ch = self.city_hotels(city_code)
        c = ch.city
        n = len(ch.slot_room)
        rng = rng_for(self.seed, "hotel-night", city_code, night.isoformat())
        season = season_index(night, southern=c.centre_latitude < 0)
        holiday = near_holiday(c.country, night, window=1)
        weekend = night.weekday() in (4, 5)
        dow_demand, dow_price = DOW_PATTERN[c.city_type][weekend]
        demand = 0.72 + 0.2 * season + (0.12 if holiday else 0.0) + dow_demand
        final = np.clip(demand + rng.normal(0.0, 0.10, n), 0.25, 1.12)
        curves = BookingCurves.draw(rng, final, ch.tau * rng.uniform(0.85, 1.15, n))
        mult = (1.0 + 0.15 * season) * (1.10 if holiday else 1.0) * dow_price
        return NightMarket(curves, ch.base_rate * mult * rng.uniform(0.96, 1.04, n))

    def _check_in_timestamp(self, city_code: str, check_in: dt.date) -> float:
        tz = ZoneInfo(SIMULATED_CITIES[city_code].tz)
        return dt.datetime(
            check_in.year, check_in.month, check_in.day, CHECK_IN_HOUR, tzinfo=tz
        ).timestamp()

    def check_in_open(self, search: HotelSearch, at: dt.datetime) -> bool:
        """Whether check-in time is still ahead of ``at``."""
        if search.city_code not in SIMULATED_CITIES:
            return False
        return self.check_in_timestamp(search.city_code, search.check_in) > at.timestamp()

    def offers(
        self,
        search: HotelSearch,
        at: dt.datetime,
        booked: Mapping[tuple[str, str, dt.date], int],
    ) -> list[HotelOffer]:
        """The market at ``at``; ``booked`` maps (hotel_id, room_type, night) to rooms held."""
        ch = self.city_hotels(search.city_code)
        if ch is None or not 1 <= search.nights <= MAX_NIGHTS or search.adults < 1:
            return []
        days0 = (
            self.check_in_timestamp(search.city_code, search.check_in) - at.timestamp()
        ) / 86400
        if not 0 < days0 <= HORIZON_DAYS:
            return []
        n = len(ch.slot_room)
        total = np.zeros(n)
        rooms_left = np.full(n, np.iinfo(np.int64).max)
        for k in range(search.nights):
            night_date = search.check_in + dt.timedelta(days=k)
            nm = self.night(search.city_code, night_date)
            load = nm.curves.load(np.full(n, days0 + k))
            total += nm.rate * (0.72 + 0.6 * np.minimum(load, 1.0) ** 1.5)
            left = np.floor(ch.inventory * (1.0 - load)).astype(np.int64)
            if booked:
                left -= np.array(
                    [
                        booked.get(
                            (ch.hotels[ch.slot_hotel[s]].hotel_id, ch.slot_room[s], night_date), 0
                        )
                        for s in range(n)
                    ]
                )
            rooms_left = np.minimum(rooms_left, left)
        surcharge = 1.0 + 0.15 * max(0, search.adults - 2)
        total *= length_of_stay_factor(search.nights) * surcharge
        refundable_minor = np.maximum(1, np.rint(total * 100.0)).astype(np.int64).tolist()
        nonref_minor = np.maximum(1, np.rint(total * ch.nonrefundable_factor * 100.0))
        nonref_minor = nonref_minor.astype(np.int64).tolist()
        check_out = search.check_out

        out = []
        for s in np.flatnonzero(rooms_left >= 1).tolist():
            h = ch.hotels[ch.slot_hotel[s]]
            room = ch.slot_room[s]
            for refundable, amount in ((True, refundable_minor[s]), (False, nonref_minor[s])):
                out.append(
                    HotelOffer(
                        offer_id=hotel_offer_id(search, h.hotel_id, room, refundable),
                        city_code=search.city_code,
                        hotel_id=h.hotel_id,
                        hotel_name=h.name,
                        stars=h.stars,
                        latitude=h.latitude,
                        longitude=h.longitude,
                        distance_km=h.distance_km,
                        check_in=search.check_in,
                        check_out=check_out,
                        nights=search.nights,
                        adults=search.adults,
                        room_type=room,
                        refundable=refundable,
                        rooms_left=int(rooms_left[s]),
                        total_minor=int(amount),
                    )
                )
        return out
