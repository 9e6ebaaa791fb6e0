"""The simulated world: ~30 real hub airports grouped into metro cities.

Coordinates, names and time zones come from ``airportsdata``; what it does not know (the IATA
metro code, the city centre, the local currency, and whether the city is a business or a
leisure destination) is curated here. Only countries whose currency the ECB publishes are
included, so every local price can be converted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Literal

from wayra.money import MINOR_UNIT_EXPONENTS

CityType = Literal["business", "leisure", "mixed"]


@dataclass(frozen=True, slots=True)
class Airport:
    iata: str
    name: str
    city_code: str
    city_name: str
    country: str
    currency: str
    latitude: float
    longitude: float
    tz: str
    centre_latitude: float
    centre_longitude: float
    city_type: CityType


@dataclass(frozen=True, slots=True)
class City:
    code: str
    name: str
    country: str
    currency: str
    tz: str
    centre_latitude: float
    centre_longitude: float
    city_type: CityType
    # Relative hotel price level (1.0 = a typical western European city).
    cost_level: float
    airports: tuple[str, ...]


# city code -> (name, currency, centre lat, centre lon, city type, hotel cost level, airports)
_CITIES: dict[str, tuple[str, str, float, float, CityType, float, tuple[str, ...]]] = {
    "LON": ("London", "GBP", 51.5074, -0.1278, "mixed", 1.35, ("LHR", "LGW")),
    "PAR": ("Paris", "EUR", 48.8566, 2.3522, "mixed", 1.30, ("CDG", "ORY")),
    "FRA": ("Frankfurt", "EUR", 50.1109, 8.6821, "business", 1.05, ("FRA",)),
    "MUC": ("Munich", "EUR", 48.1351, 11.5820, "business", 1.10, ("MUC",)),
    "AMS": ("Amsterdam", "EUR", 52.3676, 4.9041, "mixed", 1.20, ("AMS",)),
    "MAD": ("Madrid", "EUR", 40.4168, -3.7038, "mixed", 0.95, ("MAD",)),
    "BCN": ("Barcelona", "EUR", 41.3874, 2.1686, "leisure", 1.00, ("BCN",)),
    "ROM": ("Rome", "EUR", 41.9028, 12.4964, "leisure", 1.00, ("FCO",)),
    "LIS": ("Lisbon", "EUR", 38.7223, -9.1393, "leisure", 0.85, ("LIS",)),
    "DUB": ("Dublin", "EUR", 53.3498, -6.2603, "business", 1.15, ("DUB",)),
    "VIE": ("Vienna", "EUR", 48.2082, 16.3738, "mixed", 0.95, ("VIE",)),
    "ZRH": ("Zurich", "CHF", 47.3769, 8.5417, "business", 1.40, ("ZRH",)),
    "CPH": ("Copenhagen", "DKK", 55.6761, 12.5683, "mixed", 1.15, ("CPH",)),
    "STO": ("Stockholm", "SEK", 59.3293, 18.0686, "business", 1.05, ("ARN",)),
    "OSL": ("Oslo", "NOK", 59.9139, 10.7522, "business", 1.15, ("OSL",)),
    "PRG": ("Prague", "CZK", 50.0755, 14.4378, "leisure", 0.70, ("PRG",)),
    "WAW": ("Warsaw", "PLN", 52.2297, 21.0122, "business", 0.70, ("WAW",)),
    "BUD": ("Budapest", "HUF", 47.4979, 19.0402, "leisure", 0.65, ("BUD",)),
    "ATH": ("Athens", "EUR", 37.9838, 23.7275, "leisure", 0.80, ("ATH",)),
    "NYC": ("New York", "USD", 40.7128, -74.0060, "business", 1.50, ("JFK", "EWR")),
    "LAX": ("Los Angeles", "USD", 34.0522, -118.2437, "leisure", 1.20, ("LAX",)),
    "SFO": ("San Francisco", "USD", 37.7749, -122.4194, "business", 1.35, ("SFO",)),
    "CHI": ("Chicago", "USD", 41.8781, -87.6298, "business", 1.10, ("ORD",)),
    "BOS": ("Boston", "USD", 42.3601, -71.0589, "business", 1.25, ("BOS",)),
    "MIA": ("Miami", "USD", 25.7617, -80.1918, "leisure", 1.15, ("MIA",)),
    "YTO": ("Toronto", "CAD", 43.6532, -79.3832, "business", 1.05, ("YYZ",)),
    "TYO": ("Tokyo", "JPY", 35.6762, 139.6503, "business", 1.10, ("NRT", "HND")),
    "SIN": ("Singapore", "SGD", 1.3521, 103.8198, "business", 1.20, ("SIN",)),
    "HKG": ("Hong Kong", "HKD", 22.3193, 114.1694, "business", 1.20, ("HKG",)),
    "SYD": ("Sydney", "AUD", -33.8688, 151.2093, "leisure", 1.10, ("SYD",)),
}


@cache
def _airportsdata() -> dict[str, dict]:
    import airportsdata

    return airportsdata.load("IATA")


def _build() -> tuple[dict[str, Airport], dict[str, City]]:
    known = _airportsdata()
    airports: dict[str, Airport] = {}
    cities: dict[str, City] = {}
    for code, (name, currency, lat, lon, city_type, cost, iatas) in _CITIES.items():
        assert currency in MINOR_UNIT_EXPONENTS, currency
        for iata in iatas:
            rec = known[iata]
            airports[iata] = Airport(
                iata=iata,
                name=rec["name"],
                city_code=code,
                city_name=name,
                country=rec["country"],
                currency=currency,
                latitude=float(rec["lat"]),
                longitude=float(rec["lon"]),
                tz=rec["tz"],
                centre_latitude=lat,
                centre_longitude=lon,
                city_type=city_type,
            )
        first = airports[iatas[0]]
        cities[code] = City(
            code, name, first.country, currency, first.tz, lat, lon, city_type, cost, iatas
        )
    return airports, cities


SIMULATED_AIRPORTS, SIMULATED_CITIES = _build()


def airport(iata: str) -> Airport:
    try:
        return SIMULATED_AIRPORTS[iata]
    except KeyError:
        raise KeyError(
            f"airport {iata!r} is not simulated (known: {', '.join(sorted(SIMULATED_AIRPORTS))})"
        ) from None


def city(city_code: str) -> City:
    try:
        return SIMULATED_CITIES[city_code]
    except KeyError:
        raise KeyError(
            f"city {city_code!r} is not simulated (known: {', '.join(sorted(SIMULATED_CITIES))})"
        ) from None


def city_code_for_airport(iata: str) -> str:
    """Metro city code; an airport known to airportsdata but not simulated is its own city."""
    if iata in SIMULATED_AIRPORTS:
        return SIMULATED_AIRPORTS[iata].city_code
    if iata in _airportsdata():
        return iata
    raise KeyError(f"unknown IATA airport code {iata!r}")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def great_circle_km(a: Airport, b: Airport) -> float:
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)
