"""Run a search plan against providers and shape the answers into raw Arrow batches.

Every provider call goes through its gate: circuit breaker, per-cycle budget, rate limiter and
retries (tenacity, retryable errors only, honouring Retry-After). Every request's outcome is
recorded — including the ones the gate refused — so provider reliability can be scored.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pyarrow as pa
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from wayra.collection.circuit import CircuitBreaker, CircuitState
from wayra.collection.limits import (
    Clock,
    ProviderLimits,
    RateLimiter,
    RequestBudget,
    VirtualClock,
    limits_for,
)
from wayra.collection.planner import SearchPlan
from wayra.domain import (
    FLIGHT_QUOTE_SCHEMA,
    HOTEL_QUOTE_SCHEMA,
    PROVIDER_REQUEST_SCHEMA,
    FlightSearch,
    HotelSearch,
    ProviderResponse,
)
from wayra.providers.base import ProviderError

log = logging.getLogger(__name__)

Search = FlightSearch | HotelSearch


@dataclass
class CollectedBatch:
    flight_quotes: pa.Table
    hotel_quotes: pa.Table
    requests: pa.Table
    circuits: dict[str, CircuitBreaker] = field(default_factory=dict)


def search_key(search: Search) -> str:
    if isinstance(search, FlightSearch):
        return (
            f"flight:{search.origin}-{search.destination}:{search.departure_date}"
            f":{search.adults}:{search.cabin}"
        )
    return f"hotel:{search.city_code}:{search.check_in}+{search.nights}:{search.adults}"


def search_date(search: Search) -> dt.date:
    return search.departure_date if isinstance(search, FlightSearch) else search.check_in


def route_of(search: Search) -> str:
    if isinstance(search, FlightSearch):
        return f"{search.origin}-{search.destination}"
    return search.city_code


def prioritized(
    plan: SearchPlan, observed_on: dt.date, volatility: Mapping[str, float] | None = None
) -> list[tuple[str, Search, set[str]]]:
    """Searches closest to departure first; a volatile route (0..1) counts as up to 30 days
    closer. When a budget runs out, what is left unsearched is what matters least."""
    volatility = volatility or {}

    def urgency(item: tuple[str, Search, set[str]]) -> tuple[float, str]:
        _, search, _ = item
        days = (search_date(search) - observed_on).days
        return days - 30 * volatility.get(route_of(search), 0.0), search_key(search)

    items = [("flight", s, w) for s, w in plan.flights.items()]
    items += [("hotel", s, w) for s, w in plan.hotels.items()]
    return sorted(items, key=urgency)


@dataclass
class CallOutcome:
    status: str  # ok | error | skipped_budget | skipped_circuit_open
    response: ProviderResponse | None = None
    error: str | None = None
    attempts: int = 0
    latency_ms: float = 0.0


class ProviderGate:
    """Everything between the collector and one provider."""

    def __init__(self, name: str, limits: ProviderLimits, clock: Clock):
        self.name = name
        self.limits = limits
        self.clock = clock
        self.limiter = RateLimiter(limits, clock)
        self.budget = RequestBudget(limits.max_requests_per_cycle)
        self.circuit = CircuitBreaker(limits, clock)

    def _wait(self, state: RetryCallState) -> float:
        backoff = wait_exponential_jitter(
            initial=self.limits.backoff_initial_s, max=self.limits.backoff_max_s
        )(state)
        error = state.outcome.exception() if state.outcome else None
        return max(backoff, float(getattr(error, "retry_after", None) or 0.0))

    def call(self, request: Callable[[], ProviderResponse]) -> CallOutcome:
        if not self.circuit.allow():
            return CallOutcome("skipped_circuit_open", error="circuit open")
        if not self.budget.take():
            return CallOutcome("skipped_budget", error="request budget for this cycle used")
        attempts = 0
        started = time.perf_counter()

        def attempt() -> ProviderResponse:
            nonlocal attempts
            attempts += 1
            self.limiter.acquire()
            response = request()
            if response.status != "ok":
                # Simulated providers report failures in-band; treat them like a real 5xx.
                raise ProviderError(response.error or "provider error", retryable=True)
            return response

        retrying = Retrying(
            stop=stop_after_attempt(self.limits.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(lambda e: isinstance(e, ProviderError) and e.retryable),
            sleep=self.clock.sleep,
            reraise=True,
        )
        try:
            response = retrying(attempt)
        except ProviderError as exc:
            # A rejected request (4xx) says nothing about the provider's health.
            if exc.retryable:
                self.circuit.record(False)
            return CallOutcome("error", error=str(exc), attempts=attempts, latency_ms=_ms(started))
        except Exception as exc:  # a connector bug must not end the whole cycle
            log.exception("provider %s raised unexpectedly", self.name)
            self.circuit.record(False)
            return CallOutcome(
                "error",
                error=f"{type(exc).__name__}: {exc}",
                attempts=attempts,
                latency_ms=_ms(started),
            )
        self.circuit.record(True)
        return CallOutcome(
            "ok", response=response, attempts=attempts, latency_ms=response.latency_ms
        )


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def collect(
    plan: SearchPlan,
    flight_providers: Mapping[str, object],
    hotel_providers: Mapping[str, object],
    observed_at: dt.datetime,
    partition_date: dt.date,
    *,
    clock: Clock | None = None,
    limits: Mapping[str, ProviderLimits] | None = None,
    volatility: Mapping[str, float] | None = None,
    on_request: Callable[[], None] | None = None,
) -> CollectedBatch:
    """One request per (provider, unique search), most urgent first, each through its gate."""
    clock = clock or VirtualClock()
    providers = {"flight": flight_providers, "hotel": hotel_providers}
    gates = {
        name: ProviderGate(name, limits_for(name, dict(limits or {})), clock)
        for category in providers.values()
        for name in category
    }
    rows: dict[str, list[dict]] = {"flight": [], "hotel": []}
    request_rows: list[dict] = []

    for category, search, watches in prioritized(plan, observed_at.date(), volatility):
        for name, provider in providers[category].items():
            if category == "flight":
                outcome = gates[name].call(
                    lambda p=provider, s=search: p.search_flights(s, observed_at)
                )
            else:
                outcome = gates[name].call(
                    lambda p=provider, s=search: p.search_hotels(s, observed_at)
                )
            quotes = outcome.response.rows if outcome.response else []
            rows[category].extend(quotes)
            request_rows.append(
                {
                    "partition_date": partition_date,
                    "provider": name,
                    "category": category,
                    "request_id": outcome.response.request_id
                    if outcome.response
                    else str(uuid.uuid4()),
                    "requested_at": observed_at,
                    "search_key": search_key(search),
                    "status": outcome.status,
                    "error": outcome.error,
                    "latency_ms": outcome.latency_ms,
                    "attempts": outcome.attempts,
                    "quotes_returned": len(quotes),
                    "watches_served": len(watches),
                }
            )
            if on_request:
                on_request()

    return CollectedBatch(
        flight_quotes=_to_table(rows["flight"], FLIGHT_QUOTE_SCHEMA, partition_date),
        hotel_quotes=_to_table(rows["hotel"], HOTEL_QUOTE_SCHEMA, partition_date),
        requests=pa.Table.from_pylist(request_rows, schema=PROVIDER_REQUEST_SCHEMA),
        circuits={name: gate.circuit for name, gate in gates.items()},
    )


def circuit_summary(circuits: Mapping[str, CircuitBreaker]) -> dict[str, dict[str, object]]:
    return {
        name: {"state": str(c.state), "times_opened": c.times_opened}
        for name, c in circuits.items()
    }


def _to_table(rows: list[dict], schema: pa.Schema, partition_date: dt.date) -> pa.Table:
    for row in rows:
        row["partition_date"] = partition_date
    return pa.Table.from_pylist(rows, schema=schema)


__all__ = ["CircuitState", "CollectedBatch", "ProviderGate", "collect", "prioritized", "search_key"]
