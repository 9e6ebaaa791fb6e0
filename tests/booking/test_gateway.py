"""The real stripe SDK against the localstripe emulator on 127.0.0.1."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable

import pytest
import stripe

from booking.payments import PaymentDeclined, PaymentError, StripePayments, to_stripe_amount
from tests.booking.conftest import TEST_API_KEY, RecordedRequest, Traveler
from wayra.settings import Settings

pytestmark = pytest.mark.xdist_group("stripe")


def _key() -> str:
    return f"test-{uuid.uuid4().hex}"


def _charge_of(stripe_client: stripe.StripeClient, payment_intent_id: str) -> stripe.Charge:
    intent = stripe_client.v1.payment_intents.retrieve(payment_intent_id)
    # localstripe always embeds the charge; real Stripe sends its id unless expanded.
    charge = intent.latest_charge
    charge_id = charge if isinstance(charge, str) else charge.id
    return stripe_client.v1.charges.retrieve(charge_id)


@pytest.mark.parametrize(
    ("currency", "amount_minor"),
    [("EUR", 123_456), ("USD", 99_999), ("GBP", 4_321), ("JPY", 123_456), ("KRW", 50_000),
     ("ISK", 12_345)],
)  # fmt: skip
def test_authorize_then_capture_round_trips_the_amount_exactly(
    payments: StripePayments,
    stripe_client: stripe.StripeClient,
    traveler: Traveler,
    currency: str,
    amount_minor: int,
) -> None:
    held = payments.authorize(
        amount_minor,
        currency,
        traveler.customer_id,
        traveler.payment_method_id,
        _key(),
        metadata={"wayra_booking_id": "b-1", "ecb_rate": "1.0834"},
    )
    assert held.status == "requires_capture"
    assert (held.amount_minor, held.currency) == (amount_minor, currency)

    captured = payments.capture(held.payment_intent_id, _key())

    assert captured.status == "succeeded"
    assert (captured.amount_minor, captured.currency) == (amount_minor, currency)
    assert payments.retrieve(held.payment_intent_id) == captured
    charge = _charge_of(stripe_client, held.payment_intent_id)
    assert charge.captured
    assert charge.amount == to_stripe_amount(amount_minor, currency)
    assert charge.amount_refunded == 0
    assert charge.currency == currency.lower()


def test_cancel_releases_the_hold_and_captures_nothing(
    payments: StripePayments, stripe_client: stripe.StripeClient, traveler: Traveler
) -> None:
    held = payments.authorize(
        48_000, "EUR", traveler.customer_id, traveler.payment_method_id, _key()
    )

    released = payments.cancel(held.payment_intent_id, _key())

    assert released.status == "canceled"
    assert payments.retrieve(held.payment_intent_id).status == "canceled"
    assert not _charge_of(stripe_client, held.payment_intent_id).captured
    # (Stripe would also refuse a capture now; localstripe wrongly performs it.)
    with pytest.raises(PaymentError) as refused:
        payments.cancel(held.payment_intent_id, _key())
    assert not refused.value.retryable


@pytest.mark.parametrize(("currency", "total", "first_part"), [("EUR", 10_000, 2_550),
                                                                ("JPY", 98_765, 12_345)])  # fmt: skip
def test_partial_refund_then_the_rest_refunds_exactly_the_total(
    payments: StripePayments,
    stripe_client: stripe.StripeClient,
    traveler: Traveler,
    currency: str,
    total: int,
    first_part: int,
) -> None:
    held = payments.authorize(
        total, currency, traveler.customer_id, traveler.payment_method_id, _key()
    )
    payments.capture(held.payment_intent_id, _key())

    first = payments.refund(held.payment_intent_id, _key(), amount_minor=first_part)
    # The rest is named explicitly: localstripe refunds the whole charge again when no amount
    # is given, where Stripe would refund what is left.
    rest = payments.refund(held.payment_intent_id, _key(), amount_minor=total - first_part)

    assert (first.amount_minor, first.currency, first.status) == (first_part, currency, "succeeded")
    assert (rest.amount_minor, rest.currency, rest.status) == (
        total - first_part,
        currency,
        "succeeded",
    )
    assert first.refund_id != rest.refund_id
    charge = _charge_of(stripe_client, held.payment_intent_id)
    assert charge.amount_refunded == to_stripe_amount(total, currency)
    assert charge.refunded


def test_partial_capture_sends_the_amount_in_stripe_units(
    payments: StripePayments, traveler: Traveler, recorded_requests: list[RecordedRequest]
) -> None:
    held = payments.authorize(10, "ISK", traveler.customer_id, traveler.payment_method_id, _key())

    captured = payments.capture(held.payment_intent_id, _key(), amount_minor=7)

    assert captured.status == "succeeded"
    (capture_request,) = [r for r in recorded_requests if r.url.endswith("/capture")]
    assert capture_request.body == "amount_to_capture=700"  # 7 ISK, two-decimal at Stripe


def test_a_card_declined_at_authorization_raises_payment_declined(
    payments: StripePayments, make_traveler: Callable[..., Traveler]
) -> None:
    traveler = make_traveler("pm_card_chargeCustomerFail")  # saves fine, declines charges

    with pytest.raises(PaymentDeclined) as declined:
        payments.authorize(20_000, "GBP", traveler.customer_id, traveler.payment_method_id, _key())

    assert declined.value.code == "card_declined"
    assert declined.value.message
    assert not declined.value.retryable


def test_a_card_declined_when_saved_raises_payment_declined(payments: StripePayments) -> None:
    customer_id = payments.ensure_customer(f"user-{uuid.uuid4().hex}", "d@example.test", _key())

    with pytest.raises(PaymentDeclined) as declined:
        payments.save_payment_method(customer_id, "pm_card_visa_chargeDeclined", _key())

    assert declined.value.code == "card_declined"


def test_every_mutating_call_sends_the_callers_idempotency_key(
    payments: StripePayments, recorded_requests: list[RecordedRequest]
) -> None:
    user_id = f"user-{uuid.uuid4().hex}"
    customer_id = payments.ensure_customer(user_id, f"{user_id}@example.test", "k-customer")
    saved = payments.save_payment_method(customer_id, "pm_card_visa", "k-card")
    held = payments.authorize(5_000, "USD", customer_id, saved.payment_method_id, "k-auth")
    payments.capture(held.payment_intent_id, "k-capture")
    payments.refund(held.payment_intent_id, "k-refund", amount_minor=1_000)
    other = payments.authorize(700, "JPY", customer_id, saved.payment_method_id, "k-auth-2")
    payments.cancel(other.payment_intent_id, "k-cancel")

    posts = [
        (r.url.split("/v1/", 1)[1].split("/")[0::2], r.headers.get("Idempotency-Key"))
        for r in recorded_requests
        if r.method == "POST"
    ]
    assert posts == [
        (["customers"], "k-customer"),
        (["setup_intents"], "k-card:create"),
        (["setup_intents", "confirm"], "k-card:confirm"),
        (["payment_intents"], "k-auth"),
        (["payment_intents", "capture"], "k-capture"),
        (["refunds"], "k-refund"),
        (["payment_intents"], "k-auth-2"),
        (["payment_intents", "cancel"], "k-cancel"),
    ]


def test_ensure_customer_finds_the_users_customer_instead_of_creating_another(
    payments: StripePayments,
) -> None:
    user_id = f"user-{uuid.uuid4().hex}"
    email = f"{user_id}@example.test"

    first = payments.ensure_customer(user_id, email, _key())
    # A different key, as after a crash beyond Stripe's 24-hour idempotency window.
    again = payments.ensure_customer(user_id, email, _key())
    someone_else = payments.ensure_customer(f"{user_id}-other", email, _key())

    assert again == first
    assert someone_else != first


def test_unknown_payment_intent_is_a_permanent_error(payments: StripePayments) -> None:
    with pytest.raises(PaymentError) as missing:
        payments.retrieve("pi_doesnotexist")
    assert not missing.value.retryable


def test_an_unreachable_stripe_is_a_retryable_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = StripePayments(TEST_API_KEY, f"http://127.0.0.1:{port}", max_network_retries=0)

    with pytest.raises(PaymentError) as down:
        unreachable.retrieve("pi_any")
    assert down.value.retryable


@pytest.mark.parametrize("bad_key", ["", "k" * 256])
def test_idempotency_keys_are_required(
    payments: StripePayments, traveler: Traveler, bad_key: str
) -> None:
    with pytest.raises(ValueError, match="idempotency"):
        payments.authorize(100, "EUR", traveler.customer_id, traveler.payment_method_id, bad_key)
    with pytest.raises(ValueError, match="idempotency"):
        payments.save_payment_method(traveler.customer_id, "pm_card_visa", bad_key)


def test_amounts_are_checked_before_anything_is_sent(
    payments: StripePayments, traveler: Traveler, recorded_requests: list[RecordedRequest]
) -> None:
    with pytest.raises(ValueError):
        payments.authorize(0, "EUR", traveler.customer_id, traveler.payment_method_id, _key())
    with pytest.raises(TypeError):
        payments.authorize(
            12.5,  # type: ignore[arg-type]
            "EUR",
            traveler.customer_id,
            traveler.payment_method_id,
            _key(),
        )
    assert recorded_requests == []


def test_built_from_settings(localstripe_url: str) -> None:
    settings = Settings(stripe_api_key=TEST_API_KEY, stripe_api_base=localstripe_url)
    with pytest.raises(PaymentError):  # reaches the emulator, which has no such intent
        StripePayments.from_settings(settings).retrieve("pi_doesnotexist")
    with pytest.raises(RuntimeError, match="STRIPE_API_KEY"):
        StripePayments.from_settings(Settings(stripe_api_key=None))
