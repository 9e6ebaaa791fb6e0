"""Fault injection for the booking saga: failing providers and Stripe, and crashes.

Wrappers around real providers and the real Stripe adapter inject, at seeded random:

* errors before the call reaches the far side (HTTP 503, connection refused): retryable;
* refusals (a 4xx): not retryable;
* timeouts *after* the far side acted: the booking or charge happened, the answer is lost;
* sold-out answers from a provider, and card declines from Stripe;

and the saga's checkpoint hook raises :class:`SimulatedCrash` at step boundaries. It is a
``BaseException``, so no ``except Exception`` in the saga can swallow it: like a killed
process, whatever was committed stays and everything else is gone.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from booking.payments import PaymentDeclined, PaymentError
from booking.states import BookingState
from wayra.providers.base import BookingResult, CancelResult, ProviderError, RepriceResult


class SimulatedCrash(BaseException):
    """The process died here."""


POINTS = ("before_call", "after_call", "after_record")
_STEPS = (
    "authorize_payment",
    "book_outbound",
    "book_inbound",
    "book_hotel",
    "capture_payment",
    "cancel_hotel",
    "cancel_inbound",
    "cancel_outbound",
    "void_payment",
    "refund_payment",
)
# Every boundary a one-stay booking can cross: around each external call, and after each
# committed state change (the initial state is committed by the approval itself).
STEP_BOUNDARIES: tuple[tuple[str, str], ...] = (
    *((step, point) for step in _STEPS for point in POINTS),
    *(
        (f"enter_{state.value}", "after_transition")
        for state in BookingState
        if state is not BookingState.VALIDATED
    ),
)


@dataclass(frozen=True)
class FaultRates:
    provider_error: float = 0.04
    provider_refusal: float = 0.01
    provider_timeout: float = 0.04
    sold_out: float = 0.03
    reprice_sold_out: float = 0.01
    payment_error: float = 0.03
    payment_timeout: float = 0.03
    decline: float = 0.03
    # Chance of a crash at each step boundary a booking passes (at most max_crashes each).
    crash: float = 0.03
    max_crashes: int = 2

    @classmethod
    def none(cls) -> FaultRates:
        return cls(**{f.name: 0 for f in fields(cls)})


@dataclass
class FaultInjector:
    rng: random.Random
    rates: FaultRates
    enabled: bool = True
    crashes_left: int = 0
    # (step, point) -> how often reached / crashed at, for the run's coverage report.
    reached: Counter[tuple[str, str]] = field(default_factory=Counter)
    crashed: Counter[tuple[str, str]] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    # Boundaries that must crash the next time they are reached (deterministic tests).
    crash_at: set[tuple[str, str]] = field(default_factory=set)

    def new_episode(self) -> None:
        """A new booking: its own allowance of crashes."""
        self.crashes_left = self.rates.max_crashes

    def fires(self, fault: str) -> bool:
        if not self.enabled or self.rng.random() >= getattr(self.rates, fault):
            return False
        self.injected[fault] += 1
        return True

    def checkpoint(self, booking_id: str, step: str, point: str) -> None:
        boundary = (step, point)
        self.reached[boundary] += 1
        if boundary in self.crash_at:
            self.crash_at.discard(boundary)
        elif not (self.enabled and self.crashes_left > 0 and self.rng.random() < self.rates.crash):
            return
        self.crashes_left -= 1
        self.crashed[boundary] += 1
        raise SimulatedCrash(f"crash at {step}/{point} of booking {booking_id}")


class FaultyProvider:
    """A provider whose booking calls fail as the injector decides; searches pass through."""

    def __init__(self, inner: Any, faults: FaultInjector) -> None:
        self.inner = inner
        self.faults = faults
        self.name = inner.name
        # Keys the provider has seen: it answers those from its idempotency record, so a
        # refusal or "sold out" can only come the first time (a provider that booked a key
        # does not later say the same key is sold out).
        self._keys_seen: set[str] = set()

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)

    def reprice(self, offer_id: str, at: dt.datetime) -> RepriceResult:
        if self.faults.fires("reprice_sold_out"):
            return RepriceResult(offer_id, at, False, reason="sold_out")
        return self.inner.reprice(offer_id, at)

    def book(self, offer_id: str, at: dt.datetime, idempotency_key: str) -> BookingResult:
        first_time = idempotency_key not in self._keys_seen
        self._fail_before("book", refusal=first_time)
        if first_time and self.faults.fires("sold_out"):
            return BookingResult(idempotency_key, offer_id, at, False, reason="sold_out")
        self._keys_seen.add(idempotency_key)
        result = self.inner.book(offer_id, at, idempotency_key)
        self._lose_answer("book")
        return result

    def cancel(self, booking_ref: str, at: dt.datetime) -> CancelResult:
        self._fail_before("cancel")
        result = self.inner.cancel(booking_ref, at)
        self._lose_answer("cancel")
        return result

    def _fail_before(self, call: str, *, refusal: bool = True) -> None:
        if self.faults.fires("provider_error"):
            raise ProviderError(f"injected: {self.name} {call}: HTTP 503", retryable=True)
        if refusal and self.faults.fires("provider_refusal"):
            raise ProviderError(f"injected: {self.name} {call}: HTTP 400", retryable=False)

    def _lose_answer(self, call: str) -> None:
        if self.faults.fires("provider_timeout"):
            raise ProviderError(f"injected: {self.name} {call}: timed out", retryable=True)


class FaultyPayments:
    """``StripePayments`` whose saga calls fail as the injector decides (the rest, such as
    saving a card, pass through)."""

    def __init__(self, inner: Any, faults: FaultInjector) -> None:
        self.inner = inner
        self.faults = faults

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)

    def authorize(self, *args: Any, **kwargs: Any):
        self._fail_before("authorize")
        if self.faults.fires("decline"):
            raise PaymentDeclined("card_declined", "injected: your card was declined")
        return self._lose_answer("authorize", self.inner.authorize(*args, **kwargs))

    def capture(self, *args: Any, **kwargs: Any):
        self._fail_before("capture")
        return self._lose_answer("capture", self.inner.capture(*args, **kwargs))

    def cancel(self, *args: Any, **kwargs: Any):
        self._fail_before("cancel")
        return self._lose_answer("cancel", self.inner.cancel(*args, **kwargs))

    def refund(self, *args: Any, **kwargs: Any):
        self._fail_before("refund")
        return self._lose_answer("refund", self.inner.refund(*args, **kwargs))

    def retrieve(self, payment_intent_id: str):
        self._fail_before("retrieve")
        return self.inner.retrieve(payment_intent_id)

    def _fail_before(self, call: str) -> None:
        if self.faults.fires("payment_error"):
            raise PaymentError(f"injected: Stripe {call}: connection reset", retryable=True)

    def _lose_answer(self, call: str, result: Any) -> Any:
        if self.faults.fires("payment_timeout"):
            raise PaymentError(f"injected: Stripe {call}: timed out", retryable=True)
        return result


def faulty_providers(providers: Mapping[str, Any], faults: FaultInjector) -> dict[str, Any]:
    return {name: FaultyProvider(provider, faults) for name, provider in providers.items()}
