"""Fifty concurrent approvals of one proposal: one booking, one authorization, one capture,
on SQLite and on PostgreSQL; and through the API, one 201 and forty-nine 200s."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from booking.approval import Approval, approve_proposal
from booking.payments import StripePayments
from booking.saga import BookingSaga
from serving.app import create_app
from serving.routers.bookings import booking_clock, booking_providers, booking_services
from tests.booking.saga_fixtures import AT, BookingWorld
from wayra.opstore.booking_models import Booking, BookingStep
from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.settings import Settings

pytestmark = pytest.mark.xdist_group("stripe")

APPROVERS = 50


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def racing_world(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    data_dir,
    market,
    payments: StripePayments,
) -> Iterator[BookingWorld]:
    if request.param == "postgres":
        monkeypatch.setenv("WAYRA_OPERATIONAL_URL", request.getfixturevalue("postgres_database"))
    settings = Settings()
    migrate(settings)
    # Room for every approver to hold a connection at once.
    engine = make_engine(
        settings, **({"pool_size": APPROVERS} if request.param == "postgres" else {})
    )
    yield BookingWorld(make_session_factory(engine), market, payments)
    engine.dispose()


def test_fifty_concurrent_approvals_make_one_booking_and_one_capture(
    racing_world: BookingWorld,
) -> None:
    traveler = racing_world.traveler("GBP")
    proposal_id = racing_world.propose(traveler)
    services = racing_world.services()
    start = threading.Barrier(APPROVERS)

    def approve() -> tuple[Approval, str]:
        start.wait()  # all fifty at once
        approval = approve_proposal(services, traveler.user_id, proposal_id, AT)
        state = "n/a"
        if approval.created:  # what the API does: the creator runs the saga
            state = BookingSaga(services).run(
                approval.booking_id, AT, lease_owner=approval.lease_owner
            )
        return approval, state

    with ThreadPoolExecutor(APPROVERS) as pool:
        results = list(pool.map(lambda _: approve(), range(APPROVERS)))

    assert len({approval.booking_id for approval, _ in results}) == 1
    assert Counter(approval.created for approval, _ in results) == {True: 1, False: APPROVERS - 1}
    assert [state for approval, state in results if approval.created] == ["confirmed"]
    booking_id = results[0][0].booking_id
    with racing_world.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1
        authorizations = session.scalar(
            select(func.count()).where(
                BookingStep.booking_id == booking_id, BookingStep.step == "authorize_payment"
            )
        )
    assert authorizations == 1
    (intent,) = racing_world.intents(booking_id)
    assert intent.captured
    assert racing_world.audit().clean


def test_fifty_concurrent_approvals_through_the_api(stripe_world: BookingWorld, data_dir) -> None:
    traveler = stripe_world.traveler("EUR")
    proposal_id = stripe_world.propose(traveler)
    app = create_app(Settings())
    app.dependency_overrides[booking_clock] = lambda: AT
    app.dependency_overrides[booking_providers] = lambda: stripe_world.market
    app.dependency_overrides[booking_services] = lambda: stripe_world.services()
    headers = {"Authorization": f"Bearer {traveler.api_key}"}
    start = threading.Barrier(APPROVERS)

    with TestClient(app) as client:

        def approve():
            start.wait()
            return client.post(f"/v1/proposals/{proposal_id}/approve", headers=headers)

        with ThreadPoolExecutor(APPROVERS) as pool:
            responses = list(pool.map(lambda _: approve(), range(APPROVERS)))

    assert Counter(r.status_code for r in responses) == {201: 1, 200: APPROVERS - 1}
    assert len({r.json()["id"] for r in responses}) == 1
    (created,) = [r.json() for r in responses if r.status_code == 201]
    assert created["state"] == "confirmed"
    (intent,) = stripe_world.intents(created["id"])
    assert intent.captured
