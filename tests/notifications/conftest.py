"""Fixtures: an alert to send, real SMTP servers on 127.0.0.1, and a port nothing listens on."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from wayra.cli.mailbox import EphemeralPortController
from wayra.notifications import AlertMessage, action_url, make_link_token

SIGNING_SECRET = b"test-signing-secret"
PUBLIC_BASE_URL = "https://wayra.example"
NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)


def alert_message(**overrides: Any) -> AlertMessage:
    token = make_link_token(SIGNING_SECRET, "alert-42", "open", NOW + timedelta(days=2))
    history = tuple(
        (NOW - timedelta(days=13 - day), 45_000 - 250 * day + (400 if day % 4 == 0 else 0))
        for day in range(14)
    )
    message = AlertMessage(
        alert_id="alert-42",
        kind="price_drop",
        watch_label="London → New York, 10–17 Jun",
        headline="Fares fell 8% since last week",
        explanation="Prices on this route usually climb from here; <b>booking</b> now saves & wins.",
        price_minor=41_230,
        currency="EUR",
        reference_minor=45_000,
        link_url=action_url(PUBLIC_BASE_URL, token),
        chart_points=history,
        urgent=False,
    )
    return replace(message, **overrides)


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


class RecordingHandler:
    """Accepts everything and keeps what arrived."""

    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(
            ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 2.0.0 Ok: queued"


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., EphemeralPortController]]:
    """Start a real aiosmtpd server on 127.0.0.1 with the given handler (default: record)."""
    controllers: list[EphemeralPortController] = []

    def start(handler: object | None = None) -> EphemeralPortController:
        controller = EphemeralPortController(
            handler or RecordingHandler(), hostname="127.0.0.1", port=0
        )
        controller.start()
        controllers.append(controller)
        return controller

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections (bound, never listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
