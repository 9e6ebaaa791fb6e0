"""Weekly buy/wait training: the warehouse's price history -> an MLflow challenger -> champion.

Three assets, so the UI shows where a week's training stopped: the history read from the mart,
the challenger (trained, evaluated and registered: one MLflow run) and the promotion decision.
MLflow (and scikit-learn) are imported inside the assets: loading the code location stays fast.
"""

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    MaterializeResult,
    MetadataValue,
    Output,
    asset,
)

from orchestration.defs.resources import MlflowResource, WarehouseResource
from wayra.money import minor_unit_exponent

if TYPE_CHECKING:
    from ml.policy import BuyWaitModel

PRICE_FEATURES_MART = "fct_price_features"
MART_CURRENCY = "EUR"  # the mart's target column is price_eur_minor
GROUP = "forecasting"
EMPTY_PANEL_SCHEMA = {
    "series_id": pl.String,
    "observed_on": pl.Date,
    "departure_date": pl.Date,
    "price": pl.Float64,
    "currency": pl.String,
}


def panel_from_price_features(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """The mart's rows (``series_id``, ``observed_on``, ``departure_date``,
    ``price_eur_minor``) as a checked panel in EUR, completed series only; also returns how many
    series were left out because they are still being observed.

    A series is complete once its departure is at most a day after the warehouse's latest
    observation. The policy learns that a series' last row is the last day to buy, so a trip
    still on sale would teach it that prices stop wherever the data happens to end.
    """
    from ml.history import history_panel

    if frame.is_empty():
        return pl.DataFrame(schema=EMPTY_PANEL_SCHEMA), 0
    latest = frame["observed_on"].max()
    complete = pl.col("departure_date") <= pl.lit(latest) + dt.timedelta(days=1)
    ongoing = frame.filter(~complete)["series_id"].n_unique()
    scale = 10 ** minor_unit_exponent(MART_CURRENCY)
    history = frame.filter(complete).select(
        pl.col("series_id"),
        pl.col("observed_on").alias("observed_at"),
        pl.col("departure_date"),
        (pl.col("price_eur_minor") / scale).alias("price"),
        pl.lit(MART_CURRENCY).alias("currency"),
    )
    if history.is_empty():
        return pl.DataFrame(schema=EMPTY_PANEL_SCHEMA), ongoing
    return history_panel(history), ongoing  # checks every row, as for a history file


class BuyWaitTrainingConfig(Config):
    """Optional overrides of the model's size (unset: the library defaults), e.g. a small model
    for a quick run from the launchpad."""

    forecaster_max_iter: int | None = None
    value_iterations: int | None = None
    value_max_iter: int | None = None

    def build_model(self) -> "BuyWaitModel":
        from ml.forecast.gbm import GradientBoostedQuantileForecaster
        from ml.policy import BuyWaitModel, ContinuationValueModel

        def given(**values: int | None) -> dict[str, int]:
            return {name: value for name, value in values.items() if value is not None}

        return BuyWaitModel(
            GradientBoostedQuantileForecaster(**given(max_iter=self.forecaster_max_iter)),
            ContinuationValueModel(
                **given(iterations=self.value_iterations, max_iter=self.value_max_iter)
            ),
        )


def _metric_metadata(prefix: str, metrics: dict[str, float] | None) -> dict[str, MetadataValue]:
    return {f"{prefix}{k}": MetadataValue.float(v) for k, v in (metrics or {}).items()}


@asset(
    deps=[AssetKey(PRICE_FEATURES_MART)],
    group_name=GROUP,
    description="Daily prices of every completed trip in the warehouse (EUR), as a panel.",
)
def price_history_panel(warehouse: WarehouseResource) -> Output[pl.DataFrame]:
    store = warehouse.warehouse()
    schema = store.settings.warehouse_schema
    table = store.query_arrow(
        "SELECT series_id, observed_on, departure_date, price_eur_minor "
        f"FROM {schema}.{PRICE_FEATURES_MART}"
    )
    frame = pl.from_arrow(table) if table.num_rows else pl.DataFrame()
    panel, ongoing = panel_from_price_features(frame)
    metadata: dict[str, object] = {
        "series": panel["series_id"].n_unique(),
        "rows": panel.height,
        "ongoing_series_left_out": ongoing,
    }
    if not panel.is_empty():
        metadata["observed"] = f"{panel['observed_on'].min()} .. {panel['observed_on'].max()}"
    return Output(panel, metadata=metadata)


@asset(
    group_name=GROUP,
    description=(
        "A buy/wait model trained on the trips departing first, evaluated on the later ones "
        "(MLflow run), registered as the 'challenger' of wayra-buy-wait."
    ),
)
def buy_wait_challenger(
    context: AssetExecutionContext,
    config: BuyWaitTrainingConfig,
    price_history_panel: pl.DataFrame,
    mlflow: MlflowResource,
) -> MaterializeResult:
    from ml import registry
    from ml.history import split_by_departure

    train, holdout, train_until = split_by_departure(price_history_panel)
    uri = mlflow.uri()
    run_id = registry.train(
        train,
        model_factory=config.build_model,
        tracking_uri=uri,
        run_name=f"dagster-{context.run_id[:8]}",
    )
    metrics = registry.evaluate(run_id, holdout, tracking_uri=uri)
    version = registry.register(run_id, tracking_uri=uri)
    return MaterializeResult(
        metadata={
            "mlflow_run_id": run_id,
            "model_version": version,
            "train_until": train_until.isoformat(),
            **_metric_metadata("holdout_", metrics),
        }
    )


@asset(
    deps=[buy_wait_challenger],
    group_name=GROUP,
    description=(
        "The challenger becomes 'champion' only if it beats the current champion on the same "
        "holdout (clairvoyant capture, no-regret rate at most 1 point lower)."
    ),
)
def buy_wait_champion(
    price_history_panel: pl.DataFrame, mlflow: MlflowResource
) -> MaterializeResult:
    from ml import registry
    from ml.history import split_by_departure

    _, holdout, _ = split_by_departure(price_history_panel)
    decision = registry.promote(holdout, tracking_uri=mlflow.uri())
    champion = decision.challenger_version if decision.promoted else decision.champion_version
    return MaterializeResult(
        metadata={
            "decision": "promoted" if decision.promoted else "refused",
            "reason": decision.reason,
            "challenger_version": decision.challenger_version,
            "champion_version": champion,
            **_metric_metadata("challenger_", decision.challenger_metrics),
            **_metric_metadata("champion_", decision.champion_metrics),
        }
    )


REPRICE_OUTCOMES_MART = "fct_offer_reprice_outcomes"


@asset(
    deps=[AssetKey(REPRICE_OUTCOMES_MART)],
    group_name=GROUP,
    description=(
        "Will a quote still be bookable at its price when re-priced? A calibrated classifier "
        "trained on the re-price outcome mart (MLflow run, ROC AUC, Brier, reliability), "
        "registered as the 'challenger' of wayra-bookability."
    ),
)
def bookability_classifier(
    warehouse: WarehouseResource, mlflow: MlflowResource
) -> MaterializeResult:
    from ml.bookability_tracking import train_and_log_bookability

    store = warehouse.warehouse()
    table = store.query_arrow(
        f"SELECT * FROM {store.settings.warehouse_schema}.{REPRICE_OUTCOMES_MART}"
    )
    run_id, version, report = train_and_log_bookability(
        pl.from_arrow(table), tracking_uri=mlflow.uri()
    )
    return MaterializeResult(
        metadata={
            "mlflow_run_id": run_id,
            "model_version": version,
            "roc_auc": MetadataValue.float(report.roc_auc),
            "brier": MetadataValue.float(report.brier),
            "base_rate_brier": MetadataValue.float(report.base_rate_brier),
            "holdout_rows": report.holdout_rows,
        }
    )
