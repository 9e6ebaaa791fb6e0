"""The traveler_preferences asset: feedback in the operational store -> learned weights for
the travelers who gave it, the population prior for everyone else, a model in MLflow."""

from __future__ import annotations

import pytest
from dagster import materialize
from mlflow import MlflowClient
from sqlalchemy import select

from ml.optimizer import CRITERIA, CriterionWeights
from orchestration.defs.preferences.assets import traveler_preferences
from orchestration.defs.resources import MlflowResource, OperationalStoreResource
from tests.opstore.factories import make_watch, package_row
from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.opstore.models import RecommendationFeedback, TravelerPreference
from wayra.opstore.publication import publish_recommendations, recommendations_for_watch
from wayra.opstore.users import create_user
from wayra.settings import Settings

pytestmark = pytest.mark.xdist_group("mlflow")


def criteria(price: int, stops: int) -> dict[str, int]:
    values = dict.fromkeys(CRITERIA, 0)
    return values | {"price_minor": price, "stops": stops, "travel_minutes": 300 + 200 * stops}


def run_asset():
    return materialize(
        [traveler_preferences],
        resources={"operational_store": OperationalStoreResource(), "mlflow": MlflowResource()},
    )


def test_feedback_becomes_learned_weights_and_newcomers_get_the_prior(data_dir) -> None:
    settings = Settings()
    migrate(settings)
    factory = make_session_factory(make_engine(settings))
    with factory() as session:
        hates_stops, _ = create_user(session, "direct@example.com", "Direct")
        newcomer, _ = create_user(session, "new@example.com", "New")
        watch = make_watch(session, hates_stops)
        session.commit()
    # Nothing to learn from yet: the asset changes nothing.
    assert run_asset().success
    with factory() as session:
        assert session.scalars(select(TravelerPreference)).all() == []

    # Five pages of three packages: each time the traveler likes the direct flight, the
    # dearest one, and dismisses the cheapest, which has two stops.
    for page in range(5):
        with factory.begin() as session:
            rows = [
                package_row(watch, 300_000 + 10_000 * page, rank=1)
                | {"criteria": criteria(300_000 + 10_000 * page, 2)},
                package_row(watch, 330_000 + 10_000 * page, rank=2)
                | {"criteria": criteria(330_000 + 10_000 * page, 1)},
                package_row(watch, 345_000 + 10_000 * page, rank=3)
                | {"criteria": criteria(345_000 + 10_000 * page, 0)},
            ]
            publish_recommendations(session, rows, f"run-{page}")
        with factory.begin() as session:
            _, shown = recommendations_for_watch(session, watch.id)
            session.add_all(
                [
                    RecommendationFeedback(
                        recommendation_id=shown[2].id, user_id=hates_stops.id, kind="liked"
                    ),
                    RecommendationFeedback(
                        recommendation_id=shown[0].id, user_id=hates_stops.id, kind="dismissed"
                    ),
                ]
            )

    result = run_asset()
    assert result.success
    metadata = result.asset_materializations_for_node("traveler_preferences")[-1].metadata
    assert metadata["travelers_learned"].value == 1
    assert metadata["holdout_sets"].value == 1  # the latest liked page is held out
    with factory() as session:
        stored = {p.user_id: p for p in session.scalars(select(TravelerPreference))}
    assert stored[hates_stops.id].source == "learned"
    assert stored[newcomer.id].source == "prior"
    learned = CriterionWeights(**stored[hates_stops.id].weights)
    prior = CriterionWeights(**stored[newcomer.id].weights)
    # Paying 45,000 minor units to avoid two stops: the learned weight on stops says so.
    assert float(learned.stops) > float(prior.stops)
    assert float(learned.price_minor) == 1.0
    # The model behind the weights is registered in MLflow as a challenger.
    version = stored[hates_stops.id].model_version
    client = MlflowClient(settings.mlflow_uri)
    registered = client.get_model_version_by_alias("wayra-preferences", "challenger")
    assert str(registered.version) == version
    run = client.get_run(registered.run_id)
    assert {"ndcg_at_5_learned", "ndcg_at_5_fixed"} <= set(run.data.metrics)
