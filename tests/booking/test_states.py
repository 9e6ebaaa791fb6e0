"""The booking state machine: one table of allowed transitions, mirrored by the database."""

from __future__ import annotations

import pytest

from booking.states import (
    IN_FLIGHT,
    NEXT_ON_SUCCESS,
    TERMINAL,
    TRANSITIONS,
    BookingState,
    IllegalTransition,
    check_transition,
    idempotency_key,
    leg_step,
)
from wayra.opstore.booking_models import BOOKING_STATES

S = BookingState


def test_the_database_knows_exactly_the_states_the_code_knows() -> None:
    assert set(BOOKING_STATES) == {s.value for s in BookingState}
    assert set(TRANSITIONS) == set(BookingState)


def test_the_forward_path_is_a_chain_to_confirmed() -> None:
    state, path = S.VALIDATED, [S.VALIDATED]
    while state in NEXT_ON_SUCCESS:
        state = NEXT_ON_SUCCESS[state]
        check_transition(path[-1], state)
        path.append(state)
    assert path == [
        S.VALIDATED, S.PAYMENT_AUTHORIZED, S.FLIGHT_BOOKED, S.HOTEL_BOOKED, S.CAPTURED,
        S.CONFIRMED,
    ]  # fmt: skip


def test_only_uncaptured_states_can_compensate_and_only_confirmed_can_cancel() -> None:
    can_compensate = {s for s, targets in TRANSITIONS.items() if S.COMPENSATING in targets}
    assert can_compensate == {S.VALIDATED, S.PAYMENT_AUTHORIZED, S.FLIGHT_BOOKED, S.HOTEL_BOOKED}
    assert {s for s, targets in TRANSITIONS.items() if S.CANCELLING in targets} == {S.CONFIRMED}


def test_final_states_go_nowhere_and_everything_else_is_recoverable() -> None:
    assert {S.CONFIRMED, S.FAILED, S.CANCELLED} == TERMINAL
    assert set(BookingState) - TERMINAL == IN_FLIGHT
    assert all(not TRANSITIONS[s] for s in (S.FAILED, S.CANCELLED))


@pytest.mark.parametrize(
    ("current", "target"),
    [(S.VALIDATED, S.CAPTURED), (S.CAPTURED, S.COMPENSATING), (S.FAILED, S.VALIDATED),
     (S.CONFIRMED, S.FAILED), (S.CANCELLED, S.CONFIRMED)],
)  # fmt: skip
def test_illegal_transitions_are_refused(current: BookingState, target: BookingState) -> None:
    with pytest.raises(IllegalTransition):
        check_transition(current, target)


def test_step_names_and_keys() -> None:
    assert leg_step("book", "outbound") == "book_outbound"
    assert leg_step("cancel", "hotel", 2) == "cancel_hotel_2"
    assert idempotency_key("b-1", "book_hotel") == "b-1:book_hotel"
