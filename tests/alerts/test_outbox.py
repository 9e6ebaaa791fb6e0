"""The outbox against a real SMTP server on 127.0.0.1: sent once, retried when certainly not
sent, and never sent twice across a crash between sending and recording."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import threading

import pytest
from sqlalchemy import select

from tests.alerts.conftest import NOW
from tests.notifications.conftest import RecordingHandler
from wayra.alerts.channels import ChannelSender
from wayra.alerts.outbox import STUCK_AFTER, deliver_due
from wayra.opstore.alert_models import AlertDelivery
from wayra.settings import Settings


def sender_for(store, port: int) -> ChannelSender:
    return ChannelSender(Settings(smtp_host="127.0.0.1", smtp_port=port), store)


def delivery(store, alert_id: str) -> AlertDelivery:
    with store() as session:
        return session.scalar(select(AlertDelivery).where(AlertDelivery.alert_id == alert_id))


class Crash(BaseException):
    """The process dies: not an Exception, so nothing on the way catches it."""


def test_an_alert_is_emailed_once_with_price_link_and_chart(store, alert_id, smtp_server):
    handler = RecordingHandler()
    server = smtp_server(handler)
    report = deliver_due(store, sender_for(store, server.port), now=NOW)
    assert (report.sent, report.failed) == (1, 0)
    # Running the worker again sends nothing more.
    assert deliver_due(store, sender_for(store, server.port), now=NOW).sent == 0
    (mail,) = handler.received
    assert mail.rcpt_tos == ["traveler@example.com"]
    message = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert "2,810.00 GBP" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "/v1/alerts/open?token=" in text
    stored = delivery(store, alert_id)
    assert stored.status == "sent" and stored.provider_message_id == message["Message-ID"]


def test_a_crash_between_sending_and_recording_sends_no_duplicate(store, alert_id, smtp_server):
    handler = RecordingHandler()
    server = smtp_server(handler)
    real = sender_for(store, server.port)

    def send_then_crash(alert, row):
        real(alert, row)
        raise Crash

    with pytest.raises(Crash):
        deliver_due(store, send_then_crash, now=NOW)
    assert len(handler.received) == 1
    assert delivery(store, alert_id).status == "sending"

    # Recovery: a worker before the claim times out leaves it alone...
    assert deliver_due(store, real, now=NOW + STUCK_AFTER / 2).sent == 0
    # ...and after it, marks it unconfirmed instead of sending it again.
    report = deliver_due(store, real, now=NOW + STUCK_AFTER + dt.timedelta(seconds=1))
    assert (report.recovered, report.sent) == (1, 0)
    assert len(handler.received) == 1
    assert delivery(store, alert_id).status == "unconfirmed"


def test_a_send_that_certainly_failed_is_retried_with_backoff(
    store, alert_id, smtp_server, closed_port
):
    report = deliver_due(store, sender_for(store, closed_port), now=NOW)
    assert (report.sent, report.retrying) == (0, 1)
    waiting = delivery(store, alert_id)
    assert waiting.status == "pending" and waiting.attempts == 1
    assert waiting.next_attempt_at > NOW
    handler = RecordingHandler()
    server = smtp_server(handler)
    # Not due yet: nothing happens.
    assert deliver_due(store, sender_for(store, server.port), now=NOW).sent == 0
    later = waiting.next_attempt_at
    assert deliver_due(store, sender_for(store, server.port), now=later).sent == 1
    assert len(handler.received) == 1
    assert delivery(store, alert_id).attempts == 2


def test_two_workers_never_send_the_same_delivery(store, alert_id, smtp_server):
    handler = RecordingHandler()
    server = smtp_server(handler)
    real = sender_for(store, server.port)
    barrier = threading.Barrier(2)
    reports = []

    def worker():
        barrier.wait()
        reports.append(deliver_due(store, real, now=NOW))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in reports) == 1
    assert len(handler.received) == 1
