from __future__ import annotations

from tests.opstore.factories import make_watch
from wayra.collection.watches import active_watch_specs, airports_for
from wayra.domain import Cabin
from wayra.opstore.users import create_user


def test_city_codes_expand_to_their_simulated_airports() -> None:
    assert airports_for("LON") == ("LHR", "LGW")
    assert airports_for("JFK") == ("JFK",)
    assert airports_for("MAN") == ("MAN",)  # a real airport we do not simulate


def test_one_spec_per_airport_pair_of_each_active_watch(session_factory) -> None:
    with session_factory() as session:
        user, _ = create_user(session, "specs@example.com", "Specs")
        multi = make_watch(
            session, user, origins=["LON", "LHR"], destinations=["NYC", "CDG"], cabin="BUSINESS"
        )
        make_watch(session, user, status="paused")
        make_watch(session, user, status="deleted")
        session.commit()

        specs = active_watch_specs(session)

    assert {s.watch_id for s in specs} == {multi.id}
    routes = [(s.origin, s.destination, s.destination_city_code) for s in specs]
    # LHR appears once although LON also covers it.
    assert routes == [
        ("LHR", "JFK", "NYC"),
        ("LHR", "EWR", "NYC"),
        ("LHR", "CDG", "PAR"),
        ("LGW", "JFK", "NYC"),
        ("LGW", "EWR", "NYC"),
        ("LGW", "CDG", "PAR"),
    ]
    assert all(s.cabin is Cabin.BUSINESS and s.adults == 2 for s in specs)
