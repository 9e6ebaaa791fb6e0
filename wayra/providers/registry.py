"""Which providers a collection run talks to, chosen by settings.

The simulated providers are always there (the embedded default). A real connector joins when
its credentials are configured. With any real provider in the set, the collector runs on the
system clock (its rate limiter really waits); a simulator-only run uses a virtual clock.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from wayra.collection.limits import Clock, SystemClock, VirtualClock
from wayra.providers.simulated import default_simulated_providers
from wayra.settings import Settings

# Provider name -> (category, "module:Class"); each class has ``from_settings(settings)``
# returning the provider, or None when its credentials are not configured.
REAL_CONNECTORS: dict[str, tuple[str, str]] = {
    "amadeus_flights": ("flight", "wayra.providers.amadeus:AmadeusFlightProvider"),
    "amadeus_hotels": ("hotel", "wayra.providers.amadeus:AmadeusHotelProvider"),
    "duffel": ("flight", "wayra.providers.duffel:DuffelFlightProvider"),
    "hotelbeds": ("hotel", "wayra.providers.hotelbeds:HotelbedsHotelProvider"),
}


@dataclass
class ProviderSet:
    flights: dict[str, object]
    hotels: dict[str, object]
    clock: Clock

    @property
    def names(self) -> list[str]:
        return [*self.flights, *self.hotels]

    @property
    def by_name(self) -> dict[str, object]:
        """Every provider by its name, flights and hotels alike (what booking looks legs up in)."""
        return {**self.flights, **self.hotels}


def real_providers(settings: Settings) -> list[object]:
    found = []
    for _category, spec in REAL_CONNECTORS.values():
        module_name, class_name = spec.split(":")
        connector = getattr(importlib.import_module(module_name), class_name)
        provider = connector.from_settings(settings)
        if provider is not None:
            found.append(provider)
    return found


def configured_providers(settings: Settings, *, simulated: bool = True) -> ProviderSet:
    providers = (
        list(default_simulated_providers(settings.simulator_seed).values()) if simulated else []
    )
    real = real_providers(settings)
    providers += real
    return ProviderSet(
        flights={p.name: p for p in providers if p.category == "flight"},
        hotels={p.name: p for p in providers if p.category == "hotel"},
        clock=SystemClock() if real else VirtualClock(),
    )
