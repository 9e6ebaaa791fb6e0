"""Stripe webhooks through the API: forged, tampered and stale deliveries are rejected,
replays ignored, and none of them changes anything."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from booking.approval import approve_proposal
from booking.payments import sign_test_payload
from booking.services import BookingServices
from serving.app import create_app
from tests.booking.saga_fixtures import AT, BookingWorld
from wayra.opstore.booking_models import BookingPayment, StripeWebhookEvent
from wayra.settings import Settings

SECRET = "whsec_test_secret"
INTENT = "pi_webhook_test"


@pytest.fixture(
    autouse=True, params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def backend(request: pytest.FixtureRequest, data_dir, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test on both stores: claiming an event id is dialect-specific SQL."""
    if request.param == "postgres":
        monkeypatch.setenv("WAYRA_OPERATIONAL_URL", request.getfixturevalue("postgres_database"))
    return request.param


@pytest.fixture
def client(world: BookingWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("WAYRA_STRIPE_WEBHOOK_SECRET", SECRET)
    with TestClient(create_app(Settings())) as client:
        yield client


@pytest.fixture
def booking_id(world: BookingWorld) -> str:
    """A booking whose payment Stripe knows as ``INTENT`` (no Stripe needed to approve)."""
    traveler = world.traveler()
    services = BookingServices(world.session_factory, None, None, world.market)  # type: ignore[arg-type]
    approval = approve_proposal(services, traveler.user_id, world.propose(traveler), AT)
    with world.session_factory.begin() as session:
        session.get_one(BookingPayment, approval.booking_id).payment_intent_id = INTENT
    return approval.booking_id


def _event(event_id: str, event_type: str, created: int) -> bytes:
    body = {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": created,
        "api_version": "2024-06-20",
        "data": {"object": {"id": INTENT, "object": "payment_intent", "status": "canceled"}},
    }
    return json.dumps(body).encode()


def _deliver(client: TestClient, payload: bytes, *, secret: str = SECRET, signed_at=None):
    timestamp = int(time.time()) if signed_at is None else signed_at
    header = sign_test_payload(payload, secret, timestamp)
    return client.post(
        "/v1/payments/stripe/webhook", content=payload, headers={"Stripe-Signature": header}
    )


def _state(world: BookingWorld, booking_id: str) -> tuple[int, str | None]:
    with world.session_factory() as session:
        events = session.scalar(select(func.count()).select_from(StripeWebhookEvent))
        return events, session.get_one(BookingPayment, booking_id).stripe_last_event


def test_a_genuine_event_is_applied_once_and_replays_are_ignored(
    client: TestClient, world: BookingWorld, booking_id: str
) -> None:
    now = int(time.time())
    held = _event("evt_1", "payment_intent.amount_capturable_updated", now - 60)
    cancelled = _event("evt_2", "payment_intent.canceled", now - 30)

    first = _deliver(client, held)
    second = _deliver(client, cancelled)
    replayed = _deliver(client, held)  # a captured delivery sent again, freshly signed

    assert [r.status_code for r in (first, second, replayed)] == [200, 200, 200]
    assert [r.json()["processed"] for r in (first, second, replayed)] == [True, True, False]
    assert _state(world, booking_id) == (2, "payment_intent.canceled")
    with world.session_factory() as session:
        recorded = session.get_one(StripeWebhookEvent, "evt_2")
    assert (recorded.booking_id, recorded.payment_intent_id) == (booking_id, INTENT)


def test_an_older_event_arriving_late_does_not_overwrite_a_newer_one(
    client: TestClient, world: BookingWorld, booking_id: str
) -> None:
    now = int(time.time())
    assert (
        _deliver(client, _event("evt_new", "payment_intent.canceled", now - 10)).status_code == 200
    )
    assert (
        _deliver(client, _event("evt_old", "payment_intent.succeeded", now - 90)).status_code == 200
    )
    assert _state(world, booking_id) == (2, "payment_intent.canceled")


@pytest.mark.parametrize("attack", ["forged", "tampered", "stale", "from the future", "unsigned"])
def test_rejected_deliveries_change_nothing(
    client: TestClient, world: BookingWorld, booking_id: str, attack: str
) -> None:
    payload = _event("evt_attack", "payment_intent.canceled", int(time.time()))
    now = int(time.time())
    if attack == "forged":
        response = _deliver(client, payload, secret="whsec_guessed")
    elif attack == "tampered":
        header = sign_test_payload(payload, SECRET, now)
        response = client.post(
            "/v1/payments/stripe/webhook",
            content=payload.replace(b"canceled", b"succeeded"),
            headers={"Stripe-Signature": header},
        )
    elif attack == "stale":
        response = _deliver(client, payload, signed_at=now - 3600)
    elif attack == "from the future":
        response = _deliver(client, payload, signed_at=now + 3600)
    else:
        response = client.post("/v1/payments/stripe/webhook", content=payload)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Rejected:")
    assert _state(world, booking_id) == (0, None)


def test_events_for_intents_wayra_does_not_know_are_recorded_only(
    client: TestClient, world: BookingWorld
) -> None:
    payload = _event("evt_other", "payment_intent.succeeded", int(time.time()))
    response = _deliver(client, payload.replace(INTENT.encode(), b"pi_someone_else"))
    assert response.status_code == 200 and response.json()["processed"] is True
    with world.session_factory() as session:
        assert session.get_one(StripeWebhookEvent, "evt_other").booking_id is None


def test_without_a_signing_secret_webhooks_are_unavailable(world: BookingWorld) -> None:
    with TestClient(create_app(Settings())) as client:
        payload = _event("evt_x", "payment_intent.canceled", int(time.time()))
        assert _deliver(client, payload).status_code == 503
