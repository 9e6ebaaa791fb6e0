"""What the booking flow talks to, bundled once: the store, Stripe, the providers, and the
hook that lets fault-injection runs crash the process at every step boundary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from booking.intent_lookup import IntentLookup
from booking.payments import Authorization, RefundResult, SavedMethod

if TYPE_CHECKING:
    from booking.payments import StripePayments
    from wayra.providers.base import BookingResult, CancelResult, RepriceResult

# Called with (booking_id, step, point) where point is "before_call", "after_call",
# "after_record" or "after_transition"; fault injection raises there to simulate a crash.
Checkpoint = Callable[[str, str, str], None]

# How long a saga runner holds a booking before the recovery worker may take it over. It must
# outlast one run's external calls (the Stripe SDK alone may take 80 s per call with its
# retries): a runner still working when its lease lapses could race the worker.
DEFAULT_LEASE = dt.timedelta(minutes=5)
# Attempts of one forward step (across crashes) before the booking is compensated.
DEFAULT_MAX_ATTEMPTS = 3


def no_checkpoint(booking_id: str, step: str, point: str) -> None:
    return None


class PaymentGateway(Protocol):
    """The calls of ``booking.payments.StripePayments`` the booking flow makes."""

    def ensure_customer(self, user_id: str, email: str, idempotency_key: str) -> str: ...

    def save_payment_method(
        self, customer_id: str, payment_method: str, idempotency_key: str
    ) -> SavedMethod: ...

    def authorize(
        self,
        amount_minor: int,
        currency: str,
        customer_id: str,
        payment_method_id: str,
        idempotency_key: str,
        metadata: Mapping[str, str] | None = None,
    ) -> Authorization: ...

    def capture(self, payment_intent_id: str, idempotency_key: str) -> Authorization: ...

    def cancel(self, payment_intent_id: str, idempotency_key: str) -> Authorization: ...

    def refund(
        self, payment_intent_id: str, idempotency_key: str, amount_minor: int | None = None
    ) -> RefundResult: ...

    def retrieve(self, payment_intent_id: str) -> Authorization: ...


class BookingProvider(Protocol):
    """The booking half of ``wayra.providers.base.FlightProvider``/``HotelProvider``."""

    name: str

    def reprice(self, offer_id: str, at: dt.datetime) -> RepriceResult: ...

    def book(self, offer_id: str, at: dt.datetime, idempotency_key: str) -> BookingResult: ...

    def cancel(self, booking_ref: str, at: dt.datetime) -> CancelResult: ...


@dataclass
class BookingServices:
    session_factory: sessionmaker[Session]
    payments: PaymentGateway
    intents: IntentLookup
    providers: Mapping[str, BookingProvider]
    checkpoint: Checkpoint = no_checkpoint
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    lease: dt.timedelta = DEFAULT_LEASE

    @classmethod
    def build(
        cls,
        session_factory: sessionmaker[Session],
        payments: StripePayments,
        providers: Mapping[str, BookingProvider],
        **options: Any,
    ) -> BookingServices:
        return cls(session_factory, payments, IntentLookup.of(payments), providers, **options)
