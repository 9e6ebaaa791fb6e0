"""A small simulated history and a quickly trained buy/wait model, shared per module."""

from __future__ import annotations

import pytest

from ml.forecast.gbm import GradientBoostedQuantileForecaster
from ml.history import history_panel, split_by_departure
from ml.policy import BuyWaitModel, ContinuationValueModel
from ml.simulated_history import simulate_history


def small_model() -> BuyWaitModel:
    return BuyWaitModel(
        GradientBoostedQuantileForecaster(max_iter=40),
        ContinuationValueModel(iterations=3, max_iter=40),
    )


@pytest.fixture(scope="session")
def simulated_panel():
    return history_panel(simulate_history(seed=11, series=60, days=70))


@pytest.fixture(scope="session")
def trained_split(simulated_panel):
    train, test, _ = split_by_departure(simulated_panel)
    return small_model().fit(train), train, test
