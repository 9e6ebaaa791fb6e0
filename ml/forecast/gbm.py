"""Gradient-boosted quantile forecaster: one scikit-learn model per quantile, all horizons in
one model (the horizon is a feature), predicting the log change from today's price."""

from __future__ import annotations

import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingRegressor

from ml.features import FEATURE_COLUMNS, future_log_changes, series_features
from ml.forecast.base import HORIZONS, QUANTILE_COLUMNS, QUANTILES, monotone_quantiles

MODEL_COLUMNS = (*FEATURE_COLUMNS, "horizon", "target_weekday", "target_days_to_departure")


def _with_horizons(features: pl.DataFrame) -> pl.DataFrame:
    horizons = pl.DataFrame({"horizon": list(HORIZONS)}, schema={"horizon": pl.Int32})
    return features.join(horizons, how="cross").with_columns(
        (pl.col("observed_on") + pl.duration(days=pl.col("horizon"))).alias("target_on"),
        ((pl.col("observation_weekday") - 1 + pl.col("horizon")) % 7 + 1).alias("target_weekday"),
        (pl.col("days_to_departure") - pl.col("horizon")).alias("target_days_to_departure"),
    )


class GradientBoostedQuantileForecaster:
    name = "gbm_quantile"

    def __init__(
        self,
        max_iter: int = 200,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 40,
        seed: int = 0,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.seed = seed
        self.models: dict[float, HistGradientBoostingRegressor] = {}

    def params(self) -> dict[str, object]:
        return {
            "model": self.name,
            "max_iter": self.max_iter,
            "learning_rate": self.learning_rate,
            "max_leaf_nodes": self.max_leaf_nodes,
            "min_samples_leaf": self.min_samples_leaf,
            "seed": self.seed,
            "features": ",".join(MODEL_COLUMNS),
        }

    def fit(self, panel: pl.DataFrame) -> GradientBoostedQuantileForecaster:
        rows = _with_horizons(series_features(panel)).join(
            future_log_changes(panel, HORIZONS),
            on=["series_id", "observed_on", "horizon", "target_on"],
            how="inner",
        )
        x = rows.select(MODEL_COLUMNS).to_numpy().astype(np.float64)
        y = rows["log_change"].to_numpy()
        self.models = {
            q: HistGradientBoostingRegressor(
                loss="quantile",
                quantile=q,
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes,
                min_samples_leaf=self.min_samples_leaf,
                random_state=self.seed,
            ).fit(x, y)
            for q in QUANTILES
        }
        return self

    def predict(self, panel: pl.DataFrame) -> pl.DataFrame:
        if not self.models:
            raise RuntimeError("fit the forecaster before predicting")
        rows = _with_horizons(series_features(panel))
        x = rows.select(MODEL_COLUMNS).to_numpy().astype(np.float64)
        price = rows["price"].to_numpy()
        quantiles = {
            col: price * np.exp(self.models[q].predict(x))
            for q, col in zip(QUANTILES, QUANTILE_COLUMNS, strict=True)
        }
        out = rows.select("series_id", "observed_on", "horizon", "target_on").with_columns(
            **{col: pl.Series(values) for col, values in quantiles.items()}
        )
        return monotone_quantiles(out).sort("series_id", "observed_on", "horizon")
