"""Proposals the platform makes for watches in "propose" mode: when, how often, and the email
that asks the traveler (a real SMTP server on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from booking.notifications import send_booking_notifications
from booking.platform_proposals import propose_for_watch, propose_for_watches
from booking.proposals import VIEW_ACTION, proposal_id_from_token
from tests.booking.saga_fixtures import AT, BookingWorld, scripted
from tests.notifications.conftest import RecordingHandler
from wayra.opstore.booking_models import BookingNotification, BookingProposal
from wayra.opstore.models import Recommendation, WatchRecommendationSummary
from wayra.providers.base import RepriceResult
from wayra.settings import Settings

LATER = AT + dt.timedelta(hours=1)  # the first proposal (30 minutes) has lapsed


def _proposals(world: BookingWorld, watch_id: str) -> list[BookingProposal]:
    with world.session_factory() as session:
        return list(
            session.scalars(
                select(BookingProposal)
                .where(BookingProposal.watch_id == watch_id)
                .order_by(BookingProposal.created_at)
            )
        )


def _notifications(world: BookingWorld) -> list[BookingNotification]:
    with world.session_factory() as session:
        return list(session.scalars(select(BookingNotification)))


def _set_price(world: BookingWorld, recommendation_id: str, factor: float) -> None:
    with world.session_factory.begin() as session:
        rec = session.get_one(Recommendation, recommendation_id)
        rec.total_minor = round(rec.total_minor * factor)


def test_only_watches_in_propose_mode_get_one_and_not_twice_while_open(
    world: BookingWorld,
) -> None:
    manual = world.traveler()
    assisted = world.traveler(automation_mode="propose")
    with world.session_factory.begin() as session:
        assert propose_for_watch(session, manual.watch_id, world.market, AT) is None
        proposal = propose_for_watch(session, assisted.watch_id, world.market, AT)
        assert proposal is not None and proposal.origin == "platform"
        assert proposal.recommendation_id == assisted.recommendation_ids[0]
        assert propose_for_watch(session, assisted.watch_id, world.market, AT) is None
    # The proposal and the email asking for it were written together.
    (notification,) = _notifications(world)
    assert (notification.kind, notification.proposal_id) == ("proposal_ready", proposal.id)
    assert notification.booking_id is None and notification.next_attempt_at == AT


@pytest.mark.parametrize(
    ("change", "reason"),
    [("advice_wait", "advice_wait"), ("over_budget", "over_budget")],
)
def test_no_proposal_when_the_model_says_wait_or_the_budget_says_no(
    world: BookingWorld, change: str, reason: str
) -> None:
    traveler = world.traveler(automation_mode="propose")
    with world.session_factory.begin() as session:
        if change == "advice_wait":
            session.execute(
                update(WatchRecommendationSummary)
                .where(WatchRecommendationSummary.watch_id == traveler.watch_id)
                .values(advice={"action": "WAIT", "explanation": "prices usually dip"})
            )
        else:
            session.execute(
                update(Recommendation)
                .where(Recommendation.watch_id == traveler.watch_id)
                .values(within_budget=False)
            )

    report = propose_for_watches(world.session_factory, world.market, AT)

    assert report.outcomes == {reason: 1}
    assert _proposals(world, traveler.watch_id) == []


def test_after_a_lapsed_proposal_only_a_clearly_cheaper_package_comes_back_within_a_day(
    world: BookingWorld,
) -> None:
    traveler = world.traveler(automation_mode="propose")
    top = traveler.recommendation_ids[0]
    assert propose_for_watches(world.session_factory, world.market, AT).outcomes == {"proposed": 1}

    # An hour later, the same package at the same price: the traveler was asked already.
    assert propose_for_watches(world.session_factory, world.market, LATER).outcomes == {
        "recently_proposed": 1
    }
    _set_price(world, top, 0.99)  # 1% cheaper is not news either
    assert propose_for_watches(world.session_factory, world.market, LATER).outcomes == {
        "recently_proposed": 1
    }
    _set_price(world, top, 0.96)  # about 5% below the first proposal: ask again
    assert propose_for_watches(world.session_factory, world.market, LATER).outcomes == {
        "proposed": 1
    }
    # A day after the last one, the platform asks again at any price.
    next_day = LATER + dt.timedelta(hours=24, minutes=1)
    assert propose_for_watches(world.session_factory, world.market, next_day).outcomes == {
        "proposed": 1
    }
    assert len(_proposals(world, traveler.watch_id)) == 3
    assert len(_notifications(world)) == 3


def test_an_invalidated_proposal_is_not_announced(world: BookingWorld) -> None:
    traveler = world.traveler(automation_mode="propose")
    market = scripted(world.market, "sim_hotel_direct", {("reprice", 0): _gone})

    report = propose_for_watches(world.session_factory, market, AT)

    assert report.outcomes == {"invalidated": 1}
    (proposal,) = _proposals(world, traveler.watch_id)
    assert proposal.status == "invalidated" and proposal.invalid_reason
    assert _notifications(world) == []


def _gone(real, offer_id, at):
    return RepriceResult(offer_id, at, available=False, reason="sold_out")


def test_the_traveler_is_emailed_a_signed_review_link_once(
    world: BookingWorld, smtp_server
) -> None:
    traveler = world.traveler("EUR", automation_mode="propose")
    propose_for_watches(world.session_factory, world.market, AT)
    (proposal,) = _proposals(world, traveler.watch_id)
    handler = RecordingHandler()
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=smtp_server(handler).port,
        public_base_url="https://wayra.example",
    )

    assert send_booking_notifications(world.session_factory, settings, AT).sent == 1
    assert send_booking_notifications(world.session_factory, settings, AT).sent == 0

    (mail,) = handler.received
    message = email.message_from_bytes(mail.content, policy=email.policy.default)
    total = f"{proposal.total_minor / 100:,.2f} EUR"
    assert message["Subject"] == f"Ready to book: LHR → JFK, 12 May 2026 – 17 May 2026 for {total}"
    text = message.get_body(("plain",)).get_content()
    assert "prices rise from here" in text  # the advice, as the model phrased it
    assert "nothing is booked or charged until you do" in text
    link = next(line for line in text.splitlines() if "/proposals/review?token=" in line)
    assert link.startswith("https://wayra.example/proposals/review?token=")
    token = parse_qs(urlsplit(link).query)["token"][0]
    secret = settings.signing_secret.get_secret_value().encode()
    assert proposal_id_from_token(secret, token, VIEW_ACTION, AT) == proposal.id


def test_a_proposal_closed_before_its_email_goes_out_is_not_announced(
    world: BookingWorld, smtp_server
) -> None:
    world.traveler(automation_mode="propose")
    propose_for_watches(world.session_factory, world.market, AT)
    handler = RecordingHandler()
    settings = Settings(smtp_host="127.0.0.1", smtp_port=smtp_server(handler).port)

    report = send_booking_notifications(world.session_factory, settings, LATER)  # lapsed

    assert (report.sent, report.failed) == (0, 1)
    assert handler.received == []
    (notification,) = _notifications(world)
    assert "the proposal is expired" in notification.last_error
