"""The buy/wait model in the MLflow registry: train, evaluate, register, promote, load.

Four separate steps, each its own function (the Dagster assets call them in turn):

- :func:`train` fits a model in one MLflow run and logs it (see :mod:`ml.tracking`);
- :func:`evaluate` scores that run's model on a holdout and logs metrics and plots to the run;
- :func:`register` makes it a new version of ``wayra-buy-wait`` with the alias ``challenger``;
- :func:`promote` moves ``champion`` to the challenger only if it beats the current champion,
  both scored afresh on the same holdout and requests; the decision is tagged on the version.

Serving loads ``models:/wayra-buy-wait@champion`` through :func:`load_champion`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import mlflow
import polars as pl
from mlflow import MlflowClient

from ml.evaluation import evaluate_holdout, holdout_requests
from ml.policy import BuyWaitModel
from ml.tracking import (
    EXPERIMENT,
    evaluate,
    load_logged_model,
    resolve_tracking_uri,
    run_model_uri,
    store_exists,
    tracking_store,
    train,
)

__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "EXPERIMENT",
    "MODEL_NAME",
    "ChampionModel",
    "NoChampionError",
    "PromotionDecision",
    "decide_promotion",
    "evaluate",
    "load_champion",
    "promote",
    "register",
    "train",
]

MODEL_NAME = "wayra-buy-wait"
CHALLENGER = "challenger"
CHAMPION = "champion"
PRIMARY_METRIC = "clairvoyant_capture"
GUARD_METRIC = "no_regret_rate"
# A challenger may trade at most one percentage point of no-regret requests for more capture.
MAX_GUARD_DROP = 0.01
TAG_PREFIX = "promotion."


class NoChampionError(LookupError):
    """The registry has no version with the ``champion`` alias (or no registry at all)."""


@dataclass(frozen=True)
class ChampionModel:
    model: BuyWaitModel
    version: int
    run_id: str
    name: str = MODEL_NAME


@dataclass(frozen=True)
class PromotionDecision:
    promoted: bool
    reason: str
    challenger_version: int
    champion_version: int | None  # the champion it was compared with; None: there was none
    challenger_metrics: dict[str, float]
    champion_metrics: dict[str, float] | None


def decide_promotion(
    challenger: Mapping[str, float], champion: Mapping[str, float] | None
) -> tuple[bool, str]:
    """Promote when there is no champion, or when the challenger captures more of the
    clairvoyant's savings without losing more than one point of no-regret rate."""
    if champion is None:
        return True, "no champion yet"
    new, old = challenger[PRIMARY_METRIC], champion[PRIMARY_METRIC]
    new_guard, old_guard = challenger[GUARD_METRIC], champion[GUARD_METRIC]
    # The tolerance lets exactly one point through despite float rounding (0.90 - 0.01).
    if new_guard < old_guard - MAX_GUARD_DROP - 1e-9:
        return False, (
            f"{GUARD_METRIC} {new_guard:.4f} is more than {MAX_GUARD_DROP * 100:g} point below "
            f"the champion's {old_guard:.4f}"
        )
    if new <= old:
        return False, f"{PRIMARY_METRIC} {new:.4f} does not beat the champion's {old:.4f}"
    return True, f"{PRIMARY_METRIC} {new:.4f} beats the champion's {old:.4f}"


# --- registry look-ups ----------------------------------------------------------------------
def alias_version(client: MlflowClient, alias: str) -> int | None:
    """The version holding ``alias``, or None (also when the model is not registered yet)."""
    found = client.search_registered_models(filter_string=f"name = '{MODEL_NAME}'")
    if not found:
        return None
    version = found[0].aliases.get(alias)
    return int(version) if version is not None else None


def _load_version(version: int) -> BuyWaitModel:
    # By number, not by alias: the alias could move between looking it up and loading it.
    return load_logged_model(f"models:/{MODEL_NAME}/{version}")


# --- register -----------------------------------------------------------------------------------
def register(run_id: str, *, tracking_uri: str | None = None) -> int:
    """Register the run's model as a new version and point ``challenger`` at it."""
    with tracking_store(tracking_uri) as client:
        registered = mlflow.register_model(run_model_uri(client, run_id), MODEL_NAME)
        version = int(registered.version)
        client.set_registered_model_alias(MODEL_NAME, CHALLENGER, str(version))
        return version


# --- promote ------------------------------------------------------------------------------------
def _format_metric(value: float) -> str:
    return f"{value:.6f}"


def _decision_tags(decision: PromotionDecision, holdout: pl.DataFrame, requests: int) -> dict:
    tags = {
        "decision": "promoted" if decision.promoted else "refused",
        "reason": decision.reason,
        "compared_with_version": str(decision.champion_version or "none"),
        "holdout": (
            f"{holdout['series_id'].n_unique()} series departing "
            f"{holdout['departure_date'].min()}..{holdout['departure_date'].max()}, "
            f"{requests} requests"
        ),
        "decided_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    for metric in (PRIMARY_METRIC, GUARD_METRIC):
        tags[f"challenger.{metric}"] = _format_metric(decision.challenger_metrics[metric])
        if decision.champion_metrics is not None:
            tags[f"champion.{metric}"] = _format_metric(decision.champion_metrics[metric])
    return {TAG_PREFIX + key: value for key, value in tags.items()}


def promote(
    holdout_panel: pl.DataFrame,
    requests: pl.DataFrame | None = None,
    *,
    version: int | None = None,
    tracking_uri: str | None = None,
) -> PromotionDecision:
    """Decide whether the challenger (or ``version``) replaces the champion.

    Both are scored now on ``holdout_panel`` with the same requests; stored metrics are not
    trusted, since they may come from another holdout. The decision, its reason and both
    metric values are tagged on the challenger's version (``promotion.*``).
    """
    with tracking_store(tracking_uri) as client:
        challenger = version if version is not None else alias_version(client, CHALLENGER)
        if challenger is None:
            raise LookupError(f"{MODEL_NAME} has no '{CHALLENGER}': register a model first")
        champion = alias_version(client, CHAMPION)
        requests = holdout_requests(holdout_panel, requests)

        def holdout_metrics(v: int) -> dict[str, float]:
            return evaluate_holdout(_load_version(v), holdout_panel, requests).metrics()

        challenger_metrics = holdout_metrics(challenger)
        if champion == challenger:  # e.g. the promotion step re-run without a new challenger
            return PromotionDecision(
                promoted=False,
                reason=f"version {challenger} is already the champion",
                challenger_version=challenger,
                champion_version=champion,
                challenger_metrics=challenger_metrics,
                champion_metrics=challenger_metrics,
            )
        champion_metrics = holdout_metrics(champion) if champion is not None else None
        promoted, reason = decide_promotion(challenger_metrics, champion_metrics)
        decision = PromotionDecision(
            promoted, reason, challenger, champion, challenger_metrics, champion_metrics
        )
        for key, value in _decision_tags(decision, holdout_panel, requests.height).items():
            client.set_model_version_tag(MODEL_NAME, str(challenger), key, value)
        if promoted:
            client.set_registered_model_alias(MODEL_NAME, CHAMPION, str(challenger))
        return decision


# --- load ---------------------------------------------------------------------------------------
def load_champion(tracking_uri: str | None = None) -> ChampionModel:
    """The model at ``models:/wayra-buy-wait@champion``; :class:`NoChampionError` if none."""
    uri = resolve_tracking_uri(tracking_uri)
    if not store_exists(uri):
        raise NoChampionError(f"no MLflow store at {uri} yet, so no '{CHAMPION}' {MODEL_NAME}")
    with tracking_store(uri) as client:
        version = alias_version(client, CHAMPION)
        if version is None:
            raise NoChampionError(
                f"{MODEL_NAME} has no '{CHAMPION}' in {uri}: train, register and promote a model"
            )
        model_version = client.get_model_version(MODEL_NAME, str(version))
        return ChampionModel(_load_version(version), version, model_version.run_id)
