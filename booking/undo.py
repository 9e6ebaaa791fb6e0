"""Undoing a booking: compensation after a failure, and cancellation by the traveler.

Both cancel legs before touching money: releasing the payment while a leg might still be
booked would leave it booked-but-unpaid. A pass that cannot finish (a provider or Stripe
still failing) returns False and leaves the booking in ``compensating``/``cancelling`` for
the next pass (the recovery worker).

Compensation first settles every ambiguous step: a leg whose booking call's outcome is
unknown is asked again with the same idempotency key (a call that never arrived books now,
and is cancelled right after), and an authorization that may have happened is looked up at
Stripe. Then Stripe's own status decides what releases the money: an uncaptured intent is
voided, a captured one refunded in full.
"""

from __future__ import annotations

import datetime as dt

from booking.payments import PaymentError
from booking.saga_steps import VOIDABLE, BookingView, SagaSteps
from booking.states import BookingState, Step
from wayra.opstore.booking_models import BookingNotification


def compensate(steps: SagaSteps, view: BookingView, now: dt.datetime) -> bool:
    """One compensation pass; True once the booking is ``failed`` with nothing held."""
    if not _cancel_legs(steps, view, now, resolve_unknown=True):
        return False
    view = steps.load(view.id)
    if not _release_payment(steps, view):
        return False
    view = steps.load(view.id)
    return steps.transition(
        view.id,
        BookingState.COMPENSATING,
        BookingState.FAILED,
        now,
        closed_at=now,
        notification=outbox_row(view, "booking_failed", now),
    )


def cancel(steps: SagaSteps, view: BookingView, now: dt.datetime) -> bool:
    """One cancellation pass; True once the booking is ``cancelled`` and refunded per the
    rules decided when it was requested (``payment.refund_due_minor``)."""
    if not _cancel_legs(steps, view, now, resolve_unknown=False):
        return False
    view = steps.load(view.id)
    payment = view.payment
    due = payment.refund_due_minor or 0
    if due > payment.refunded_minor:
        outcome = steps.refund(view, due - payment.refunded_minor, payment.captured_minor)
        if not outcome.succeeded:
            return False
        view = steps.load(view.id)
    return steps.transition(
        view.id,
        BookingState.CANCELLING,
        BookingState.CANCELLED,
        now,
        closed_at=now,
        notification=outbox_row(view, "booking_cancelled", now),
    )


def _cancel_legs(
    steps: SagaSteps, view: BookingView, now: dt.datetime, *, resolve_unknown: bool
) -> bool:
    settled = True
    for leg in reversed(view.legs):  # hotel first, then the flights
        # The step log is the authority: a booking call left unanswered makes the leg
        # possibly booked, whatever the leg row says.
        maybe_booked = leg.status == "unknown" or (
            leg.status == "pending" and steps.runner.is_ambiguous(view.id, leg.step)
        )
        if maybe_booked and resolve_unknown:
            steps.book_leg(view, leg, now, more_attempts=1)
            leg = next(x for x in steps.load(view.id).legs if x.id == leg.id)
        if leg.status == "unknown" or (leg.status == "pending" and maybe_booked):
            settled = False  # may be booked: the money stays until we know
        elif leg.status == "booked":
            settled &= steps.cancel_leg(view, leg, now).succeeded
    return settled


def _release_payment(steps: SagaSteps, view: BookingView) -> bool:
    if view.payment.payment_intent_id is None:
        if not steps.runner.is_ambiguous(view.id, Step.AUTHORIZE_PAYMENT):
            return True  # no authorization was ever attempted, or it failed for certain
        found = steps.authorize(view, more_attempts=0)  # reconcile only: never authorize now
        if found.retryable and not found.detail.get("gave_up"):
            return False  # Stripe could not be asked; try again on the next pass
        view = steps.load(view.id)
        if view.payment.payment_intent_id is None:
            return True  # Stripe holds nothing for this booking
    try:
        at_stripe = steps.services.payments.retrieve(view.payment.payment_intent_id)
    except PaymentError:
        return False
    if at_stripe.status in VOIDABLE:
        return steps.void(view).succeeded
    if at_stripe.status == "succeeded":
        remaining = at_stripe.amount_minor - view.payment.refunded_minor
        if remaining <= 0:
            return True
        return steps.refund(view, remaining, at_stripe.amount_minor).succeeded
    return True  # canceled, or declined (requires_payment_method): nothing is held


def outbox_row(view: BookingView, kind: str, now: dt.datetime) -> BookingNotification:
    """The notification the traveler gets about a final state: due at once, sent later, once
    (``booking.notifications``)."""
    booking = view.booking
    return BookingNotification(
        booking_id=booking.id,
        user_id=booking.user_id,
        kind=kind,
        created_at=now,
        next_attempt_at=now,
        payload={
            "booking_id": booking.id,
            "state": kind.removeprefix("booking_"),
            "total_minor": booking.total_minor,
            "currency": booking.currency,
            "failure_reason": booking.failure_reason,
            "refunded_minor": view.payment.refunded_minor,
            "legs": [
                {
                    "kind": leg.kind,
                    "provider": leg.provider,
                    "booking_ref": leg.booking_ref,
                    "status": leg.status,
                }
                for leg in view.legs
            ],
        },
    )
