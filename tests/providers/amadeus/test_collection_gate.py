"""The real Amadeus SDK against its loopback server, through the collector's provider gate:
a 429 is waited out (Retry-After on the gate's clock) and retried, a 5xx burst is retried
then given up with a clear error in the request log, and the gate spaces requests."""

import datetime as dt

from wayra.collection.collector import collect
from wayra.collection.limits import ProviderLimits, VirtualClock
from wayra.collection.planner import SearchPlan
from wayra.domain import FlightSearch
from wayra.providers.amadeus import AmadeusFlightProvider

AT = dt.datetime(2026, 11, 24, 6, tzinfo=dt.UTC)
SEARCH = FlightSearch("SYD", "BKK", dt.date(2026, 12, 1), 1)
LIMITS = {"amadeus_flights": ProviderLimits(max_attempts=3, backoff_initial_s=1)}


def one_search() -> SearchPlan:
    plan = SearchPlan()
    plan.flights[SEARCH].add("w1")
    return plan


def run(settings, clock):
    provider = AmadeusFlightProvider.from_settings(settings)
    batch = collect(
        one_search(), {provider.name: provider}, {}, AT, AT.date(), clock=clock, limits=LIMITS
    )
    [request] = batch.requests.to_pylist()
    return request, batch


def searches_sent(server) -> int:
    return sum(r.path == "/v2/shopping/flight-offers" for r in server.requests)


def test_a_429_is_waited_out_then_the_search_succeeds(server, settings):
    server.fail_next(429, retry_after=7, path="/v2/shopping/flight-offers")
    clock = VirtualClock()
    request, batch = run(settings, clock)
    assert request["status"] == "ok" and request["attempts"] == 2
    assert batch.flight_quotes.num_rows > 0
    assert searches_sent(server) == 2
    assert clock.now() >= 7  # the gate slept the Retry-After on its clock


def test_a_5xx_burst_is_retried_then_given_up_with_a_clear_error(server, settings):
    server.fail_next(503, times=5, path="/v2/shopping/flight-offers")
    request, batch = run(settings, VirtualClock())
    assert request["status"] == "error" and request["attempts"] == 3
    assert "503" in request["error"]
    assert settings.amadeus_client_secret.get_secret_value() not in request["error"]
    assert batch.flight_quotes.num_rows == 0
    assert searches_sent(server) == 3


def test_a_rejected_search_is_not_retried(server, settings):
    server.fail_next(400, path="/v2/shopping/flight-offers")
    request, _ = run(settings, VirtualClock())
    assert request["status"] == "error" and request["attempts"] == 1
    assert searches_sent(server) == 1
