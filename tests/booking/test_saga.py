"""The booking saga end to end: the real stripe SDK against localstripe on 127.0.0.1 and
the market simulator's providers. Every check of money and seats reads the far side (Stripe
by booking metadata, the simulator's ledger by idempotency key), not Wayra's own records."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import stripe
from sqlalchemy import select

from booking.cancellation import request_cancellation
from booking.payments import PaymentError, to_stripe_amount
from booking.recovery import recover_bookings
from tests.booking.saga_fixtures import (
    AT,
    PROVIDER_DOWN,
    PROVIDER_REFUSES,
    BookingWorld,
    ScriptedPayments,
    lose_answer,
    raise_,
    scripted,
    sold_out,
)
from wayra.opstore.booking_models import BookingNotification, BookingStep

pytestmark = pytest.mark.xdist_group("stripe")

TIMEOUT = PaymentError("timed out", retryable=True)


def _steps(world: BookingWorld, booking_id: str) -> list[tuple[str, int, str]]:
    with world.session_factory() as session:
        rows = session.scalars(
            select(BookingStep).where(BookingStep.booking_id == booking_id).order_by(BookingStep.id)
        )
        return [(r.step, r.attempt, r.status) for r in rows]


@pytest.mark.parametrize("currency", ["EUR", "USD", "GBP", "JPY"])
def test_approve_authorize_book_both_legs_capture(
    stripe_world: BookingWorld, stripe_client: stripe.StripeClient, currency: str
) -> None:
    traveler = stripe_world.traveler(currency)

    booking_id, state = stripe_world.book(traveler)

    view = stripe_world.view(booking_id)
    assert state == "confirmed"
    assert _steps(stripe_world, booking_id) == [
        ("authorize_payment", 1, "succeeded"),
        ("book_outbound", 1, "succeeded"),
        ("book_inbound", 1, "succeeded"),
        ("book_hotel", 1, "succeeded"),
        ("capture_payment", 1, "succeeded"),
    ]
    assert [leg.status for leg in view.legs] == ["booked"] * 3
    assert all(leg.booking_ref.startswith("WS") for leg in view.legs)
    assert stripe_world.live_legs(booking_id) == ["outbound", "inbound", "hotel"]
    # Exactly the booking's total, in its currency, captured once: the amount round-trips
    # through Stripe's own units (JPY has none below the yen) without a unit lost.
    (intent,) = stripe_world.intents(booking_id)
    total = view.booking.total_minor
    assert (intent.status, intent.captured) == ("succeeded", True)
    assert (intent.amount_minor, intent.currency) == (total, currency)
    charge = stripe_client.v1.charges.list(params={"customer": traveler.customer_id}).data[0]
    assert (charge.amount, charge.currency) == (to_stripe_amount(total, currency), currency.lower())
    assert view.payment.status == "captured" and view.payment.captured_minor == total
    assert view.payment.fx_rate_date == view.booking.fx_rate_date
    assert sum(leg.charge_minor for leg in view.legs) == total
    with stripe_world.session_factory() as session:
        (note,) = session.scalars(select(BookingNotification)).all()
    assert (note.kind, note.status, note.payload["total_minor"]) == (
        "booking_confirmed",
        "pending",
        total,
    )
    assert view.booking.lease_owner is None  # released for the next runner


def test_a_declined_card_books_nothing(stripe_world: BookingWorld) -> None:
    traveler = stripe_world.traveler(card="pm_card_chargeCustomerFail")

    booking_id, state = stripe_world.book(traveler)

    view = stripe_world.view(booking_id)
    assert state == "failed"
    assert view.booking.failure_reason.startswith("payment: declined")
    assert view.payment.status == "declined"
    assert _steps(stripe_world, booking_id) == [("authorize_payment", 1, "failed")]
    stripe_world.nothing_held(booking_id)


# Each forward step failing for certain: what was done before it is undone, the hold voided.
FAILURES = {
    "outbound refused": ("sim_flight_gds", {("book", 1): raise_(PROVIDER_REFUSES)}),
    "inbound sold out": ("sim_flight_gds", {("book", 2): sold_out}),
    "hotel refused": ("sim_hotel_direct", {("book", 1): raise_(PROVIDER_REFUSES)}),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_a_leg_that_cannot_be_booked_leaves_nothing_booked_or_held(
    stripe_world: BookingWorld, failure: str
) -> None:
    provider, script = FAILURES[failure]
    traveler = stripe_world.traveler()
    services = stripe_world.services(providers=scripted(stripe_world.market, provider, script))

    booking_id, state = stripe_world.book(traveler, services)

    view = stripe_world.view(booking_id)
    assert state == "failed"
    assert view.payment.status == "voided"
    assert {leg.status for leg in view.legs} <= {"cancelled", "failed", "pending"}
    (intent,) = stripe_world.intents(booking_id)
    assert intent.status == "canceled" and not intent.captured
    stripe_world.nothing_held(booking_id)
    steps = {step for step, _, status in _steps(stripe_world, booking_id) if status == "succeeded"}
    assert "void_payment" in steps and "capture_payment" not in steps


def test_a_provider_down_keeps_the_hold_until_it_can_say_what_it_booked(
    stripe_world: BookingWorld,
) -> None:
    """A 503 may hide a booking made: the money stays held until the provider answers."""
    traveler = stripe_world.traveler()
    down = scripted(stripe_world.market, "sim_hotel_direct", {("book", 0): raise_(PROVIDER_DOWN)})

    booking_id, state = stripe_world.book(traveler, stripe_world.services(providers=down))

    assert state == "compensating"
    view = stripe_world.view(booking_id)
    assert [leg.status for leg in view.legs] == ["cancelled", "cancelled", "unknown"]
    (intent,) = stripe_world.intents(booking_id)
    assert intent.status == "requires_capture"  # held, not captured, not released yet

    report = recover_bookings(
        stripe_world.session_factory, stripe_world.payments, stripe_world.market, AT
    )

    assert report.final_states == {"failed": 1}
    assert [leg.status for leg in stripe_world.view(booking_id).legs] == ["cancelled"] * 3
    stripe_world.nothing_held(booking_id)


def test_a_failed_capture_cancels_every_leg_and_voids(stripe_world: BookingWorld) -> None:
    traveler = stripe_world.traveler()
    refused = PaymentError("this PaymentIntent cannot be captured", retryable=False)
    payments = ScriptedPayments(stripe_world.payments, {("capture", 0): raise_(refused)})

    booking_id, state = stripe_world.book(traveler, stripe_world.services(payments=payments))

    view = stripe_world.view(booking_id)
    assert state == "failed" and view.booking.failure_reason.startswith("capture:")
    assert [leg.status for leg in view.legs] == ["cancelled"] * 3
    assert [s for s, _, _ in _steps(stripe_world, booking_id)][-4:] == [
        "cancel_hotel", "cancel_inbound", "cancel_outbound", "void_payment",
    ]  # fmt: skip
    stripe_world.nothing_held(booking_id)


def test_a_leg_the_provider_books_dearer_than_tolerated_is_undone(
    stripe_world: BookingWorld,
) -> None:
    traveler = stripe_world.traveler()

    def dearer(real, *args):
        result = real()
        return dataclasses.replace(result, total_minor=result.total_minor * 2)

    market = scripted(stripe_world.market, "sim_hotel_direct", {("book", 0): dearer})
    booking_id, state = stripe_world.book(traveler, stripe_world.services(providers=market))

    assert state == "failed"
    assert "price changed at booking: hotel" in stripe_world.view(booking_id).booking.failure_reason
    stripe_world.nothing_held(booking_id)


# Timeouts after the far side acted: the retry must find what happened, never do it twice.
LOST_ANSWERS = {
    "authorize": {"payments": {("authorize", 1): lose_answer(TIMEOUT)}},
    "capture": {"payments": {("capture", 1): lose_answer(TIMEOUT)}},
    "outbound": {"sim_flight_gds": {("book", 1): lose_answer(PROVIDER_DOWN)}},
    "hotel": {"sim_hotel_direct": {("book", 1): lose_answer(PROVIDER_DOWN)}},
}


@pytest.mark.parametrize("lost", LOST_ANSWERS)
def test_a_lost_answer_is_reconciled_not_repeated(stripe_world: BookingWorld, lost: str) -> None:
    traveler = stripe_world.traveler()
    ((target, script),) = LOST_ANSWERS[lost].items()
    services = (
        stripe_world.services(payments=ScriptedPayments(stripe_world.payments, script))
        if target == "payments"
        else stripe_world.services(providers=scripted(stripe_world.market, target, script))
    )

    booking_id, state = stripe_world.book(traveler, services)

    assert state == "confirmed"
    (intent,) = stripe_world.intents(booking_id)  # one authorization, captured once
    assert (
        intent.captured and intent.amount_minor == stripe_world.view(booking_id).booking.total_minor
    )
    assert stripe_world.live_legs(booking_id) == ["outbound", "inbound", "hotel"]
    attempts = [(s, n, status) for s, n, status in _steps(stripe_world, booking_id) if n > 1]
    assert attempts and attempts[0][1:] == (2, "succeeded")
    assert stripe_world.audit().clean


def test_a_capture_stripe_made_but_reported_as_failed_is_refunded(
    stripe_world: BookingWorld,
) -> None:
    """Whatever Wayra was told, compensation asks Stripe: money it finds taken goes back."""
    traveler = stripe_world.traveler()
    garbled = PaymentError("unexpected response from Stripe", retryable=False)
    payments = ScriptedPayments(stripe_world.payments, {("capture", 1): lose_answer(garbled)})

    booking_id, state = stripe_world.book(traveler, stripe_world.services(payments=payments))

    view = stripe_world.view(booking_id)
    assert state == "failed"
    assert view.payment.status == "refunded"
    assert view.payment.refunded_minor == view.booking.total_minor
    (intent,) = stripe_world.intents(booking_id)
    assert intent.captured and intent.refunded_minor == intent.amount_minor
    stripe_world.nothing_held(booking_id)
    assert stripe_world.audit().clean


@pytest.mark.parametrize("currency", ["JPY", "GBP"])
def test_a_partial_refund_is_exact_to_the_minor_unit(
    stripe_world: BookingWorld, currency: str
) -> None:
    traveler = stripe_world.traveler(currency, hotel_refundable=True)
    booking_id, _ = stripe_world.book(traveler)

    # Two days on, only the refundable hotel rate comes back (docs/booking.md).
    state = request_cancellation(
        stripe_world.services(), traveler.user_id, booking_id, AT + dt.timedelta(days=2)
    )

    view = stripe_world.view(booking_id)
    hotel_share = view.legs[2].charge_minor
    assert state == "cancelled"
    (intent,) = stripe_world.intents(booking_id)
    assert view.payment.refunded_minor == intent.refunded_minor == hotel_share
    assert (
        intent.amount_minor - intent.refunded_minor
        == view.legs[0].charge_minor + view.legs[1].charge_minor
    )
    assert stripe_world.live_legs(booking_id) == []
