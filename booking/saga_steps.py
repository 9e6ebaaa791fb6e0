"""The saga's steps: each external call with its reconciliation and the writes that record
it, plus the state transitions between them. ``booking.saga`` decides which step comes next;
this module only knows how to perform one.

Reconciliation per step: authorize looks the booking's intent up at Stripe by metadata
(``booking.intent_lookup``); capture and void ask Stripe for the intent's status; refund
compares the charge's refunded amount with Wayra's record; booking a leg repeats the call
with the same idempotency key (the provider answers with the first result; the simulator's
ledger deduplicates by key); cancelling a leg is idempotent at the provider.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from booking.intent_lookup import BOOKING_METADATA_KEY
from booking.services import BookingServices
from booking.states import BookingState, Step, check_transition
from booking.steps import StepOutcome, StepRunner
from wayra.opstore.booking_models import (
    Booking,
    BookingDecision,
    BookingLeg,
    BookingNotification,
    BookingPayment,
)
from wayra.opstore.models import utcnow
from wayra.providers.base import ProviderError

# PaymentIntent statuses in which Stripe may still take money; cancelling releases them.
VOIDABLE = frozenset({"requires_capture", "requires_confirmation", "requires_action"})
BPS = 10_000


@dataclass(frozen=True, slots=True)
class BookingView:
    """A booking with its legs (by position) and payment, read in one go."""

    booking: Booking
    legs: tuple[BookingLeg, ...]
    payment: BookingPayment

    @property
    def id(self) -> str:
        return self.booking.id

    @property
    def state(self) -> BookingState:
        return BookingState(self.booking.state)


class SagaSteps:
    def __init__(self, services: BookingServices) -> None:
        self.services = services
        self.runner = StepRunner(
            services.session_factory, services.checkpoint, services.max_attempts
        )

    # --- reading and moving state --------------------------------------------------------
    def load(self, booking_id: str) -> BookingView:
        with self.services.session_factory() as session:
            booking = session.get_one(Booking, booking_id)
            legs = session.scalars(
                select(BookingLeg)
                .where(BookingLeg.booking_id == booking_id)
                .order_by(BookingLeg.position)
            ).all()
            payment = session.get_one(BookingPayment, booking_id)
            return BookingView(booking, tuple(legs), payment)

    def transition(
        self,
        booking_id: str,
        current: BookingState,
        target: BookingState,
        now: dt.datetime,
        *,
        decision: BookingDecision | None = None,
        notification: BookingNotification | None = None,
        **values: Any,
    ) -> bool:
        """Compare-and-set the state (with the decision and outbox rows that go with it, in
        the same transaction); False when another runner moved it first."""
        check_transition(current, target)
        with self.services.session_factory.begin() as session:
            changed = session.execute(
                update(Booking)
                .where(Booking.id == booking_id, Booking.state == current.value)
                .values(state=target.value, updated_at=now, **values)
                .execution_options(synchronize_session=False)
            ).rowcount
            if changed == 1:
                session.add_all([row for row in (decision, notification) if row is not None])
        self.services.checkpoint(booking_id, f"enter_{target.value}", "after_transition")
        return changed == 1

    # --- payment ---------------------------------------------------------------------------
    def authorize(self, view: BookingView, *, more_attempts: int | None = None) -> StepOutcome:
        payment = view.payment

        def call(key: str) -> StepOutcome:
            held = self.services.payments.authorize(
                payment.amount_minor,
                payment.currency,
                payment.stripe_customer_id,
                payment.payment_method_id,
                key,
                metadata={
                    BOOKING_METADATA_KEY: view.id,
                    "wayra_idempotency_key": key,
                    "fx_rate_date": payment.fx_rate_date.isoformat(),
                },
            )
            if held.status != "requires_capture":
                return StepOutcome.failed(
                    f"authorization ended {held.status}", external_ref=held.payment_intent_id
                )
            if (held.amount_minor, held.currency) != (payment.amount_minor, payment.currency):
                return StepOutcome.failed(
                    f"Stripe holds {held.amount_minor} {held.currency}, expected "
                    f"{payment.amount_minor} {payment.currency}",
                    external_ref=held.payment_intent_id,
                )
            return StepOutcome.ok(held.payment_intent_id, status=held.status)

        def reconcile() -> StepOutcome | None:
            found = self.services.intents.find_booking_intents(payment.stripe_customer_id, view.id)
            held = [i for i in found if i.status in VOIDABLE or i.status == "succeeded"]
            if not held:
                return None
            for duplicate in held[1:]:  # never two holds for one booking
                self.services.payments.cancel(
                    duplicate.payment_intent_id,
                    f"{view.id}:void_duplicate:{duplicate.payment_intent_id}",
                )
            return StepOutcome.ok(held[0].payment_intent_id, status=held[0].status)

        def apply(session: Session, outcome: StepOutcome) -> None:
            row = session.get_one(BookingPayment, view.id)
            # Any intent Stripe named is kept, so compensation can release it.
            row.payment_intent_id = outcome.external_ref or row.payment_intent_id
            if outcome.succeeded:
                row.status = "authorized"
            elif outcome.detail.get("declined"):
                row.status = "declined"
            row.updated_at = utcnow()

        return self.runner.run(
            view.id,
            Step.AUTHORIZE_PAYMENT,
            call=call,
            apply=apply,
            reconcile=reconcile,
            more_attempts=more_attempts,
        )

    def capture(self, view: BookingView) -> StepOutcome:
        intent_id = view.payment.payment_intent_id
        assert intent_id is not None, "capture before authorization"

        def call(key: str) -> StepOutcome:
            captured = self.services.payments.capture(intent_id, key)
            if captured.status != "succeeded":
                return StepOutcome.failed(f"capture left the intent {captured.status}")
            return StepOutcome.ok(intent_id, status=captured.status)

        def reconcile() -> StepOutcome | None:
            status = self.services.payments.retrieve(intent_id).status
            if status == "succeeded":
                return StepOutcome.ok(intent_id, status=status)
            if status == "requires_capture":
                return None
            return StepOutcome.failed(f"the intent is {status}; nothing to capture")

        def apply(session: Session, outcome: StepOutcome) -> None:
            if outcome.succeeded:
                row = session.get_one(BookingPayment, view.id)
                row.status, row.captured_minor = "captured", row.amount_minor
                row.updated_at = utcnow()

        return self.runner.run(
            view.id, Step.CAPTURE_PAYMENT, call=call, apply=apply, reconcile=reconcile
        )

    def void(self, view: BookingView) -> StepOutcome:
        intent_id = view.payment.payment_intent_id
        assert intent_id is not None

        def call(key: str) -> StepOutcome:
            released = self.services.payments.cancel(intent_id, key)
            return StepOutcome.ok(intent_id, status=released.status)

        def reconcile() -> StepOutcome | None:
            status = self.services.payments.retrieve(intent_id).status
            return None if status in VOIDABLE else StepOutcome.ok(intent_id, status=status)

        def apply(session: Session, outcome: StepOutcome) -> None:
            if outcome.succeeded:
                row = session.get_one(BookingPayment, view.id)
                row.status, row.updated_at = "voided", utcnow()

        return self.runner.run(
            view.id,
            Step.VOID_PAYMENT,
            call=call,
            apply=apply,
            persistent=True,
            reconcile=reconcile,
            more_attempts=self.services.max_attempts,
        )

    def refund(self, view: BookingView, amount_minor: int, captured_minor: int) -> StepOutcome:
        """Refund ``amount_minor`` of a capture of ``captured_minor`` (both Wayra minor units)."""
        intent_id = view.payment.payment_intent_id
        assert intent_id is not None and amount_minor > 0
        refunded_after = view.payment.refunded_minor + amount_minor

        def call(key: str) -> StepOutcome:
            refund = self.services.payments.refund(intent_id, key, amount_minor)
            return StepOutcome.ok(refund.refund_id, amount_minor=refund.amount_minor)

        def reconcile() -> StepOutcome | None:
            at_stripe = self.services.intents.intent(intent_id).refunded_minor
            if at_stripe >= refunded_after:
                return StepOutcome.ok(None, amount_minor=amount_minor)
            return None

        def apply(session: Session, outcome: StepOutcome) -> None:
            if outcome.succeeded:
                row = session.get_one(BookingPayment, view.id)
                row.captured_minor = captured_minor
                row.refunded_minor = refunded_after
                full = refunded_after >= captured_minor
                row.status = "refunded" if full else "partially_refunded"
                row.updated_at = utcnow()

        return self.runner.run(
            view.id,
            Step.REFUND_PAYMENT,
            call=call,
            apply=apply,
            persistent=True,
            reconcile=reconcile,
            more_attempts=self.services.max_attempts,
        )

    # --- legs ------------------------------------------------------------------------------
    def book_leg(
        self, view: BookingView, leg: BookingLeg, now: dt.datetime, *, more_attempts=None
    ) -> StepOutcome:
        provider = self.services.providers.get(leg.provider)

        def call(key: str) -> StepOutcome:
            if provider is None:
                raise ProviderError(f"{leg.provider} is not connected", retryable=False)
            result = provider.book(leg.offer_id, now, key)
            if not result.success or result.booking_ref is None:
                return StepOutcome.failed(f"{leg.kind}: {result.reason or 'not booked'}")
            return StepOutcome.ok(
                result.booking_ref, booked_minor=result.total_minor, currency=result.currency
            )

        def apply(session: Session, outcome: StepOutcome) -> None:
            row = session.get_one(BookingLeg, leg.id)
            if outcome.succeeded:
                row.status, row.booking_ref = "booked", outcome.external_ref
                row.booked_minor, row.booked_at = outcome.detail.get("booked_minor"), now
                if outcome.detail.get("currency") not in (None, row.provider_currency):
                    row.details = row.details | {"booked_currency": outcome.detail["currency"]}
            else:
                row.status = "unknown" if outcome.retryable else "failed"

        return self.runner.run(
            view.id, leg.step, call=call, apply=apply, more_attempts=more_attempts
        )

    def cancel_leg(self, view: BookingView, leg: BookingLeg, now: dt.datetime) -> StepOutcome:
        provider = self.services.providers.get(leg.provider)
        booking_ref = leg.booking_ref
        assert booking_ref is not None

        # Persistent: a refused cancellation is retried on every pass (and shows in the step
        # log for support); giving up would leave a leg booked that nobody pays for.
        def call(key: str) -> StepOutcome:
            if provider is None:
                raise ProviderError(f"{leg.provider} is not connected", retryable=True)
            result = provider.cancel(booking_ref, now)
            # "unknown_booking": the provider holds nothing under that reference.
            if result.success or result.status == "unknown_booking":
                return StepOutcome.ok(booking_ref, status=result.status)
            return StepOutcome.failed(
                f"{leg.kind}: cancel refused: {result.reason or result.status}", retryable=True
            )

        def apply(session: Session, outcome: StepOutcome) -> None:
            if outcome.succeeded:
                row = session.get_one(BookingLeg, leg.id)
                row.status, row.cancelled_at = "cancelled", now

        return self.runner.run(
            view.id,
            leg.step.replace("book_", "cancel_", 1),
            call=call,
            apply=apply,
            persistent=True,
            more_attempts=self.services.max_attempts,
        )

    @staticmethod
    def price_held(leg: BookingLeg, tolerance_bps: int) -> bool:
        """Whether the provider booked the leg within tolerance of the validated price."""
        if leg.booked_minor is None:
            return True  # the provider did not state a price: the validated one stands
        if "booked_currency" in leg.details:
            return False  # billed in another currency than the one validated
        return leg.booked_minor * BPS <= leg.validated_minor * (BPS + tolerance_bps)
