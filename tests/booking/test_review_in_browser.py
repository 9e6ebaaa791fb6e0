"""The whole one-click path in a real browser: the platform proposes, the email arrives at a
real SMTP server, chromium opens its link, the traveler clicks "Approve and book", and the trip
is booked and paid (localstripe) exactly once."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from sqlalchemy import select

from booking.notifications import send_booking_notifications
from booking.platform_proposals import propose_for_watches
from serving.app import create_app
from serving.routers.bookings import booking_clock, booking_providers, booking_services
from tests.booking.saga_fixtures import AT, BookingWorld
from tests.browser import browser_page, chromium_path, live_app
from tests.notifications.conftest import RecordingHandler
from wayra.opstore.booking_models import Booking, BookingProposal
from wayra.settings import Settings

pytestmark = pytest.mark.xdist_group("stripe")


def test_a_traveler_approves_the_emailed_proposal_in_the_browser(
    stripe_world: BookingWorld, data_dir, smtp_server
) -> None:
    chromium_path()  # skip (or fail under CI) before starting anything
    traveler = stripe_world.traveler("GBP", automation_mode="propose")
    app = create_app(Settings())
    app.dependency_overrides[booking_clock] = lambda: AT
    app.dependency_overrides[booking_providers] = lambda: stripe_world.market
    app.dependency_overrides[booking_services] = lambda: stripe_world.services()
    handler = RecordingHandler()

    with live_app(app) as base_url, browser_page() as page:
        propose_for_watches(stripe_world.session_factory, stripe_world.market, AT)
        settings = Settings(
            smtp_host="127.0.0.1", smtp_port=smtp_server(handler).port, public_base_url=base_url
        )
        assert send_booking_notifications(stripe_world.session_factory, settings, AT).sent == 1
        (mail,) = handler.received
        message = email.message_from_bytes(mail.content, policy=email.policy.default)
        html = message.get_body(("html",)).get_content()
        link = re.search(r'href="([^"]+/proposals/review\?token=[^"]+)"', html).group(1)

        page.goto(link.replace("&amp;", "&"))
        assert page.locator("h1").inner_text().startswith("LHR → JFK")
        page.get_by_role("button", name="Approve and book").click()
        page.wait_for_selector("text=Your trip is booked")
        assert page.locator(".kicker").text_content() == "Booked"
        references = page.locator("text=ref. ").all_inner_texts()

    with stripe_world.session_factory() as session:
        (booking,) = session.scalars(select(Booking)).all()
        proposal = session.scalars(select(BookingProposal)).one()
    assert booking.state == "confirmed" and proposal.status == "approved"
    assert booking.user_id == traveler.user_id
    view = stripe_world.view(booking.id)
    assert sorted(r.removeprefix("ref. ") for r in references) == sorted(
        leg.booking_ref for leg in view.legs
    )
    (intent,) = stripe_world.intents(booking.id)
    assert intent.captured and intent.amount_minor == booking.total_minor
