"""POST /v1/advice with a champion in a temporary MLflow store, and without one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from threadpoolctl import threadpool_limits

from ml.forecast.gbm import GradientBoostedQuantileForecaster
from ml.history import history_panel, split_by_departure
from ml.policy import BuyWaitModel, ContinuationValueModel
from ml.registry import load_champion, promote, register, train
from ml.simulated_history import simulate_history
from serving.app import create_app
from tests.serving.conftest import Account
from wayra.settings import Settings

pytestmark = pytest.mark.xdist_group("mlflow")

PROBLEM = "application/problem+json"
DEPARTURE = dt.date(2026, 7, 1)


def tiny_model() -> BuyWaitModel:
    return BuyWaitModel(
        GradientBoostedQuantileForecaster(max_iter=20),
        ContinuationValueModel(iterations=2, max_iter=20),
    )


@pytest.fixture(scope="module")
def champion_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store whose champion is a tiny model, trained once for the module."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.sqlite'}"
    panel = history_panel(simulate_history(series=20, days=40))
    train_panel, holdout, _ = split_by_departure(panel)
    with threadpool_limits(1):  # see tests/ml/test_registry.py: OpenMP oversubscription
        register(train(train_panel, model_factory=tiny_model, tracking_uri=uri), tracking_uri=uri)
        assert promote(holdout, tracking_uri=uri).promoted
    return uri


@pytest.fixture
def advice_client(settings: Settings, champion_store: str) -> Iterator[TestClient]:
    with_champion = settings.model_copy(update={"mlflow_tracking_uri": champion_store})
    with TestClient(create_app(with_champion)) as client:
        yield client


def prices(days: int = 30, start: int = 20_000, step: int = 150) -> list[dict[str, Any]]:
    """Daily prices rising towards a departure on DEPARTURE, the last one 10 days before it."""
    first = DEPARTURE - dt.timedelta(days=days + 9)
    return [
        {
            "observed_on": (first + dt.timedelta(days=i)).isoformat(),
            "price_minor": start + step * i,
        }
        for i in range(days)
    ]


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "prices": prices(),
        "departure_date": DEPARTURE.isoformat(),
        "currency": "EUR",
    } | overrides


def test_advice_for_the_last_day(advice_client: TestClient, alice: Account, champion_store):
    sent = body()
    response = advice_client.post("/v1/advice", json=sent, headers=alice.headers)
    assert response.status_code == 200, response.text
    advice = response.json()
    last = sent["prices"][-1]
    assert advice["observed_on"] == last["observed_on"]
    assert advice["price_minor"] == last["price_minor"] and advice["currency"] == "EUR"
    assert advice["action"] in {"BUY_NOW", "WAIT"}
    assert advice["model_name"] == "wayra-buy-wait" and advice["model_version"] == 1
    assert advice["prob_above_budget"] is None
    assert advice["book_by"] >= advice["observed_on"]
    assert advice["explanation"]

    # The same numbers as the champion itself, money rounded to whole cents.
    model = load_champion(champion_store).model
    panel = pl.DataFrame(
        {
            "series_id": "s",
            "observed_on": [dt.date.fromisoformat(p["observed_on"]) for p in sent["prices"]],
            "departure_date": DEPARTURE,
            "price": [p["price_minor"] / 100 for p in sent["prices"]],
            "currency": "EUR",
        }
    )
    expected = model.advise(panel).row(-1, named=True)
    assert advice["action"] == expected["action"]
    assert isinstance(advice["expected_saving_minor"], int)
    assert advice["expected_saving_minor"] == round(expected["expected_saving"] * 100)
    assert advice["expected_saving_pct"] == pytest.approx(
        100 * expected["expected_saving_pct"], abs=0.01
    )


def test_over_budget_means_buy_now(advice_client: TestClient, alice: Account):
    response = advice_client.post(
        "/v1/advice", json=body(budget_minor=10_000), headers=alice.headers
    )
    assert response.status_code == 200, response.text
    advice = response.json()
    assert advice["prob_above_budget"] == 1.0
    assert advice["action"] == "BUY_NOW"
    assert advice["book_by"] == advice["observed_on"]


def test_the_day_before_departure_is_the_last_chance(advice_client: TestClient, alice: Account):
    sent = body(departure_date=(DEPARTURE - dt.timedelta(days=9)).isoformat())
    response = advice_client.post("/v1/advice", json=sent, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.json()["action"] == "BUY_NOW"
    assert "last day to book" in response.json()["explanation"]


def test_a_single_price_is_enough(advice_client: TestClient, alice: Account):
    response = advice_client.post(
        "/v1/advice", json=body(prices=prices(days=1)), headers=alice.headers
    )
    assert response.status_code == 200, response.text


def test_an_api_key_is_required(advice_client: TestClient):
    response = advice_client.post("/v1/advice", json=body())
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


def test_no_champion_answers_503(client: TestClient, alice: Account):
    response = client.post("/v1/advice", json=body(), headers=alice.headers)
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert "No champion model yet" in response.json()["detail"]


def _swap(points: list[dict[str, Any]], i: int, j: int) -> list[dict[str, Any]]:
    points = list(points)
    points[i], points[j] = points[j], points[i]
    return points


def _with(points: list[dict[str, Any]], i: int, **changes: Any) -> list[dict[str, Any]]:
    points = [dict(p) for p in points]
    points[i] |= changes
    return points


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"prices": _with(prices(), 3, price_minor=0)}, "prices.3.price_minor", "positive"),
        ({"prices": _with(prices(), 0, price_minor=-5)}, "prices.0.price_minor", "positive"),
        ({"prices": _swap(prices(), 4, 5)}, "prices", "sorted by observed_on"),
        (
            {"prices": _with(prices(), 5, observed_on=prices()[4]["observed_on"])},
            "prices",
            "appears twice",
        ),
        (
            {"departure_date": prices()[-2]["observed_on"]},
            "departure_date",
            "before the last observation",
        ),
        ({"prices": []}, "prices", "at least 1"),
        ({"currency": "XYZ"}, "currency", "not a supported"),
        ({"budget_minor": 0}, "budget_minor", "greater than 0"),
    ],
)
def test_invalid_bodies_are_422_with_reasons(
    advice_client: TestClient, alice: Account, overrides, field, reason
):
    response = advice_client.post("/v1/advice", json=body(**overrides), headers=alice.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    errors = response.json()["errors"]
    assert any(e["field"] == field and reason in e["detail"] for e in errors), errors
