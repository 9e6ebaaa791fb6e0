"""Booking proposals: create one from a recommendation, read them, approve or decline,
through the authenticated API or the signed one-click links sent in alerts.

Approving runs the booking saga before answering, so the response already says whether the
trip is booked; the same approval again (or fifty at once) returns the one booking made.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from booking.approval import PaymentMethodMissing, approve_and_book
from booking.proposals import (
    APPROVE_ACTION,
    DECLINE_ACTION,
    VIEW_ACTION,
    ProposalClosed,
    ProposalNotFound,
    create_proposal,
    decline_proposal,
    effective_status,
    owned_proposal,
    proposal_id_from_token,
    proposal_links,
)
from booking.validation import ValidationUnavailable
from serving.booking_schemas import (
    BookingOut,
    DeclineIn,
    LegCheckOut,
    ProposalIn,
    ProposalLinksOut,
    ProposalList,
    ProposalOut,
)
from serving.deps import CurrentUser, SessionDep
from serving.problems import PROBLEM_BASE, ProblemResponse, problem
from serving.routers.bookings import Clock, Providers, Services, booking_out
from wayra.notifications.links import LinkError
from wayra.opstore.booking_models import Booking, BookingProposal

router = APIRouter(prefix="/v1/proposals", tags=["proposals"])


def _secret(request: Request) -> bytes:
    return request.app.state.settings.signing_secret.get_secret_value().encode()


def proposal_out(
    request: Request, session: Session, proposal: BookingProposal, now: dt.datetime
) -> ProposalOut:
    current = effective_status(proposal, now)
    links = None
    if current == "open":
        found = proposal_links(
            _secret(request), request.app.state.settings.public_base_url, proposal
        )
        links = ProposalLinksOut(view=found.view, approve=found.approve, decline=found.decline)
    return ProposalOut(
        id=proposal.id,
        watch_id=proposal.watch_id,
        recommendation_id=proposal.recommendation_id,
        origin=proposal.origin,
        status=current,
        legs=proposal.legs,
        total_minor=proposal.total_minor,
        currency=proposal.currency,
        fx_rate_date=proposal.fx_rate_date,
        departure_date=proposal.departure_date,
        return_date=proposal.return_date,
        saving_vs_first_minor=proposal.saving_vs_first_minor,
        saving_vs_typical_minor=proposal.saving_vs_typical_minor,
        risk_score=proposal.risk_score,
        risk=proposal.risk,
        advice=proposal.advice,
        price_tolerance_pct=proposal.price_tolerance_bps / 100,
        created_at=proposal.created_at,
        expires_at=proposal.expires_at,
        decided_at=proposal.decided_at,
        decline_reason=proposal.decline_reason,
        invalid_reason=proposal.invalid_reason,
        validation=(
            [LegCheckOut.model_validate(leg) for leg in proposal.validation]
            if proposal.validation is not None
            else None
        ),
        booking_id=session.scalar(select(Booking.id).where(Booking.proposal_id == proposal.id)),
        links=links,
    )


def _closed(exc: ProposalClosed) -> ProblemResponse:
    return problem(
        status.HTTP_409_CONFLICT,
        str(exc),
        type_=PROBLEM_BASE + "proposal-closed",
        title="This proposal can no longer be approved or declined.",
        proposal_status=exc.status,
        reason=exc.reason,
    )


def _approve(
    services: Services,
    session: Session,
    user_id: str,
    proposal_id: str,
    now: dt.datetime,
    response: Response,
) -> BookingOut | ProblemResponse:
    try:
        approval = approve_and_book(services, user_id, proposal_id, now)
    except ProposalNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such proposal.") from None
    except ProposalClosed as exc:
        return _closed(exc)
    except PaymentMethodMissing:
        return problem(
            status.HTTP_409_CONFLICT,
            "Save a payment method first (PUT /v1/me/payment-method).",
            type_=PROBLEM_BASE + "payment-method-required",
            title="No payment method.",
        )
    except ValidationUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None
    if approval.created:
        response.status_code = status.HTTP_201_CREATED
    session.expire_all()
    return booking_out(session, session.get_one(Booking, approval.booking_id))


def _decline(
    request: Request,
    session: Session,
    user_id: str,
    proposal_id: str,
    reason: str | None,
    now: dt.datetime,
) -> ProposalOut | ProblemResponse:
    try:
        proposal = decline_proposal(session, user_id, proposal_id, reason, now)
    except ProposalNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such proposal.") from None
    except ProposalClosed as exc:
        session.rollback()
        return _closed(exc)
    session.commit()
    return proposal_out(request, session, proposal, now)


def _from_link(
    request: Request, session: Session, token: str, action: str, now: dt.datetime
) -> BookingProposal:
    try:
        proposal_id = proposal_id_from_token(_secret(request), token, action, now)
    except LinkError as exc:
        # 403 with the reason: an expired link is the traveler's to understand.
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"This link cannot be used: {exc}") from None
    except ProposalNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such proposal.") from None
    proposal = session.get(BookingProposal, proposal_id)
    if proposal is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such proposal.")
    return proposal


@router.post("", status_code=status.HTTP_201_CREATED)
def post_proposal(
    body: ProposalIn,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    providers: Providers,
    now: Clock,
) -> ProposalOut:
    """Propose one of the traveler's recommended packages for approval. Every leg is
    re-priced now: if one is gone or dearer than the tolerance allows, the proposal comes
    back ``invalidated`` with the reason."""
    try:
        proposal = create_proposal(
            session,
            user.id,
            body.recommendation_id,
            providers,
            now,
            ttl=dt.timedelta(minutes=body.expires_in_minutes),
            tolerance_bps=round(body.price_tolerance_pct * 100),
        )
    except ProposalNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such recommendation.") from None
    session.commit()
    return proposal_out(request, session, proposal, now)


@router.get("")
def list_proposals(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: Clock,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ProposalList:
    mine = BookingProposal.user_id == user.id
    proposals = session.scalars(
        select(BookingProposal)
        .where(mine)
        .order_by(BookingProposal.created_at.desc(), BookingProposal.id)
        .limit(limit)
        .offset(offset)
    ).all()
    count = session.scalar(select(func.count()).select_from(BookingProposal).where(mine)) or 0
    return ProposalList(
        items=[proposal_out(request, session, p, now) for p in proposals], count=count
    )


# The link routes come before "/{proposal_id}" so "link" is never read as an id.
@router.get("/link")
def view_by_link(request: Request, session: SessionDep, token: str, now: Clock) -> ProposalOut:
    """The proposal behind an alert's link; the signed, expiring token is the credential."""
    proposal = _from_link(request, session, token, VIEW_ACTION, now)
    return proposal_out(request, session, proposal, now)


@router.post("/link/approve", status_code=status.HTTP_200_OK)
def approve_by_link(
    request: Request,
    response: Response,
    session: SessionDep,
    services: Services,
    token: str,
    now: Clock,
) -> BookingOut:
    """One-click approval from an alert: books the trip with the traveler's saved card."""
    proposal = _from_link(request, session, token, APPROVE_ACTION, now)
    return _approve(services, session, proposal.user_id, proposal.id, now, response)


@router.post("/link/decline")
def decline_by_link(
    request: Request,
    session: SessionDep,
    token: str,
    now: Clock,
    reason: Annotated[str | None, Query(max_length=400)] = None,
) -> ProposalOut:
    proposal = _from_link(request, session, token, DECLINE_ACTION, now)
    return _decline(request, session, proposal.user_id, proposal.id, reason, now)


@router.get("/{proposal_id}")
def get_proposal(
    proposal_id: str, request: Request, session: SessionDep, user: CurrentUser, now: Clock
) -> ProposalOut:
    try:
        proposal = owned_proposal(session, user.id, proposal_id)
    except ProposalNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such proposal.") from None
    return proposal_out(request, session, proposal, now)


@router.post("/{proposal_id}/approve", status_code=status.HTTP_200_OK)
def approve(
    proposal_id: str,
    response: Response,
    session: SessionDep,
    user: CurrentUser,
    services: Services,
    now: Clock,
) -> BookingOut:
    """Approve: 201 with the booking the saga made (``confirmed``, or ``failed`` with the
    reason and nothing charged); 200 with the same booking for any later approval; 409 when
    the proposal expired, was declined or is no longer valid."""
    return _approve(services, session, user.id, proposal_id, now, response)


@router.post("/{proposal_id}/decline")
def decline(
    proposal_id: str,
    body: DeclineIn,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: Clock,
) -> ProposalOut:
    """Decline with an optional reason, which preference learning reads."""
    return _decline(request, session, user.id, proposal_id, body.reason, now)
