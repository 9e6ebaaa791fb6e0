"""A traveler cancelling a confirmed booking: decide the refund, then let the saga undo it.

The refund is decided once, when the cancellation is requested (``booking.refund_rules``),
and stored with the move to ``cancelling`` in one transaction, with each leg's rule in the
decision log. The saga then cancels every leg and refunds exactly that amount; asking again
(or a crash and recovery) repeats nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from booking.refund_rules import refunds_for
from booking.saga import BookingSaga
from booking.services import BookingServices
from booking.states import BookingState, check_transition
from wayra.opstore.booking_models import Booking, BookingDecision, BookingLeg, BookingPayment


class BookingNotFound(LookupError):
    pass


class NotCancellable(Exception):
    def __init__(self, state: str) -> None:
        super().__init__(f"a booking that is {state} cannot be cancelled")
        self.state = state


def request_cancellation(
    services: BookingServices, user_id: str, booking_id: str, now: dt.datetime
) -> str:
    """Cancel ``booking_id`` for ``user_id``; returns the state it ends in (``cancelled``
    unless a provider or Stripe is failing, then ``cancelling`` until recovery finishes)."""
    with services.session_factory() as session:
        booking = session.get(Booking, booking_id)
        if booking is None or booking.user_id != user_id:
            raise BookingNotFound(booking_id)
        state = BookingState(booking.state)
    if state is BookingState.CONFIRMED:
        _start_cancelling(services, booking_id, now)
        services.checkpoint(booking_id, "enter_cancelling", "after_transition")
    elif state not in (BookingState.CANCELLING, BookingState.CANCELLED):
        raise NotCancellable(state.value)
    return BookingSaga(services).run(booking_id, now)


def _start_cancelling(services: BookingServices, booking_id: str, now: dt.datetime) -> None:
    check_transition(BookingState.CONFIRMED, BookingState.CANCELLING)
    with services.session_factory.begin() as session:
        moved = session.execute(
            update(Booking)
            .where(Booking.id == booking_id, Booking.state == BookingState.CONFIRMED.value)
            .values(state=BookingState.CANCELLING.value, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            return  # a concurrent request got there first and decided the refund
        legs = session.scalars(
            select(BookingLeg)
            .where(BookingLeg.booking_id == booking_id)
            .order_by(BookingLeg.position)
        ).all()
        refunds = refunds_for(legs, now)
        payment = session.get_one(BookingPayment, booking_id)
        payment.refund_due_minor = sum(r.amount_minor for r in refunds)
        for refund in refunds:
            session.add(
                BookingDecision(
                    booking_id=booking_id,
                    decision="refund_rule",
                    subject=refund.kind,
                    outcome="refund" if refund.amount_minor else "no_refund",
                    conditions={
                        "position": refund.position,
                        "amount_minor": refund.amount_minor,
                        "currency": payment.currency,
                    },
                    reasons=[refund.rule],
                    decided_at=now,
                )
            )
