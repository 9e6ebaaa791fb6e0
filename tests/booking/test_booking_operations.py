"""The Dagster job that keeps bookings moving: a booking whose API process died after approval
is finished by the next run, and its traveler gets the confirmation email. Real localstripe,
real SMTP server, the simulator's providers, the job's own resources (configured by env)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest

from booking.approval import approve_proposal
from orchestration.defs.booking.operations import booking_operations
from orchestration.defs.resources import (
    OperationalStoreResource,
    PaymentsResource,
    ProvidersResource,
)
from tests.booking.conftest import TEST_API_KEY
from tests.booking.saga_fixtures import AT, SEED, BookingWorld
from tests.notifications.conftest import RecordingHandler
from wayra.opstore.booking_models import Booking, BookingNotification

pytestmark = pytest.mark.xdist_group("stripe")

RESOURCES = {
    "operational_store": OperationalStoreResource(),
    "providers": ProvidersResource(),
    "payments": PaymentsResource(),
}


def _run(at: dt.datetime, raise_on_error: bool = True):
    config = {"config": {"as_of": at.isoformat()}}
    return booking_operations.execute_in_process(
        run_config={"ops": {"recover_interrupted_bookings": config, "send_booking_emails": config}},
        resources=RESOURCES,
        raise_on_error=raise_on_error,
    )


@pytest.fixture
def deployment(monkeypatch: pytest.MonkeyPatch, localstripe_url: str, smtp_server):
    """The job's settings, as a deployment's environment gives them."""
    handler = RecordingHandler()
    monkeypatch.setenv("WAYRA_SIMULATOR_SEED", str(SEED))  # the world's market
    monkeypatch.setenv("WAYRA_STRIPE_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("WAYRA_STRIPE_API_BASE", localstripe_url)
    monkeypatch.setenv("WAYRA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("WAYRA_SMTP_PORT", str(smtp_server(handler).port))
    return handler


def test_a_booking_abandoned_after_approval_is_finished_and_emailed(
    stripe_world: BookingWorld, deployment: RecordingHandler
) -> None:
    traveler = stripe_world.traveler()
    # The API approved (the booking exists, its lease taken), then its process died.
    approval = approve_proposal(
        stripe_world.services(), traveler.user_id, stripe_world.propose(traveler), AT
    )
    with stripe_world.session_factory() as session:
        assert session.get_one(Booking, approval.booking_id).state == "validated"

    # While the lease is live the job leaves the booking to its runner.
    early = _run(AT + dt.timedelta(minutes=1))
    assert early.success
    with stripe_world.session_factory() as session:
        assert session.get_one(Booking, approval.booking_id).state == "validated"
    assert deployment.received == []

    result = _run(AT + dt.timedelta(minutes=10))

    assert result.success
    with stripe_world.session_factory() as session:
        booking = session.get_one(Booking, approval.booking_id)
        notification = session.query(BookingNotification).one()
    assert booking.state == "confirmed"
    assert notification.status == "sent"
    (intent,) = stripe_world.intents(approval.booking_id)
    assert intent.captured and intent.amount_minor == booking.total_minor
    (mail,) = deployment.received
    message = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert message["Subject"].startswith("Booked: LHR → JFK")
    # What the run did shows in the Dagster UI as the step's metadata.
    reported = [
        e.event_specific_data.metadata
        for e in result.all_events
        if e.event_type_value == "STEP_OUTPUT" and e.step_key == "recover_interrupted_bookings"
    ]
    assert reported and reported[0]["examined"].value == 1


def test_without_stripe_a_stranded_booking_fails_the_run_loudly(
    stripe_world: BookingWorld, deployment: RecordingHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    traveler = stripe_world.traveler()
    approve_proposal(stripe_world.services(), traveler.user_id, stripe_world.propose(traveler), AT)
    monkeypatch.delenv("WAYRA_STRIPE_API_KEY")

    result = _run(AT + dt.timedelta(minutes=10), raise_on_error=False)

    assert not result.success
    failure = result.failure_data_for_node("recover_interrupted_bookings")
    assert "Stripe is not configured" in str(failure.error)
