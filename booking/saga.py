"""The booking saga runner: drives one booking from wherever it stands to a final state.

The booking's persisted state is the recovery point; ``run`` reads it and performs the next
step, over and over, so a fresh run after a crash resumes exactly where the last one
stopped (steps already done are no-ops by the step log, see ``booking.steps``):

=====================  =====================================  ==========================
state                  next step                              on success
=====================  =====================================  ==========================
validated              authorize the total (manual capture)   payment_authorized
payment_authorized     book each flight leg                   flight_booked
flight_booked          book each hotel leg                    hotel_booked
hotel_booked           capture                                captured
captured               confirm (outbox row, no external call) confirmed
compensating           cancel legs, void or refund            failed
cancelling             cancel legs, refund per the rules      cancelled
=====================  =====================================  ==========================

A forward step that fails for certain (a decline, a sold-out leg, a price beyond tolerance)
or keeps failing through its attempts moves the booking to ``compensating``. A runner holds
a lease on the booking while it works; a crashed runner's lease lapses and the recovery
worker (``booking.recovery``) takes the booking over.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import Enum

from sqlalchemy import or_, update

from booking import undo
from booking.saga_steps import BookingView, SagaSteps
from booking.services import BookingServices
from booking.states import TERMINAL, BookingState
from booking.steps import StepOutcome
from wayra.opstore.booking_models import Booking, BookingDecision

S = BookingState


class _Next(Enum):
    CONTINUE = "continue"  # state moved: look again
    WAIT = "wait"  # cannot progress now; a later run (the recovery worker) will


class BookingSaga:
    def __init__(self, services: BookingServices) -> None:
        self.services = services
        self.steps = SagaSteps(services)
        self.owner = f"saga-{uuid.uuid4().hex[:12]}"

    def run(self, booking_id: str, now: dt.datetime, *, lease_owner: str | None = None) -> str:
        """Drive ``booking_id`` as far as it goes at ``now``; returns the state it is left in.
        A booking leased by another live runner is left alone."""
        owner = lease_owner or self.owner
        if not self._claim(booking_id, owner, now):
            return self.steps.load(booking_id).booking.state
        state = self._drive(booking_id, now)
        # Released only on a normal return: a crash keeps the lease until it lapses, as a
        # killed process would.
        self._release(booking_id, owner)
        return state

    def _drive(self, booking_id: str, now: dt.datetime) -> str:
        while True:
            view = self.steps.load(booking_id)
            if view.state in TERMINAL:
                return view.state.value
            if self._advance(view, now) is _Next.WAIT:
                return self.steps.load(booking_id).booking.state

    def _advance(self, view: BookingView, now: dt.datetime) -> _Next:
        match view.state:
            case S.VALIDATED:
                outcome = self.steps.authorize(view)
                return self._after(view, outcome, "payment", S.PAYMENT_AUTHORIZED, now)
            case S.PAYMENT_AUTHORIZED:
                return self._book(view, ("outbound", "inbound"), S.FLIGHT_BOOKED, now)
            case S.FLIGHT_BOOKED:
                return self._book(view, ("hotel",), S.HOTEL_BOOKED, now)
            case S.HOTEL_BOOKED:
                outcome = self.steps.capture(view)
                return self._after(view, outcome, "capture", S.CAPTURED, now)
            case S.CAPTURED:
                self.steps.transition(
                    view.id,
                    S.CAPTURED,
                    S.CONFIRMED,
                    now,
                    confirmed_at=now,
                    notification=undo.outbox_row(view, "booking_confirmed", now),
                )
                return _Next.CONTINUE
            case S.COMPENSATING:
                return _Next.CONTINUE if undo.compensate(self.steps, view, now) else _Next.WAIT
            case S.CANCELLING:
                return _Next.CONTINUE if undo.cancel(self.steps, view, now) else _Next.WAIT
        raise AssertionError(f"no step for state {view.state}")

    def _book(
        self, view: BookingView, kinds: tuple[str, ...], target: BookingState, now: dt.datetime
    ) -> _Next:
        legs = [leg for leg in view.legs if leg.kind in kinds]
        for leg in legs:
            if leg.status == "booked":
                continue
            outcome = self.steps.book_leg(view, leg, now)
            if not outcome.succeeded:
                return self._after(view, outcome, leg.kind, target, now)
        # Checked on the stored legs, so a crash between booking and checking loses nothing.
        for leg in self.steps.load(view.id).legs:
            if leg.kind in kinds and not self.steps.price_held(
                leg, view.booking.price_tolerance_bps
            ):
                reason = (
                    f"{leg.kind}: booked at {leg.booked_minor} {leg.provider_currency}, "
                    f"validated at {leg.validated_minor}"
                )
                return self._fail(view, f"price changed at booking: {reason}", now)
        self.steps.transition(view.id, view.state, target, now)
        return _Next.CONTINUE

    def _after(
        self,
        view: BookingView,
        outcome: StepOutcome,
        what: str,
        target: BookingState,
        now: dt.datetime,
    ) -> _Next:
        if outcome.succeeded:
            self.steps.transition(view.id, view.state, target, now)
            return _Next.CONTINUE
        if outcome.retryable and not outcome.detail.get("gave_up"):
            return _Next.WAIT  # the far side could not be asked what happened; ask later
        return self._fail(view, f"{what}: {outcome.error}", now)

    def _fail(self, view: BookingView, reason: str, now: dt.datetime) -> _Next:
        decision = BookingDecision(
            proposal_id=view.booking.proposal_id,
            booking_id=view.id,
            decision="compensate",
            subject=view.state.value,
            outcome="compensating",
            conditions={"state": view.state.value},
            reasons=[reason],
            decided_at=now,
        )
        self.steps.transition(
            view.id, view.state, S.COMPENSATING, now, failure_reason=reason[:500], decision=decision
        )
        return _Next.CONTINUE

    # --- lease -----------------------------------------------------------------------------
    def _claim(self, booking_id: str, owner: str, now: dt.datetime) -> bool:
        with self.services.session_factory.begin() as session:
            return (
                session.execute(
                    update(Booking)
                    .where(
                        Booking.id == booking_id,
                        or_(
                            Booking.lease_owner.is_(None),
                            Booking.lease_owner == owner,
                            Booking.lease_expires_at <= now,
                        ),
                    )
                    .values(lease_owner=owner, lease_expires_at=now + self.services.lease)
                    .execution_options(synchronize_session=False)
                ).rowcount
                == 1
            )

    def _release(self, booking_id: str, owner: str) -> None:
        with self.services.session_factory.begin() as session:
            session.execute(
                update(Booking)
                .where(Booking.id == booking_id, Booking.lease_owner == owner)
                .values(lease_owner=None, lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )
