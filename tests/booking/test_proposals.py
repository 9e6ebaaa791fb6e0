"""Proposals: frozen packages with an expiry, pre-validated leg by leg; approval, decline
and the signed one-click links. No Stripe here: approval itself calls no payment API."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from booking.approval import PaymentMethodMissing, approve_proposal
from booking.proposals import (
    APPROVE_ACTION,
    DECLINE_ACTION,
    ProposalClosed,
    ProposalNotFound,
    decline_proposal,
    effective_status,
    proposal_id_from_token,
    proposal_links,
)
from booking.services import BookingServices
from booking.validation import ValidationUnavailable
from tests.booking.saga_fixtures import (
    AT,
    PROVIDER_DOWN,
    BookingWorld,
    ScriptedProvider,
    booking_ids,
    raise_,
)
from wayra.notifications.links import LinkError
from wayra.opstore.booking_models import (
    Booking,
    BookingDecision,
    BookingLeg,
    BookingPayment,
    BookingProposal,
)
from wayra.opstore.models import Recommendation, RecommendationFeedback
from wayra.providers.base import RepriceResult

SECRET = b"test-signing-secret"


def _services(world: BookingWorld, providers=None) -> BookingServices:
    # Approval only re-prices and writes rows: no payment call is made, so no Stripe.
    return BookingServices(world.session_factory, None, None, providers or world.market)  # type: ignore[arg-type]


def _proposal(world: BookingWorld, proposal_id: str) -> BookingProposal:
    with world.session_factory() as session:
        return session.get_one(BookingProposal, proposal_id)


def _dearer(percent: float, kind_provider: str, world: BookingWorld) -> dict:
    """The market with one provider quoting ``percent`` more than the real price."""

    def reprice(real, offer_id, at):
        quote = real()
        return dataclasses.replace(
            quote, total_minor=round(quote.total_minor * (1 + percent / 100))
        )

    return world.market | {
        kind_provider: ScriptedProvider(world.market[kind_provider], {("reprice", 0): reprice})
    }


def test_a_proposal_freezes_the_package_and_expires_in_30_minutes(world: BookingWorld) -> None:
    traveler = world.traveler("GBP")
    proposal = _proposal(world, world.propose(traveler))
    with world.session_factory() as session:
        recommendation = session.get_one(Recommendation, traveler.recommendation_ids[0])
        decisions = session.scalars(
            select(BookingDecision).where(BookingDecision.proposal_id == proposal.id)
        ).all()

    assert proposal.status == "open" and proposal.origin == "traveler"
    assert proposal.expires_at - proposal.created_at == dt.timedelta(minutes=30)
    assert (proposal.total_minor, proposal.currency) == (recommendation.total_minor, "GBP")
    assert proposal.legs == recommendation.legs
    assert proposal.saving_vs_first_minor == recommendation.saving_vs_first_minor
    assert proposal.risk_score == recommendation.risk_score and proposal.risk is not None
    assert proposal.advice["action"] == "BUY_NOW"
    assert [leg["valid"] for leg in proposal.validation] == [True, True, True]
    assert [leg["moved_bps"] for leg in proposal.validation] == [0, 0, 0]
    # One decision per leg and one for the package, each with what it saw.
    assert sorted((d.decision, d.subject, d.outcome) for d in decisions) == [
        ("leg_validation", "hotel", "valid"),
        ("leg_validation", "inbound", "valid"),
        ("leg_validation", "outbound", "valid"),
        ("package_validation", "proposal", "valid"),
    ]
    assert all("tolerance_bps" in d.conditions for d in decisions if d.subject != "proposal")


def test_a_price_beyond_the_tolerance_invalidates_the_proposal(world: BookingWorld) -> None:
    traveler = world.traveler()
    world.market = _dearer(3, "sim_hotel_direct", world)

    rose = _proposal(world, world.propose(traveler))
    tolerated = _proposal(world, world.propose(traveler, tolerance_bps=500))

    assert rose.status == "invalidated"
    assert rose.invalid_reason.startswith("hotel: price rose 3.")
    assert "tolerance 2.00%" in rose.invalid_reason
    assert tolerated.status == "open"


def test_a_sold_out_leg_invalidates_the_proposal_at_approval(world: BookingWorld) -> None:
    traveler = world.traveler()
    proposal_id = world.propose(traveler)
    hotel = _proposal(world, proposal_id).legs[2]
    provider = world.market[hotel["provider"]]
    # Other travelers take every room left before this one approves.
    rooms_left = provider.reprice(hotel["offer_id"], AT).remaining
    for other in range(rooms_left):
        assert provider.book(hotel["offer_id"], AT, f"someone-else-{other}").success

    with pytest.raises(ProposalClosed) as closed:
        approve_proposal(_services(world), traveler.user_id, proposal_id, AT)

    assert closed.value.status == "invalidated"
    assert closed.value.reason == "hotel: sold_out"
    assert _proposal(world, proposal_id).status == "invalidated"
    assert booking_ids(world.session_factory) == []
    with world.session_factory() as session:
        approval_checks = session.scalars(
            select(BookingDecision.outcome).where(
                BookingDecision.proposal_id == proposal_id,
                BookingDecision.decision == "package_validation",
            )
        ).all()
    assert approval_checks == ["valid", "invalid"]  # at creation, then at approval


def test_approval_creates_the_booking_in_validated_state(world: BookingWorld) -> None:
    traveler = world.traveler("JPY")
    proposal_id = world.propose(traveler)

    approval = approve_proposal(_services(world), traveler.user_id, proposal_id, AT)
    again = approve_proposal(_services(world), traveler.user_id, proposal_id, AT)

    assert approval.created and approval.lease_owner
    assert (again.booking_id, again.created) == (approval.booking_id, False)
    with world.session_factory() as session:
        booking = session.get_one(Booking, approval.booking_id)
        legs = session.scalars(select(BookingLeg).order_by(BookingLeg.position)).all()
        payment = session.get_one(BookingPayment, booking.id)
    assert booking.state == "validated" and booking.currency == "JPY"
    assert [leg.step for leg in legs] == ["book_outbound", "book_inbound", "book_hotel"]
    assert sum(leg.charge_minor for leg in legs) == booking.total_minor == payment.amount_minor
    assert payment.fx_rate_date == booking.fx_rate_date <= AT.date()
    assert payment.payment_intent_id is None and payment.status == "pending"
    assert _proposal(world, proposal_id).status == "approved"


def test_an_expired_proposal_cannot_be_approved(world: BookingWorld) -> None:
    traveler = world.traveler()
    proposal_id = world.propose(traveler)
    later = AT + dt.timedelta(minutes=30)

    assert effective_status(_proposal(world, proposal_id), later) == "expired"
    with pytest.raises(ProposalClosed) as closed:
        approve_proposal(_services(world), traveler.user_id, proposal_id, later)
    assert closed.value.status == "expired"
    assert booking_ids(world.session_factory) == []


def test_declining_records_the_reason_as_feedback(world: BookingWorld) -> None:
    traveler = world.traveler()
    proposal_id = world.propose(traveler)

    with world.session_factory.begin() as session:
        decline_proposal(session, traveler.user_id, proposal_id, "hotel too far out", AT)

    with world.session_factory() as session:
        feedback = session.scalars(select(RecommendationFeedback)).one()
    assert (feedback.kind, feedback.recommendation_id) == (
        "dismissed",
        traveler.recommendation_ids[0],
    )
    assert feedback.reason == "declined booking proposal: hotel too far out"
    assert _proposal(world, proposal_id).decline_reason == "hotel too far out"
    with pytest.raises(ProposalClosed, match="declined"):
        approve_proposal(_services(world), traveler.user_id, proposal_id, AT)
    with world.session_factory() as session, pytest.raises(ProposalClosed):
        decline_proposal(session, traveler.user_id, proposal_id, "again", AT)


def test_another_travelers_proposal_does_not_exist(world: BookingWorld) -> None:
    alice, bob = world.traveler(), world.traveler()
    proposal_id = world.propose(alice)
    with pytest.raises(ProposalNotFound):
        approve_proposal(_services(world), bob.user_id, proposal_id, AT)
    with world.session_factory() as session, pytest.raises(ProposalNotFound):
        decline_proposal(session, bob.user_id, proposal_id, None, AT)


def test_approval_needs_a_saved_card(world: BookingWorld) -> None:
    traveler = world.traveler(card=None)
    with pytest.raises(PaymentMethodMissing):
        approve_proposal(_services(world), traveler.user_id, world.propose(traveler), AT)


def test_one_click_links_carry_the_proposal_and_expire_with_it(world: BookingWorld) -> None:
    proposal = _proposal(world, world.propose(world.traveler()))
    links = proposal_links(SECRET, "https://wayra.example/", proposal)
    assert links.approve.startswith("https://wayra.example/v1/proposals/link/approve?token=")
    approve_token = links.approve.split("token=")[1]

    assert proposal_id_from_token(SECRET, approve_token, APPROVE_ACTION, AT) == proposal.id
    with pytest.raises(ProposalNotFound):  # an approve link cannot decline, nor vice versa
        proposal_id_from_token(SECRET, approve_token, DECLINE_ACTION, AT)
    with pytest.raises(LinkError, match="expired"):
        proposal_id_from_token(SECRET, approve_token, APPROVE_ACTION, proposal.expires_at)
    with pytest.raises(LinkError, match="bad signature"):
        proposal_id_from_token(b"another-secret", approve_token, APPROVE_ACTION, AT)


def test_every_invalid_leg_is_named_in_the_reason(world: BookingWorld) -> None:
    traveler = world.traveler()

    def gone(real, offer_id, at):
        return RepriceResult(offer_id, at, False, reason="departed")

    flights = world.market["sim_flight_gds"]
    world.market = world.market | {
        "sim_flight_gds": ScriptedProvider(flights, {("reprice", 0): gone})
    }
    proposal = _proposal(world, world.propose(traveler))
    assert proposal.status == "invalidated"
    assert proposal.invalid_reason == "outbound: departed; inbound: departed"


def test_a_provider_that_cannot_answer_decides_nothing(world: BookingWorld) -> None:
    traveler = world.traveler()
    hotels = world.market["sim_hotel_direct"]
    world.market = world.market | {
        "sim_hotel_direct": ScriptedProvider(hotels, {("reprice", 0): raise_(PROVIDER_DOWN)})
    }

    proposal = _proposal(world, world.propose(traveler))
    assert (proposal.status, proposal.validation) == ("open", None)
    with pytest.raises(ValidationUnavailable):
        approve_proposal(_services(world), traveler.user_id, proposal.id, AT)
    assert _proposal(world, proposal.id).status == "open"  # the traveler may try again
