"""The in-app alert feed, the signed one-click links, and the traveler's contact settings."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.serving.conftest import Account
from tests.serving.test_watches import create_watch
from wayra.alerts.channels import alert_link
from wayra.notifications import make_link_token
from wayra.opstore.alert_models import Alert, AlertDelivery, AlertInteraction
from wayra.settings import Settings

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def store_alert(session_factory, account: Account, watch_id: str, deliver_in=dt.timedelta(0)):
    with session_factory.begin() as session:
        alert = Alert(
            user_id=account.user_id,
            watch_id=watch_id,
            kind="budget_target",
            dedupe_key=f"{watch_id}:budget_target:{NOW.isoformat()}:{deliver_in}",
            observed_at=NOW,
            deliver_at=NOW + deliver_in,
            urgent=False,
            digest=False,
            price_minor=340_000,
            reference_minor=350_000,
            currency="GBP",
            headline="Within your budget",
            explanation="Best overall.",
            facts={"budget_minor": 350_000},
        )
        session.add(alert)
        session.flush()
        session.add(AlertDelivery(alert_id=alert.id, channel="email", next_attempt_at=NOW))
        session.expunge(alert)
        return alert


def test_the_feed_shows_due_alerts_with_their_deliveries(
    client: TestClient, alice: Account, bob: Account, session_factory
) -> None:
    watch = create_watch(client, alice)
    shown = store_alert(session_factory, alice, watch["id"])
    store_alert(session_factory, alice, watch["id"], deliver_in=dt.timedelta(hours=8))  # quiet
    body = client.get("/v1/alerts", headers=alice.headers).json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert (item["id"], item["kind"], item["price_minor"]) == (shown.id, "budget_target", 340_000)
    assert item["deliveries"] == [{"channel": "email", "status": "pending", "sent_at": None}]
    assert (item["opened"], item["acted"]) == (False, False)
    assert client.get("/v1/alerts", headers=bob.headers).json()["count"] == 0


def test_links_open_and_act_and_are_recorded(
    client: TestClient, alice: Account, settings: Settings, session_factory
) -> None:
    watch = create_watch(client, alice)
    alert = store_alert(session_factory, alice, watch["id"])
    opened = client.get(alert_link(settings, alert, "open").split("8000", 1)[1])
    assert opened.status_code == 200, opened.text
    assert opened.json()["recommendations"]["watch_id"] == watch["id"]
    acted = client.post(alert_link(settings, alert, "act").split("8000", 1)[1])
    assert acted.status_code == 200 and acted.json()["action"] == "acted"
    with session_factory() as session:
        actions = session.scalars(
            select(AlertInteraction.action).where(AlertInteraction.alert_id == alert.id)
        ).all()
    assert sorted(actions) == ["acted", "opened"]
    item = client.get("/v1/alerts", headers=alice.headers).json()["items"][0]
    assert (item["opened"], item["acted"]) == (True, True)


def test_expired_tampered_and_misused_links_are_refused(
    client: TestClient, alice: Account, settings: Settings, session_factory
) -> None:
    watch = create_watch(client, alice)
    alert = store_alert(session_factory, alice, watch["id"])
    secret = settings.signing_secret.get_secret_value().encode()
    expired = make_link_token(secret, alert.id, "open", NOW - dt.timedelta(seconds=1))
    response = client.get("/v1/alerts/open", params={"token": expired})
    assert response.status_code == 403 and "expired" in response.text
    good = make_link_token(secret, alert.id, "open", NOW + dt.timedelta(days=1))
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    assert client.get("/v1/alerts/open", params={"token": tampered}).status_code == 403
    forged = make_link_token(b"not-our-secret", alert.id, "open", NOW + dt.timedelta(days=1))
    assert client.get("/v1/alerts/open", params={"token": forged}).status_code == 403
    # An "open" link cannot be used to act.
    assert client.post("/v1/alerts/act", params={"token": good}).status_code == 404
    with session_factory() as session:
        assert session.scalars(select(AlertInteraction)).all() == []


def test_contact_settings_give_a_webhook_secret_once(client: TestClient, alice: Account) -> None:
    body = {"phone_number": "+447700900123", "webhook_url": "https://hooks.example.com/wayra"}
    first = client.put("/v1/me/contact", json=body, headers=alice.headers).json()
    assert first["phone_number"] == "+447700900123" and len(first["webhook_secret"]) >= 32
    again = client.put("/v1/me/contact", json=body, headers=alice.headers).json()
    assert again["webhook_secret"] is None  # unchanged URL: the secret is not shown again
    read = client.get("/v1/me/contact", headers=alice.headers).json()
    assert read == {
        "phone_number": "+447700900123",
        "webhook_url": "https://hooks.example.com/wayra",
        "webhook_secret": None,
    }
    bad = client.put("/v1/me/contact", json={"phone_number": "07700 900123"}, headers=alice.headers)
    assert bad.status_code == 422 and "phone_number" in bad.text
