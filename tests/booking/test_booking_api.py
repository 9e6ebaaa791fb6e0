"""The booking API: payment method, proposals (API and one-click links), bookings and
cancellation with refunds per the rules, against localstripe and the simulator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import stripe
from fastapi.testclient import TestClient
from sqlalchemy import select

from serving.app import create_app
from serving.routers.bookings import booking_clock, booking_providers, booking_services
from tests.booking.saga_fixtures import AT, BookingWorld, Traveler
from wayra.opstore.models import RecommendationFeedback
from wayra.settings import Settings

pytestmark = pytest.mark.xdist_group("stripe")


@dataclass
class Api:
    client: TestClient
    world: BookingWorld
    clock: list[dt.datetime]

    def as_(self, traveler: Traveler) -> dict[str, str]:
        return {"Authorization": f"Bearer {traveler.api_key}"}

    def propose(self, traveler: Traveler, **body) -> dict:
        response = self.client.post(
            "/v1/proposals",
            json={"recommendation_id": traveler.recommendation_ids[0], **body},
            headers=self.as_(traveler),
        )
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def api(stripe_world: BookingWorld, data_dir) -> Iterator[Api]:
    app = create_app(Settings())
    clock = [AT]
    app.dependency_overrides[booking_clock] = lambda: clock[0]
    app.dependency_overrides[booking_providers] = lambda: stripe_world.market
    app.dependency_overrides[booking_services] = lambda: stripe_world.services()
    with TestClient(app) as client:
        yield Api(client, stripe_world, clock)


def test_saving_a_card_keeps_only_stripe_ids(api: Api) -> None:
    traveler = api.world.traveler(card=None)
    headers = api.as_(traveler)
    assert api.client.get("/v1/me/payment-method", headers=headers).json() == {
        "payment_method_id": None,
        "has_customer": False,
    }

    saved = api.client.put(
        "/v1/me/payment-method", json={"payment_method_id": "pm_card_visa"}, headers=headers
    )

    assert saved.status_code == 200, saved.text
    assert saved.json()["payment_method_id"].startswith("pm_")
    assert api.client.get("/v1/me/payment-method", headers=headers).json() == saved.json()
    refused = api.client.put(
        "/v1/me/payment-method",
        json={"payment_method_id": "pm_card_visa_chargeDeclined"},
        headers=headers,
    )
    assert refused.status_code == 402
    not_an_id = api.client.put(
        "/v1/me/payment-method", json={"payment_method_id": "4242424242424242"}, headers=headers
    )
    assert not_an_id.status_code == 422  # card numbers are never accepted


def test_propose_approve_and_see_every_step(api: Api) -> None:
    traveler = api.world.traveler("USD")
    proposal = api.propose(traveler)
    assert proposal["status"] == "open" and proposal["links"]["approve"]
    assert proposal["advice"]["action"] == "BUY_NOW"
    assert [leg["valid"] for leg in proposal["validation"]] == [True] * 3

    approved = api.client.post(f"/v1/proposals/{proposal['id']}/approve", headers=api.as_(traveler))
    again = api.client.post(f"/v1/proposals/{proposal['id']}/approve", headers=api.as_(traveler))

    assert approved.status_code == 201, approved.text
    assert (again.status_code, again.json()["id"]) == (200, approved.json()["id"])
    booking = api.client.get(f"/v1/bookings/{approved.json()['id']}", headers=api.as_(traveler))
    body = booking.json()
    assert body["state"] == "confirmed" and body["currency"] == "USD"
    assert [leg["status"] for leg in body["legs"]] == ["booked"] * 3
    assert all(leg["booking_ref"] for leg in body["legs"])
    assert body["payment"]["status"] == "captured"
    assert body["payment"]["payment_intent_id"].startswith("pi_")
    assert body["payment"]["captured_minor"] == body["total_minor"]
    assert body["payment"]["fx_rate_date"] <= AT.date().isoformat()
    assert [s["step"] for s in body["steps"]] == [
        "authorize_payment", "book_outbound", "book_inbound", "book_hotel", "capture_payment",
    ]  # fmt: skip
    assert {d["decision"] for d in body["decisions"]} == {"leg_validation", "package_validation"}
    listed = api.client.get("/v1/bookings", headers=api.as_(traveler)).json()
    assert [b["id"] for b in listed["items"]] == [body["id"]] and listed["count"] == 1
    assert (
        api.client.get(f"/v1/proposals/{proposal['id']}", headers=api.as_(traveler)).json()[
            "booking_id"
        ]
        == body["id"]
    )


def test_other_travelers_see_nothing(api: Api) -> None:
    alice, bob = api.world.traveler(), api.world.traveler()
    proposal = api.propose(alice)
    booking = api.client.post(f"/v1/proposals/{proposal['id']}/approve", headers=api.as_(alice))
    for path in (f"/v1/proposals/{proposal['id']}", f"/v1/bookings/{booking.json()['id']}"):
        assert api.client.get(path, headers=api.as_(bob)).status_code == 404
    assert (
        api.client.post(f"/v1/proposals/{proposal['id']}/approve", headers=api.as_(bob)).status_code
        == 404
    )
    assert (
        api.client.post(
            f"/v1/bookings/{booking.json()['id']}/cancel", headers=api.as_(bob)
        ).status_code
        == 404
    )
    assert api.client.post(
        "/v1/proposals", json={"recommendation_id": alice.recommendation_ids[0]},
        headers=api.as_(bob),
    ).status_code == 404  # fmt: skip


def test_an_expired_proposal_is_refused_with_its_status(api: Api) -> None:
    traveler = api.world.traveler()
    proposal = api.propose(traveler, expires_in_minutes=5)
    api.clock[0] = AT + dt.timedelta(minutes=5)

    refused = api.client.post(f"/v1/proposals/{proposal['id']}/approve", headers=api.as_(traveler))

    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["proposal_status"] == "expired"
    assert api.client.get("/v1/bookings", headers=api.as_(traveler)).json()["count"] == 0


def test_decline_with_a_reason_then_approval_is_refused(api: Api) -> None:
    traveler = api.world.traveler()
    proposal = api.propose(traveler)

    declined = api.client.post(
        f"/v1/proposals/{proposal['id']}/decline",
        json={"reason": "too many stops"},
        headers=api.as_(traveler),
    )

    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["decline_reason"]) == (
        "declined",
        "too many stops",
    )
    assert declined.json()["links"] is None
    refused = api.client.post(f"/v1/proposals/{proposal['id']}/approve", headers=api.as_(traveler))
    assert refused.status_code == 409 and refused.json()["proposal_status"] == "declined"
    with api.world.session_factory() as session:
        feedback = session.scalars(select(RecommendationFeedback)).one()
    assert feedback.reason == "declined booking proposal: too many stops"


def test_one_click_links(api: Api) -> None:
    traveler = api.world.traveler()
    links = api.propose(traveler)["links"]
    token = links["approve"].split("token=")[1]
    decline_token = links["decline"].split("token=")[1]

    view = api.client.get(f"/v1/proposals/link?token={links['view'].split('token=')[1]}")
    forged = api.client.post(f"/v1/proposals/link/approve?token={token[:-2]}xx")
    wrong_action = api.client.post(f"/v1/proposals/link/approve?token={decline_token}")
    approved = api.client.post(f"/v1/proposals/link/approve?token={token}")
    again = api.client.post(f"/v1/proposals/link/approve?token={token}")

    assert view.status_code == 200 and view.json()["status"] == "open"
    assert forged.status_code == 403
    assert wrong_action.status_code == 404
    assert approved.status_code == 201 and approved.json()["state"] == "confirmed"
    assert (again.status_code, again.json()["id"]) == (200, approved.json()["id"])

    other = api.world.traveler()
    other_links = api.propose(other)["links"]
    api.clock[0] = AT + dt.timedelta(minutes=31)
    expired = api.client.post(other_links["approve"].removeprefix("http://127.0.0.1:8000"))
    assert expired.status_code == 403 and "expired" in expired.json()["detail"]


def test_decline_by_link(api: Api) -> None:
    traveler = api.world.traveler()
    decline = api.propose(traveler)["links"]["decline"].removeprefix("http://127.0.0.1:8000")
    declined = api.client.post(f"{decline}&reason=dates%20changed")
    assert declined.status_code == 200
    assert declined.json()["decline_reason"] == "dates changed"


def test_approval_without_a_card_is_a_conflict(api: Api) -> None:
    traveler = api.world.traveler(card=None)
    proposal = api.propose(traveler)
    refused = api.client.post(f"/v1/proposals/{proposal['id']}/approve", headers=api.as_(traveler))
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/payment-method-required")


def test_cancelling_refunds_what_the_rules_allow(
    api: Api, stripe_client: stripe.StripeClient
) -> None:
    traveler = api.world.traveler(hotel_refundable=True)
    proposal = api.propose(traveler)
    booking = api.client.post(
        f"/v1/proposals/{proposal['id']}/approve", headers=api.as_(traveler)
    ).json()
    # Two days later: the flights' 24-hour window is over, the hotel rate is refundable.
    api.clock[0] = AT + dt.timedelta(days=2)

    cancelled = api.client.post(f"/v1/bookings/{booking['id']}/cancel", headers=api.as_(traveler))
    again = api.client.post(f"/v1/bookings/{booking['id']}/cancel", headers=api.as_(traveler))

    body = cancelled.json()
    hotel = body["legs"][2]
    assert cancelled.status_code == 200 and body["state"] == "cancelled"
    assert [leg["status"] for leg in body["legs"]] == ["cancelled"] * 3
    assert api.world.live_legs(booking["id"]) == []
    assert body["payment"]["refund_due_minor"] == hotel["charge_minor"] < body["total_minor"]
    assert body["payment"]["refunded_minor"] == hotel["charge_minor"]
    assert body["payment"]["status"] == "partially_refunded"
    rules = {
        d["subject"]: d["reasons"][0] for d in body["decisions"] if d["decision"] == "refund_rule"
    }
    assert rules == {
        "outbound": "flight fare non-refundable after 24 h",
        "inbound": "flight fare non-refundable after 24 h",
        "hotel": "refundable hotel rate",
    }
    # Stripe refunded exactly the hotel's share, once (asking twice changed nothing).
    (intent,) = api.world.intents(booking["id"])
    assert intent.refunded_minor == hotel["charge_minor"]
    assert (
        again.status_code == 200
        and again.json()["payment"]["refunded_minor"] == hotel["charge_minor"]
    )
    assert [s["step"] for s in again.json()["steps"]].count("refund_payment") == 1


def test_only_a_confirmed_booking_can_be_cancelled(api: Api) -> None:
    traveler = api.world.traveler(card="pm_card_chargeCustomerFail")
    proposal = api.propose(traveler)
    failed = api.client.post(f"/v1/proposals/{proposal['id']}/approve", headers=api.as_(traveler))
    assert failed.status_code == 201 and failed.json()["state"] == "failed"
    assert failed.json()["failure_reason"].startswith("payment: declined")

    refused = api.client.post(
        f"/v1/bookings/{failed.json()['id']}/cancel", headers=api.as_(traveler)
    )
    assert refused.status_code == 409


def test_without_stripe_configured_booking_endpoints_say_so(data_dir, stripe_world) -> None:
    with TestClient(create_app(Settings())) as client:
        traveler = stripe_world.traveler(card=None)
        response = client.put(
            "/v1/me/payment-method",
            json={"payment_method_id": "pm_card_visa"},
            headers={"Authorization": f"Bearer {traveler.api_key}"},
        )
    assert response.status_code == 503
