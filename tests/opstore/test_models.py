from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from tests.opstore.factories import make_watch
from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.opstore.models import User, Watch
from wayra.opstore.users import create_user
from wayra.settings import Settings

PARIS = dt.timezone(dt.timedelta(hours=2))


def test_watch_round_trips_every_field(session_factory) -> None:
    with session_factory() as session:
        user, _ = create_user(session, "ana@example.com", "Ana")
        watch = make_watch(session, user, children=1, max_stops=1, cabin="BUSINESS")
        session.commit()
        watch_id, user_id = watch.id, user.id

    with session_factory() as session:
        loaded = session.get_one(Watch, watch_id)
        assert loaded.user_id == user_id
        assert (loaded.origins, loaded.destinations) == (["LHR"], ["JFK"])
        assert (loaded.depart_from, loaded.depart_to) == (dt.date(2027, 6, 1), dt.date(2027, 6, 30))
        assert (loaded.nights_min, loaded.nights_max) == (5, 9)
        assert (loaded.adults, loaded.children, loaded.max_stops) == (2, 1, 1)
        assert loaded.cabin == "BUSINESS"
        assert loaded.budget_minor == 350_000 and isinstance(loaded.budget_minor, int)
        assert loaded.currency == "GBP"
        assert loaded.status == "active"
        assert len(loaded.id) == 36


def test_datetimes_come_back_aware_utc_whatever_zone_went_in(session_factory) -> None:
    created = dt.datetime(2026, 3, 29, 1, 30, tzinfo=PARIS)  # 23:30 UTC the day before
    with session_factory() as session:
        user, _ = create_user(session, "tz@example.com", "Tz")
        user.created_at = created
        session.commit()
        user_id = user.id

    with session_factory() as session:
        loaded = session.get_one(User, user_id)
        assert loaded.created_at.tzinfo is not None
        assert loaded.created_at.utcoffset() == dt.timedelta(0)
        assert loaded.created_at == created
        assert loaded.created_at.hour == 23
        # Defaults are UTC too, and comparable with aware values.
        watch = make_watch(session, loaded)
        session.commit()
        session.expire_all()
        assert watch.updated_at.utcoffset() == dt.timedelta(0)
        assert watch.created_at > created


def test_naive_datetimes_are_rejected(session_factory) -> None:
    with session_factory() as session:
        user, _ = create_user(session, "naive@example.com", "Naive")
        user.created_at = dt.datetime(2026, 1, 1, 12, 0)
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()


def test_database_refuses_an_invalid_watch(session_factory) -> None:
    with session_factory() as session:
        user, _ = create_user(session, "bad@example.com", "Bad")
        session.commit()
        with pytest.raises(IntegrityError):
            make_watch(session, user, budget_minor=0)
        session.rollback()
        with pytest.raises(IntegrityError):
            make_watch(session, user, automation_mode="yolo")
        session.rollback()
        with pytest.raises(IntegrityError):
            make_watch(session, user, hotel_point_latitude=51.5)  # no longitude
        session.rollback()
        with pytest.raises(IntegrityError):
            make_watch(session, user, hotel_min_stars=6)


def test_emails_are_unique(session_factory) -> None:
    with session_factory() as session:
        create_user(session, "dup@example.com", "One")
        session.commit()
        with pytest.raises(IntegrityError):
            create_user(session, "DUP@example.com", "Two")


def test_sqlite_stores_utc_text(data_dir) -> None:
    settings = Settings()
    migrate(settings)
    engine = make_engine(settings)
    with make_session_factory(engine)() as session:
        user, _ = create_user(session, "raw@example.com", "Raw")
        user.created_at = dt.datetime(2026, 7, 1, 2, 0, tzinfo=PARIS)
        session.commit()
        raw = session.scalar(text("SELECT created_at FROM users WHERE id = :id"), {"id": user.id})
        assert str(raw).startswith("2026-07-01 00:00:00")
        assert session.scalar(select(User.created_at)).tzinfo == dt.UTC
    engine.dispose()
