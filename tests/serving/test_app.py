from __future__ import annotations

from fastapi.testclient import TestClient

from serving.app import create_app
from wayra.settings import Settings


def test_health_checks_the_operational_store(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "operational_store": "ok"}


def test_creating_the_app_connects_to_nothing(data_dir) -> None:
    create_app(Settings())
    assert not data_dir.exists()


def test_unknown_route_is_a_problem(client: TestClient) -> None:
    response = client.get("/v2/nothing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Not Found"


def test_unhandled_errors_are_a_500_problem_without_internals(settings: Settings) -> None:
    app = create_app(settings)

    def boom() -> None:
        raise RuntimeError("secret connection string postgresql://admin:hunter2@db")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 500 and problem["title"] == "Internal Server Error"
    assert "hunter2" not in response.text and "RuntimeError" not in response.text


def test_openapi_documents_both_key_schemes(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}
