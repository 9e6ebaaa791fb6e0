"""Deterministic market simulator: the seeded world of flights and hotels that the simulated
providers quote from, with booking curves, fare buckets, promotions, occupancy pricing and
inventory that real bookings consume."""

from wayra.simulator.geography import (
    SIMULATED_AIRPORTS,
    SIMULATED_CITIES,
    Airport,
    City,
    airport,
    city,
    city_code_for_airport,
    great_circle_km,
)
from wayra.simulator.market import MarketSimulator
from wayra.simulator.offers import (
    BookingResult,
    CancelResult,
    FlightOffer,
    HotelOffer,
    RepriceResult,
)

__all__ = [
    "SIMULATED_AIRPORTS",
    "SIMULATED_CITIES",
    "Airport",
    "BookingResult",
    "CancelResult",
    "City",
    "FlightOffer",
    "HotelOffer",
    "MarketSimulator",
    "RepriceResult",
    "airport",
    "city",
    "city_code_for_airport",
    "great_circle_km",
]
