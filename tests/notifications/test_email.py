"""Email alerts sent to a real SMTP server (aiosmtpd) on 127.0.0.1 and parsed back."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.notifications.conftest import (
    NOW,
    SIGNING_SECRET,
    RecordingHandler,
    alert_message,
)
from wayra.notifications import DeliveryError, build_email, read_link_token, send_email

SENDER = "Wayra <alerts@wayra.example>"
RECIPIENT = "ana@example.com"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _received(handler: RecordingHandler) -> EmailMessage:
    [mail] = handler.received
    return email.message_from_bytes(mail.content, policy=email.policy.default)


def test_alert_email_arrives_with_subject_price_link_and_chart(smtp_server):
    server = smtp_server()
    message = alert_message()

    message_id = send_email(
        build_email(message, SENDER, RECIPIENT), "127.0.0.1", server.port, timeout=5
    )

    assert message_id == "<alert-alert-42.email@wayra>"
    [mail] = server.handler.received
    assert mail.mail_from == "alerts@wayra.example"
    assert mail.rcpt_tos == [RECIPIENT]
    received = _received(server.handler)
    assert received["Message-ID"] == message_id
    assert received["Subject"] == "Price drop: London → New York, 10–17 Jun now 412.30 EUR"
    assert received["To"] == RECIPIENT

    text = received.get_body(("plain",)).get_content()
    html_part = received.get_body(("html",))
    html = html_part.get_content()
    for body in (text, html):
        assert "412.30 EUR" in body
        assert "450.00 EUR" in body
        assert message.link_url in body
    # Autoescaped in HTML, verbatim in text.
    assert "&lt;b&gt;booking&lt;/b&gt; now saves &amp; wins" in html
    assert "<b>booking</b> now saves & wins" in text

    [image] = [part for part in received.walk() if part.get_content_type() == "image/png"]
    content_id = image["Content-ID"].strip("<>")
    assert f'src="cid:{content_id}"' in html
    assert image.get_content_disposition() == "inline"
    png = image.get_content()
    assert png.startswith(PNG_SIGNATURE)
    # The image travels next to the HTML that shows it (multipart/related).
    assert received.get_content_type() == "multipart/alternative"
    related = next(p for p in received.walk() if p.get_content_type() == "multipart/related")
    assert [p.get_content_type() for p in related.iter_parts()] == ["text/html", "image/png"]


def test_the_link_in_the_email_opens_the_alert(smtp_server):
    server = smtp_server()
    send_email(build_email(alert_message(), SENDER, RECIPIENT), "127.0.0.1", server.port)

    text = _received(server.handler).get_body(("plain",)).get_content()
    [link] = [line for line in text.splitlines() if line.startswith("https://wayra.example/")]
    assert urlsplit(link).path == "/v1/alerts/open"
    [token] = parse_qs(urlsplit(link).query)["token"]
    claims = read_link_token(SIGNING_SECRET, token, NOW)
    assert (claims.alert_id, claims.action) == ("alert-42", "open")


def test_no_price_history_means_no_image(smtp_server):
    server = smtp_server()
    send_email(
        build_email(alert_message(chart_points=()), SENDER, RECIPIENT), "127.0.0.1", server.port
    )

    received = _received(server.handler)
    assert not [part for part in received.walk() if part.get_content_maintype() == "image"]
    assert "cid:" not in received.get_body(("html",)).get_content()
    assert "412.30 EUR" in received.get_body(("plain",)).get_content()


def test_urgent_alert_is_marked_in_subject_and_headers():
    built = build_email(alert_message(urgent=True, kind="booking_urgency"), SENDER, RECIPIENT)

    assert built["Subject"].startswith("[Urgent] Book soon: ")
    assert built["Importance"] == "high"


def test_message_is_7bit_so_servers_without_8bitmime_take_it():
    raw = build_email(alert_message(), SENDER, RECIPIENT).as_bytes()

    assert raw.isascii()


def test_connection_refused_is_retryable_and_not_sent(closed_port):
    with pytest.raises(DeliveryError) as caught:
        send_email(build_email(alert_message(), SENDER, RECIPIENT), "127.0.0.1", closed_port)

    assert caught.value.permanent is False
    assert caught.value.maybe_sent is False
    assert caught.value.channel == "email"


class RejectRecipient(RecordingHandler):
    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply = reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        return self.reply


def test_unknown_mailbox_550_is_permanent_and_not_sent(smtp_server):
    handler = RejectRecipient("550 5.1.1 <ana@example.com>: Recipient address rejected")
    server = smtp_server(handler)

    with pytest.raises(DeliveryError) as caught:
        send_email(build_email(alert_message(), SENDER, RECIPIENT), "127.0.0.1", server.port)

    assert caught.value.permanent is True
    assert caught.value.maybe_sent is False
    assert caught.value.code == 550
    assert handler.received == []


def test_greylisted_451_is_retryable_and_not_sent(smtp_server):
    server = smtp_server(RejectRecipient("451 4.7.1 Greylisted, try again later"))

    with pytest.raises(DeliveryError) as caught:
        send_email(build_email(alert_message(), SENDER, RECIPIENT), "127.0.0.1", server.port)

    assert (caught.value.permanent, caught.value.maybe_sent, caught.value.code) == (
        False,
        False,
        451,
    )


class RejectContent(RecordingHandler):
    async def handle_DATA(self, server, session, envelope) -> str:
        return "554 5.7.1 Message rejected as spam"


def test_content_rejected_at_end_of_data_is_permanent_and_not_sent(smtp_server):
    server = smtp_server(RejectContent())

    with pytest.raises(DeliveryError) as caught:
        send_email(build_email(alert_message(), SENDER, RECIPIENT), "127.0.0.1", server.port)

    assert (caught.value.permanent, caught.value.maybe_sent, caught.value.code) == (
        True,
        False,
        554,
    )


class HangUpAtRecipient(RecordingHandler):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        server.transport.abort()
        return "250 OK"


def test_connection_lost_before_data_is_retryable_and_not_sent(smtp_server):
    server = smtp_server(HangUpAtRecipient())

    with pytest.raises(DeliveryError) as caught:
        send_email(build_email(alert_message(), SENDER, RECIPIENT), "127.0.0.1", server.port)

    assert (caught.value.permanent, caught.value.maybe_sent) == (False, False)


class HangUpAfterContent(RecordingHandler):
    """Takes the whole message, then drops the connection instead of answering 250."""

    async def handle_DATA(self, server, session, envelope) -> str:
        await super().handle_DATA(server, session, envelope)
        server.transport.abort()
        return "250 2.0.0 Ok: queued"


def test_connection_lost_after_data_is_maybe_sent(smtp_server):
    handler = HangUpAfterContent()
    server = smtp_server(handler)

    with pytest.raises(DeliveryError) as caught:
        send_email(build_email(alert_message(), SENDER, RECIPIENT), "127.0.0.1", server.port)

    assert (caught.value.permanent, caught.value.maybe_sent) == (False, True)
    assert len(handler.received) == 1  # it did arrive: exactly why a resend needs the Message-ID
