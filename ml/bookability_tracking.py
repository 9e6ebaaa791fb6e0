"""The bookability classifier's MLflow run: parameters, ROC AUC and Brier scores, the
reliability table and diagram, and the model itself (scikit-learn flavour)."""

from __future__ import annotations

from dataclasses import asdict

import mlflow
import polars as pl
from matplotlib.figure import Figure

from ml.bookability import BookabilityReport, train_bookability
from ml.tracking import ensure_experiment, tracking_store

EXPERIMENT = "wayra-bookability"
MODEL_NAME = "wayra-bookability"


def reliability_diagram(report: BookabilityReport) -> Figure:
    figure = Figure(figsize=(5, 5))
    axes = figure.subplots()
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    axes.plot(
        [b.mean_predicted for b in report.reliability],
        [b.observed_rate for b in report.reliability],
        marker="o",
        label=f"holdout (Brier {report.brier:.3f})",
    )
    axes.set_xlabel("predicted probability still bookable")
    axes.set_ylabel("observed share still bookable")
    axes.legend(loc="upper left")
    return figure


def train_and_log_bookability(
    outcomes: pl.DataFrame, *, tracking_uri: str | None = None, seed: int = 0
) -> tuple[str, int, BookabilityReport]:
    """Train on the re-price outcome mart's rows, log the run and register a new version of
    ``wayra-bookability`` (alias ``challenger``). Returns (run id, version, report)."""
    model, report = train_bookability(outcomes, seed=seed)
    with tracking_store(tracking_uri) as client:
        experiment_id = ensure_experiment(client, EXPERIMENT)
        with mlflow.start_run(experiment_id=experiment_id) as run:
            mlflow.log_params(
                {
                    "calibration_method": report.calibration_method,
                    "features": ",".join(report.features),
                    "train_days": f"{report.train_days[0]}..{report.train_days[1]}",
                    "holdout_days": f"{report.holdout_days[0]}..{report.holdout_days[1]}",
                    "seed": seed,
                }
            )
            mlflow.log_metrics(
                {
                    "roc_auc": report.roc_auc,
                    "brier": report.brier,
                    "base_rate_brier": report.base_rate_brier,
                    "holdout_base_rate": report.holdout_base_rate,
                    "train_rows": report.train_rows,
                    "holdout_rows": report.holdout_rows,
                }
            )
            mlflow.log_dict(
                {"reliability": [asdict(b) for b in report.reliability]},
                "evaluation/reliability.json",
            )
            mlflow.log_figure(reliability_diagram(report), "evaluation/reliability.png")
            # The calibrated scikit-learn estimator; its inputs are the feature matrix that
            # ml.bookability builds (categories encoded as logged in the params).
            # cloudpickle, as for the buy/wait model: skops refuses calibrated boosted trees.
            info = mlflow.sklearn.log_model(
                model.classifier, name="model", serialization_format="cloudpickle"
            )
        version = mlflow.register_model(info.model_uri, MODEL_NAME).version
        client.set_registered_model_alias(MODEL_NAME, "challenger", str(version))
    return run.info.run_id, int(version), report
