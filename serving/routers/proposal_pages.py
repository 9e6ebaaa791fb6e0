"""The web page a proposal email links to: review the package, then approve (book) or decline.

The signed, expiring token in the URL is the credential, as for the JSON link routes of
``serving.routers.proposals``; the page hands out the approve and decline tokens of the same
proposal only while it is open. Approving and declining are form POSTs, so a mail client or
scanner that follows links never books anything. Pages refuse to be framed (no clickjacking of
the approve button) and are never cached.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.approval import PaymentMethodMissing, approve_and_book
from booking.notifications import booking_legs, leg_line, trip_label
from booking.proposals import (
    APPROVE_ACTION,
    DECLINE_ACTION,
    REVIEW_PAGE,
    VIEW_ACTION,
    ProposalClosed,
    ProposalNotFound,
    decline_proposal,
    effective_status,
    proposal_id_from_token,
)
from booking.validation import ValidationUnavailable
from serving.deps import SessionDep
from serving.routers.bookings import Clock, Services
from wayra.money import Money
from wayra.notifications.links import LinkError, make_link_token
from wayra.opstore.booking_models import Booking, BookingPayment, BookingProposal

router = APIRouter(prefix=REVIEW_PAGE, include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
PAGE_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token must not leak to other sites
}


def _page(request: Request, heading: str, status_code: int = 200, **context) -> HTMLResponse:
    page = {"kicker": "Wayra", "notices": [], "bad": False, "legs": [], "approve_url": None}
    return templates.TemplateResponse(
        request,
        "proposal_page.html",
        {**page, "heading": heading, **context},
        status_code=status_code,
        headers=PAGE_HEADERS,
    )


def _secret(request: Request) -> bytes:
    return request.app.state.settings.signing_secret.get_secret_value().encode()


def _proposal(
    request: Request, session: Session, token: str, action: str, now: dt.datetime
) -> BookingProposal | HTMLResponse:
    """The proposal a genuine token names for ``action``, or the page saying why not."""
    try:
        proposal_id = proposal_id_from_token(_secret(request), token, action, now)
    except LinkError as exc:
        return _page(
            request,
            "This link cannot be used",
            status.HTTP_403_FORBIDDEN,
            notices=[f"{exc}. Nothing was booked or charged."],
            bad=True,
        )
    except ProposalNotFound:
        proposal_id = None
    proposal = session.get(BookingProposal, proposal_id) if proposal_id else None
    if proposal is None:
        return _page(request, "No such proposal", status.HTTP_404_NOT_FOUND, bad=True)
    return proposal


def _action_url(request: Request, proposal: BookingProposal, action: str) -> str:
    token = make_link_token(_secret(request), proposal.id, action, proposal.expires_at)
    suffix = "/approve" if action == APPROVE_ACTION else "/decline"
    return f"{REVIEW_PAGE}{suffix}?{urlencode({'token': token})}"


def _proposal_page(
    request: Request, session: Session, proposal: BookingProposal, now: dt.datetime
) -> HTMLResponse:
    booking = session.scalar(select(Booking).where(Booking.proposal_id == proposal.id))
    if booking is not None:
        return _booking_page(request, session, proposal, booking)
    current = effective_status(proposal, now)
    saving = proposal.saving_vs_typical_minor
    context = {
        "kicker": "Ready to book" if current == "open" else f"Proposal {current}",
        "total": Money(proposal.total_minor, proposal.currency),
        "saving": Money(saving, proposal.currency) if saving and saving > 0 else None,
        "advice": (proposal.advice or {}).get("explanation"),
        "legs": [leg_line(leg["kind"], leg) for leg in proposal.legs],
    }
    if current == "open":
        context |= {
            "approve_url": _action_url(request, proposal, APPROVE_ACTION),
            "decline_url": _action_url(request, proposal, DECLINE_ACTION),
            "expires": f"{proposal.expires_at.astimezone(dt.UTC):%H:%M} UTC",
        }
    else:
        reason = proposal.invalid_reason or proposal.decline_reason
        context |= {
            "notices": [f"This proposal is {current}" + (f": {reason}." if reason else ".")]
        }
    return _page(request, _label(proposal), **context)


def _label(proposal: BookingProposal) -> str:
    return trip_label(proposal.legs, proposal.departure_date, proposal.return_date)


def _booking_page(
    request: Request, session: Session, proposal: BookingProposal, booking: Booking
) -> HTMLResponse:
    total = Money(booking.total_minor, booking.currency)
    if booking.state == "confirmed":
        kicker, bad = "Booked", False
        notice = (
            f"Your trip is booked. We charged {total} to your saved card; "
            "the confirmation is on its way by email."
        )
    elif booking.state == "failed":
        payment = session.get(BookingPayment, booking.id)
        refunded = payment.refunded_minor if payment is not None else 0
        kicker, bad = "Not booked", True
        notice = (
            f"We could not book this trip: {booking.failure_reason}. Nothing was charged: the "
            "hold on your card is released"
            + (f" ({Money(refunded, booking.currency)} refunded)." if refunded else ".")
        )
    elif booking.state in ("cancelling", "cancelled"):
        kicker, bad = "Cancelled", False
        notice = "This trip was cancelled."
    else:
        kicker, bad = "Booking", False
        notice = "We are booking your trip and will email you the outcome."
    return _page(
        request,
        _label(proposal),
        kicker=kicker,
        notices=[notice],
        bad=bad,
        total=total,
        legs=list(booking_legs(session, booking.id)) if booking.state == "confirmed" else [],
    )


@router.get("", response_class=HTMLResponse)
def review_page(request: Request, session: SessionDep, now: Clock, token: str) -> HTMLResponse:
    found = _proposal(request, session, token, VIEW_ACTION, now)
    return (
        found if isinstance(found, HTMLResponse) else _proposal_page(request, session, found, now)
    )


@router.post("/approve", response_class=HTMLResponse)
def approve_page(
    request: Request, session: SessionDep, services: Services, now: Clock, token: str
) -> HTMLResponse:
    found = _proposal(request, session, token, APPROVE_ACTION, now)
    if isinstance(found, HTMLResponse):
        return found
    try:
        approve_and_book(services, found.user_id, found.id, now)
    except ProposalClosed as exc:
        return _page(
            request,
            _label(found),
            status.HTTP_409_CONFLICT,
            notices=[f"Not booked: {exc}."],
            bad=True,
        )
    except PaymentMethodMissing:
        notice = "Save a card in Wayra first; nothing was booked or charged."
        return _page(request, _label(found), status.HTTP_409_CONFLICT, notices=[notice], bad=True)
    except ValidationUnavailable:
        notice = (
            "We could not check the prices just now; nothing was booked or charged. "
            "Try again in a few minutes."
        )
        return _page(
            request, _label(found), status.HTTP_503_SERVICE_UNAVAILABLE, notices=[notice], bad=True
        )
    session.expire_all()
    return _proposal_page(request, session, session.get_one(BookingProposal, found.id), now)


@router.post("/decline", response_class=HTMLResponse)
def decline_page(
    request: Request,
    session: SessionDep,
    now: Clock,
    token: str,
    reason: Annotated[str | None, Form(max_length=400)] = None,
) -> HTMLResponse:
    found = _proposal(request, session, token, DECLINE_ACTION, now)
    if isinstance(found, HTMLResponse):
        return found
    try:
        decline_proposal(session, found.user_id, found.id, (reason or "").strip() or None, now)
    except ProposalClosed as exc:
        session.rollback()
        return _page(
            request, _label(found), status.HTTP_409_CONFLICT, notices=[f"{exc}."], bad=True
        )
    session.commit()
    notice = "Declined: nothing will be booked. Your answer helps Wayra propose better trips."
    return _page(request, _label(found), kicker="Declined", notices=[notice])
