"""A circuit breaker per provider: stop calling a provider that is failing in bursts.

Closed: calls go through, outcomes are remembered in a sliding window. When the window holds
``failure_threshold`` failures the circuit opens: calls are refused (and logged as skipped)
for ``cooldown_s``. Then it is half-open: one probe call decides between closing again and
another cooldown.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from wayra.collection.limits import Clock, ProviderLimits


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class CircuitBreaker:
    limits: ProviderLimits
    clock: Clock
    state: CircuitState = CircuitState.CLOSED
    opened_at: float | None = None
    times_opened: int = 0
    outcomes: deque[bool] = field(default_factory=deque)

    def allow(self) -> bool:
        if self.state is CircuitState.OPEN:
            assert self.opened_at is not None
            if self.clock.now() - self.opened_at < self.limits.circuit_cooldown_s:
                return False
            self.state = CircuitState.HALF_OPEN
        return True

    def record(self, success: bool) -> None:
        if self.state is CircuitState.HALF_OPEN:
            self._close() if success else self._open()
            return
        self.outcomes.append(success)
        while len(self.outcomes) > self.limits.circuit_window:
            self.outcomes.popleft()
        if self.outcomes.count(False) >= self.limits.circuit_failure_threshold:
            self._open()

    def _open(self) -> None:
        self.state = CircuitState.OPEN
        self.opened_at = self.clock.now()
        self.times_opened += 1
        self.outcomes.clear()

    def _close(self) -> None:
        self.state = CircuitState.CLOSED
        self.opened_at = None
        self.outcomes.clear()
