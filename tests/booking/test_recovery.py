"""A crash at every step boundary, then the recovery worker: the booking ends where an
uninterrupted run would have, with one authorization, no double charge and no stray leg."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from booking.cancellation import request_cancellation
from booking.faults import STEP_BOUNDARIES, FaultInjector, FaultRates, SimulatedCrash
from booking.intent_lookup import IntentLookup
from booking.payments import PaymentError
from booking.recovery import recover_bookings
from booking.services import DEFAULT_LEASE
from tests.booking.saga_fixtures import AT, BookingWorld, ScriptedPayments, raise_
from wayra.opstore.booking_models import BookingStep
from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.settings import Settings

pytestmark = pytest.mark.xdist_group("stripe")

AFTER_LEASE = AT + DEFAULT_LEASE + dt.timedelta(seconds=1)
FORWARD = [b for b in STEP_BOUNDARIES if b[0].split("_")[0] in ("authorize", "book", "capture")]
FORWARD += [
    (f"enter_{state}", "after_transition")
    for state in ("payment_authorized", "flight_booked", "hotel_booked", "captured", "confirmed")
]
UNDO = [b for b in STEP_BOUNDARIES if b[0].split("_")[0] in ("cancel", "void")]
UNDO += [("enter_compensating", "after_transition"), ("enter_failed", "after_transition")]
CANCELLATION = [b for b in STEP_BOUNDARIES if b[0].split("_")[0] in ("cancel", "refund")]
CANCELLATION += [("enter_cancelling", "after_transition"), ("enter_cancelled", "after_transition")]


def test_the_scenarios_cover_every_boundary() -> None:
    assert set(FORWARD) | set(UNDO) | set(CANCELLATION) == set(STEP_BOUNDARIES)


def _crash_at(boundary: tuple[str, str]) -> FaultInjector:
    return FaultInjector(random.Random(0), FaultRates.none(), crash_at={boundary})


def _recover(world: BookingWorld, faults: FaultInjector, payments=None):
    return recover_bookings(
        world.session_factory,
        payments or world.payments,
        world.market,
        AFTER_LEASE,
        intents=IntentLookup.of(world.payments),
        checkpoint=faults.checkpoint,
    )


@pytest.mark.parametrize("boundary", FORWARD, ids="/".join)
def test_a_crash_on_the_way_is_resumed_to_confirmed(
    stripe_world: BookingWorld, boundary: tuple[str, str]
) -> None:
    traveler = stripe_world.traveler()
    faults = _crash_at(boundary)

    with pytest.raises(SimulatedCrash):
        stripe_world.book(traveler, stripe_world.services(checkpoint=faults.checkpoint))
    report = _recover(stripe_world, faults)

    (booking_id,) = stripe_world.created
    assert faults.crashed[boundary] == 1
    assert report.still_in_flight == 0
    assert stripe_world.view(booking_id).state == "confirmed"
    (intent,) = stripe_world.intents(booking_id)  # the authorization was found, not repeated
    assert intent.captured
    assert stripe_world.live_legs(booking_id) == ["outbound", "inbound", "hotel"]
    assert stripe_world.audit().clean


@pytest.mark.parametrize("boundary", UNDO, ids="/".join)
def test_a_crash_while_compensating_is_compensated_to_the_end(
    stripe_world: BookingWorld, boundary: tuple[str, str]
) -> None:
    traveler = stripe_world.traveler()
    faults = _crash_at(boundary)
    refused = PaymentError("cannot capture", retryable=False)
    payments = ScriptedPayments(stripe_world.payments, {("capture", 0): raise_(refused)})
    services = stripe_world.services(payments=payments, checkpoint=faults.checkpoint)

    with pytest.raises(SimulatedCrash):
        stripe_world.book(traveler, services)
    report = _recover(stripe_world, faults, payments)

    (booking_id,) = stripe_world.created
    assert faults.crashed[boundary] == 1
    assert report.still_in_flight == 0
    assert stripe_world.view(booking_id).state == "failed"
    stripe_world.nothing_held(booking_id)
    assert stripe_world.audit().clean


@pytest.mark.parametrize("boundary", CANCELLATION, ids="/".join)
def test_a_crash_while_cancelling_refunds_exactly_once(
    stripe_world: BookingWorld, boundary: tuple[str, str]
) -> None:
    traveler = stripe_world.traveler()
    booking_id, state = stripe_world.book(traveler)
    assert state == "confirmed"
    faults = _crash_at(boundary)

    with pytest.raises(SimulatedCrash):
        request_cancellation(
            stripe_world.services(checkpoint=faults.checkpoint), traveler.user_id, booking_id, AT
        )
    report = _recover(stripe_world, faults)

    assert faults.crashed[boundary] == 1
    assert report.still_in_flight == 0
    assert stripe_world.view(booking_id).state == "cancelled"
    view = stripe_world.view(booking_id)
    (intent,) = stripe_world.intents(booking_id)
    # Cancelled right after booking: every leg refundable under the rules, refunded once.
    assert view.payment.refund_due_minor == intent.amount_minor == intent.refunded_minor
    assert stripe_world.live_legs(booking_id) == []
    assert stripe_world.audit().clean


def test_a_live_runners_booking_is_left_alone_until_its_lease_lapses(
    stripe_world: BookingWorld,
) -> None:
    traveler = stripe_world.traveler()
    faults = _crash_at(("book_inbound", "before_call"))
    with pytest.raises(SimulatedCrash):
        stripe_world.book(traveler, stripe_world.services(checkpoint=faults.checkpoint))

    early = recover_bookings(
        stripe_world.session_factory, stripe_world.payments, stripe_world.market, AT
    )
    late = _recover(stripe_world, faults)

    assert early.examined == 0
    assert late.final_states == {"confirmed": 1}  # resumed once the lease lapsed


def test_an_interrupted_step_shows_in_the_history(stripe_world: BookingWorld) -> None:
    traveler = stripe_world.traveler()
    faults = _crash_at(("authorize_payment", "after_call"))
    with pytest.raises(SimulatedCrash):
        stripe_world.book(traveler, stripe_world.services(checkpoint=faults.checkpoint))
    _recover(stripe_world, faults)

    (booking_id,) = stripe_world.created
    with stripe_world.session_factory() as session:
        rows = session.scalars(
            select(BookingStep)
            .where(BookingStep.booking_id == booking_id, BookingStep.step == "authorize_payment")
            .order_by(BookingStep.attempt)
        ).all()
    assert [(r.attempt, r.status, r.error) for r in rows] == [
        (1, "failed", "interrupted before its result was recorded"),
        (2, "succeeded", None),
    ]
    assert rows[1].detail["reconciled"] is True
    assert rows[0].idempotency_key == rows[1].idempotency_key == f"{booking_id}:authorize_payment"


def test_a_leg_whose_every_attempt_was_interrupted_is_found_and_cancelled(
    stripe_world: BookingWorld,
) -> None:
    """Three crashes right after the provider booked: forward gives up, and compensation
    must still find the booking the provider holds (asking with the same key) and cancel it."""
    traveler = stripe_world.traveler()
    crashes = []

    def crash_after_booking(booking_id: str, step: str, point: str) -> None:
        if (step, point) == ("book_outbound", "after_call") and len(crashes) < 3:
            crashes.append(step)
            raise SimulatedCrash(step)

    services = stripe_world.services(checkpoint=crash_after_booking)
    with pytest.raises(SimulatedCrash):
        stripe_world.book(traveler, services)
    for attempt in range(2, 5):
        now = AT + attempt * (DEFAULT_LEASE + dt.timedelta(seconds=1))
        try:
            recover_bookings(
                stripe_world.session_factory, stripe_world.payments, stripe_world.market, now,
                checkpoint=crash_after_booking,
            )  # fmt: skip
        except SimulatedCrash:
            continue

    (booking_id,) = stripe_world.created
    view = stripe_world.view(booking_id)
    assert len(crashes) == 3
    assert view.state == "failed"
    assert view.booking.failure_reason.startswith("outbound: gave up after 3 attempt(s)")
    assert view.legs[0].status == "cancelled"
    stripe_world.nothing_held(booking_id)
    assert stripe_world.audit().clean


@pytest.fixture
def postgres_world(data_dir, monkeypatch: pytest.MonkeyPatch, market, payments, postgres_database):
    monkeypatch.setenv("WAYRA_OPERATIONAL_URL", postgres_database)
    settings = Settings()
    migrate(settings)
    engine = make_engine(settings)
    yield BookingWorld(make_session_factory(engine), market, payments)
    engine.dispose()


@pytest.mark.postgres
def test_compensation_and_recovery_on_postgres(postgres_world: BookingWorld) -> None:
    traveler = postgres_world.traveler("JPY")
    faults = _crash_at(("void_payment", "before_call"))
    refused = PaymentError("cannot capture", retryable=False)
    payments = ScriptedPayments(postgres_world.payments, {("capture", 0): raise_(refused)})
    services = postgres_world.services(payments=payments, checkpoint=faults.checkpoint)

    with pytest.raises(SimulatedCrash):
        postgres_world.book(traveler, services)
    _recover(postgres_world, faults, payments)

    (booking_id,) = postgres_world.created
    assert postgres_world.view(booking_id).state == "failed"
    postgres_world.nothing_held(booking_id)
    assert postgres_world.audit().clean
