"""Provider connectors: the protocol every flight/hotel source implements, and the simulated
providers that quote from the market simulator."""

from wayra.providers.base import (
    BookingResult,
    CancelResult,
    FlightProvider,
    HotelProvider,
    ProviderError,
    RepriceResult,
)
from wayra.providers.simulated import (
    DEFAULT_SIMULATED_PROFILES,
    SimulatedFlightProvider,
    SimulatedHotelProvider,
    SimulatedProviderProfile,
    default_simulated_providers,
)

__all__ = [
    "DEFAULT_SIMULATED_PROFILES",
    "BookingResult",
    "CancelResult",
    "FlightProvider",
    "HotelProvider",
    "ProviderError",
    "RepriceResult",
    "SimulatedFlightProvider",
    "SimulatedHotelProvider",
    "SimulatedProviderProfile",
    "default_simulated_providers",
]
