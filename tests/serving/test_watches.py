from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.opstore.factories import mart_row
from tests.serving.conftest import Account
from wayra.opstore.models import Watch
from wayra.opstore.publication import publish_recommendations

PROBLEM = "application/problem+json"


def watch_body(**overrides: Any) -> dict[str, Any]:
    return {
        "origin": "LHR",
        "destination": "JFK",
        "depart_from": "2026-06-01",
        "depart_to": "2026-06-30",
        "nights_min": 5,
        "nights_max": 9,
        "adults": 2,
        "cabin": "ECONOMY",
        "budget_minor": 350_000,
        "currency": "GBP",
    } | overrides


def create_watch(client: TestClient, account: Account, **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/watches", json=watch_body(**overrides), headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_and_read_back_a_watch(client: TestClient, alice: Account) -> None:
    created = create_watch(client, alice, origin="lhr", children=1, max_stops=1)
    assert created["origin"] == "LHR"  # normalised
    assert created["budget_minor"] == 350_000 and created["currency"] == "GBP"
    assert created["status"] == "active"
    assert dt.datetime.fromisoformat(created["created_at"]).utcoffset() == dt.timedelta(0)

    fetched = client.get(f"/v1/watches/{created['id']}", headers=alice.headers)
    assert fetched.status_code == 200
    assert fetched.json() == created


def test_x_api_key_header_also_authenticates(client: TestClient, alice: Account) -> None:
    response = client.get("/v1/watches", headers={"X-API-Key": alice.api_key})
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_list_shows_only_own_watches(client: TestClient, alice: Account, bob: Account) -> None:
    mine = create_watch(client, alice)
    create_watch(client, bob, destination="CDG")
    listed = client.get("/v1/watches", headers=alice.headers).json()
    assert [w["id"] for w in listed["items"]] == [mine["id"]]
    assert listed["count"] == 1


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"origin": "XQZ"}, "origin", "not a known IATA airport"),
        ({"destination": "LHR"}, "destination", "must differ from origin"),
        ({"nights_min": 0, "nights_max": 3}, "nights_min", "greater than or equal to 1"),
        ({"nights_min": 5, "nights_max": 2}, "nights_max", "at least nights_min"),
        ({"budget_minor": 0}, "budget_minor", "greater than 0"),
        ({"currency": "XXX"}, "currency", "not a supported ISO 4217 currency"),
        ({"depart_from": "2026-07-01"}, "depart_to", "on or after depart_from"),
        ({"adults": 10}, "adults", "less than or equal to 9"),
        ({"cabin": "STEERAGE"}, "cabin", "ECONOMY"),
        ({"budget": 1}, "budget", "Extra inputs are not permitted"),
    ],
)
def test_invalid_watch_is_a_422_problem_naming_the_field(
    client: TestClient,
    alice: Account,
    overrides: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    response = client.post("/v1/watches", json=watch_body(**overrides), headers=alice.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 422
    assert {"type", "title", "detail"} <= problem.keys()
    reasons = {e["field"]: e["detail"] for e in problem["errors"]}
    assert field in reasons, problem
    assert reason in reasons[field]
    # Nothing was stored.
    assert client.get("/v1/watches", headers=alice.headers).json()["count"] == 0


def test_several_invalid_fields_are_all_reported(client: TestClient, alice: Account) -> None:
    body = watch_body(origin="ZZZ", budget_minor=0, currency="DOGE")
    response = client.post("/v1/watches", json=body, headers=alice.headers)
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"origin", "budget_minor", "currency"} <= fields


def test_malformed_json_is_a_422_problem(client: TestClient, alice: Account) -> None:
    headers = alice.headers | {"Content-Type": "application/json"}
    response = client.post("/v1/watches", content=b"{not json", headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    (error,) = response.json()["errors"]
    assert error["field"] is None and error["code"] == "json_invalid"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wyr_not-a-real-key-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
        {"X-API-Key": "nonsense"},
        {"Authorization": "Basic YWxpY2U6cGFzc3dvcmQ="},
    ],
)
def test_missing_or_bad_key_is_a_401_problem(client: TestClient, headers) -> None:
    for method, path in (("GET", "/v1/watches"), ("POST", "/v1/watches")):
        response = client.request(method, path, headers=headers, json=watch_body())
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["status"] == 401


def test_someone_elses_watch_is_not_found(client: TestClient, alice: Account, bob: Account) -> None:
    watch = create_watch(client, alice)
    for path in (f"/v1/watches/{watch['id']}", f"/v1/watches/{watch['id']}/recommendations"):
        response = client.get(path, headers=bob.headers)
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        # Indistinguishable from a watch that does not exist at all.
        missing = client.get(path.replace(watch["id"], "no-such-watch"), headers=bob.headers)
        assert missing.status_code == 404
        assert response.json() == missing.json()


def test_recommendations_empty_until_published(client: TestClient, alice: Account) -> None:
    watch = create_watch(client, alice)
    response = client.get(f"/v1/watches/{watch['id']}/recommendations", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == {
        "watch_id": watch["id"],
        "version": None,
        "published_at": None,
        "packages": [],
    }


def test_recommendations_serve_the_latest_publication(
    client: TestClient, alice: Account, session_factory
) -> None:
    watch = create_watch(client, alice)
    with session_factory.begin() as session:
        stored = session.get_one(Watch, watch["id"])
        publish_recommendations(session, [mart_row(stored, 340_000)], "run-1")
    with session_factory.begin() as session:
        stored = session.get_one(Watch, watch["id"])
        version = publish_recommendations(session, [mart_row(stored, 310_000)], "run-2")

    response = client.get(f"/v1/watches/{watch['id']}/recommendations", headers=alice.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == version
    assert dt.datetime.fromisoformat(body["published_at"]).utcoffset() == dt.timedelta(0)
    (package,) = body["packages"]
    assert package["total_minor"] == 310_000 and isinstance(package["total_minor"], int)
    assert package["currency"] == "GBP"
    assert package["budget_minor"] == 350_000 and package["within_budget"] is True
    assert (package["departure_date"], package["return_date"]) == ("2026-06-10", "2026-06-17")
    kinds = [leg["kind"] for leg in package["legs"]]
    assert kinds == ["outbound", "inbound", "hotel"]
    outbound = package["legs"][0]
    assert (outbound["price_minor"], outbound["currency"]) == (95_000, "USD")
    assert outbound["converted_minor"] == 75_000
    assert sum(leg["converted_minor"] for leg in package["legs"]) == package["total_minor"]
