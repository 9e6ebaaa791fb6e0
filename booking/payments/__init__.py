"""Payments through Stripe for the booking saga; see docs/payments.md."""

from booking.payments.amounts import (
    UnrepresentableAmountError,
    from_stripe_amount,
    stripe_currency,
    to_stripe_amount,
)
from booking.payments.gateway import (
    Authorization,
    PaymentDeclined,
    PaymentError,
    RefundResult,
    SavedMethod,
    StripePayments,
)
from booking.payments.webhooks import (
    WebhookRejected,
    process_once,
    sign_test_payload,
    verify_event,
)

__all__ = [
    "Authorization",
    "PaymentDeclined",
    "PaymentError",
    "RefundResult",
    "SavedMethod",
    "StripePayments",
    "UnrepresentableAmountError",
    "WebhookRejected",
    "from_stripe_amount",
    "process_once",
    "sign_test_payload",
    "stripe_currency",
    "to_stripe_amount",
    "verify_event",
]
