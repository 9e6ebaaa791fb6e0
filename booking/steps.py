"""Running one saga step against the outside world, with the step log as Wayra's memory.

For each attempt: a ``started`` row is committed *before* the external call and the result
(with the step's own writes) is committed *after* it, each in its own transaction. So:

* a step whose latest attempt ``succeeded`` is a no-op: nothing is called again;
* a ``started`` row with no result means the process died mid-call: it is closed as
  interrupted and, like a timeout, counts as *ambiguous* (the call may have taken effect);
* before an ambiguous step is tried again, ``reconcile`` asks the far side what happened
  (Stripe by intent id or booking metadata); a step without ``reconcile`` relies on the far
  side deduplicating the idempotency key, which every attempt of a step shares
  (``f"{booking_id}:{step}"``).

Log timestamps are the wall clock (when things really happened); ``now`` passed to the saga
is business time (market prices, leases, expiry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from booking.payments import PaymentDeclined, PaymentError
from booking.services import Checkpoint
from booking.states import idempotency_key
from wayra.opstore.booking_models import BookingStep
from wayra.opstore.models import utcnow
from wayra.providers.base import ProviderError

MAX_ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class StepOutcome:
    succeeded: bool
    external_ref: str | None = None
    error: str | None = None
    # A failure that may or may not have taken effect at the far side.
    retryable: bool = False
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def ok(cls, external_ref: str | None = None, **detail: Any) -> StepOutcome:
        return cls(True, external_ref, detail=detail)

    @classmethod
    def failed(
        cls, error: str, *, retryable: bool = False, external_ref: str | None = None, **detail: Any
    ) -> StepOutcome:
        return cls(False, external_ref, error[:MAX_ERROR_LENGTH], retryable, detail)

    @classmethod
    def of_row(cls, row: BookingStep) -> StepOutcome:
        return cls(
            row.status == "succeeded", row.external_ref, row.error, row.retryable, row.detail
        )


# The step's own writes, in the transaction that records its result.
Apply = Callable[[Session, StepOutcome], None]
Call = Callable[[str], StepOutcome]
# What the far side did on an ambiguous attempt; None: nothing, calling again is safe.
Reconcile = Callable[[], StepOutcome | None]


def _is_ambiguous(row: BookingStep) -> bool:
    return row.status == "started" or (row.status == "failed" and row.retryable)


class StepRunner:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        checkpoint: Checkpoint,
        max_attempts: int,
    ) -> None:
        self._sessions = session_factory
        self._checkpoint = checkpoint
        self.max_attempts = max_attempts

    def last(self, booking_id: str, step: str) -> BookingStep | None:
        """The step's latest attempt: what Wayra knows about it."""
        with self._sessions() as session:
            return session.scalar(
                select(BookingStep)
                .where(BookingStep.booking_id == booking_id, BookingStep.step == step)
                .order_by(BookingStep.attempt.desc())
                .limit(1)
            )

    def is_ambiguous(self, booking_id: str, step: str) -> bool:
        last = self.last(booking_id, step)
        return last is not None and _is_ambiguous(last)

    def run(
        self,
        booking_id: str,
        step: str,
        *,
        call: Call,
        apply: Apply,
        reconcile: Reconcile | None = None,
        more_attempts: int | None = None,
        persistent: bool = False,
    ) -> StepOutcome:
        """The step's outcome: recorded, reconciled, or from new attempts: up to the
        runner's ``max_attempts`` in all (counting earlier runs), or ``more_attempts`` beyond
        those already made (compensation resolving a step forward gave up on; 0 = reconcile
        only). A retryable failure is returned when attempts run out (``detail.gave_up``) or
        reconciliation itself could not get an answer. A ``persistent`` step (undoing
        something) is never settled by a failure: every run tries it again."""
        last = self.last(booking_id, step)
        if last is not None and last.status == "started":
            last = self._close_interrupted(last.id, apply)
        settled = last is not None and (
            last.status == "succeeded" or (not persistent and not _is_ambiguous(last))
        )
        if settled:
            return StepOutcome.of_row(last)  # settled before: Wayra's record makes it a no-op
        attempt = last.attempt if last is not None else 0
        ambiguous = last is not None
        limit = self.max_attempts if more_attempts is None else attempt + more_attempts
        last_error = last.error if last is not None else None
        while True:
            if ambiguous and reconcile is not None:
                try:
                    found = reconcile()
                except (PaymentError, ProviderError) as exc:
                    return StepOutcome.failed(f"could not reconcile: {exc}", retryable=True)
                if found is not None:
                    attempt += 1
                    return self._record_reconciled(booking_id, step, attempt, found, apply)
            if attempt >= limit:
                return StepOutcome.failed(
                    f"gave up after {attempt} attempt(s): {last_error}",
                    retryable=True,
                    gave_up=True,
                )
            attempt += 1
            outcome = self._attempt(booking_id, step, attempt, call, apply)
            if outcome.succeeded or (not outcome.retryable and not persistent):
                return outcome
            ambiguous, last_error = True, outcome.error

    def _attempt(
        self, booking_id: str, step: str, attempt: int, call: Call, apply: Apply
    ) -> StepOutcome:
        key = idempotency_key(booking_id, step)
        with self._sessions.begin() as session:
            row = BookingStep(
                booking_id=booking_id,
                step=step,
                attempt=attempt,
                idempotency_key=key,
                status="started",
                retryable=False,
                detail={},
                started_at=utcnow(),
            )
            session.add(row)
            session.flush()
            row_id = row.id
        self._checkpoint(booking_id, step, "before_call")
        try:
            outcome = call(key)
        except PaymentDeclined as exc:
            outcome = StepOutcome.failed(
                f"declined: {exc.message}",
                external_ref=exc.payment_intent_id,
                declined=True,
                code=exc.code,
                decline_code=exc.decline_code,
            )
        except (PaymentError, ProviderError) as exc:
            outcome = StepOutcome.failed(str(exc), retryable=exc.retryable)
        self._checkpoint(booking_id, step, "after_call")
        with self._sessions.begin() as session:
            row = session.get_one(BookingStep, row_id)
            _finish(row, outcome)
            apply(session, outcome)
        self._checkpoint(booking_id, step, "after_record")
        return outcome

    def _record_reconciled(
        self, booking_id: str, step: str, attempt: int, outcome: StepOutcome, apply: Apply
    ) -> StepOutcome:
        """What reconciliation found, as an attempt of its own (no call was made)."""
        outcome = StepOutcome(
            outcome.succeeded,
            outcome.external_ref,
            outcome.error,
            outcome.retryable,
            {"reconciled": True} | outcome.detail,
        )
        with self._sessions.begin() as session:
            row = BookingStep(
                booking_id=booking_id,
                step=step,
                attempt=attempt,
                idempotency_key=idempotency_key(booking_id, step),
                status="started",
                retryable=False,
                detail={},
                started_at=utcnow(),
            )
            session.add(row)
            _finish(row, outcome)
            apply(session, outcome)
        self._checkpoint(booking_id, step, "after_record")
        return outcome

    def _close_interrupted(self, row_id: int, apply: Apply) -> BookingStep:
        """Record that the process died mid-call: an ambiguous failure, applied like one (a
        leg becomes ``unknown``), so nothing reads it as "never tried"."""
        with self._sessions.begin() as session:
            row = session.get_one(BookingStep, row_id)
            if row.status == "started":
                interrupted = StepOutcome.failed(
                    "interrupted before its result was recorded", retryable=True
                )
                _finish(row, interrupted)
                apply(session, interrupted)
            return row


def _finish(row: BookingStep, outcome: StepOutcome) -> None:
    row.status = "succeeded" if outcome.succeeded else "failed"
    row.external_ref = outcome.external_ref
    row.error = outcome.error
    row.retryable = outcome.retryable
    row.detail = dict(outcome.detail)
    row.finished_at = utcnow()
