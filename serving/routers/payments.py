"""Payments: the traveler's saved card (Stripe ids only) and Stripe's webhooks.

The webhook endpoint has no API key: Stripe's signature is the credential. Forged, tampered
or stale deliveries are answered 400 before anything is read; a replay of an event already
handled is answered 200 (so Stripe stops redelivering) and changes nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from booking.payment_profiles import PaymentMethodNeedsAction, attach_payment_method
from booking.payments import PaymentDeclined, PaymentError, WebhookRejected
from booking.webhook_events import handle_stripe_webhook
from serving.booking_schemas import PaymentMethodIn, PaymentMethodOut, WebhookAck
from serving.deps import CurrentUser, SessionDep
from serving.routers.bookings import Services
from wayra.opstore.booking_models import PaymentProfile

router = APIRouter(tags=["payments"])


@router.get("/v1/me/payment-method")
def get_payment_method(session: SessionDep, user: CurrentUser) -> PaymentMethodOut:
    profile = session.get(PaymentProfile, user.id)
    if profile is None:
        return PaymentMethodOut(payment_method_id=None, has_customer=False)
    return PaymentMethodOut(payment_method_id=profile.default_payment_method_id, has_customer=True)


@router.put("/v1/me/payment-method")
def put_payment_method(
    body: PaymentMethodIn, request: Request, user: CurrentUser, services: Services
) -> PaymentMethodOut:
    """Save a card for bookings Wayra makes on the traveler's approval. The body carries the
    PaymentMethod id Stripe.js created in the browser; card details never reach Wayra."""
    try:
        profile = attach_payment_method(
            request.app.state.session_factory, services.payments, user, body.payment_method_id
        )
    except PaymentDeclined as exc:
        raise HTTPException(status.HTTP_402_PAYMENT_REQUIRED, f"Card refused: {exc}") from None
    except PaymentMethodNeedsAction as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except PaymentError as exc:
        code = status.HTTP_503_SERVICE_UNAVAILABLE if exc.retryable else status.HTTP_400_BAD_REQUEST
        raise HTTPException(code, f"Stripe: {exc}") from None
    return PaymentMethodOut(payment_method_id=profile.default_payment_method_id, has_customer=True)


@router.post("/v1/payments/stripe/webhook")
async def stripe_webhook(request: Request) -> WebhookAck:
    settings = request.app.state.settings
    if settings.stripe_webhook_secret is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "Webhooks are not configured.")
    payload = await request.body()  # the exact bytes Stripe signed
    signature = request.headers.get("stripe-signature", "")
    try:
        outcome = await run_in_threadpool(
            handle_stripe_webhook,
            request.app.state.session_factory,
            payload,
            signature,
            settings.stripe_webhook_secret.get_secret_value(),
        )
    except WebhookRejected as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"Rejected: {exc.reason}") from None
    return WebhookAck(processed=outcome.processed)
