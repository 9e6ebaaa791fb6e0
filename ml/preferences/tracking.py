"""The preference model's MLflow run: fit, evaluate against fixed weights, log, register.

One run in experiment ``wayra-preferences`` holds the fit's parameters, NDCG@5 on held-out
shown sets for the learned, population and fixed weights, and every traveler's weights as JSON
(``preferences/weights.json``, :meth:`PreferenceModel.to_dict`). The model is logged as a
pyfunc that carries that JSON as its only artifact (no pickled estimator: the weights are the
model) and registered as a new version of ``wayra-preferences`` with the alias
``challenger``. Promotion is left to whoever decides what a champion must beat.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version as installed_version
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema

from ml.optimizer.criteria import CRITERIA
from ml.optimizer.trip import CriterionWeights
from ml.preferences.evaluation import HeldOutSet, evaluate
from ml.preferences.events import PreferencePair
from ml.preferences.model import (
    NEIGHBOURS,
    PRIOR_STRENGTH,
    PreferenceModel,
    Prior,
    fit_preferences,
    weight_strings,
)
from ml.preferences.simulation import PERSONAS, simulate_preferences
from ml.tracking import ensure_experiment, tracking_store

EXPERIMENT = "wayra-preferences"
MODEL_NAME = "wayra-preferences"
CHALLENGER = "challenger"
WEIGHTS_ARTIFACT = "preferences/weights.json"
MODEL_REQUIREMENTS = ("pandas",)


class PreferencePyfunc(mlflow.pyfunc.PythonModel):
    """Per-traveler weights behind MLflow's pyfunc interface.

    Input: a frame with a ``traveler_id`` column. Output: one row per input row with the
    traveler id, ``learned`` (False: a traveler the model has not seen, given the population's
    weights) and one column per criterion holding the weight as an exact decimal string, which
    ``CriterionWeights`` reads as written.
    """

    def load_context(self, context) -> None:
        data = json.loads(Path(context.artifacts["weights"]).read_text())
        self.model = PreferenceModel.from_dict(data)

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        known = set(self.model.traveler_ids)
        rows = []
        for traveler_id in model_input["traveler_id"].astype(str):
            weights = weight_strings(self.model.weights_for(traveler_id))
            rows.append({"traveler_id": traveler_id, "learned": traveler_id in known, **weights})
        return pd.DataFrame(rows, columns=["traveler_id", "learned", *CRITERIA])


SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "traveler_id")]),
    outputs=Schema(
        [
            ColSpec("string", "traveler_id"),
            ColSpec("boolean", "learned"),
            *(ColSpec("string", name) for name in CRITERIA),
        ]
    ),
)


@dataclass(frozen=True)
class PreferenceTraining:
    run_id: str
    version: int
    model: PreferenceModel
    metrics: dict[str, float]


def train_preferences(
    pairs: Sequence[PreferencePair],
    holdout: Sequence[HeldOutSet],
    tracking_uri: str | None = None,
    *,
    fixed: CriterionWeights = CriterionWeights(),
    prior: Prior = "collaborative",
    prior_strength: float = PRIOR_STRENGTH,
    neighbours: int = NEIGHBOURS,
    few_event_travelers: Collection[str] = (),
    extra_params: Mapping[str, object] | None = None,
    run_name: str | None = None,
    base: CriterionWeights | None = None,
) -> PreferenceTraining:
    """Fit on ``pairs``, score on ``holdout`` (also on ``few_event_travelers``' sets alone,
    as ``*_few_events`` metrics, when given), log one run and register its model."""
    model = fit_preferences(
        pairs, prior=prior, prior_strength=prior_strength, neighbours=neighbours, base=base
    )
    metrics = evaluate(model, holdout, fixed)
    few_sets = [s for s in holdout if s.traveler_id in few_event_travelers]
    if few_sets:
        few = evaluate(model, few_sets, fixed)
        metrics |= {f"{name}_few_events": value for name, value in few.items()}
    counts = {
        "train_pairs": len(pairs),
        "travelers": len(model.traveler_ids),
        "holdout_sets": len(holdout),
        "holdout_sets_few_events": len(few_sets),
    }
    params = {
        "prior": prior,
        "prior_strength": prior_strength,
        "neighbours": neighbours,
        "population_base": "fixed weights" if base is not None else "none",
        **{f"fixed.{name}": getattr(fixed, name) for name in CRITERIA},
        **(extra_params or {}),
    }
    with tracking_store(tracking_uri) as client:
        experiment_id = ensure_experiment(client, EXPERIMENT)
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
            mlflow.log_params(params)
            mlflow.log_metrics({**metrics, **counts})
            mlflow.log_dict(model.to_dict(), WEIGHTS_ARTIFACT)
            info = _log_pyfunc(model)
        version = int(mlflow.register_model(info.model_uri, MODEL_NAME).version)
        client.set_registered_model_alias(MODEL_NAME, CHALLENGER, str(version))
    return PreferenceTraining(run.info.run_id, version, model, metrics)


def _log_pyfunc(model: PreferenceModel) -> mlflow.models.model.ModelInfo:
    with tempfile.TemporaryDirectory() as directory:
        weights = Path(directory) / "weights.json"
        weights.write_text(json.dumps(model.to_dict()))
        example = pd.DataFrame({"traveler_id": list(model.traveler_ids[:3])})
        return mlflow.pyfunc.log_model(
            name="model",
            python_model=PreferencePyfunc(),
            artifacts={"weights": str(weights)},
            signature=SIGNATURE,
            input_example=example,
            pip_requirements=[f"{n}=={installed_version(n)}" for n in MODEL_REQUIREMENTS],
        )


def load_preferences(
    alias: str = CHALLENGER, *, tracking_uri: str | None = None
) -> PreferenceModel:
    """The model of ``models:/wayra-preferences@<alias>``."""
    with tracking_store(tracking_uri):
        loaded = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@{alias}")
        return loaded.unwrap_python_model().model


def run_simulated_training(
    tracking_uri: str | None = None,
    seed: int = 0,
    *,
    travelers: int = 150,
    holdout_sets: int = 4,
    prior_strength: float = PRIOR_STRENGTH,
    neighbours: int = NEIGHBOURS,
) -> PreferenceTraining:
    """Simulate travelers with hidden weights (:mod:`ml.preferences.simulation`), then
    :func:`train_preferences` on them against the optimizer's default weights. Travelers with
    at most three training sets are the ``few_events`` segment."""
    simulated = simulate_preferences(seed, travelers=travelers, holdout_sets=holdout_sets)
    return train_preferences(
        simulated.pairs(),
        simulated.holdout,
        tracking_uri,
        prior_strength=prior_strength,
        neighbours=neighbours,
        few_event_travelers=simulated.travelers_with_few_sets(),
        extra_params={
            "data": "simulated",
            "seed": seed,
            "simulated_travelers": travelers,
            "holdout_sets_per_traveler": holdout_sets,
            "personas": ",".join(sorted(PERSONAS)),
        },
        run_name=f"simulated-seed-{seed}",
    )
