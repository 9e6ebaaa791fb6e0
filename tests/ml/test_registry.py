"""Train, evaluate, register and promote against a real MLflow store (SQLite in a temp dir).

One scenario per module, in order: a poor model becomes champion because there is none, a
better one replaces it, a poor one again is refused. The poor model waits until the last day
whatever the price (prices climb before departure), so the ordering does not hang on noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mlflow
import polars as pl
import pytest
from threadpoolctl import threadpool_limits

from ml.forecast.baselines import LastValueForecaster
from ml.forecast.gbm import GradientBoostedQuantileForecaster
from ml.history import history_panel, split_by_departure
from ml.policy import BuyWaitModel, ContinuationValueModel, PolicyConfig
from ml.registry import (
    CHALLENGER,
    CHAMPION,
    MODEL_NAME,
    NoChampionError,
    PromotionDecision,
    decide_promotion,
    evaluate,
    load_champion,
    promote,
    register,
    train,
)
from ml.simulated_history import simulate_history
from ml.tracking import tracking_store

pytestmark = pytest.mark.xdist_group("mlflow")


def good_model() -> BuyWaitModel:
    return BuyWaitModel(
        GradientBoostedQuantileForecaster(max_iter=30),
        ContinuationValueModel(iterations=3, max_iter=30),
    )


def always_waits() -> BuyWaitModel:
    """Waits whatever it expects (any saving above -100% will do), so it buys on the last day."""
    return BuyWaitModel(
        LastValueForecaster(),
        ContinuationValueModel(iterations=1, max_iter=10),
        PolicyConfig(risk_appetite=1.0, min_saving_bold=-1.0),
    )


@pytest.fixture(scope="module", autouse=True)
def one_thread_per_model():
    # scikit-learn's gradient boosting starts one OpenMP thread per core; with xdist workers
    # sharing two busy cores that oversubscription made fitting ~10x slower than one thread.
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def split() -> tuple[pl.DataFrame, pl.DataFrame]:
    panel = history_panel(simulate_history(series=40, days=60))
    train_panel, holdout, _ = split_by_departure(panel)
    return train_panel, holdout


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.sqlite'}"


@dataclass
class Step:
    run_id: str
    version: int
    metrics: dict[str, float]
    decision: PromotionDecision


@pytest.fixture(scope="module")
def scenario(split, store) -> dict[str, Step]:
    train_panel, holdout = split
    steps = {}
    for name, factory in (("first", always_waits), ("better", good_model), ("worse", always_waits)):
        run_id = train(train_panel, model_factory=factory, tracking_uri=store, run_name=name)
        metrics = evaluate(run_id, holdout, tracking_uri=store)
        version = register(run_id, tracking_uri=store)
        steps[name] = Step(run_id, version, metrics, promote(holdout, tracking_uri=store))
        if name == "better":
            # The promotion step re-run with no new challenger changes nothing.
            steps["again"] = Step(run_id, version, metrics, promote(holdout, tracking_uri=store))
    return steps


def aliases(store: str) -> dict[str, int]:
    with tracking_store(store) as client:
        model = client.get_registered_model(MODEL_NAME)
        return {alias: int(version) for alias, version in model.aliases.items()}


def version_tags(store: str, version: int) -> dict[str, str]:
    with tracking_store(store) as client:
        return client.get_model_version(MODEL_NAME, str(version)).tags


# --- the scenario ---------------------------------------------------------------------------------
def test_first_model_is_promoted_when_there_is_no_champion(scenario, store):
    first = scenario["first"]
    assert first.version == 1
    assert first.decision.promoted and first.decision.reason == "no champion yet"
    assert first.decision.champion_version is None
    tags = version_tags(store, 1)
    assert tags["promotion.decision"] == "promoted"
    assert tags["promotion.compared_with_version"] == "none"


def test_better_challenger_replaces_the_champion(scenario, store):
    first, better = scenario["first"], scenario["better"]
    decision = better.decision
    assert decision.promoted and decision.champion_version == first.version
    assert (
        decision.challenger_metrics["clairvoyant_capture"]
        > (decision.champion_metrics["clairvoyant_capture"])
    )
    assert "beats the champion" in decision.reason
    assert aliases(store)[CHAMPION] == better.version == 2
    tags = version_tags(store, better.version)
    assert tags["promotion.decision"] == "promoted"
    assert float(tags["promotion.champion.clairvoyant_capture"]) == pytest.approx(
        decision.champion_metrics["clairvoyant_capture"], abs=1e-6
    )
    # Re-evaluated, not read back: the promotion's numbers equal the run's own evaluation.
    assert decision.challenger_metrics == pytest.approx(better.metrics)


def test_promoting_the_champion_again_changes_nothing(scenario, store):
    again = scenario["again"].decision
    assert not again.promoted and "already the champion" in again.reason
    assert aliases(store)[CHAMPION] == 2


def test_worse_challenger_is_refused_and_the_champion_stays(scenario, store):
    worse = scenario["worse"]
    decision = worse.decision
    assert not decision.promoted and decision.champion_version == 2
    assert aliases(store) == {CHAMPION: 2, CHALLENGER: worse.version}
    tags = version_tags(store, worse.version)
    assert tags["promotion.decision"] == "refused"
    assert tags["promotion.reason"] == decision.reason
    assert "no_regret_rate" in decision.reason and "below the champion's" in decision.reason
    for side, metrics in (
        ("challenger", decision.challenger_metrics),
        ("champion", decision.champion_metrics),
    ):
        for metric in ("clairvoyant_capture", "no_regret_rate"):
            assert float(tags[f"promotion.{side}.{metric}"]) == pytest.approx(
                metrics[metric], abs=1e-6
            )
    assert "12 series" in tags["promotion.holdout"]


def test_load_champion_returns_the_champion_version(scenario, store, split):
    champion = load_champion(store)
    assert champion.version == 2 and champion.run_id == scenario["better"].run_id
    assert champion.name == MODEL_NAME
    assert isinstance(champion.model, BuyWaitModel)
    assert champion.model.forecaster.name == "gbm_quantile"
    advice = champion.model.advise(split[1])
    assert advice.height == split[1].height


# --- what a run and a logged model hold ---------------------------------------------------------
def test_evaluate_logs_metrics_plots_and_the_evaluation_to_the_run(scenario, store):
    better = scenario["better"]
    with tracking_store(store) as client:
        run = client.get_run(better.run_id)
        artifacts = {a.path for a in client.list_artifacts(better.run_id, "evaluation")}
        experiment = client.get_experiment(run.info.experiment_id)
    for metric in (
        "mase",
        "smape",
        "quantile_loss",
        "coverage_80",
        "clairvoyant_capture",
        "mean_saving_pct",
        "no_regret_rate",
        "fit_seconds",
    ):
        assert metric in run.data.metrics, metric
    assert run.data.metrics["clairvoyant_capture"] == pytest.approx(
        better.metrics["clairvoyant_capture"]
    )
    assert run.data.params["forecaster_model"] == "gbm_quantile"
    assert run.data.params["train_series"] == "28"
    assert {
        "evaluation/fan_chart.png",
        "evaluation/capture_by_strategy.png",
        "evaluation/holdout.json",
    } <= artifacts
    # Artifacts sit beside the SQLite file, never in the working directory's ./mlruns.
    sqlite_dir = Path(store.removeprefix("sqlite:///")).parent
    assert experiment.artifact_location == (sqlite_dir / "mlartifacts").resolve().as_uri()


def test_logged_model_gives_advice_through_pyfunc(scenario, store, split):
    holdout = split[1]
    one_series = holdout.filter(pl.col("series_id") == holdout["series_id"][0])
    frame = one_series.to_pandas()
    with tracking_store(store):
        pyfunc = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@{CHAMPION}")
    inputs = {c.name: c.required for c in pyfunc.metadata.get_input_schema().inputs}
    assert inputs["budget"] is False and inputs["price"] is True

    without_budget = pyfunc.predict(frame)
    assert len(without_budget) == len(frame)
    assert set(without_budget["action"]) <= {"BUY_NOW", "WAIT"}
    assert without_budget["prob_above_budget"].isna().all()

    # A budget below every price: certainly above budget, so buy now, every day.
    over_budget = pyfunc.predict(frame.assign(budget=one_series["price"].min() / 2))
    assert (over_budget["prob_above_budget"] == 1.0).all()
    assert (over_budget["action"] == "BUY_NOW").all()


def test_load_champion_without_a_store_raises_and_creates_nothing(tmp_path):
    missing = tmp_path / "nothing-here.sqlite"
    with pytest.raises(NoChampionError, match="no MLflow store"):
        load_champion(f"sqlite:///{missing}")
    assert not missing.exists()


def test_load_champion_with_no_champion_alias_raises(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.sqlite'}"
    with tracking_store(uri):
        pass  # creates the (empty) store
    with pytest.raises(NoChampionError, match="has no 'champion'"):
        load_champion(uri)


# --- the decision rule ----------------------------------------------------------------------------
def metrics(capture: float, no_regret: float) -> dict[str, float]:
    return {"clairvoyant_capture": capture, "no_regret_rate": no_regret}


@pytest.mark.parametrize(
    ("challenger", "champion", "promoted", "reason"),
    [
        (metrics(0.1, 0.5), None, True, "no champion yet"),
        (metrics(0.40, 0.90), metrics(0.30, 0.90), True, "beats"),
        (metrics(0.40, 0.89), metrics(0.30, 0.90), True, "beats"),  # exactly 1 point lower
        (metrics(0.40, 0.885), metrics(0.30, 0.90), False, "no_regret_rate"),
        (metrics(0.30, 0.95), metrics(0.30, 0.90), False, "does not beat"),  # a tie is no win
        (metrics(0.20, 0.95), metrics(0.30, 0.90), False, "does not beat"),
    ],
)
def test_decide_promotion(challenger, champion, promoted, reason):
    decided, why = decide_promotion(challenger, champion)
    assert decided is promoted
    assert reason in why
