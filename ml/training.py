"""One weekly training cycle as the CLI and the demo run it: train, evaluate, register, promote.

Each step is its own MLflow call (a run, its holdout metrics, a registry version with the
``challenger`` alias, the promotion decision), exactly as the Dagster assets chain them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from ml.history import split_by_departure
from ml.registry import PromotionDecision, promote, register
from ml.tracking import evaluate, train


@dataclass(frozen=True)
class TrainingCycle:
    run_id: str
    version: int
    train_until: dt.date
    metrics: dict[str, float]  # the challenger's holdout metrics
    decision: PromotionDecision


def run_training_cycle(
    panel: pl.DataFrame,
    train_until: dt.date | None = None,
    *,
    tracking_uri: str | None = None,
    progress: Callable[[str], None] = lambda _step: None,
) -> TrainingCycle:
    train_panel, holdout, train_until = split_by_departure(panel, train_until)
    progress(f"Training on {train_panel['series_id'].n_unique()} series (MLflow run)")
    run_id = train(train_panel, tracking_uri=tracking_uri)
    progress(f"Evaluating on {holdout['series_id'].n_unique()} held-out series")
    metrics = evaluate(run_id, holdout, tracking_uri=tracking_uri)
    version = register(run_id, tracking_uri=tracking_uri)
    progress(f"Version {version} is the challenger; comparing with the champion")
    decision = promote(holdout, version=version, tracking_uri=tracking_uri)
    return TrainingCycle(run_id, version, train_until, metrics, decision)
