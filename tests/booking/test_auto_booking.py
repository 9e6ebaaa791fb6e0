"""Booking on the traveler's behalf (watches in "auto" mode): booked once, inside the rules,
through the same saga as an approval (localstripe and the simulator's providers)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from booking.auto_booking import auto_book_watches
from booking.platform_proposals import propose_for_watches
from tests.booking.saga_fixtures import AT, BookingWorld, scripted, sold_out
from wayra.opstore.booking_models import (
    Booking,
    BookingDecision,
    BookingNotification,
    BookingProposal,
)
from wayra.opstore.models import WatchRecommendationSummary

pytestmark = pytest.mark.xdist_group("stripe")

LATER = AT + dt.timedelta(hours=1)


def _bookings(world: BookingWorld) -> list[Booking]:
    with world.session_factory() as session:
        return list(session.scalars(select(Booking)))


def test_a_watch_in_auto_mode_is_booked_once_and_the_traveler_told(
    stripe_world: BookingWorld,
) -> None:
    # Each test traveler's packages are a publication of their own: the latest one is read.
    off = stripe_world.traveler()
    traveler = stripe_world.traveler("USD", automation_mode="auto")
    services = stripe_world.services()

    report = auto_book_watches(services, AT)

    assert report.watches == 1 and report.outcomes == {"booked_confirmed": 1}
    (booking,) = _bookings(stripe_world)
    assert booking.user_id == traveler.user_id != off.user_id  # "off" is left alone
    (intent,) = stripe_world.intents(booking.id)
    assert intent.captured and intent.amount_minor == booking.total_minor
    with stripe_world.session_factory() as session:
        proposal = session.get_one(BookingProposal, booking.proposal_id)
        kinds = sorted(n.kind for n in session.scalars(select(BookingNotification)))
        decisions = {d.decision for d in session.scalars(select(BookingDecision))}
    assert (proposal.origin, proposal.status) == ("platform", "approved")
    assert kinds == ["booking_confirmed"]  # told the outcome, not asked for approval
    assert "auto_proposal" in decisions
    # The next publications never book it again, not even a day later.
    assert auto_book_watches(services, LATER).outcomes == {"already_booked": 1}
    assert auto_book_watches(services, AT + dt.timedelta(days=2)).outcomes == {"already_booked": 1}
    assert len(_bookings(stripe_world)) == 1
    # Propose mode does not pick up auto watches either.
    assert (
        propose_for_watches(stripe_world.session_factory, stripe_world.market, LATER).watches == 0
    )


@pytest.mark.parametrize("rule", ["no_advice", "advice_wait", "no_payment_method"])
def test_nothing_is_booked_without_a_buy_signal_or_a_card(
    stripe_world: BookingWorld, rule: str
) -> None:
    traveler = stripe_world.traveler(
        automation_mode="auto", card=None if rule == "no_payment_method" else "pm_card_visa"
    )
    if rule != "no_payment_method":
        advice = None if rule == "no_advice" else {"action": "WAIT", "explanation": "dip ahead"}
        with stripe_world.session_factory.begin() as session:
            session.execute(
                update(WatchRecommendationSummary)
                .where(WatchRecommendationSummary.watch_id == traveler.watch_id)
                .values(advice=advice)
            )

    report = auto_book_watches(stripe_world.services(), AT)

    assert report.outcomes == {rule: 1}
    assert _bookings(stripe_world) == []
    with stripe_world.session_factory() as session:
        assert session.scalars(select(BookingProposal)).all() == []


def test_a_failed_attempt_charges_nothing_and_is_not_retried_on_every_publication(
    stripe_world: BookingWorld,
) -> None:
    stripe_world.traveler(automation_mode="auto")
    market = scripted(stripe_world.market, "sim_flight_gds", {("book", 2): sold_out})
    services = stripe_world.services(providers=market)

    assert auto_book_watches(services, AT).outcomes == {"booked_failed": 1}
    (failed,) = _bookings(stripe_world)
    stripe_world.nothing_held(failed.id)

    # An hour later the same package is not tried again; a day later it is.
    assert auto_book_watches(stripe_world.services(), LATER).outcomes == {"recently_proposed": 1}
    next_day = AT + dt.timedelta(days=1, minutes=1)
    assert auto_book_watches(stripe_world.services(), next_day).outcomes == {"booked_confirmed": 1}
    assert sorted(b.state for b in _bookings(stripe_world)) == ["confirmed", "failed"]
