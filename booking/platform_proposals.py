"""Proposals the platform makes for watches in "propose" mode, and the email that asks for approval.

After each publication, a watch in "propose" mode gets a proposal for its top-ranked package when
the buy/wait advice says BUY_NOW (or no model advises yet) and the package is within the
traveler's budget. The traveler is asked by email, with a signed link to the proposal: the
``proposal_ready`` row of the booking outbox is written in the proposal's own transaction, so
every open platform proposal is announced exactly once (``booking.notifications`` sends it).

Guardrails, so "propose" never turns into a stream of requests:

* not while any proposal for the watch is still open;
* not within :data:`REPROPOSE_AFTER` of the last platform proposal (declined or lapsed),
  unless the new package is at least :data:`REPROPOSE_DROP_BPS` cheaper than that one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from booking.proposals import create_proposal
from booking.services import BookingProvider
from wayra.opstore.booking_models import BookingDecision, BookingNotification, BookingProposal
from wayra.opstore.models import Recommendation, Watch, WatchRecommendationSummary
from wayra.opstore.publication import recommendations_for_watch

REPROPOSE_AFTER = dt.timedelta(hours=24)
REPROPOSE_DROP_BPS = 300  # 3% cheaper than the last platform proposal


@dataclass(frozen=True)
class PlatformProposalReport:
    watches: int  # active watches in propose mode
    outcomes: dict[str, int]  # "proposed", "invalidated", or why a watch got none


def active_watch_ids(session: Session, automation_mode: str) -> list[str]:
    return list(
        session.scalars(
            select(Watch.id)
            .where(Watch.status == "active", Watch.automation_mode == automation_mode)
            .order_by(Watch.id)
        )
    )


def blocker(session: Session, watch: Watch, top: Recommendation, now: dt.datetime) -> str | None:
    """Why the platform does not propose ``top`` for ``watch`` now, or None if it should."""
    if not top.within_budget:
        return "over_budget"
    summary = session.get(WatchRecommendationSummary, (top.version, watch.id))
    advice = summary.advice if summary is not None else None
    if advice is not None and advice.get("action") != "BUY_NOW":
        return "advice_wait"
    proposals = select(BookingProposal).where(BookingProposal.watch_id == watch.id)
    open_one = session.scalars(
        proposals.where(BookingProposal.status == "open", BookingProposal.expires_at > now)
    ).first()
    if open_one is not None:
        return "proposal_open"
    last = session.scalars(
        proposals.where(BookingProposal.origin == "platform")
        .order_by(BookingProposal.created_at.desc())
        .limit(1)
    ).first()
    if last is not None and now - last.created_at < REPROPOSE_AFTER:
        cheaper_by = (last.total_minor - top.total_minor) * 10_000
        if last.currency != top.currency or cheaper_by < REPROPOSE_DROP_BPS * last.total_minor:
            return "recently_proposed"
    return None


def propose_for_watch(
    session: Session,
    watch_id: str,
    providers: Mapping[str, BookingProvider],
    now: dt.datetime,
    **options: object,
) -> BookingProposal | None:
    """The platform's proposal for a watch in "propose" mode (with its ``proposal_ready``
    notification when it is open), or None when the watch gets none now. Added to ``session``;
    the caller commits."""
    watch = session.get(Watch, watch_id)
    if watch is None or watch.status != "active" or watch.automation_mode != "propose":
        return None
    _, packages = recommendations_for_watch(session, watch.id)
    if not packages or blocker(session, watch, packages[0], now) is not None:
        return None
    return platform_proposal(session, watch, packages[0], providers, now, **options)


def platform_proposal(
    session: Session,
    watch: Watch,
    top: Recommendation,
    providers: Mapping[str, BookingProvider],
    now: dt.datetime,
    *,
    notify: bool = True,
    **options: object,
) -> BookingProposal:
    """A platform proposal for ``top`` with its decision-log entry and, when it is open and
    ``notify``, the ``proposal_ready`` email (automatic booking approves it instead)."""
    proposal = create_proposal(
        session, watch.user_id, top.id, providers, now, origin="platform", **options
    )
    session.add(
        BookingDecision(
            proposal_id=proposal.id,
            decision="auto_proposal",
            subject="watch",
            outcome=proposal.status,
            conditions={"watch_id": watch.id, "automation_mode": watch.automation_mode},
            reasons=[
                f"top-ranked package of version {top.version} for a watch in "
                f"{watch.automation_mode} mode"
            ],
            decided_at=now,
        )
    )
    if notify and proposal.status == "open":  # an invalidated one is not worth asking about
        session.add(
            BookingNotification(
                proposal_id=proposal.id,
                user_id=watch.user_id,
                kind="proposal_ready",
                payload={"proposal_id": proposal.id, "watch_id": watch.id},
                created_at=now,
                next_attempt_at=now,
            )
        )
    return proposal


def propose_for_watches(
    session_factory: sessionmaker[Session],
    providers: Mapping[str, BookingProvider],
    now: dt.datetime,
) -> PlatformProposalReport:
    """Every active watch in "propose" mode, each in its own transaction."""
    with session_factory() as session:
        watch_ids = active_watch_ids(session, "propose")
    outcomes: Counter[str] = Counter()
    for watch_id in watch_ids:
        with session_factory.begin() as session:
            watch = session.get_one(Watch, watch_id)
            _, packages = recommendations_for_watch(session, watch_id)
            reason = blocker(session, watch, packages[0], now) if packages else "no_packages"
            if reason is not None:
                outcomes[reason] += 1
                continue
            proposal = platform_proposal(session, watch, packages[0], providers, now)
            outcomes["proposed" if proposal.status == "open" else "invalidated"] += 1
    return PlatformProposalReport(len(watch_ids), dict(outcomes))
