"""The proposal review page behind the emailed link: what it shows, and approving or declining
from it, through the real app (localstripe and the simulator behind it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from booking.platform_proposals import propose_for_watches
from booking.proposals import review_url
from serving.app import create_app
from serving.routers.bookings import booking_clock, booking_providers, booking_services
from tests.booking.saga_fixtures import AT, BookingWorld
from wayra.opstore.booking_models import Booking, BookingProposal
from wayra.opstore.models import RecommendationFeedback
from wayra.settings import Settings

pytestmark = pytest.mark.xdist_group("stripe")


@pytest.fixture
def client(stripe_world: BookingWorld, data_dir) -> Iterator[TestClient]:
    app = create_app(Settings())
    app.dependency_overrides[booking_clock] = lambda: AT
    app.dependency_overrides[booking_providers] = lambda: stripe_world.market
    app.dependency_overrides[booking_services] = lambda: stripe_world.services()
    with TestClient(app) as test_client:
        yield test_client


def _proposed(world: BookingWorld, **traveler) -> tuple[BookingProposal, str]:
    """A platform proposal and the path of its emailed review link."""
    world.traveler(automation_mode="propose", **traveler)
    propose_for_watches(world.session_factory, world.market, AT)
    with world.session_factory() as session:
        proposal = session.scalars(select(BookingProposal)).one()
    url = review_url(Settings().signing_secret.get_secret_value().encode(), "http://t", proposal)
    parts = urlsplit(url)
    return proposal, f"{parts.path}?{parts.query}"


def _form_action(html: str, label: str) -> str:
    """The action of the form whose button reads ``label``."""
    form = next(f for f in html.split("<form")[1:] if label in f)
    return form.split('action="')[1].split('"')[0].replace("&amp;", "&")


def test_the_page_shows_the_package_and_both_choices_and_cannot_be_framed(
    stripe_world: BookingWorld, client: TestClient
) -> None:
    proposal, path = _proposed(stripe_world)

    page = client.get(path)

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert "LHR → JFK, 12 May 2026 – 17 May 2026" in page.text
    assert f"{proposal.total_minor / 100:,.2f} EUR" in page.text
    assert "prices rise from here" in page.text  # the advice
    assert "Approve and book" in page.text and "Decline" in page.text
    # The page itself books nothing.
    with stripe_world.session_factory() as session:
        assert session.scalars(select(Booking)).all() == []


def test_approving_from_the_page_books_once(stripe_world: BookingWorld, client: TestClient) -> None:
    _, path = _proposed(stripe_world)
    approve = _form_action(client.get(path).text, "Approve and book")

    first = client.post(approve)
    again = client.post(approve)  # a double click, or the back button and submit again

    assert first.status_code == 200, first.text
    assert "Your trip is booked" in first.text and "ref. " in first.text
    assert "Your trip is booked" in again.text
    with stripe_world.session_factory() as session:
        (booking,) = session.scalars(select(Booking)).all()
    assert booking.state == "confirmed"
    (intent,) = stripe_world.intents(booking.id)
    assert intent.captured and intent.amount_minor == booking.total_minor
    # The review link now shows the booking, not the choices.
    after = client.get(path).text
    assert "Your trip is booked" in after and "Approve and book" not in after


def test_declining_from_the_page_records_the_reason_for_preference_learning(
    stripe_world: BookingWorld, client: TestClient
) -> None:
    proposal, path = _proposed(stripe_world)
    decline = _form_action(client.get(path).text, "Decline")

    page = client.post(decline, data={"reason": "hotel too far from the centre"})

    assert page.status_code == 200 and "Declined" in page.text
    with stripe_world.session_factory() as session:
        stored = session.get_one(BookingProposal, proposal.id)
        feedback = session.scalars(select(RecommendationFeedback)).one()
    assert (stored.status, stored.decline_reason) == ("declined", "hotel too far from the centre")
    assert feedback.kind == "dismissed" and "hotel too far" in feedback.reason
    assert "Approve and book" not in client.get(path).text  # declined: no more choices


def test_a_forged_an_expired_or_a_misused_link_books_nothing(
    stripe_world: BookingWorld, client: TestClient
) -> None:
    _, path = _proposed(stripe_world)
    approve = _form_action(client.get(path).text, "Approve and book")

    forged = client.post(approve[:-3] + "xyz")
    view_token_as_approval = client.post("/proposals/review/approve?" + path.split("?")[1])
    client.app.dependency_overrides[booking_clock] = lambda: AT + dt.timedelta(hours=1)
    expired = client.post(approve)

    assert forged.status_code == 403 and "This link cannot be used" in forged.text
    assert view_token_as_approval.status_code == 404
    assert expired.status_code == 403 and "expired" in expired.text
    with stripe_world.session_factory() as session:
        assert session.scalars(select(Booking)).all() == []
