"""The provider gate: rate limits, retries, circuit breaking, budgets and priority."""

import datetime as dt
import itertools

from wayra.collection.circuit import CircuitBreaker, CircuitState
from wayra.collection.collector import ProviderGate, collect, prioritized
from wayra.collection.limits import EPSILON_S, ProviderLimits, RateLimiter, VirtualClock, limits_for
from wayra.collection.planner import WatchSpec, plan_searches
from wayra.domain import ProviderResponse
from wayra.providers.base import ProviderError
from wayra.simulator.watches import synthetic_watches

AT = dt.datetime(2026, 6, 1, 6, tzinfo=dt.UTC)


class CountingProvider:
    """Answers instantly; remembers when (on the clock) each search arrived."""

    def __init__(self, name, category, clock, fail=lambda call: None):
        self.name, self.category, self.clock, self.fail = name, category, clock, fail
        self.calls: list[float] = []

    def _answer(self):
        self.calls.append(self.clock.now())
        error = self.fail(len(self.calls))
        if error:
            raise error
        return ProviderResponse(self.name, f"r{len(self.calls)}", "ok", 1.0, [])

    def search_flights(self, search, at):
        return self._answer()

    def search_hotels(self, search, at):
        return self._answer()


def assert_respects(times: list[float], limits: ProviderLimits):
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= limits.min_interval_ms / 1000 - EPSILON_S
    for i, start in enumerate(times):
        in_window = [t for t in times[i:] if t - start < 1.0 - EPSILON_S]
        assert len(in_window) <= limits.requests_per_second


def test_rate_limiter_spaces_requests_and_caps_each_second():
    clock = VirtualClock()
    limits = ProviderLimits(requests_per_second=4, min_interval_ms=100)
    limiter = RateLimiter(limits, clock)
    times = [limiter.acquire() for _ in range(40)]
    assert_respects(times, limits)
    # 4 per second is the binding limit: 40 requests need ~10 s, not 4 s (100 ms spacing).
    assert 9.0 <= times[-1] <= 10.0


def test_circuit_opens_on_a_burst_refuses_during_cooldown_then_probes():
    clock = VirtualClock()
    breaker = CircuitBreaker(
        ProviderLimits(circuit_failure_threshold=3, circuit_cooldown_s=60), clock
    )
    for _ in range(3):
        assert breaker.allow()
        breaker.record(False)
    assert breaker.state is CircuitState.OPEN and not breaker.allow()
    clock.sleep(61)
    assert breaker.allow() and breaker.state is CircuitState.HALF_OPEN
    breaker.record(False)  # failed probe: another cooldown
    assert breaker.state is CircuitState.OPEN and not breaker.allow()
    clock.sleep(61)
    assert breaker.allow()
    breaker.record(True)
    assert breaker.state is CircuitState.CLOSED and breaker.times_opened == 2


def test_retryable_errors_are_retried_with_backoff_honouring_retry_after():
    clock = VirtualClock()
    limits = ProviderLimits(max_attempts=3, backoff_initial_s=0.5)
    gate = ProviderGate("p", limits, clock)
    throttled = ProviderError("429", retryable=True)
    throttled.retry_after = 7
    provider = CountingProvider("p", "flight", clock, fail=lambda n: throttled if n < 3 else None)
    outcome = gate.call(lambda: provider.search_flights(None, AT))
    assert outcome.status == "ok" and outcome.attempts == 3
    assert provider.calls[1] - provider.calls[0] >= 7 and provider.calls[2] - provider.calls[1] >= 7


def test_non_retryable_errors_fail_at_once_and_do_not_trip_the_circuit():
    clock = VirtualClock()
    gate = ProviderGate("p", ProviderLimits(circuit_failure_threshold=1), clock)
    provider = CountingProvider("p", "flight", clock, fail=lambda n: ProviderError("400 bad date"))
    outcome = gate.call(lambda: provider.search_flights(None, AT))
    assert (outcome.status, outcome.attempts, outcome.error) == ("error", 1, "400 bad date")
    assert gate.circuit.state is CircuitState.CLOSED


def test_a_failing_provider_is_cut_off_and_the_skips_are_recorded():
    clock = VirtualClock()
    down = CountingProvider(
        "down", "flight", clock, fail=lambda n: ProviderError("503", retryable=True)
    )
    watches = [
        WatchSpec(
            "w",
            "LHR",
            "JFK",
            "NYC",
            AT.date() + dt.timedelta(days=10),
            AT.date() + dt.timedelta(days=19),
            3,
            3,
            1,
        )
    ]
    limits = {
        "down": ProviderLimits(max_attempts=2, circuit_failure_threshold=3, circuit_cooldown_s=3600)
    }
    batch = collect(
        plan_searches(watches, AT.date()),
        {"down": down},
        {},
        AT,
        AT.date(),
        clock=clock,
        limits=limits,
    )
    statuses = batch.requests["status"].to_pylist()
    assert statuses[:3] == ["error"] * 3
    assert set(statuses[3:]) == {"skipped_circuit_open"}
    assert len(down.calls) == 3 * 2  # three searches, two attempts each, then nothing
    assert batch.circuits["down"].state is CircuitState.OPEN


def test_budget_spends_requests_on_the_most_urgent_searches():
    clock = VirtualClock()
    provider = CountingProvider("p", "flight", clock)
    start = AT.date() + dt.timedelta(days=5)
    watches = [WatchSpec("w", "LHR", "JFK", "NYC", start, start + dt.timedelta(days=35), 2, 2, 1)]
    plan = plan_searches(watches, AT.date())
    limits = {"p": ProviderLimits(max_requests_per_cycle=5)}
    batch = collect(plan, {"p": provider}, {}, AT, AT.date(), clock=clock, limits=limits)
    statuses = batch.requests["status"].to_pylist()
    done = [
        k
        for k, s in zip(batch.requests["search_key"].to_pylist(), statuses, strict=True)
        if s == "ok"
    ]
    by_urgency = [s for category, s, _ in prioritized(plan, AT.date()) if category == "flight"]
    assert done == [
        f"flight:{s.origin}-{s.destination}:{s.departure_date}:1:ECONOMY" for s in by_urgency[:5]
    ]
    assert by_urgency[0].departure_date == start
    assert statuses.count("skipped_budget") == len(plan.flights) - 5


def test_volatile_routes_jump_the_queue():
    watches = [
        WatchSpec(
            "calm",
            "LHR",
            "JFK",
            "NYC",
            AT.date() + dt.timedelta(days=10),
            AT.date() + dt.timedelta(days=10),
            2,
            2,
            1,
        ),
        WatchSpec(
            "wild",
            "CDG",
            "NRT",
            "TYO",
            AT.date() + dt.timedelta(days=25),
            AT.date() + dt.timedelta(days=25),
            2,
            2,
            1,
        ),
    ]
    order = prioritized(plan_searches(watches, AT.date()), AT.date(), volatility={"CDG-NRT": 1.0})
    assert order[0][1].origin == "CDG"


def test_ten_thousand_watches_over_two_hundred_routes_in_one_cycle():
    watches = synthetic_watches(10_000, 200, AT.date())
    assert len({(w.origin, w.destination) for w in watches}) == 200
    plan = plan_searches(watches, AT.date())
    clock = VirtualClock()
    flights = {n: CountingProvider(n, "flight", clock) for n in ("amadeus_flights", "duffel")}
    hotels = {n: CountingProvider(n, "hotel", clock) for n in ("amadeus_hotels", "hotelbeds")}
    batch = collect(plan, flights, hotels, AT, AT.date(), clock=clock)

    assert plan.watch_count == 10_000
    assert batch.requests.num_rows == 2 * len(plan.flights) + 2 * len(plan.hotels)
    for provider in flights.values():
        assert len(provider.calls) == len(plan.flights)
    for provider in hotels.values():
        assert len(provider.calls) == len(plan.hotels)
    assert plan.unique_search_count < plan.naive_search_count  # coalescing at work
    for name, provider in {**flights, **hotels}.items():
        assert_respects(provider.calls, limits_for(name))
    print(
        f"\n10k watches: {plan.unique_search_count} unique searches, {plan.naive_search_count} without coalescing"
    )
