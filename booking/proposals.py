"""Booking proposals: a recommended package offered for approval until it expires.

A proposal freezes what the traveler is asked to approve (legs, price, savings, risk, the
buy/wait advice) and is pre-validated when created: a leg already sold out or priced beyond
the traveler's tolerance makes it ``invalidated`` with the reason, before anyone is asked.
Approval (``booking.approval``) validates again. A declined proposal's reason becomes
"dismissed" feedback on the recommendation, which preference learning reads.

The one-click links in alerts carry signed, expiring tokens (``wayra.notifications.links``)
naming the proposal and one action; they expire with the proposal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import update
from sqlalchemy.orm import Session

from booking.services import BookingProvider
from booking.validation import ValidationUnavailable, record_validation, validate_package
from wayra.notifications.links import make_link_token, read_link_token
from wayra.opstore.booking_models import BookingProposal
from wayra.opstore.models import (
    Recommendation,
    RecommendationFeedback,
    Watch,
    WatchRecommendationSummary,
    new_id,
)

DEFAULT_TTL = dt.timedelta(minutes=30)
DEFAULT_TOLERANCE_BPS = 200  # a leg may cost up to 2% more than quoted

VIEW_ACTION = "view_proposal"
APPROVE_ACTION = "approve_proposal"
DECLINE_ACTION = "decline_proposal"
LINK_PATHS = {
    VIEW_ACTION: "/v1/proposals/link",
    APPROVE_ACTION: "/v1/proposals/link/approve",
    DECLINE_ACTION: "/v1/proposals/link/decline",
}
REVIEW_PAGE = "/proposals/review"  # the web page a proposal email links to (serving)


class ProposalNotFound(LookupError):
    """No such proposal or recommendation for this traveler (existence is not leaked)."""


class ProposalClosed(Exception):
    """The proposal can no longer be approved or declined."""

    def __init__(self, status: str, reason: str | None = None) -> None:
        super().__init__(f"the proposal is {status}" + (f": {reason}" if reason else ""))
        self.status = status
        self.reason = reason


def effective_status(proposal: BookingProposal, now: dt.datetime) -> str:
    """The stored status, except that an open proposal past its expiry reads as expired."""
    if proposal.status == "open" and proposal.expires_at <= now:
        return "expired"
    return proposal.status


def owned_proposal(session: Session, user_id: str, proposal_id: str) -> BookingProposal:
    proposal = session.get(BookingProposal, proposal_id)
    if proposal is None or proposal.user_id != user_id:
        raise ProposalNotFound(proposal_id)
    return proposal


def create_proposal(
    session: Session,
    user_id: str,
    recommendation_id: str,
    providers: Mapping[str, BookingProvider],
    now: dt.datetime,
    *,
    origin: str = "traveler",
    ttl: dt.timedelta = DEFAULT_TTL,
    tolerance_bps: int = DEFAULT_TOLERANCE_BPS,
) -> BookingProposal:
    """A proposal for one of the traveler's recommended packages, pre-validated at ``now``.
    Added to ``session`` (the caller commits)."""
    recommendation = session.get(Recommendation, recommendation_id)
    watch = session.get(Watch, recommendation.watch_id) if recommendation else None
    if recommendation is None or watch is None or watch.user_id != user_id:
        raise ProposalNotFound(recommendation_id)
    summary = session.get(WatchRecommendationSummary, (recommendation.version, watch.id))
    try:
        # Re-pricing calls providers: done before this session writes anything, so no
        # transaction (or SQLite write lock) is held across the network.
        validation = validate_package(
            recommendation.legs, recommendation.currency, tolerance_bps, providers, now
        )
    except ValidationUnavailable:
        validation = None  # approval validates again; the traveler can still be asked
    proposal = BookingProposal(
        id=new_id(),
        user_id=user_id,
        watch_id=watch.id,
        recommendation_id=recommendation.id,
        origin=origin,
        status="open",
        legs=list(recommendation.legs),
        total_minor=recommendation.total_minor,
        currency=recommendation.currency,
        fx_rate_date=recommendation.fx_rate_date,
        departure_date=recommendation.departure_date,
        return_date=recommendation.return_date,
        saving_vs_first_minor=recommendation.saving_vs_first_minor,
        saving_vs_typical_minor=recommendation.saving_vs_typical_minor,
        risk_score=recommendation.risk_score,
        risk=recommendation.risk,
        advice=summary.advice if summary is not None else None,
        price_tolerance_bps=tolerance_bps,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(proposal)
    session.flush()
    if validation is not None:
        proposal.validation = validation.as_json()
        if not validation.valid:
            proposal.status = "invalidated"
            proposal.invalid_reason = validation.reason
        record_validation(session, validation, proposal_id=proposal.id, purpose="proposal")
    return proposal


def decline_proposal(
    session: Session, user_id: str, proposal_id: str, reason: str | None, now: dt.datetime
) -> BookingProposal:
    """Decline an open proposal; its reason becomes feedback for preference learning."""
    proposal = owned_proposal(session, user_id, proposal_id)
    declined = session.execute(
        update(BookingProposal)
        .where(
            BookingProposal.id == proposal_id,
            BookingProposal.status == "open",
            BookingProposal.expires_at > now,
        )
        .values(status="declined", decided_at=now, decline_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(proposal)
    if declined != 1:
        raise ProposalClosed(effective_status(proposal, now), proposal.invalid_reason)
    if proposal.recommendation_id is not None:
        session.add(
            RecommendationFeedback(
                recommendation_id=proposal.recommendation_id,
                user_id=user_id,
                kind="dismissed",
                reason=f"declined booking proposal: {reason}" if reason else "declined booking",
                created_at=now,
            )
        )
    return proposal


def expire_proposals(session: Session, now: dt.datetime) -> int:
    """Persist "expired" for open proposals past their expiry; returns how many."""
    return session.execute(
        update(BookingProposal)
        .where(BookingProposal.status == "open", BookingProposal.expires_at <= now)
        .values(status="expired")
        .execution_options(synchronize_session=False)
    ).rowcount


@dataclass(frozen=True, slots=True)
class ProposalLinks:
    view: str
    approve: str
    decline: str


def proposal_links(secret: bytes, base_url: str, proposal: BookingProposal) -> ProposalLinks:
    """One-click links for an alert or email, valid until the proposal expires. Approving
    and declining are POSTs: a mail client prefetching links must not book a trip."""

    def url(action: str) -> str:
        token = make_link_token(secret, proposal.id, action, proposal.expires_at)
        return f"{base_url.rstrip('/')}{LINK_PATHS[action]}?{urlencode({'token': token})}"

    return ProposalLinks(url(VIEW_ACTION), url(APPROVE_ACTION), url(DECLINE_ACTION))


def review_url(secret: bytes, base_url: str, proposal: BookingProposal) -> str:
    """The signed web page where the traveler reviews, approves or declines ``proposal``;
    its token is a view token, valid until the proposal expires."""
    token = make_link_token(secret, proposal.id, VIEW_ACTION, proposal.expires_at)
    return f"{base_url.rstrip('/')}{REVIEW_PAGE}?{urlencode({'token': token})}"


def proposal_id_from_token(secret: bytes, token: str, action: str, now: dt.datetime) -> str:
    """The proposal a genuine, unexpired token names for ``action``; raises
    ``wayra.notifications.links.LinkError`` otherwise (and ``ProposalNotFound`` for a token
    made for another action)."""
    claims = read_link_token(secret, token, now)
    if claims.action != action:
        raise ProposalNotFound(claims.alert_id)
    return claims.alert_id
