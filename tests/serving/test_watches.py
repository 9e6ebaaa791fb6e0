from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.opstore.factories import package_row
from tests.serving.conftest import Account
from wayra.opstore.models import Watch
from wayra.opstore.publication import publish_recommendations

PROBLEM = "application/problem+json"
TODAY = dt.datetime.now(dt.UTC).date()


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def watch_body(**overrides: Any) -> dict[str, Any]:
    return {
        "origins": ["LHR"],
        "destinations": ["JFK"],
        "depart_from": day(30),
        "depart_to": day(59),
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
    created = create_watch(client, alice, origins=["lhr"], children=1, max_stops=1)
    assert created["origins"] == ["LHR"]  # normalised
    # Defaults of the preferences.
    assert created["automation_mode"] == "off" and created["timezone"] == "UTC"
    assert created["alert_preferences"] == {
        "channels": ["email"],
        "price_drop_pct": 10,
        "quiet_hours_start": None,
        "quiet_hours_end": None,
        "budget_within_pct": 5,
        "better_alternative_price_pct": 5,
        "urgent_overrides_quiet": True,
        "digest": False,
    }
    assert created["preferred_airlines"] == [] and created["hotel_refundable_only"] is False
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
    create_watch(client, bob, destinations=["CDG"])
    listed = client.get("/v1/watches", headers=alice.headers).json()
    assert [w["id"] for w in listed["items"]] == [mine["id"]]
    assert listed["count"] == 1


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"origins": ["XQZ"]}, "origins", "not a known IATA airport or city code"),
        ({"origins": []}, "origins", "at least 1 item"),
        ({"destinations": ["LHR"]}, "destinations", "must differ from origins"),
        # City codes expand to their airports: LON covers LHR.
        ({"origins": ["LON"], "destinations": ["LHR", "JFK"]}, "destinations", "LHR"),
        ({"depart_from": day(-1)}, "depart_from", "in the past"),
        ({"children": 9}, "children", "less than or equal to 8"),
        ({"adults": 0}, "adults", "greater than or equal to 1"),
        ({"preferred_airlines": ["BAW"]}, "preferred_airlines", "2-character IATA airline"),
        ({"excluded_airlines": ["b!"]}, "excluded_airlines", "2-character IATA airline"),
        (
            {"preferred_airlines": ["BA"], "excluded_airlines": ["ba"]},
            "excluded_airlines",
            "both preferred and excluded",
        ),
        ({"hotel_min_stars": 6}, "hotel_min_stars", "less than or equal to 5"),
        ({"hotel_min_stars": 0}, "hotel_min_stars", "greater than or equal to 1"),
        ({"hotel_max_distance_km": 0}, "hotel_max_distance_km", "greater than 0"),
        (
            {"hotel_max_distance_km": 2, "hotel_point_latitude": 40.7},
            "hotel_point_longitude",
            "go together",
        ),
        (
            {"hotel_point_latitude": 40.7, "hotel_point_longitude": -74.0},
            "hotel_point_longitude",
            "needs hotel_max_distance_km",
        ),
        ({"automation_mode": "yolo"}, "automation_mode", "'off', 'propose' or 'auto'"),
        ({"timezone": "Mars/Olympus"}, "timezone", "not an IANA time zone"),
        (
            {"alert_preferences": {"price_drop_pct": 0}},
            "alert_preferences.price_drop_pct",
            "greater than 0",
        ),
        ({"alert_preferences": {"channels": ["pigeon"]}}, "alert_preferences.channels.0", "email"),
        (
            {"alert_preferences": {"quiet_hours_start": "22:00"}},
            "alert_preferences",
            "go together",
        ),
        ({"nights_min": 0, "nights_max": 3}, "nights_min", "greater than or equal to 1"),
        ({"nights_min": 5, "nights_max": 2}, "nights_max", "at least nights_min"),
        ({"budget_minor": 0}, "budget_minor", "greater than 0"),
        ({"currency": "XXX"}, "currency", "not a supported ISO 4217 currency"),
        ({"depart_from": day(60)}, "depart_to", "on or after depart_from"),
        ({"budget_minor": -5}, "budget_minor", "greater than 0"),
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
    body = watch_body(origins=["ZZZ"], budget_minor=0, currency="DOGE")
    response = client.post("/v1/watches", json=body, headers=alice.headers)
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"origins", "budget_minor", "currency"} <= fields


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
    body = response.json()
    assert (body["watch_id"], body["version"], body["published_at"]) == (watch["id"], None, None)
    assert (body["packages"], body["pareto_front"], body["status"]) == ([], [], None)


def test_recommendations_serve_the_latest_publication(
    client: TestClient, alice: Account, session_factory
) -> None:
    watch = create_watch(client, alice)
    with session_factory.begin() as session:
        stored = session.get_one(Watch, watch["id"])
        publish_recommendations(session, [package_row(stored, 340_000)], "run-1")
    with session_factory.begin() as session:
        stored = session.get_one(Watch, watch["id"])
        version = publish_recommendations(session, [package_row(stored, 310_000)], "run-2")

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


def test_full_preferences_round_trip(client: TestClient, alice: Account) -> None:
    created = create_watch(
        client,
        alice,
        origins=["LON", "man"],
        destinations=["NYC", "BOS"],
        depart_from=day(40),
        depart_to=day(40),  # fixed dates: one departure day, one stay length
        nights_min=7,
        nights_max=7,
        children=2,
        preferred_airlines=["ba", "AA"],
        excluded_airlines=["U2"],
        hotel_min_stars=4,
        hotel_max_distance_km=2.5,
        hotel_point_latitude=40.758,
        hotel_point_longitude=-73.9855,
        hotel_refundable_only=True,
        alert_preferences={
            "channels": ["push", "email", "push"],
            "price_drop_pct": 5,
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
        },
        automation_mode="propose",
        timezone="Europe/London",
    )
    assert created["origins"] == ["LON", "MAN"] and created["destinations"] == ["NYC", "BOS"]
    assert created["preferred_airlines"] == ["BA", "AA"]
    assert created["alert_preferences"]["channels"] == ["push", "email"]
    assert created["alert_preferences"]["quiet_hours_start"] == "22:00:00"
    assert (created["hotel_min_stars"], created["hotel_max_distance_km"]) == (4, 2.5)
    assert created["automation_mode"] == "propose" and created["timezone"] == "Europe/London"
    assert client.get(f"/v1/watches/{created['id']}", headers=alice.headers).json() == created


def test_patch_changes_only_what_is_sent(client: TestClient, alice: Account) -> None:
    watch = create_watch(client, alice, max_stops=1)
    response = client.patch(
        f"/v1/watches/{watch['id']}",
        json={"budget_minor": 400_000, "destinations": ["PAR"], "hotel_min_stars": 3},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["budget_minor"] == 400_000 and updated["destinations"] == ["PAR"]
    assert updated["hotel_min_stars"] == 3
    assert updated["max_stops"] == 1 and updated["origins"] == ["LHR"]
    # Nullable preferences can be cleared.
    cleared = client.patch(
        f"/v1/watches/{watch['id']}", json={"hotel_min_stars": None}, headers=alice.headers
    ).json()
    assert cleared["hotel_min_stars"] is None


@pytest.mark.parametrize(
    ("patch", "field", "reason"),
    [
        ({"depart_from": day(-3)}, "depart_from", "in the past"),
        ({"nights_min": 12}, "nights_max", "at least nights_min"),  # stored nights_max is 9
        ({"depart_to": day(1)}, "depart_to", "on or after depart_from"),
        ({"destinations": ["LGW"], "origins": ["LON"]}, "destinations", "must differ"),
        ({"budget_minor": 0}, "budget_minor", "greater than 0"),
        ({"currency": "ZZZ"}, "currency", "ISO 4217"),
        ({"automation_mode": "always"}, "automation_mode", "'off', 'propose' or 'auto'"),
        ({"budget_minor": None}, "budget_minor", "valid integer"),
        ({"status": "active"}, "status", "Extra inputs are not permitted"),
    ],
)
def test_patch_is_validated_like_a_new_watch(
    client: TestClient, alice: Account, patch: dict[str, Any], field: str, reason: str
) -> None:
    watch = create_watch(client, alice)
    response = client.patch(f"/v1/watches/{watch['id']}", json=patch, headers=alice.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    reasons = {e["field"]: e["detail"] for e in response.json()["errors"]}
    assert field in reasons, response.json()
    assert reason in reasons[field]
    # Nothing changed.
    assert client.get(f"/v1/watches/{watch['id']}", headers=alice.headers).json() == watch


def test_patch_keeps_a_started_window_unless_it_is_moved(
    client: TestClient, alice: Account, session_factory
) -> None:
    watch = create_watch(client, alice)
    with session_factory.begin() as session:
        # The window has started since the watch was created.
        session.get_one(Watch, watch["id"]).depart_from = TODAY - dt.timedelta(days=2)
    ok = client.patch(f"/v1/watches/{watch['id']}", json={"adults": 1}, headers=alice.headers)
    assert ok.status_code == 200, ok.text
    moved = client.patch(
        f"/v1/watches/{watch['id']}", json={"depart_to": day(70)}, headers=alice.headers
    )
    assert moved.status_code == 422


def test_pause_resume_and_delete(client: TestClient, alice: Account, session_factory) -> None:
    watch = create_watch(client, alice)
    url = f"/v1/watches/{watch['id']}"
    paused = client.post(f"{url}/pause", headers=alice.headers)
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert client.post(f"{url}/pause", headers=alice.headers).json()["status"] == "paused"
    resumed = client.post(f"{url}/resume", headers=alice.headers)
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"

    deleted = client.delete(url, headers=alice.headers)
    assert deleted.status_code == 204 and deleted.content == b""
    for method, path in (
        ("GET", url),
        ("PATCH", url),
        ("POST", f"{url}/resume"),
        ("DELETE", url),
        ("GET", f"{url}/recommendations"),
    ):
        response = client.request(method, path, headers=alice.headers, json={})
        assert response.status_code == 404, (method, path)
    assert client.get("/v1/watches", headers=alice.headers).json() == {"items": [], "count": 0}
    # Soft delete: the row stays (published recommendations point at it), out of collection.
    with session_factory() as session:
        assert session.get_one(Watch, watch["id"]).status == "deleted"


def test_someone_elses_watch_is_not_found_for_every_verb(
    client: TestClient, alice: Account, bob: Account
) -> None:
    watch = create_watch(client, alice)
    url = f"/v1/watches/{watch['id']}"
    for method, path, body in (
        ("GET", url, None),
        ("PATCH", url, {"budget_minor": 1}),
        ("POST", f"{url}/pause", None),
        ("POST", f"{url}/resume", None),
        ("DELETE", url, None),
        ("GET", f"{url}/recommendations", None),
    ):
        response = client.request(method, path, headers=bob.headers, json=body)
        assert response.status_code == 404, (method, path)
        assert response.headers["content-type"] == PROBLEM
    # Untouched.
    assert client.get(url, headers=alice.headers).json() == watch


def test_stored_alert_preferences_are_what_the_alert_rules_read(
    client: TestClient, alice: Account
) -> None:
    from ml.alerts.settings import AlertSettings

    preferences = {
        "channels": ["email", "sms"],
        "price_drop_pct": 15,
        "quiet_hours_start": "21:30",
        "quiet_hours_end": "06:45",
        "budget_within_pct": 3,
        "better_alternative_price_pct": 8,
        "urgent_overrides_quiet": False,
        "digest": True,
    }
    stored = create_watch(client, alice, alert_preferences=preferences)["alert_preferences"]
    settings = AlertSettings().with_overrides(stored)
    assert (settings.price_drop_pct, settings.budget_within_pct) == (15, 3)
    assert settings.quiet_hours == (dt.time(21, 30), dt.time(6, 45))
    assert settings.better_alternative_price_pct == 8
    assert (settings.urgent_overrides_quiet, settings.digest) == (False, True)
