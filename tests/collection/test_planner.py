import datetime as dt

from wayra.collection.planner import MAX_DAYS_AHEAD, WatchSpec, plan_searches
from wayra.domain import FlightSearch, HotelSearch

TODAY = dt.date(2026, 6, 1)


def watch(
    watch_id: str, origin="LHR", destination="JFK", start=20, span=2, nights=(3, 4), adults=2
):
    return WatchSpec(
        watch_id=watch_id,
        origin=origin,
        destination=destination,
        destination_city_code="NYC",
        depart_from=TODAY + dt.timedelta(days=start),
        depart_to=TODAY + dt.timedelta(days=start + span),
        nights_min=nights[0],
        nights_max=nights[1],
        adults=adults,
    )


def test_one_watch_expands_into_outbound_inbound_and_stays():
    plan = plan_searches([watch("a", span=1, nights=(3, 4))], TODAY)
    departures = [TODAY + dt.timedelta(days=20), TODAY + dt.timedelta(days=21)]
    outbound = {s for s in plan.flights if s.origin == "LHR"}
    inbound = {s for s in plan.flights if s.origin == "JFK"}
    assert {s.departure_date for s in outbound} == set(departures)
    # returns on departure + 3 or + 4 nights: 23, 24, 25 (24 shared by both departures)
    assert {(s.departure_date - TODAY).days for s in inbound} == {23, 24, 25}
    assert set(plan.hotels) == {HotelSearch("NYC", d, n, 2) for d in departures for n in (3, 4)}


def test_identical_needs_coalesce_into_one_search_serving_every_watch():
    watches = [watch(f"w{i}") for i in range(50)]
    plan = plan_searches(watches, TODAY)
    single = plan_searches(watches[:1], TODAY)
    assert plan.unique_search_count == single.unique_search_count
    assert plan.naive_search_count == 50 * single.naive_search_count
    assert all(len(served) == 50 for served in plan.flights.values())
    assert plan.watch_count == 50


def test_different_travellers_do_not_share_a_search():
    plan = plan_searches([watch("a", adults=1), watch("b", adults=2)], TODAY)
    one = FlightSearch("LHR", "JFK", TODAY + dt.timedelta(days=20), 1)
    two = FlightSearch("LHR", "JFK", TODAY + dt.timedelta(days=20), 2)
    assert plan.flights[one] == {"a"} and plan.flights[two] == {"b"}


def test_departures_in_the_past_or_beyond_the_horizon_are_not_searched():
    past = watch("past", start=-5, span=6)  # window straddles today
    far = watch("far", start=MAX_DAYS_AHEAD - 1, span=5)
    plan = plan_searches([past, far], TODAY)
    outbound_dates = sorted(s.departure_date for s in plan.flights if s.origin == "LHR")
    assert min(outbound_dates) == TODAY + dt.timedelta(days=1)
    assert max(outbound_dates) == TODAY + dt.timedelta(days=MAX_DAYS_AHEAD)
