"""A traveler's way to pay: a Stripe customer and a saved card, kept as Stripe ids only.

The card is tokenised by Stripe.js in the traveler's browser; Wayra receives a PaymentMethod
id (``pm_...``), saves it for off-session use through a SetupIntent and remembers the ids.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from booking.payments import PaymentError
from booking.services import PaymentGateway
from wayra.opstore.booking_models import PaymentProfile
from wayra.opstore.models import User, utcnow


class PaymentMethodNeedsAction(PaymentError):
    """The bank wants the traveler to authenticate (3-D Secure) before the card is saved."""

    def __init__(self, setup_intent_id: str) -> None:
        super().__init__(
            f"SetupIntent {setup_intent_id} needs the traveler to authenticate", retryable=False
        )
        self.setup_intent_id = setup_intent_id


def attach_payment_method(
    session_factory: sessionmaker[Session],
    payments: PaymentGateway,
    user: User,
    payment_method_id: str,
) -> PaymentProfile:
    """Save ``payment_method_id`` as the traveler's default card; raises ``PaymentDeclined``
    (the card was refused), ``PaymentMethodNeedsAction`` or ``PaymentError``."""
    with session_factory() as session:
        profile = session.get(PaymentProfile, user.id)
        customer_id = profile.stripe_customer_id if profile is not None else None
    if customer_id is None:
        # ensure_customer looks the customer up before creating one, so a retry after a
        # crash here does not create a second customer.
        customer_id = payments.ensure_customer(user.id, user.email, f"{user.id}:customer")
    saved = payments.save_payment_method(
        customer_id, payment_method_id, f"{user.id}:setup:{payment_method_id}"
    )
    if saved.status != "succeeded":
        raise PaymentMethodNeedsAction(saved.setup_intent_id)
    with session_factory.begin() as session:
        profile = session.get(PaymentProfile, user.id) or PaymentProfile(user_id=user.id)
        profile.stripe_customer_id = customer_id
        profile.default_payment_method_id = saved.payment_method_id
        profile.setup_intent_id = saved.setup_intent_id
        profile.updated_at = utcnow()
        session.add(profile)
    return profile
