"""The forecasting assets: the mart read as a panel, then a real training run through Dagster
against a DuckDB warehouse and an MLflow store in a temporary data directory."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest
from dagster import materialize
from threadpoolctl import threadpool_limits

from ml.simulated_history import simulate_history
from orchestration.defs.forecasting.assets import (
    buy_wait_challenger,
    buy_wait_champion,
    panel_from_price_features,
    price_history_panel,
)
from orchestration.defs.resources import MlflowResource, WarehouseResource
from wayra.settings import Settings

pytestmark = pytest.mark.xdist_group("mlflow")

D = dt.date


def mart_rows(rows: list[tuple[str, dt.date, dt.date, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "series_id": pl.String,
            "observed_on": pl.Date,
            "departure_date": pl.Date,
            "price_eur_minor": pl.Int64,
        },
        orient="row",
    )


def test_mart_rows_become_a_eur_panel_of_completed_trips():
    frame = mart_rows(
        [
            ("done", D(2026, 5, 1), D(2026, 5, 3), 12_345),
            ("done", D(2026, 5, 2), D(2026, 5, 3), 12_000),
            ("departs-tomorrow", D(2026, 5, 9), D(2026, 5, 11), 5_000),
            ("departs-tomorrow", D(2026, 5, 10), D(2026, 5, 11), 5_100),
            ("on-sale", D(2026, 5, 10), D(2026, 5, 20), 9_900),
        ]
    )
    panel, ongoing = panel_from_price_features(frame)
    assert ongoing == 1
    assert panel.columns == ["series_id", "observed_on", "departure_date", "price", "currency"]
    assert panel["series_id"].unique().sort().to_list() == ["departs-tomorrow", "done"]
    assert panel.filter(pl.col("series_id") == "done")["price"].to_list() == [123.45, 120.0]
    assert set(panel["currency"]) == {"EUR"}


def test_an_empty_mart_is_an_empty_panel():
    panel, ongoing = panel_from_price_features(pl.DataFrame())
    assert panel.is_empty() and ongoing == 0
    assert "series_id" in panel.columns


def test_weekly_training_registers_and_promotes_through_dagster(data_dir):
    settings = Settings()
    history = simulate_history(series=20, days=40)
    mart = history.select(
        "series_id",
        pl.col("observed_at").alias("observed_on"),
        "departure_date",
        (pl.col("price") * 100).round().cast(pl.Int64).alias("price_eur_minor"),
    )
    settings.ensure_data_dir()
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.register("mart", mart.to_arrow())
        con.execute(
            f"CREATE TABLE {settings.warehouse_schema}.fct_price_features AS SELECT * FROM mart"
        )

    tiny = {"forecaster_max_iter": 20, "value_iterations": 2, "value_max_iter": 20}
    with threadpool_limits(1):  # see tests/ml/test_registry.py: OpenMP oversubscription
        result = materialize(
            [price_history_panel, buy_wait_challenger, buy_wait_champion],
            resources={"warehouse": WarehouseResource(), "mlflow": MlflowResource()},
            run_config={"ops": {"buy_wait_challenger": {"config": tiny}}},
        )
    assert result.success

    def metadata(asset: str) -> dict[str, object]:
        [event] = result.asset_materializations_for_node(asset)
        return {key: value.value for key, value in event.metadata.items()}

    panel = metadata("price_history_panel")
    # The simulator observes every trip up to the day before it departs: all are complete.
    assert panel["series"] == 20 and panel["ongoing_series_left_out"] == 0
    challenger = metadata("buy_wait_challenger")
    assert challenger["model_version"] == 1
    assert "holdout_clairvoyant_capture" in challenger and "mlflow_run_id" in challenger
    champion = metadata("buy_wait_champion")
    assert champion["decision"] == "promoted" and champion["reason"] == "no champion yet"
    assert champion["champion_version"] == 1
    # Everything MLflow wrote lives in the data directory.
    assert (data_dir / "mlflow.sqlite").exists() and (data_dir / "mlartifacts").is_dir()
