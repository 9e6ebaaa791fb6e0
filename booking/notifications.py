"""Sending the booking outbox: each proposal the platform made and each final state the saga
reached is emailed to the traveler once.

The saga writes a ``BookingNotification`` in the same transaction that confirms, fails or
cancels a booking, and ``booking.platform_proposals`` in the one that creates a proposal; this
module sends those rows through :mod:`wayra.outbox` (claim, send, record), so an email is never
sent twice: one a crashed sender may have handed to the SMTP server becomes ``unconfirmed``
rather than being resent. Run it after the saga, and periodically (the Dagster
``booking_operations`` job does, with the recovery worker).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from booking.proposals import effective_status, review_url
from wayra.notifications import DeliveryError, send_email
from wayra.notifications.booking_email import (
    BookingMessage,
    LegLine,
    ProposalMessage,
    build_booking_email,
)
from wayra.opstore.booking_models import (
    Booking,
    BookingLeg,
    BookingNotification,
    BookingPayment,
    BookingProposal,
)
from wayra.opstore.models import User
from wayra.outbox import DeliveryReport, MaybeSent, NotSent, deliver_rows, recover_stuck
from wayra.settings import Settings

LEG_LABELS = {"outbound": "Outbound flight", "inbound": "Return flight", "hotel": "Hotel"}


def _day(value: str | dt.date) -> str:
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day:%b %Y}"


def leg_line(kind: str, d: dict, reference: str | None = None) -> LegLine:
    """One leg as the email shows it, from the leg fields a recommendation published."""
    if kind == "hotel":
        stay = f"{_day(d['check_in'])} – {_day(d['check_out'])}"
        description = f"{d.get('hotel_name') or d.get('offer_id', 'hotel')}, {stay}"
    else:
        departs = dt.datetime.fromisoformat(d["departure_at"]).astimezone(dt.UTC)
        description = (
            f"{d['origin']} → {d['destination']}, {d.get('flight_number', '')}, "
            f"{_day(departs.date())} {departs:%H:%M} UTC"
        )
    return LegLine(LEG_LABELS.get(kind, kind), description, reference)


def trip_label(legs: list[dict], departure: dt.date, back: dt.date) -> str:
    outbound = [leg for leg in legs if leg.get("kind") == "outbound" and "origin" in leg]
    route = f"{outbound[0]['origin']} → {outbound[0]['destination']}, " if outbound else ""
    return f"{route}{_day(departure)} – {_day(back)}"


def booking_legs(session: Session, booking_id: str) -> tuple[LegLine, ...]:
    """The booking's legs as the traveler sees them, each with its provider reference."""
    legs = session.scalars(
        select(BookingLeg).where(BookingLeg.booking_id == booking_id).order_by(BookingLeg.position)
    ).all()
    return tuple(leg_line(leg.kind, leg.details or {}, leg.booking_ref) for leg in legs)


def booking_message(session: Session, notification: BookingNotification) -> BookingMessage:
    booking = session.get_one(Booking, notification.booking_id)
    proposal = session.get_one(BookingProposal, booking.proposal_id)
    payment = session.get(BookingPayment, booking.id)
    return BookingMessage(
        booking_id=booking.id,
        kind=notification.kind,
        trip_label=trip_label(proposal.legs, proposal.departure_date, proposal.return_date),
        total_minor=booking.total_minor,
        currency=booking.currency,
        refunded_minor=payment.refunded_minor if payment is not None else 0,
        failure_reason=booking.failure_reason,
        legs=booking_legs(session, booking.id),
    )


def proposal_message(
    session: Session, settings: Settings, notification: BookingNotification, now: dt.datetime
) -> ProposalMessage:
    proposal = session.get_one(BookingProposal, notification.proposal_id)
    status = effective_status(proposal, now)
    if status != "open":  # approved through the API meanwhile, declined, or lapsed
        raise NotSent(f"the proposal is {status}; nothing to ask", retryable=False)
    secret = settings.signing_secret.get_secret_value().encode()
    return ProposalMessage(
        proposal_id=proposal.id,
        trip_label=trip_label(proposal.legs, proposal.departure_date, proposal.return_date),
        total_minor=proposal.total_minor,
        currency=proposal.currency,
        saving_vs_typical_minor=proposal.saving_vs_typical_minor,
        advice=(proposal.advice or {}).get("explanation"),
        expires_at=proposal.expires_at,
        legs=tuple(leg_line(leg["kind"], leg) for leg in proposal.legs),
        review_url=review_url(secret, settings.public_base_url, proposal),
    )


class BookingEmailSender:
    """The outbox's ``send``: one booking notification as an email to its traveler."""

    def __init__(
        self, settings: Settings, factory: sessionmaker[Session], now: dt.datetime
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.now = now

    def __call__(self, notification: BookingNotification) -> str:
        if not self.settings.smtp_host:
            raise NotSent("no SMTP server configured (WAYRA_SMTP_HOST)", retryable=False)
        with self.factory() as session:
            if notification.proposal_id is not None:
                message = proposal_message(session, self.settings, notification, self.now)
            else:
                message = booking_message(session, notification)
            recipient = session.get_one(User, notification.user_id).email
        email = build_booking_email(message, self.settings.smtp_sender, recipient)
        try:
            return send_email(email, self.settings.smtp_host, self.settings.smtp_port)
        except DeliveryError as exc:
            if exc.maybe_sent:
                raise MaybeSent(str(exc)) from exc
            raise NotSent(str(exc), retryable=not exc.permanent) from exc


def send_booking_notifications(
    factory: sessionmaker[Session],
    settings: Settings,
    now: dt.datetime | None = None,
    limit: int = 500,
) -> DeliveryReport:
    """Email every due booking notification once, oldest first."""
    now = now or dt.datetime.now(dt.UTC)
    report = DeliveryReport(recovered=recover_stuck(factory, BookingNotification, now))
    with factory() as session:
        due = session.scalars(
            select(BookingNotification.id)
            .where(
                BookingNotification.status == "pending",
                BookingNotification.next_attempt_at <= now,
            )
            .order_by(BookingNotification.created_at, BookingNotification.id)
            .limit(limit)
        ).all()
    sender = BookingEmailSender(settings, factory, now)
    return deliver_rows(factory, BookingNotification, due, sender, now, report)
