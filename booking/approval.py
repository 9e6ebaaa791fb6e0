"""Approving a proposal: one booking per proposal, however many approvals race.

The package is re-validated first, outside any transaction (it calls providers). Then one
transaction flips the proposal with a compare-and-set (``UPDATE ... SET status='approved'
WHERE id=:id AND status='open' AND expires_at > :now``) and, only if that changed a row,
inserts the booking in state ``validated`` with its legs and payment record. Every other
approver changes no row and gets the booking the winner created; the UNIQUE constraint on
``bookings.proposal_id`` backs the compare-and-set up. The new booking's saga lease goes to
the approver, so the recovery worker does not race the request that is about to run it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.proposals import ProposalClosed, effective_status, owned_proposal
from booking.saga import BookingSaga
from booking.services import BookingServices
from booking.states import BookingState, leg_step
from booking.validation import Validation, record_validation, validate_package
from wayra.opstore.booking_models import (
    Booking,
    BookingLeg,
    BookingPayment,
    BookingProposal,
    PaymentProfile,
)
from wayra.opstore.models import new_id

# Leg fields the booking keeps in columns; the rest (flight number, hotel name...) in details.
_LEG_COLUMNS = frozenset({"kind", "provider", "offer_id", "price_minor", "currency", "refundable"})


class PaymentMethodMissing(Exception):
    """The traveler has not saved a card to pay with."""


@dataclass(frozen=True, slots=True)
class Approval:
    booking_id: str
    created: bool  # False: the proposal was already approved (by this or a racing request)
    lease_owner: str | None  # who may run the saga now (the creator), None when not created


def approve_proposal(
    services: BookingServices, user_id: str, proposal_id: str, now: dt.datetime
) -> Approval:
    """Approve ``proposal_id`` for ``user_id`` at ``now``; raises ``ProposalNotFound``,
    ``ProposalClosed`` (expired, declined or invalidated, with the reason) or
    ``PaymentMethodMissing``. Retryable provider trouble raises ``ValidationUnavailable``."""
    with services.session_factory() as session:
        proposal = owned_proposal(session, user_id, proposal_id)
        existing = _booking_of(session, proposal_id)
        if existing is not None:
            return Approval(existing, created=False, lease_owner=None)
        status = effective_status(proposal, now)
        if status != "open":
            raise ProposalClosed(status, proposal.invalid_reason or proposal.decline_reason)
        profile = session.get(PaymentProfile, user_id)
        if profile is None or profile.default_payment_method_id is None:
            raise PaymentMethodMissing(user_id)
        legs, currency, tolerance = (
            list(proposal.legs),
            proposal.currency,
            proposal.price_tolerance_bps,
        )

    validation = validate_package(legs, currency, tolerance, services.providers, now)
    if not validation.valid:
        _invalidate(services, proposal_id, validation, now)
    else:
        created = _create_booking(services, proposal_id, profile, validation, now)
        if created is not None:
            return created

    # Lost the race, or the proposal changed under us: the winner's booking, if any.
    with services.session_factory() as session:
        existing = _booking_of(session, proposal_id)
        if existing is not None:
            return Approval(existing, created=False, lease_owner=None)
        proposal = owned_proposal(session, user_id, proposal_id)
        raise ProposalClosed(effective_status(proposal, now), proposal.invalid_reason)


def approve_and_book(
    services: BookingServices, user_id: str, proposal_id: str, now: dt.datetime
) -> Approval:
    """Approve, then run the saga to its end (or to where it must wait) when this call
    created the booking; raises what :func:`approve_proposal` raises."""
    approval = approve_proposal(services, user_id, proposal_id, now)
    if approval.created:
        BookingSaga(services).run(approval.booking_id, now, lease_owner=approval.lease_owner)
    return approval


def _booking_of(session: Session, proposal_id: str) -> str | None:
    return session.scalar(select(Booking.id).where(Booking.proposal_id == proposal_id))


def _claim(session: Session, proposal_id: str, status: str, now: dt.datetime, **values) -> bool:
    """The compare-and-set: move an open, unexpired proposal to ``status``. On SQLite this
    UPDATE is the transaction's first statement, so it waits for the write lock instead of
    failing on a stale read snapshot."""
    changed = session.execute(
        update(BookingProposal)
        .where(
            BookingProposal.id == proposal_id,
            BookingProposal.status == "open",
            BookingProposal.expires_at > now,
        )
        .values(status=status, decided_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def _invalidate(
    services: BookingServices, proposal_id: str, validation: Validation, now: dt.datetime
) -> None:
    with services.session_factory() as session:
        invalid = dict(invalid_reason=validation.reason, validation=validation.as_json())
        if _claim(session, proposal_id, "invalidated", now, **invalid):
            record_validation(session, validation, proposal_id=proposal_id, purpose="approval")
            session.commit()


def _create_booking(
    services: BookingServices,
    proposal_id: str,
    profile: PaymentProfile,
    validation: Validation,
    now: dt.datetime,
) -> Approval | None:
    lease_owner = f"approval-{uuid.uuid4().hex[:12]}"
    with services.session_factory() as session:
        try:
            if not _claim(session, proposal_id, "approved", now, validation=validation.as_json()):
                session.rollback()
                return None
            proposal = session.get_one(BookingProposal, proposal_id)
            booking = _booking_rows(session, proposal, profile, validation, now)
            booking.lease_owner = lease_owner
            booking.lease_expires_at = now + services.lease
            record_validation(
                session,
                validation,
                proposal_id=proposal_id,
                booking_id=booking.id,
                purpose="approval",
            )
            session.commit()
        except IntegrityError:
            session.rollback()  # another approval's booking won the UNIQUE constraint
            return None
    return Approval(booking.id, created=True, lease_owner=lease_owner)


def _booking_rows(
    session: Session,
    proposal: BookingProposal,
    profile: PaymentProfile,
    validation: Validation,
    now: dt.datetime,
) -> Booking:
    booking = Booking(
        id=new_id(),
        proposal_id=proposal.id,
        user_id=proposal.user_id,
        state=BookingState.VALIDATED.value,
        total_minor=validation.total_minor,
        currency=proposal.currency,
        fx_rate_date=validation.fx_rate_date,
        price_tolerance_bps=proposal.price_tolerance_bps,
        created_at=now,
        updated_at=now,
    )
    session.add(booking)
    ordinals: Counter[str] = Counter()
    for check, leg in zip(validation.legs, proposal.legs, strict=True):
        ordinals[check.kind] += 1
        session.add(
            BookingLeg(
                booking_id=booking.id,
                position=check.position,
                kind=check.kind,
                step=leg_step("book", check.kind, ordinals[check.kind]),
                provider=check.provider,
                offer_id=check.offer_id,
                provider_currency=check.provider_currency,
                quoted_minor=check.quoted_minor,
                validated_minor=check.repriced_minor,
                charge_minor=check.charge_minor,
                refundable=leg.get("refundable"),
                status="pending",
                details={k: v for k, v in leg.items() if k not in _LEG_COLUMNS},
            )
        )
    session.add(
        BookingPayment(
            booking_id=booking.id,
            stripe_customer_id=profile.stripe_customer_id,
            payment_method_id=profile.default_payment_method_id,
            status="pending",
            amount_minor=validation.total_minor,
            currency=proposal.currency,
            fx_rate_date=validation.fx_rate_date,
            captured_minor=0,
            refunded_minor=0,
            updated_at=now,
        )
    )
    session.flush()
    return booking
