"""Booking on the traveler's behalf, for watches in "auto" mode, inside the rules they set.

After each publication a watch in "auto" mode is booked when every guardrail holds:

* the buy/wait model advises BUY_NOW (without a model's advice Wayra never spends money);
* the top-ranked package fits the watch's budget (and its other constraints, which ranking
  already applies);
* the traveler has saved a card;
* the watch has no booking yet, other than failed ones (nothing was charged): a booking in
  progress, confirmed or cancelled by the traveler ends automatic booking for the watch;
* no proposal for the watch is open;
* within a day of the last attempt only for a package at least 3% cheaper (the same rule as
  for proposals: a failed attempt is not retried on every publication);
* at approval every leg is re-priced and must still be within the traveler's tolerance.

The booking then goes through the very path a traveler's one-click approval takes: a platform
proposal, approved at once, and the saga (authorize, book every leg, capture, or undo it all).
The traveler hears the outcome from the booking outbox (confirmed, or failed with nothing
charged). Every attempt is in the decision log.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from booking.approval import PaymentMethodMissing, approve_and_book
from booking.platform_proposals import active_watch_ids, blocker, platform_proposal
from booking.proposals import ProposalClosed
from booking.services import BookingServices
from booking.validation import ValidationUnavailable
from wayra.opstore.booking_models import Booking, BookingProposal, PaymentProfile
from wayra.opstore.models import Watch, WatchRecommendationSummary
from wayra.opstore.publication import recommendations_for_watch


@dataclass(frozen=True)
class AutoBookingReport:
    watches: int  # active watches in auto mode
    outcomes: dict[str, int]  # "booked_<state>", or why a watch was not booked


def auto_book_watches(services: BookingServices, now: dt.datetime) -> AutoBookingReport:
    """Every active watch in "auto" mode: book it if the guardrails allow."""
    with services.session_factory() as session:
        watch_ids = active_watch_ids(session, "auto")
    outcomes: Counter[str] = Counter()
    for watch_id in watch_ids:
        outcomes[_auto_book(services, watch_id, now)] += 1
    return AutoBookingReport(len(watch_ids), dict(outcomes))


def _auto_book(services: BookingServices, watch_id: str, now: dt.datetime) -> str:
    with services.session_factory.begin() as session:
        watch = session.get_one(Watch, watch_id)
        _, packages = recommendations_for_watch(session, watch_id)
        if not packages:
            return "no_packages"
        top = packages[0]
        reason = _auto_blocker(session, watch, top.version, now) or blocker(
            session, watch, top, now
        )
        if reason is not None:
            return reason
        proposal = platform_proposal(session, watch, top, services.providers, now, notify=False)
        if proposal.status != "open":
            return "invalidated"
        user_id, proposal_id = watch.user_id, proposal.id
    try:
        approval = approve_and_book(services, user_id, proposal_id, now)
    except ProposalClosed:
        return "invalidated"  # a leg moved between proposing and approving
    except PaymentMethodMissing:
        return "no_payment_method"  # the card was removed in between
    except ValidationUnavailable:
        return "providers_unavailable"
    with services.session_factory() as session:
        return f"booked_{session.get_one(Booking, approval.booking_id).state}"


def _auto_blocker(session, watch: Watch, version: int, now: dt.datetime) -> str | None:
    summary = session.get(WatchRecommendationSummary, (version, watch.id))
    if summary is None or summary.advice is None:
        return "no_advice"
    profile = session.get(PaymentProfile, watch.user_id)
    if profile is None or profile.default_payment_method_id is None:
        return "no_payment_method"
    served = session.scalar(
        select(Booking.id)
        .join(BookingProposal, BookingProposal.id == Booking.proposal_id)
        .where(BookingProposal.watch_id == watch.id, Booking.state != "failed")
        .limit(1)
    )
    return "already_booked" if served is not None else None
