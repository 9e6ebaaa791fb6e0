"""The booking outbox: every final state is emailed to the traveler once, through a real SMTP
server on 127.0.0.1, with the real saga (localstripe and the simulator's providers) behind it."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest
from sqlalchemy import select

from booking.notifications import BookingEmailSender, send_booking_notifications
from tests.booking.saga_fixtures import AT, BookingWorld, scripted, sold_out
from tests.notifications.conftest import RecordingHandler
from wayra.opstore.booking_models import BookingNotification
from wayra.opstore.db import downgrade, migrate
from wayra.opstore.models import User
from wayra.outbox import STUCK_AFTER
from wayra.settings import Settings

pytestmark = pytest.mark.xdist_group("stripe")


class Crash(BaseException):
    """The process dies: not an Exception, so nothing on the way catches it."""


def _settings(port: int) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_sender="trips@wayra.example")


def _notification(world: BookingWorld, booking_id: str) -> BookingNotification:
    with world.session_factory() as session:
        return session.scalars(
            select(BookingNotification).where(BookingNotification.booking_id == booking_id)
        ).one()


def _email_of(world: BookingWorld, user_id: str) -> str:
    with world.session_factory() as session:
        return session.get_one(User, user_id).email


def test_a_confirmed_booking_is_emailed_once_with_its_itinerary_and_charge(
    stripe_world: BookingWorld, smtp_server
) -> None:
    traveler = stripe_world.traveler("GBP")
    booking_id, state = stripe_world.book(traveler)
    assert state == "confirmed"
    handler = RecordingHandler()
    settings = _settings(smtp_server(handler).port)

    report = send_booking_notifications(stripe_world.session_factory, settings, AT)
    assert (report.sent, report.failed, report.unconfirmed) == (1, 0, 0)
    # The next pass finds nothing left to send.
    assert send_booking_notifications(stripe_world.session_factory, settings, AT).sent == 0

    (mail,) = handler.received
    assert mail.rcpt_tos == [_email_of(stripe_world, traveler.user_id)]
    message = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert message["Subject"].startswith("Booked: LHR → JFK, 12 May 2026 – ")
    text = message.get_body(("plain",)).get_content()
    view = stripe_world.view(booking_id)
    charged = f"{view.booking.total_minor / 100:,.2f} GBP"
    assert f"We charged {charged}" in text
    for leg in view.legs:  # every leg with the provider's reference
        assert leg.booking_ref and f"(ref. {leg.booking_ref})" in text
    assert "Outbound flight: LHR → JFK" in text and "Return flight: JFK → LHR" in text
    html = message.get_body(("html",)).get_content()
    assert charged in html
    stored = _notification(stripe_world, booking_id)
    assert stored.status == "sent" and stored.provider_message_id == message["Message-ID"]


def test_a_failed_booking_tells_the_traveler_nothing_was_charged(
    stripe_world: BookingWorld, smtp_server
) -> None:
    traveler = stripe_world.traveler()
    market = scripted(stripe_world.market, "sim_flight_gds", {("book", 2): sold_out})
    booking_id, state = stripe_world.book(traveler, stripe_world.services(providers=market))
    assert state == "failed"
    stripe_world.nothing_held(booking_id)
    handler = RecordingHandler()

    sent = send_booking_notifications(
        stripe_world.session_factory, _settings(smtp_server(handler).port), AT
    )

    assert sent.sent == 1
    message = email.message_from_bytes(handler.received[0].content, policy=email.policy.default)
    assert message["Subject"].endswith("(nothing was charged)")
    text = message.get_body(("plain",)).get_content()
    assert "sold_out" in text and "Nothing was charged" in text
    assert "ref." not in text  # references of legs that were undone are not shown


def test_a_crash_between_sending_and_recording_sends_no_duplicate(
    stripe_world: BookingWorld, smtp_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking_id, _ = stripe_world.book(stripe_world.traveler())
    handler = RecordingHandler()
    settings = _settings(smtp_server(handler).port)
    real = BookingEmailSender.__call__

    def send_then_crash(self, notification):
        real(self, notification)
        raise Crash

    monkeypatch.setattr(BookingEmailSender, "__call__", send_then_crash)
    with pytest.raises(Crash):
        send_booking_notifications(stripe_world.session_factory, settings, AT)
    monkeypatch.undo()
    assert len(handler.received) == 1
    assert _notification(stripe_world, booking_id).status == "sending"

    # Before the claim times out the row is left alone; after it, it is never sent again.
    assert send_booking_notifications(stripe_world.session_factory, settings, AT).sent == 0
    later = AT + STUCK_AFTER + dt.timedelta(seconds=1)
    report = send_booking_notifications(stripe_world.session_factory, settings, later)
    assert (report.recovered, report.sent) == (1, 0)
    assert len(handler.received) == 1
    assert _notification(stripe_world, booking_id).status == "unconfirmed"


def test_without_an_smtp_server_the_notification_fails_with_the_reason(
    stripe_world: BookingWorld,
) -> None:
    booking_id, _ = stripe_world.book(stripe_world.traveler())
    factory = stripe_world.session_factory

    report = send_booking_notifications(factory, Settings(smtp_host=None), AT)
    assert (report.sent, report.failed) == (0, 1)
    stored = _notification(stripe_world, booking_id)
    assert stored.status == "failed" and "WAYRA_SMTP_HOST" in stored.last_error


def test_a_refused_connection_is_retried_later(
    stripe_world: BookingWorld, closed_port: int, smtp_server
) -> None:
    booking_id, _ = stripe_world.book(stripe_world.traveler())
    factory = stripe_world.session_factory

    assert send_booking_notifications(factory, _settings(closed_port), AT).retrying == 1
    waiting = _notification(stripe_world, booking_id)
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert waiting.next_attempt_at > AT
    handler = RecordingHandler()
    port = smtp_server(handler).port
    assert send_booking_notifications(factory, _settings(port), AT).sent == 0  # not due yet
    assert send_booking_notifications(factory, _settings(port), waiting.next_attempt_at).sent == 1
    assert len(handler.received) == 1


def test_migrating_down_and_up_keeps_the_outbox_rows(stripe_world: BookingWorld) -> None:
    booking_id, _ = stripe_world.book(stripe_world.traveler())
    factory = stripe_world.session_factory
    with factory.begin() as session:
        row = session.scalars(select(BookingNotification)).one()
        row.status = "unconfirmed"  # a status 0006 does not know
    settings = Settings()

    downgrade(settings, "0006")
    migrate(settings)

    stored = _notification(stripe_world, booking_id)
    assert (stored.status, stored.attempts) == ("pending", 0)  # folded back, then due again
    assert stored.next_attempt_at == stored.created_at == AT
