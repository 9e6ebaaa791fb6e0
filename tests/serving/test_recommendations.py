"""Explained recommendations, price history and feedback through the API."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.opstore.factories import package_row
from tests.serving.conftest import Account
from tests.serving.test_watches import create_watch
from wayra.opstore.models import RecommendationFeedback, Watch
from wayra.opstore.publication import publish_recommendations

START = dt.datetime(2026, 9, 1, 6, tzinfo=dt.UTC)


def publish(session_factory, watch_id: str, prices: list[int], as_of_index: int | None = None):
    """Two ranked packages, a summary and one price point per 6 hours from ``prices``."""
    with session_factory.begin() as session:
        watch = session.get_one(Watch, watch_id)
        points = [
            {
                "watch_id": watch.id,
                "observed_at": START + dt.timedelta(hours=6 * i),
                "total_minor": price,
                "currency": watch.currency,
            }
            for i, price in enumerate(prices)
        ]
        explained = {
            "explanation": {"headline": "Best overall", "reasons": ["Cheapest."]},
            "risk": {"score": 20, "level": "low", "components": {}, "reasons": []},
            "risk_score": 20,
            "score": 300_000.0,
            "saving_vs_first_minor": 5_000,
            "saving_vs_typical_minor": 1_000,
            "proven_optimal": True,
        }
        summary = {
            "watch_id": watch.id,
            "status": "optimal",
            "currency": watch.currency,
            "first_price_minor": 315_000,
            "typical_price_minor": 311_000,
            "advice": {
                "observed_on": "2026-09-10",
                "action": "WAIT",
                "expected_saving_minor": 4_200,
                "expected_saving_pct": 1.35,
                "prob_above_budget": 0.12,
                "book_by": "2026-09-20",
                "explanation": "Prices usually fall from here.",
            },
            "pareto_front": [
                {
                    "total_minor": 310_000,
                    "convenience": 5000.0,
                    "departure_date": "2027-06-01",
                    "nights": 5,
                    "origin": "LHR",
                    "destination": "JFK",
                    "within_budget": True,
                }
            ],
            "binding": [],
        }
        cut = points if as_of_index is None else points[: as_of_index + 1]
        return publish_recommendations(
            session,
            [
                package_row(watch, 310_000, 1) | explained,
                package_row(watch, 320_000, 2) | explained,
            ],
            "run",
            summaries=[summary],
            price_points=points,
            as_of=cut[-1]["observed_at"],
            model_versions={"wayra-buy-wait": 1},
        )


def test_recommendations_carry_explanations_risk_advice_and_front(
    client: TestClient, alice: Account, session_factory
) -> None:
    watch = create_watch(client, alice)
    publish(session_factory, watch["id"], [315_000, 310_000])
    body = client.get(f"/v1/watches/{watch['id']}/recommendations", headers=alice.headers).json()
    assert body["status"] == "optimal"
    assert body["advice"]["action"] == "WAIT" and body["advice"]["book_by"] == "2026-09-20"
    assert body["pareto_front"][0]["total_minor"] == 310_000
    assert body["model_versions"] == {"wayra-buy-wait": 1}
    first, second = body["packages"]
    assert (first["rank"], second["rank"]) == (1, 2)
    assert first["explanation"]["headline"] == "Best overall"
    assert first["risk"]["level"] == "low" and first["saving_vs_first_minor"] == 5_000


def test_prices_are_the_published_history_downsampled_on_request(
    client: TestClient, alice: Account, session_factory
) -> None:
    watch = create_watch(client, alice)
    prices = [300_000 + (i % 7) * 1_000 for i in range(40)]
    prices[13], prices[29] = 250_000, 390_000  # the dip and the spike a chart must keep
    # The version's as_of stops at point 34: later points belong to a later version.
    publish(session_factory, watch["id"], prices, as_of_index=34)
    url = f"/v1/watches/{watch['id']}/prices"
    full = client.get(url, headers=alice.headers).json()
    assert [p["total_minor"] for p in full["points"]] == prices[:35]
    assert full["downsampled"] is False and full["currency"] == "GBP"

    small = client.get(url, params={"max_points": 10}, headers=alice.headers).json()
    kept = [p["total_minor"] for p in small["points"]]
    assert small["downsampled"] is True and len(kept) <= 10
    assert 250_000 in kept and 390_000 in kept
    times = [p["observed_at"] for p in small["points"]]
    assert times == sorted(times)

    assert client.get(url, params={"max_points": 1}, headers=alice.headers).status_code == 422


def test_prices_of_someone_elses_watch_are_not_found(
    client: TestClient, alice: Account, bob: Account
) -> None:
    watch = create_watch(client, alice)
    assert client.get(f"/v1/watches/{watch['id']}/prices", headers=bob.headers).status_code == 404


def test_feedback_is_recorded_for_the_owner_only(
    client: TestClient, alice: Account, bob: Account, session_factory
) -> None:
    watch = create_watch(client, alice)
    publish(session_factory, watch["id"], [310_000])
    packages = client.get(
        f"/v1/watches/{watch['id']}/recommendations", headers=alice.headers
    ).json()["packages"]
    url = f"/v1/recommendations/{packages[1]['id']}/feedback"

    liked = client.post(url, json={"kind": "liked", "reason": "nonstop"}, headers=alice.headers)
    assert liked.status_code == 201, liked.text
    assert (
        liked.json()["kind"] == "liked" and liked.json()["recommendation_id"] == packages[1]["id"]
    )

    assert client.post(url, json={"kind": "liked"}, headers=bob.headers).status_code == 404
    missing = "/v1/recommendations/no-such-id/feedback"
    assert client.post(missing, json={"kind": "liked"}, headers=alice.headers).status_code == 404
    bad = client.post(url, json={"kind": "loved"}, headers=alice.headers)
    assert bad.status_code == 422 and "kind" in bad.text
    extra = client.post(url, json={"kind": "liked", "stars": 5}, headers=alice.headers)
    assert extra.status_code == 422
    with session_factory() as session:
        stored = session.scalars(select(RecommendationFeedback)).all()
    assert [(f.kind, f.reason, f.user_id) for f in stored] == [("liked", "nonstop", alice.user_id)]


def test_a_watch_deleted_after_a_cached_read_stops_answering_at_once(
    client: TestClient, alice: Account, session_factory
) -> None:
    watch = create_watch(client, alice)
    publish(session_factory, watch["id"], [310_000])
    url = f"/v1/watches/{watch['id']}/recommendations"
    assert client.get(url, headers=alice.headers).status_code == 200
    assert client.get(url, headers=alice.headers).status_code == 200  # from the cache
    assert client.delete(f"/v1/watches/{watch['id']}", headers=alice.headers).status_code == 204
    assert client.get(url, headers=alice.headers).status_code == 404


def test_a_cached_response_is_never_served_to_another_key(
    client: TestClient, alice: Account, bob: Account, session_factory
) -> None:
    watch = create_watch(client, alice)
    publish(session_factory, watch["id"], [310_000])
    url = f"/v1/watches/{watch['id']}/recommendations"
    assert client.get(url, headers=alice.headers).status_code == 200
    assert client.get(url, headers=bob.headers).status_code == 404
    assert client.get(url, headers={"Authorization": "Bearer wyr_nope"}).status_code == 401
