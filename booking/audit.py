"""The money audit: does what Stripe and the providers hold agree with every booking?

Ground truth comes from the outside, not from Wayra's records: Stripe's PaymentIntents
(found by ``metadata.wayra_booking_id``) and the provider's own ledger of live bookings
(found by the saga's idempotency keys). Per booking:

* **double charge**: more than one captured intent, or more captured than the total;
* **captured but unbooked**: money kept while a leg is not booked (beyond what the
  cancellation rules let Wayra keep);
* **booked but unpaid**: a leg booked at a provider without the total captured;
* **hold left open**: a finished booking whose authorization was neither captured nor voided.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from booking.intent_lookup import FoundIntent, IntentLookup
from booking.states import TERMINAL, BookingState, idempotency_key
from wayra.opstore.booking_models import Booking, BookingLeg, BookingPayment

# (provider name, idempotency key of the booking call) -> is a live booking held there?
LegIsBooked = Callable[[str, str], bool]


@dataclass
class MoneyAudit:
    bookings: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    double_charges: int = 0
    captured_but_unbooked: int = 0
    booked_but_unpaid: int = 0
    holds_left_open: int = 0
    in_flight: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (
            self.double_charges
            or self.captured_but_unbooked
            or self.booked_but_unpaid
            or self.holds_left_open
            or self.in_flight
        )


def simulator_ledger(providers: Mapping[str, Any]) -> LegIsBooked:
    """Live bookings as the market simulator's ledger knows them (keys are prefixed with the
    provider's name by ``wayra.providers.simulated``)."""

    def booked(provider_name: str, key: str) -> bool:
        ledger = providers[provider_name].simulator.ledger
        result = ledger.by_idempotency_key.get(f"{provider_name}:{key}")
        if result is None or not result.success:
            return False
        return ledger.bookings[result.booking_ref].cancellation is None

    return booked


def audit_bookings(
    session_factory: sessionmaker[Session], intents: IntentLookup, leg_is_booked: LegIsBooked
) -> MoneyAudit:
    at_stripe: dict[str, list[FoundIntent]] = defaultdict(list)
    for intent in intents.all_intents():
        if intent.booking_id is not None:
            at_stripe[intent.booking_id].append(intent)
    audit = MoneyAudit()
    states: dict[str, int] = defaultdict(int)
    with session_factory() as session:
        legs_of: dict[str, list[BookingLeg]] = defaultdict(list)
        for leg in session.scalars(select(BookingLeg)):
            legs_of[leg.booking_id].append(leg)
        payments = {p.booking_id: p for p in session.scalars(select(BookingPayment))}
        for booking in session.scalars(select(Booking)):
            audit.bookings += 1
            states[booking.state] += 1
            _check(
                audit,
                booking,
                legs_of[booking.id],
                payments[booking.id],
                at_stripe[booking.id],
                leg_is_booked,
            )
    audit.by_state = dict(states)
    return audit


def _check(
    audit: MoneyAudit,
    booking: Booking,
    legs: list[BookingLeg],
    payment: BookingPayment,
    intents: list[FoundIntent],
    leg_is_booked: LegIsBooked,
) -> None:
    state = BookingState(booking.state)
    if state not in TERMINAL:
        audit.in_flight += 1
        audit.problems.append(f"{booking.id}: still {state}")
        return
    captured = [i for i in intents if i.captured]
    kept = sum(i.amount_minor - i.refunded_minor for i in captured)
    live_legs = sum(
        leg_is_booked(leg.provider, idempotency_key(booking.id, leg.step)) for leg in legs
    )
    # What Wayra may keep: everything for a confirmed trip, what the rules kept for a
    # cancelled one, nothing for a failed one.
    allowed = {
        BookingState.CONFIRMED: booking.total_minor,
        BookingState.CANCELLED: booking.total_minor - (payment.refund_due_minor or 0),
        BookingState.FAILED: 0,
    }[state]
    expected_live = len(legs) if state is BookingState.CONFIRMED else 0
    if len(captured) > 1 or kept > booking.total_minor:
        audit.double_charges += 1
        audit.problems.append(f"{booking.id}: {len(captured)} captures keeping {kept}")
    if kept > allowed or (kept > 0 and live_legs < expected_live):
        audit.captured_but_unbooked += 1
        audit.problems.append(f"{booking.id} ({state}): keeps {kept}, {live_legs} legs live")
    if live_legs > expected_live or (live_legs and kept < booking.total_minor):
        audit.booked_but_unpaid += 1
        audit.problems.append(f"{booking.id} ({state}): {live_legs} legs live, keeps {kept}")
    if any(i.status == "requires_capture" for i in intents):
        audit.holds_left_open += 1
        audit.problems.append(f"{booking.id} ({state}): a hold is still open at Stripe")
