from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tests.opstore.factories import make_watch, package_row
from wayra.opstore.models import Recommendation, RecommendationPublication, Watch
from wayra.opstore.publication import (
    PublicationRowError,
    latest_publication,
    latest_version,
    price_history,
    publish_recommendations,
    recommendations_for_watch,
    summary_for_watch,
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
        v1 = publish_recommendations(session, [package_row(w) for w in watches], "run-1")
    with session_factory.begin() as session:
        v2 = publish_recommendations(session, [package_row(watches[0], 280_000)], "run-2")
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


def _point(watch: Watch, day: int, total_minor: int) -> dict[str, Any]:
    observed_at = dt.datetime(2026, 3, day, 6, tzinfo=dt.UTC)
    return {
        "watch_id": watch.id,
        "observed_at": observed_at,
        "total_minor": total_minor,
        "currency": watch.currency,
    }


def test_summaries_and_price_history_belong_to_their_version(session_factory) -> None:
    (watch,) = _watches(session_factory, 1)
    summary = {
        "watch_id": watch.id,
        "status": "optimal",
        "currency": "GBP",
        "first_price_minor": 330_000,
        "typical_price_minor": 320_000,
        "advice": {"action": "WAIT"},
        "pareto_front": [{"total_minor": 310_000, "convenience": 12.5}],
        "binding": [],
    }
    day_one = dt.datetime(2026, 3, 1, 6, tzinfo=dt.UTC)
    with session_factory.begin() as session:
        v1 = publish_recommendations(
            session,
            [package_row(watch)],
            "run-1",
            summaries=[summary],
            price_points=[_point(watch, 1, 330_000)],
            as_of=day_one,
            model_versions={"wayra-buy-wait": 3},
        )
    with session_factory.begin() as session:
        # The re-run republishes day 1 (not duplicated) and adds day 2.
        v2 = publish_recommendations(
            session,
            [package_row(watch, 300_000)],
            "run-2",
            summaries=[summary | {"status": "best_found"}],
            price_points=[_point(watch, 1, 330_000), _point(watch, 2, 300_000)],
            as_of=day_one + dt.timedelta(days=1),
        )
    with session_factory() as session:
        assert summary_for_watch(session, v1, watch.id).status == "optimal"
        assert summary_for_watch(session, v2, watch.id).status == "best_found"
        assert session.get_one(RecommendationPublication, v1).model_versions == {
            "wayra-buy-wait": 3
        }
        # A reader of v1 does not see the point v2 added; a reader of v2 sees both once.
        assert [p.total_minor for p in price_history(session, watch.id, day_one)] == [330_000]
        latest = session.get_one(RecommendationPublication, v2)
        points = price_history(session, watch.id, latest.as_of)
        assert [p.total_minor for p in points] == [330_000, 300_000]
        assert points[0].observed_at == day_one


def test_rows_for_unknown_or_foreign_watches_are_skipped_and_counted(session_factory) -> None:
    (watch,) = _watches(session_factory, 1)
    rows = [
        package_row(watch),
        package_row(watch) | {"watch_id": "deleted-watch"},
        package_row(watch) | {"user_id": "someone-else"},
    ]
    with session_factory.begin() as session:
        version = publish_recommendations(session, rows, "run-1")
    with session_factory() as session:
        publication = session.get_one(RecommendationPublication, version)
        assert (publication.package_count, publication.skipped_count) == (1, 2)
        assert _rows_in(session, version) == 1


def test_rows_missing_or_adding_columns_are_refused(session_factory) -> None:
    (watch,) = _watches(session_factory, 1)
    bad = package_row(watch)
    del bad["fx_rate_date"]
    with session_factory() as session, pytest.raises(PublicationRowError, match="fx_rate_date"):
        publish_recommendations(session, [package_row(watch), bad], "run-1")
    with session_factory() as session, pytest.raises(PublicationRowError, match="surprise"):
        publish_recommendations(session, [package_row(watch) | {"surprise": 1}], "run-1")


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
        v1 = publish_recommendations(session, [package_row(w) for w in watches], "run-1")

    def rows_then_crash() -> Iterator[dict[str, Any]]:
        yield package_row(watches[0], 1)
        raise RuntimeError("warehouse connection lost")

    with pytest.raises(RuntimeError), session_factory.begin() as session:
        publish_recommendations(session, rows_then_crash(), "run-2")
    _assert_v1_is_still_current(session_factory, v1, watches[0])

    # The database itself fails after the publication row and earlier packages were written.
    rows = [package_row(w, 1) for w in watches]
    rows[-1]["total_minor"] = None
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        publish_recommendations(session, rows, "run-3")
    _assert_v1_is_still_current(session_factory, v1, watches[0])


def test_concurrent_readers_only_ever_see_complete_versions(session_factory) -> None:
    watches = _watches(session_factory, 40)
    rows = [package_row(w) for w in watches]
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
