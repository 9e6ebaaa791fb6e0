"""One simulated training run against a real MLflow store (SQLite in a temp dir)."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest

from ml.preferences.model import PreferenceModel
from ml.preferences.tracking import (
    CHALLENGER,
    EXPERIMENT,
    MODEL_NAME,
    WEIGHTS_ARTIFACT,
    PreferenceTraining,
    load_preferences,
    run_simulated_training,
)
from ml.tracking import tracking_store

pytestmark = pytest.mark.xdist_group("mlflow")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.sqlite'}"


@pytest.fixture(scope="module")
def training(store) -> PreferenceTraining:
    return run_simulated_training(store, seed=3, travelers=60)


def test_the_run_shows_learned_and_fixed_ndcg(store, training):
    with tracking_store(store) as client:
        run = client.get_run(training.run_id)
        experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == EXPERIMENT
    metrics = run.data.metrics
    for name in ("ndcg_at_5_learned", "ndcg_at_5_fixed", "ndcg_at_5_population"):
        assert metrics[name] == pytest.approx(training.metrics[name])
        assert f"{name}_few_events" in metrics
    assert metrics["ndcg_at_5_learned"] > metrics["ndcg_at_5_fixed"]
    assert run.data.params["prior"] == "collaborative"
    assert run.data.params["fixed.stops"] == "2000"
    assert run.data.params["seed"] == "3"


def test_the_run_holds_every_travelers_weights(store, training):
    with tracking_store(store):
        data = mlflow.artifacts.load_dict(f"runs:/{training.run_id}/{WEIGHTS_ARTIFACT}")
    assert PreferenceModel.from_dict(data) == training.model
    assert len(data["travelers"]) == 60


def test_the_registered_version_is_the_challenger(store, training):
    with tracking_store(store) as client:
        version = client.get_model_version_by_alias(MODEL_NAME, CHALLENGER)
    assert int(version.version) == training.version
    assert version.run_id == training.run_id
    assert load_preferences(tracking_uri=store) == training.model


def test_the_pyfunc_serves_weights_and_the_population_for_strangers(store, training):
    first = training.model.traveler_ids[0]
    with tracking_store(store):
        pyfunc = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@{CHALLENGER}")
    served = pyfunc.predict(pd.DataFrame({"traveler_id": [first, "never-seen"]}))
    assert served["learned"].tolist() == [True, False]
    assert served["stops"].tolist() == [
        str(training.model.weights_for(first).stops),
        str(training.model.population.stops),
    ]
    assert "E" not in "".join(served["stops"])  # plain decimals, as a database column wants
