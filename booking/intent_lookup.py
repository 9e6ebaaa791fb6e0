"""Asking Stripe what it holds for a booking, when Wayra's own records cannot say.

An authorization that timed out, or whose process crashed before recording the reply, may
or may not have created a PaymentIntent, and Wayra never learned its id. Stripe's own
answer (the same idempotency key returns the same intent) only lasts 24 hours and the
localstripe emulator ignores keys altogether, so the saga looks the intent up instead: every
intent it creates carries ``metadata.wayra_booking_id``, and every intent that can hold money
has a charge, which Stripe lists by customer on both the real API and the emulator (the
intent list cannot be filtered by customer on the emulator, and Stripe's search is only
eventually consistent).

``StripePayments`` wraps no listing calls, so this uses the SDK client underneath it
(``StripePayments.sdk_client``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import stripe

from booking.payments import PaymentError, StripePayments, from_stripe_amount

T = TypeVar("T")
BOOKING_METADATA_KEY = "wayra_booking_id"
PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class FoundIntent:
    payment_intent_id: str
    booking_id: str | None
    status: str
    amount_minor: int
    currency: str
    captured: bool
    refunded_minor: int


class IntentLookup:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    @classmethod
    def of(cls, payments: StripePayments) -> IntentLookup:
        return cls(payments.sdk_client)

    def find_booking_intents(self, customer_id: str, booking_id: str) -> list[FoundIntent]:
        """Every PaymentIntent of ``customer_id`` created for ``booking_id`` that reached a
        charge (a hold, a capture or a decline), oldest first."""
        seen: list[str] = []
        for charge in self._pages(
            lambda params: self._client.v1.charges.list(params={"customer": customer_id} | params)
        ):
            intent_id = _id_of(getattr(charge, "payment_intent", None))
            if intent_id and intent_id not in seen:
                seen.append(intent_id)
        found = [self.intent(intent_id) for intent_id in seen]
        return [i for i in found if i.booking_id == booking_id]

    def intent(self, payment_intent_id: str) -> FoundIntent:
        intent = _call(
            lambda: self._client.v1.payment_intents.retrieve(
                payment_intent_id, params={"expand": ["latest_charge"]}
            )
        )
        return self._found(intent)

    def all_intents(self) -> Iterator[FoundIntent]:
        """Every PaymentIntent in the account (audits: the chaos run's ground truth)."""
        for intent in self._pages(
            lambda params: self._client.v1.payment_intents.list(
                params={"expand": ["data.latest_charge"]} | params
            )
        ):
            yield self._found(intent)

    def _found(self, intent: Any) -> FoundIntent:
        currency = intent.currency.upper()
        charge = intent.latest_charge
        if isinstance(charge, str):  # not expanded (a server that ignores expand)
            charge = _call(lambda: self._client.v1.charges.retrieve(charge))
        metadata = intent.metadata.to_dict() if intent.metadata else {}
        refunded = getattr(charge, "amount_refunded", 0) if charge else 0
        return FoundIntent(
            payment_intent_id=intent.id,
            booking_id=metadata.get(BOOKING_METADATA_KEY),
            status=intent.status,
            amount_minor=from_stripe_amount(intent.amount, currency),
            currency=currency,
            captured=bool(charge and getattr(charge, "captured", False)),
            refunded_minor=from_stripe_amount(refunded or 0, currency),
        )

    def _pages(self, fetch: Callable[[dict[str, Any]], Any]) -> Iterator[Any]:
        """Every item of a Stripe list, page by page."""
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        while True:
            page = _call(lambda params=params: fetch(params))
            yield from page.data
            if not page.has_more or not page.data:
                return
            params = {"limit": PAGE_SIZE, "starting_after": page.data[-1].id}


def _id_of(reference: object) -> str | None:
    if reference is None or isinstance(reference, str):
        return reference
    return getattr(reference, "id", None)


def _call(request: Callable[[], T]) -> T:
    try:
        return request()
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        raise PaymentError(str(exc.user_message or exc), retryable=True, code=exc.code) from exc
    except stripe.StripeError as exc:
        raise PaymentError(str(exc.user_message or exc), retryable=False, code=exc.code) from exc
