"""Stripe, as the booking saga needs it: customers, saved cards, authorize-then-capture.

A package is paid in two steps: ``authorize`` places a hold for the whole total (a
PaymentIntent with ``capture_method="manual"``) before any flight or hotel is booked;
``capture`` takes the money once every leg is confirmed, ``cancel`` releases the hold when
something fails, and ``refund`` returns money after capture (whole or in part).

Only Stripe ids, statuses and amounts come back, never card data: cards are tokenised into
PaymentMethods by Stripe.js before Wayra sees them. Every mutating call sends the caller's
idempotency key; the saga still keeps its own records, because a key only deduplicates for
24 hours at Stripe (and not at all in the localstripe emulator the tests use).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import stripe

from booking.payments.amounts import from_stripe_amount, stripe_currency, to_stripe_amount

if TYPE_CHECKING:
    from wayra.settings import Settings

T = TypeVar("T")

# Stripe rejects longer keys.
MAX_IDEMPOTENCY_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class SavedMethod:
    setup_intent_id: str
    payment_method_id: str
    # "succeeded"; "requires_action" when the bank wants 3-D Secure from the traveler first.
    status: str


@dataclass(frozen=True, slots=True)
class Authorization:
    payment_intent_id: str
    # PaymentIntent status: "requires_capture" (held), "succeeded" (captured), "canceled", ...
    status: str
    amount_minor: int
    currency: str
    # Captured so far (Stripe's `amount_received`); None when the server omits the field,
    # which the localstripe emulator always does.
    amount_received_minor: int | None


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_id: str
    amount_minor: int
    currency: str
    status: str


class PaymentError(Exception):
    """Stripe refused or could not be reached. ``retryable``: the same call, with the same
    idempotency key, may succeed later (network trouble, rate limits, Stripe-side errors)."""

    def __init__(self, message: str, *, retryable: bool, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.code = code


class PaymentDeclined(PaymentError):
    """The card was declined (or needs the traveler present to authenticate). Never retryable
    as is: the traveler has to pick another card or come back on-session."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        decline_code: str | None = None,
        payment_intent_id: str | None = None,
    ) -> None:
        super().__init__(message, retryable=False, code=code)
        self.decline_code = decline_code
        # Stripe creates the PaymentIntent before the decline; the saga records it.
        self.payment_intent_id = payment_intent_id


class StripePayments:
    def __init__(
        self,
        api_key: str,
        api_base: str = "https://api.stripe.com",
        *,
        http_client: stripe.HTTPClient | None = None,
        max_network_retries: int = 2,
    ) -> None:
        # A client of our own rather than the module-level `stripe.api_key`, so two
        # configurations (the tests' emulator, production) never leak into each other.
        # Network retries are safe because every POST carries an idempotency key.
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base},
            http_client=http_client,
            max_network_retries=max_network_retries,
        )

    @property
    def sdk_client(self) -> stripe.StripeClient:
        """The SDK client underneath (same key, base URL and HTTP client), for the read-only
        listing calls this adapter does not wrap (``booking.intent_lookup``)."""
        return self._client

    @classmethod
    def from_settings(cls, settings: Settings) -> StripePayments:
        if settings.stripe_api_key is None:
            raise RuntimeError("WAYRA_STRIPE_API_KEY is not set; payments are unavailable")
        return cls(settings.stripe_api_key.get_secret_value(), settings.stripe_api_base)

    def ensure_customer(self, user_id: str, email: str, idempotency_key: str) -> str:
        """The Stripe customer id of a Wayra user, created on first use."""
        options = _with_key(idempotency_key)
        # Look before creating: Stripe's idempotency window is 24 h, so a retry after a crash
        # days later would otherwise create a second customer for the same user.
        for customer in self._call(
            lambda: self._client.v1.customers.list(params={"email": email, "limit": 100})
        ).data:
            if customer.metadata.to_dict().get("wayra_user_id") == user_id:
                return customer.id
        customer = self._call(
            lambda: self._client.v1.customers.create(
                params={"email": email, "metadata": {"wayra_user_id": user_id}},
                options=options,
            )
        )
        return customer.id

    def save_payment_method(
        self, customer_id: str, payment_method: str, idempotency_key: str
    ) -> SavedMethod:
        """Attach a Stripe.js PaymentMethod to the customer for later off-session charges."""
        # Create, then confirm, as two requests: Stripe would take both in one, but
        # localstripe's create accepts no payment_method. Each request gets its own key,
        # derived from the caller's: Stripe rejects a key reused with other parameters.
        create_options = _with_key(idempotency_key, step="create")
        confirm_options = _with_key(idempotency_key, step="confirm")
        setup = self._call(
            lambda: self._client.v1.setup_intents.create(
                params={
                    "customer": customer_id,
                    "usage": "off_session",
                    "payment_method_types": ["card"],
                },
                options=create_options,
            )
        )
        setup = self._call(
            lambda: self._client.v1.setup_intents.confirm(
                setup.id,
                params={"payment_method": payment_method},
                options=confirm_options,
            )
        )
        payment_method_id = _id_of(setup.payment_method)
        if payment_method_id is None:
            raise PaymentError(
                f"SetupIntent {setup.id} ended without a payment method", retryable=False
            )
        return SavedMethod(setup.id, payment_method_id, setup.status)

    def authorize(
        self,
        amount_minor: int,
        currency: str,
        customer_id: str,
        payment_method_id: str,
        idempotency_key: str,
        metadata: Mapping[str, str] | None = None,
        *,
        off_session: bool = True,
    ) -> Authorization:
        """Hold ``amount_minor`` on the saved card; nothing is charged until ``capture``.

        ``off_session`` (the default) for bookings Wayra makes while the traveler is away; a
        card that then needs authentication is declined with code ``authentication_required``.
        """
        if amount_minor <= 0:
            raise ValueError(f"an authorization must be positive, got {amount_minor}")
        options = _with_key(idempotency_key)
        params: dict[str, Any] = {
            "amount": to_stripe_amount(amount_minor, currency),
            "currency": stripe_currency(currency),
            "customer": customer_id,
            "payment_method": payment_method_id,
            "capture_method": "manual",
            "confirm": True,
            # Explicit, so confirming needs no return_url for redirect-based methods.
            "payment_method_types": ["card"],
            "metadata": dict(metadata or {}),
        }
        if off_session:
            params["off_session"] = True
        intent = self._call(
            lambda: self._client.v1.payment_intents.create(params=params, options=options)
        )
        return _authorization(intent)

    def capture(
        self, payment_intent_id: str, idempotency_key: str, amount_minor: int | None = None
    ) -> Authorization:
        """Take the held money: all of it, or ``amount_minor`` (the rest is released)."""
        options = _with_key(idempotency_key)
        params: dict[str, Any] = {}
        if amount_minor is not None:
            params["amount_to_capture"] = self._stripe_amount_for(payment_intent_id, amount_minor)
        intent = self._call(
            lambda: self._client.v1.payment_intents.capture(
                payment_intent_id, params=params, options=options
            )
        )
        return _authorization(intent)

    def cancel(self, payment_intent_id: str, idempotency_key: str) -> Authorization:
        """Release an uncaptured hold (void the authorization)."""
        options = _with_key(idempotency_key)
        intent = self._call(
            lambda: self._client.v1.payment_intents.cancel(payment_intent_id, options=options)
        )
        return _authorization(intent)

    def refund(
        self, payment_intent_id: str, idempotency_key: str, amount_minor: int | None = None
    ) -> RefundResult:
        """Return captured money: what is left of it, or ``amount_minor``."""
        options = _with_key(idempotency_key)
        params: dict[str, Any] = {"payment_intent": payment_intent_id}
        if amount_minor is not None:
            params["amount"] = self._stripe_amount_for(payment_intent_id, amount_minor)
        refund = self._call(lambda: self._client.v1.refunds.create(params=params, options=options))
        return RefundResult(
            refund.id,
            from_stripe_amount(refund.amount, refund.currency),
            refund.currency.upper(),
            refund.status,
        )

    def retrieve(self, payment_intent_id: str) -> Authorization:
        """What Stripe holds for a PaymentIntent now (reconciliation after a crash)."""
        return _authorization(
            self._call(lambda: self._client.v1.payment_intents.retrieve(payment_intent_id))
        )

    def _stripe_amount_for(self, payment_intent_id: str, amount_minor: int) -> int:
        # The caller speaks Wayra minor units; converting needs the intent's currency.
        if amount_minor <= 0:
            raise ValueError(f"a partial amount must be positive, got {amount_minor}")
        return to_stripe_amount(amount_minor, self.retrieve(payment_intent_id).currency)

    @staticmethod
    def _call(request: Callable[[], T]) -> T:
        with _as_payment_errors():
            return request()


def _with_key(idempotency_key: str, step: str | None = None) -> stripe.RequestOptions:
    """Request options carrying the caller's key, or for one ``step`` of a multi-request
    operation a key derived from it."""
    key = f"{idempotency_key}:{step}" if idempotency_key and step else idempotency_key
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValueError(
            f"idempotency keys are 1..{MAX_IDEMPOTENCY_KEY_LENGTH} characters: {key!r}"
        )
    return {"idempotency_key": key}


def _authorization(intent: stripe.PaymentIntent) -> Authorization:
    currency = intent.currency.upper()
    received = getattr(intent, "amount_received", None)
    return Authorization(
        payment_intent_id=intent.id,
        status=intent.status,
        amount_minor=from_stripe_amount(intent.amount, currency),
        currency=currency,
        amount_received_minor=None if received is None else from_stripe_amount(received, currency),
    )


def _id_of(reference: object) -> str | None:
    """Stripe returns a related object as its id, or expanded as the object itself."""
    if reference is None or isinstance(reference, str):
        return reference
    return getattr(reference, "id", None)


@contextmanager
def _as_payment_errors() -> Iterator[None]:
    try:
        yield
    except stripe.CardError as exc:
        error = exc.error
        raise PaymentDeclined(
            exc.code or "card_declined",
            exc.user_message or "card declined",
            decline_code=getattr(error, "decline_code", None),
            payment_intent_id=_id_of(getattr(error, "payment_intent", None)),
        ) from exc
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        # The SDK has already retried these; the caller may try again later with the same key.
        raise PaymentError(
            exc.user_message or type(exc).__name__, retryable=True, code=exc.code
        ) from exc
    except stripe.StripeError as exc:
        raise PaymentError(
            exc.user_message or type(exc).__name__, retryable=False, code=exc.code
        ) from exc
