"""Per-provider request discipline: rate limits on an injectable clock, and per-cycle budgets.

Real providers run on the system clock (the limiter really sleeps). The simulated providers
run on a virtual clock that advances instead of sleeping, so a month of collection cycles
still obeys every limit, and tests can check the spacing of requests exactly.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel, Field


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass
class VirtualClock:
    """Seconds since the cycle started; sleeping just moves time forward."""

    current: float = 0.0

    def now(self) -> float:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.current += max(seconds, 0.0)


class ProviderLimits(BaseModel):
    """How hard Wayra may call one provider (``WAYRA_PROVIDER_LIMITS`` overrides, as JSON)."""

    requests_per_second: float = Field(default=10.0, gt=0)
    min_interval_ms: float = Field(default=100.0, ge=0)
    max_requests_per_cycle: int | None = Field(default=None, ge=1)
    max_attempts: int = Field(default=3, ge=1)
    backoff_initial_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=30.0, ge=0)
    circuit_failure_threshold: int = Field(default=5, ge=1)
    circuit_window: int = Field(default=20, ge=1)
    circuit_cooldown_s: float = Field(default=60.0, ge=0)


# Amadeus Self-Service test environment: 10 requests/s and at most one per 100 ms.
DEFAULT_LIMITS: dict[str, ProviderLimits] = {
    "amadeus_flights": ProviderLimits(requests_per_second=10, min_interval_ms=100),
    "amadeus_hotels": ProviderLimits(requests_per_second=10, min_interval_ms=100),
    "duffel": ProviderLimits(requests_per_second=5, min_interval_ms=200),
    "hotelbeds": ProviderLimits(requests_per_second=8, min_interval_ms=125),
}


def limits_for(provider: str, overrides: dict[str, ProviderLimits] | None = None) -> ProviderLimits:
    if overrides and provider in overrides:
        return overrides[provider]
    return DEFAULT_LIMITS.get(provider, ProviderLimits())


# Clock arithmetic in float seconds drifts (4.1 - 3.1 < 1.0); a request this close to the
# window edge counts as outside it.
EPSILON_S = 1e-6


@dataclass
class RateLimiter:
    """At most ``requests_per_second`` in any sliding second, and ``min_interval_ms`` between
    consecutive requests. ``acquire`` blocks (on the clock) until a request may go out."""

    limits: ProviderLimits
    clock: Clock
    sent_at: deque[float] = field(default_factory=deque)

    def acquire(self) -> float:
        while True:
            now = self.clock.now()
            while self.sent_at and now - self.sent_at[0] >= 1.0 - EPSILON_S:
                self.sent_at.popleft()
            wait = 0.0
            if self.sent_at:
                wait = self.sent_at[-1] + self.limits.min_interval_ms / 1000 - now
            if len(self.sent_at) >= self.limits.requests_per_second:
                wait = max(wait, self.sent_at[0] + 1.0 - now)
            if wait <= EPSILON_S:
                self.sent_at.append(now)
                return now
            self.clock.sleep(wait)


@dataclass
class RequestBudget:
    """A per-cycle cap on requests to one provider; ``None`` means unlimited."""

    limit: int | None
    used: int = 0

    def take(self) -> bool:
        if self.limit is not None and self.used >= self.limit:
            return False
        self.used += 1
        return True
