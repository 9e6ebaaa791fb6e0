"""Bookings: list and show them (every leg's provider reference, the payment's state and
what happened at each step), and cancel with the refund the fare and rate rules allow.

Also the dependencies every booking endpoint shares: the clock (business time; tests pin
it), the providers and the booking services (Stripe + providers), built once per app.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from booking.cancellation import BookingNotFound, NotCancellable, request_cancellation
from booking.payments import StripePayments
from booking.services import BookingProvider, BookingServices
from serving.booking_schemas import (
    BookingLegOut,
    BookingList,
    BookingOut,
    BookingSummaryOut,
    DecisionOut,
    PaymentOut,
    StepOut,
)
from serving.deps import CurrentUser, SessionDep
from wayra.opstore.booking_models import (
    Booking,
    BookingDecision,
    BookingLeg,
    BookingPayment,
    BookingStep,
)
from wayra.providers.registry import configured_providers

router = APIRouter(prefix="/v1/bookings", tags=["bookings"])
_build_lock = threading.Lock()


def booking_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def booking_providers(request: Request) -> dict[str, BookingProvider]:
    """Every configured provider by name, built once: the simulated ones share one market
    (and its inventory) for the life of the app."""
    state = request.app.state
    with _build_lock:
        if getattr(state, "booking_providers", None) is None:
            found = configured_providers(state.settings)
            state.booking_providers = found.by_name
    return state.booking_providers


def booking_services(
    request: Request,
    providers: Annotated[dict[str, BookingProvider], Depends(booking_providers)],
) -> BookingServices:
    state = request.app.state
    with _build_lock:
        if getattr(state, "booking_services", None) is None:
            if state.settings.stripe_api_key is None:
                raise HTTPException(
                    status.HTTP_503_SERVICE_UNAVAILABLE, "Payments are not configured."
                )
            payments = StripePayments.from_settings(state.settings)
            state.booking_services = BookingServices.build(
                state.session_factory, payments, providers
            )
    return state.booking_services


Clock = Annotated[dt.datetime, Depends(booking_clock)]
Providers = Annotated[dict[str, BookingProvider], Depends(booking_providers)]
Services = Annotated[BookingServices, Depends(booking_services)]


def booking_out(session: Session, booking: Booking) -> BookingOut:
    legs = session.scalars(
        select(BookingLeg).where(BookingLeg.booking_id == booking.id).order_by(BookingLeg.position)
    )
    steps = session.scalars(
        select(BookingStep).where(BookingStep.booking_id == booking.id).order_by(BookingStep.id)
    )
    decisions = session.scalars(
        select(BookingDecision)
        .where(BookingDecision.booking_id == booking.id)
        .order_by(BookingDecision.id)
    )
    payment = session.get_one(BookingPayment, booking.id)
    return BookingOut(
        **_summary(booking, payment).model_dump(),
        fx_rate_date=booking.fx_rate_date,
        confirmed_at=booking.confirmed_at,
        closed_at=booking.closed_at,
        legs=[BookingLegOut.model_validate(leg) for leg in legs],
        payment=PaymentOut.model_validate(payment),
        steps=[StepOut.model_validate(step) for step in steps],
        decisions=[DecisionOut.model_validate(decision) for decision in decisions],
    )


def _summary(booking: Booking, payment: BookingPayment) -> BookingSummaryOut:
    return BookingSummaryOut(
        id=booking.id,
        proposal_id=booking.proposal_id,
        state=booking.state,
        total_minor=booking.total_minor,
        currency=booking.currency,
        payment_status=payment.status,
        created_at=booking.created_at,
        failure_reason=booking.failure_reason,
    )


def _owned(session: Session, user_id: str, booking_id: str) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None or booking.user_id != user_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such booking.")
    return booking


@router.get("")
def list_bookings(session: SessionDep, user: CurrentUser) -> BookingList:
    """The traveler's bookings, newest first."""
    rows = session.execute(
        select(Booking, BookingPayment)
        .join(BookingPayment, BookingPayment.booking_id == Booking.id)
        .where(Booking.user_id == user.id)
        .order_by(Booking.created_at.desc(), Booking.id)
    ).all()
    count = (
        session.scalar(select(func.count()).select_from(Booking).where(Booking.user_id == user.id))
        or 0
    )
    return BookingList(items=[_summary(b, p) for b, p in rows], count=count)


@router.get("/{booking_id}")
def get_booking(booking_id: str, session: SessionDep, user: CurrentUser) -> BookingOut:
    return booking_out(session, _owned(session, user.id, booking_id))


@router.post("/{booking_id}/cancel")
def cancel_booking(
    booking_id: str, session: SessionDep, user: CurrentUser, services: Services, now: Clock
) -> BookingOut:
    """Cancel a confirmed booking: every leg is cancelled at its provider and the refund
    the fare and rate rules allow is paid back (docs/booking.md). Asking again is harmless."""
    try:
        request_cancellation(services, user.id, booking_id, now)
    except BookingNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such booking.") from None
    except NotCancellable as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    session.expire_all()
    return booking_out(session, _owned(session, user.id, booking_id))
