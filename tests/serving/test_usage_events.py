"""Every authenticated request leaves one usage event (route template, user, status)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.serving.conftest import Account
from tests.serving.test_watches import create_watch
from wayra.opstore.models import ApiUsageEvent
from wayra.opstore.usage import record_api_usage


def events(session_factory, client: TestClient | None = None) -> list[ApiUsageEvent]:
    """The stored events, after writing what the app still buffers (it flushes every second)."""
    if client is not None:
        client.app.state.usage_recorder.flush()
    with session_factory() as session:
        return list(session.scalars(select(ApiUsageEvent).order_by(ApiUsageEvent.id)))


def test_get_of_a_watch_records_the_route_template_and_the_user(
    client: TestClient, alice: Account, session_factory
) -> None:
    watch = create_watch(client, alice)
    before = dt.datetime.now(dt.UTC)
    response = client.get(f"/v1/watches/{watch['id']}", headers=alice.headers)
    assert response.status_code == 200

    created, read = events(session_factory, client)
    assert (created.method, created.route, created.status_code) == ("POST", "/v1/watches", 201)
    assert read.user_id == alice.user_id
    assert (read.method, read.route, read.status_code) == ("GET", "/v1/watches/{watch_id}", 200)
    # The template, never the raw path: ids do not leak into analytics.
    assert watch["id"] not in read.route
    assert read.occurred_at >= before and read.occurred_at.tzinfo is not None


def test_authenticated_errors_are_recorded_with_their_status(
    client: TestClient, alice: Account, session_factory
) -> None:
    response = client.get("/v1/watches/no-such-watch/recommendations", headers=alice.headers)
    assert response.status_code == 404
    [event] = events(session_factory, client)
    assert (event.route, event.status_code, event.user_id) == (
        "/v1/watches/{watch_id}/recommendations",
        404,
        alice.user_id,
    )


def test_unauthenticated_requests_record_nothing(
    client: TestClient, alice: Account, session_factory
) -> None:
    assert client.get("/v1/watches").status_code == 401
    assert client.get("/v1/watches", headers={"X-API-Key": "wyr_wrong-key-000"}).status_code == 401
    assert client.get("/health").status_code in (200, 503)
    assert client.get("/no/such/path", headers=alice.headers).status_code == 404
    assert events(session_factory, client) == []


def test_a_failure_to_record_never_fails_the_request(
    client: TestClient, alice: Account, session_factory, monkeypatch
) -> None:
    def broken_insert(*_args, **_kwargs):
        raise RuntimeError("usage store down")

    monkeypatch.setattr("wayra.opstore.usage.insert", broken_insert)
    response = client.get("/v1/watches", headers=alice.headers)
    assert response.status_code == 200
    assert events(session_factory, client) == []


def test_record_api_usage_returns_false_instead_of_raising(session_factory) -> None:
    # A user id that does not exist breaks the foreign key: logged and swallowed.
    stored = record_api_usage(
        session_factory, user_id="missing", method="get", route="/v1/watches", status_code=200
    )
    assert stored is False
    assert events(session_factory) == []


def test_events_still_buffered_are_written_when_the_app_stops(
    settings, alice: Account, session_factory
) -> None:
    from serving.app import create_app

    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/watches", headers=alice.headers).status_code == 200
    # No explicit flush: stopping the app wrote what the once-a-second task had not yet.
    [event] = events(session_factory)
    assert (event.route, event.user_id) == ("/v1/watches", alice.user_id)
