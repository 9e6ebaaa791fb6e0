"""The booking state machine: every state, and the only transitions allowed between them.

Forward path, one recovery point per state::

    validated -> payment_authorized -> flight_booked -> hotel_booked -> captured -> confirmed

Any forward state before ``captured`` may fail into ``compensating``, which undoes what was
done (cancel hotel, cancel flights, void or refund) and ends in ``failed``. A ``confirmed``
booking the traveler cancels goes through ``cancelling`` (legs cancelled, refund per the
fare and rate rules) to ``cancelled``. The database stores the values as strings and a CHECK
constraint (``wayra.opstore.booking_models.BOOKING_STATES``) repeats them.
"""

from __future__ import annotations

from enum import StrEnum


class BookingState(StrEnum):
    VALIDATED = "validated"
    PAYMENT_AUTHORIZED = "payment_authorized"
    FLIGHT_BOOKED = "flight_booked"
    HOTEL_BOOKED = "hotel_booked"
    CAPTURED = "captured"
    CONFIRMED = "confirmed"
    COMPENSATING = "compensating"
    FAILED = "failed"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"


S = BookingState

TRANSITIONS: dict[BookingState, frozenset[BookingState]] = {
    S.VALIDATED: frozenset({S.PAYMENT_AUTHORIZED, S.COMPENSATING}),
    S.PAYMENT_AUTHORIZED: frozenset({S.FLIGHT_BOOKED, S.COMPENSATING}),
    S.FLIGHT_BOOKED: frozenset({S.HOTEL_BOOKED, S.COMPENSATING}),
    S.HOTEL_BOOKED: frozenset({S.CAPTURED, S.COMPENSATING}),
    # Captured means every leg is booked and paid: only the local confirmation is left.
    S.CAPTURED: frozenset({S.CONFIRMED}),
    S.CONFIRMED: frozenset({S.CANCELLING}),
    S.COMPENSATING: frozenset({S.FAILED}),
    S.CANCELLING: frozenset({S.CANCELLED}),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}

TERMINAL = frozenset({S.CONFIRMED, S.FAILED, S.CANCELLED})
# States a crashed runner may leave behind; the recovery worker drives them on.
IN_FLIGHT = frozenset(BookingState) - TERMINAL

# The forward step each state waits for, and the state that step leads to.
NEXT_ON_SUCCESS: dict[BookingState, BookingState] = {
    S.VALIDATED: S.PAYMENT_AUTHORIZED,
    S.PAYMENT_AUTHORIZED: S.FLIGHT_BOOKED,
    S.FLIGHT_BOOKED: S.HOTEL_BOOKED,
    S.HOTEL_BOOKED: S.CAPTURED,
    S.CAPTURED: S.CONFIRMED,
}


class IllegalTransition(RuntimeError):
    pass


def check_transition(current: str, target: str) -> None:
    if BookingState(target) not in TRANSITIONS[BookingState(current)]:
        raise IllegalTransition(f"a booking cannot go from {current} to {target}")


class Step(StrEnum):
    """Saga steps that call the outside world; leg steps are named per leg
    (``book_outbound``, ``book_hotel``, ``cancel_hotel_2`` ...) by :func:`leg_step`."""

    AUTHORIZE_PAYMENT = "authorize_payment"
    CAPTURE_PAYMENT = "capture_payment"
    VOID_PAYMENT = "void_payment"
    REFUND_PAYMENT = "refund_payment"


def leg_step(action: str, kind: str, ordinal: int = 1) -> str:
    """``book_outbound``; a package's second stay is ``book_hotel_2``."""
    return f"{action}_{kind}" if ordinal == 1 else f"{action}_{kind}_{ordinal}"


def idempotency_key(booking_id: str, step: str) -> str:
    """The key every attempt of one step sends, so the far side sees one request."""
    return f"{booking_id}:{step}"
