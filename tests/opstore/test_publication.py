from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tests.opstore.factories import make_watch, mart_row
from wayra.opstore.models import Recommendation, RecommendationPublication, Watch
from wayra.opstore.publication import (
    PublicationRowError,
    latest_publication,
    latest_version,
    publish_recommendations,
    recommendations_for_watch,
)
from wayra.opstore.users import create_user


def _watches(factory: sessionmaker[Session], n: int) -> list[Watch]:
    with factory() as session:
        user, _ = create_user(session, "pub@example.com", "Pub")
        watches = [make_watch(session, user, budget_minor=300_000 + i) for i in range(n)]
        session.commit()
        return watches


def _rows_in(session: Session, version: int) -> int:
    return session.scalar(
        select(func.count()).select_from(Recommendation).where(Recommendation.version == version)
    )


def test_nothing_published_yet(session_factory) -> None:
    (watch,) = _watches(session_factory, 1)
    with session_factory() as session:
        assert latest_version(session) is None
        assert recommendations_for_watch(session, watch.id) == (None, [])


def test_publish_creates_a_new_version_with_its_packages(session_factory) -> None:
    watches = _watches(session_factory, 2)
    with session_factory.begin() as session:
        v1 = publish_recommendations(session, [mart_row(w) for w in watches], "run-1")
    with session_factory.begin() as session:
        v2 = publish_recommendations(session, [mart_row(watches[0], 280_000)], "run-2")
    assert v2 > v1

    with session_factory() as session:
        assert latest_version(session) == v2
        publication, packages = recommendations_for_watch(session, watches[0].id)
        assert publication.version == v2
        assert (publication.source_run_id, publication.package_count) == ("run-2", 1)
        assert publication.published_at.utcoffset() is not None
        (package,) = packages
        assert package.total_minor == 280_000 and package.currency == "GBP"
        assert package.within_budget is True
        # The second watch has no package in the latest version (not v1's stale one).
        assert recommendations_for_watch(session, watches[1].id) == (publication, [])
        # Old versions stay intact for audit.
        assert _rows_in(session, v1) == 2


def test_legs_carry_provider_and_converted_prices(session_factory) -> None:
    (watch,) = _watches(session_factory, 1)
    with session_factory.begin() as session:
        publish_recommendations(session, [mart_row(watch)], "run-1")
    with session_factory() as session:
        _, (package,) = recommendations_for_watch(session, watch.id)
    outbound, inbound, hotel = package.legs
    assert outbound == {
        "kind": "outbound",
        "origin": "LHR",
        "destination": "JFK",
        "provider": "sim-air",
        "offer_id": "OB-1",
        "price_minor": 95_000,
        "currency": "USD",
        "converted_minor": 75_000,
        "carrier": "BA",
        "flight_number": "BA117",
        "departure_at": "2026-06-10T08:25:00+00:00",
        "arrival_at": "2026-06-10T16:05:00+00:00",
        "stops": 0,
    }
    # A naive warehouse timestamp is UTC by contract.
    assert inbound["departure_at"] == "2026-06-17T22:00:00+00:00"
    # The inbound flies the route back.
    assert (inbound["origin"], inbound["destination"]) == ("JFK", "LHR")
    assert hotel["kind"] == "hotel" and hotel["refundable"] is True
    assert (hotel["check_in"], hotel["check_out"]) == ("2026-06-10", "2026-06-17")
    assert sum(leg["converted_minor"] for leg in package.legs) == package.total_minor


def test_rows_for_unknown_or_foreign_watches_are_skipped_and_counted(session_factory) -> None:
    (watch,) = _watches(session_factory, 1)
    rows = [
        mart_row(watch),
        mart_row(watch) | {"watch_id": "deleted-watch"},
        mart_row(watch) | {"user_id": "someone-else"},
    ]
    with session_factory.begin() as session:
        version = publish_recommendations(session, rows, "run-1")
    with session_factory() as session:
        publication = session.get_one(RecommendationPublication, version)
        assert (publication.package_count, publication.skipped_count) == (1, 2)
        assert _rows_in(session, version) == 1


def test_rows_not_matching_the_mart_contract_are_refused(session_factory) -> None:
    (watch,) = _watches(session_factory, 1)
    bad = mart_row(watch)
    del bad["hotel_name"]
    with session_factory() as session, pytest.raises(PublicationRowError, match="hotel_name"):
        publish_recommendations(session, [mart_row(watch), bad], "run-1")
    with session_factory() as session, pytest.raises(PublicationRowError, match="surprise"):
        publish_recommendations(session, [mart_row(watch) | {"surprise": 1}], "run-1")


def _assert_v1_is_still_current(factory: sessionmaker[Session], v1: int, watch: Watch) -> None:
    with factory() as session:
        assert latest_version(session) == v1
        publication, packages = recommendations_for_watch(session, watch.id)
        assert publication.version == v1
        assert [p.total_minor for p in packages] == [310_000]
        assert session.scalar(select(func.count()).select_from(RecommendationPublication)) == 1


def test_a_publish_that_fails_midway_leaves_the_previous_version(session_factory) -> None:
    watches = _watches(session_factory, 3)
    with session_factory.begin() as session:
        v1 = publish_recommendations(session, [mart_row(w) for w in watches], "run-1")

    def rows_then_crash() -> Iterator[dict[str, Any]]:
        yield mart_row(watches[0], 1)
        raise RuntimeError("warehouse connection lost")

    with pytest.raises(RuntimeError), session_factory.begin() as session:
        publish_recommendations(session, rows_then_crash(), "run-2")
    _assert_v1_is_still_current(session_factory, v1, watches[0])

    # The database itself fails after the publication row and earlier packages were written.
    rows = [mart_row(w, 1) for w in watches]
    rows[-1]["package_total_minor"] = None
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        publish_recommendations(session, rows, "run-3")
    _assert_v1_is_still_current(session_factory, v1, watches[0])


def test_concurrent_readers_only_ever_see_complete_versions(session_factory) -> None:
    watches = _watches(session_factory, 40)
    rows = [mart_row(w) for w in watches]
    stop = threading.Event()
    seen: list[tuple[int, int, int]] = []
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            while not stop.is_set():
                with session_factory() as session:
                    publication = latest_publication(session)
                    if publication is not None:
                        count = _rows_in(session, publication.version)
                        seen.append((publication.version, count, publication.package_count))
                # Yield the GIL: a reader spinning in Python starves the writer thread for
                # seconds (the GIL convoy effect), which says nothing about the store.
                time.sleep(0)
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(15):
            with session_factory.begin() as session:
                publish_recommendations(session, rows, f"run-{i}")
    finally:
        stop.set()
        thread.join(timeout=30)

    assert not errors, errors
    assert seen, "the reader never observed a publication"
    incomplete = [s for s in seen if s[1] != len(watches) or s[2] != len(watches)]
    assert incomplete == []
