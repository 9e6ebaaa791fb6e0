"""MLflow tracking for the buy/wait model: where runs live, the pyfunc wrapper, and the *train*
and *evaluate* steps. Registering and promoting are :mod:`ml.registry`'s.

The tracking URI comes from ``Settings.mlflow_uri`` (a SQLite file under the data directory by
default) unless a caller passes one. Nothing here leaves MLflow's process-wide URI changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version as installed_version
from pathlib import Path
from urllib.parse import unquote

import mlflow
import pandas as pd
import polars as pl
from mlflow import MlflowClient
from mlflow.entities import Metric
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature, infer_signature
from mlflow.types import ColSpec, Schema

from ml.backtest import default_model
from ml.evaluation import evaluate_holdout
from ml.forecast.base import PANEL_COLUMNS
from ml.history import history_panel
from ml.plots import capture_chart, fan_chart
from ml.policy import BuyWaitModel
from wayra.settings import Settings

EXPERIMENT = "wayra-forecasting"
MODEL_ARTIFACT = "model"
MODEL_URI_TAG = "wayra.model_uri"  # set on each training run: the logged model it produced
BUDGET_COLUMN = "budget"
EXAMPLE_DAYS = 21
# Pinned in the logged model's requirements; listing them skips MLflow's requirement inference,
# which re-loads the model in a subprocess on every log.
MODEL_REQUIREMENTS = ("scikit-learn", "polars", "numpy", "pandas", "cloudpickle")

_SERVER_SCHEMES = ("http://", "https://", "databricks")
_global_uri_lock = threading.RLock()


# --- where tracking lives -----------------------------------------------------------------------
def resolve_tracking_uri(tracking_uri: str | None = None) -> str:
    return tracking_uri or Settings().mlflow_uri


def local_sqlite_path(tracking_uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` tracking URI, else None."""
    if not tracking_uri.startswith("sqlite:///"):
        return None
    return Path(unquote(tracking_uri.removeprefix("sqlite:///"))).resolve()


def store_exists(tracking_uri: str) -> bool:
    """False only for a local SQLite store whose file is missing: a read-only question (is there
    a champion?) should not create an empty MLflow database as a side effect."""
    path = local_sqlite_path(tracking_uri)
    return path is None or path.exists()


def artifact_location(tracking_uri: str) -> str | None:
    """Where a new experiment keeps its artifacts. A SQLite store keeps them beside its database
    file (the default: ``<data dir>/mlartifacts``, ``Settings.mlflow_artifacts_dir``); a tracking
    server decides for itself. Left to MLflow, a database store would write ``./mlruns`` into
    whatever directory the process happens to run in."""
    if tracking_uri.startswith(_SERVER_SCHEMES):
        return None
    path = local_sqlite_path(tracking_uri)
    root = path.parent / "mlartifacts" if path else Settings().mlflow_artifacts_dir
    return root.resolve().as_uri()


@contextmanager
def tracking_store(tracking_uri: str | None = None) -> Iterator[MlflowClient]:
    """A client for ``tracking_uri``, with MLflow's fluent API (start_run, log_model,
    register_model, load_model) pointed at the same store for the block. Those functions read a
    process-wide URI; it is restored afterwards, and the lock keeps two threads from swapping it
    under each other."""
    uri = resolve_tracking_uri(tracking_uri)
    with _global_uri_lock:
        previous = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
        mlflow.set_tracking_uri(uri)
        try:
            yield MlflowClient(tracking_uri=uri)
        finally:
            mlflow.set_tracking_uri(previous)


def ensure_experiment(client: MlflowClient, name: str) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    try:
        return client.create_experiment(
            name, artifact_location=artifact_location(client.tracking_uri)
        )
    except MlflowException:
        # Another process may have created it since we looked; anything else re-raises.
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment.experiment_id


# --- the logged model ---------------------------------------------------------------------------
def panel_from_pandas(frame: pd.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """A pyfunc input frame as a checked panel plus the budgets it carries (one per series, from
    its ``budget`` column; series without one get none). Rows are checked like a history file's
    (:func:`ml.history.history_panel`): a bad row raises, naming the row and the reason."""
    data = pl.from_pandas(frame)
    panel = history_panel(data.rename({"observed_on": "observed_at"}))
    if BUDGET_COLUMN not in data.columns:
        return panel, None
    budgets = (
        data.select(pl.col("series_id").cast(pl.String), pl.col(BUDGET_COLUMN).cast(pl.Float64))
        .drop_nulls()
        .group_by("series_id", maintain_order=True)
        .agg(pl.col(BUDGET_COLUMN).first())
    )
    return panel, budgets


class BuyWaitPyfunc(mlflow.pyfunc.PythonModel):
    """A fitted :class:`~ml.policy.BuyWaitModel` behind MLflow's pyfunc interface.

    Input: a pandas frame in the panel format (``series_id``, ``observed_on``,
    ``departure_date``, ``price``, ``currency``), optionally with ``budget`` (the series'
    currency). Output: :meth:`BuyWaitModel.advise`'s frame: one row of advice per input row,
    keyed by ``series_id`` and ``observed_on``, in series and day order.

    Pickled with cloudpickle, which stores this project's classes by reference: loading needs
    the ``wayra`` project installed (as serving and Dagster have it), not just the requirements.
    """

    def __init__(self, model: BuyWaitModel) -> None:
        self.model = model

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        panel, budgets = panel_from_pandas(model_input)
        return self.model.advise(panel, budgets).to_pandas()


INPUT_SCHEMA = Schema(
    [
        ColSpec("string", "series_id"),
        ColSpec("datetime", "observed_on"),
        ColSpec("datetime", "departure_date"),
        ColSpec("double", "price"),
        ColSpec("string", "currency"),
        ColSpec("double", BUDGET_COLUMN, required=False),
    ]
)


def input_example(panel: pl.DataFrame) -> pd.DataFrame:
    """The last weeks of one training series, with a budget just above its latest price."""
    first = panel["series_id"].min()
    series = panel.filter(pl.col("series_id") == first).tail(EXAMPLE_DAYS)
    budget = series["price"][-1] * 1.1
    return (
        series.select(PANEL_COLUMNS).with_columns(pl.lit(budget).alias(BUDGET_COLUMN)).to_pandas()
    )


def log_buy_wait_model(model: BuyWaitModel, panel: pl.DataFrame) -> mlflow.models.model.ModelInfo:
    """Log a fitted model to the active run, with its signature and an input example."""
    wrapper = BuyWaitPyfunc(model)
    example = input_example(panel)
    outputs = infer_signature(example, wrapper.predict(None, example)).outputs
    return mlflow.pyfunc.log_model(
        name=MODEL_ARTIFACT,
        python_model=wrapper,
        signature=ModelSignature(inputs=INPUT_SCHEMA, outputs=outputs),
        input_example=example,
        pip_requirements=[f"{name}=={installed_version(name)}" for name in MODEL_REQUIREMENTS],
    )


def load_logged_model(model_uri: str) -> BuyWaitModel:
    """The BuyWaitModel inside a logged pyfunc model (call within :func:`tracking_store`)."""
    wrapper = mlflow.pyfunc.load_model(model_uri).unwrap_python_model()
    if not isinstance(wrapper, BuyWaitPyfunc):
        raise TypeError(f"{model_uri} is not a buy/wait model (got {type(wrapper).__name__})")
    return wrapper.model


def run_model_uri(client: MlflowClient, run_id: str) -> str:
    uri = client.get_run(run_id).data.tags.get(MODEL_URI_TAG)
    if uri is None:
        raise ValueError(f"run {run_id} logged no buy/wait model (no {MODEL_URI_TAG} tag)")
    return uri


# --- train and evaluate ---------------------------------------------------------------------------
def _panel_params(panel: pl.DataFrame, prefix: str) -> dict[str, object]:
    return {
        f"{prefix}_series": panel["series_id"].n_unique(),
        f"{prefix}_rows": panel.height,
        f"{prefix}_first_observed": panel["observed_on"].min(),
        f"{prefix}_last_departure": panel["departure_date"].max(),
    }


def train(
    panel_train: pl.DataFrame,
    experiment: str = EXPERIMENT,
    model_factory: Callable[[], BuyWaitModel] = default_model,
    *,
    tracking_uri: str | None = None,
    run_name: str | None = None,
) -> str:
    """Fit a model on ``panel_train`` in one MLflow run (its params, fit time and the pyfunc
    model); returns the run id. Evaluating it is a separate step: :func:`evaluate`."""
    with tracking_store(tracking_uri) as client:
        experiment_id = ensure_experiment(client, experiment)
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
            model = model_factory()
            mlflow.set_tag("model", model.name)
            mlflow.log_params({**model.params(), **_panel_params(panel_train, "train")})
            started = time.perf_counter()
            model.fit(panel_train)
            mlflow.log_metric("fit_seconds", time.perf_counter() - started)
            info = log_buy_wait_model(model, panel_train)
            mlflow.set_tag(MODEL_URI_TAG, info.model_uri)
        return run.info.run_id


def evaluate(
    run_id: str,
    holdout_panel: pl.DataFrame,
    requests: pl.DataFrame | None = None,
    *,
    tracking_uri: str | None = None,
) -> dict[str, float]:
    """Score the run's model on the holdout (see :func:`ml.evaluation.evaluate_holdout`) and log
    the metrics, the full evaluation as JSON and two plots to that run. Returns the metrics."""
    with tracking_store(tracking_uri) as client:
        model = load_logged_model(run_model_uri(client, run_id))
        evaluation = evaluate_holdout(model, holdout_panel, requests)
        metrics = evaluation.metrics()
        now = int(time.time() * 1000)
        client.log_batch(
            run_id,
            metrics=[Metric(name, value, now, 0) for name, value in metrics.items()],
            params=[],
        )
        # Tags, not params: params are write-once, and a run may be re-evaluated on a new holdout.
        for name, value in _panel_params(holdout_panel, "holdout").items():
            client.set_tag(run_id, name, str(value))
        client.log_dict(run_id, evaluation.as_dict(), "evaluation/holdout.json")
        client.log_figure(
            run_id, fan_chart(holdout_panel, evaluation.forecasts), "evaluation/fan_chart.png"
        )
        client.log_figure(
            run_id, capture_chart(evaluation.strategies), "evaluation/capture_by_strategy.png"
        )
        return metrics
