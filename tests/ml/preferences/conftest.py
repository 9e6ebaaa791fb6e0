"""One simulated population and the models fitted on it, shared by the whole package."""

from __future__ import annotations

import pytest

from ml.preferences.model import PreferenceModel, fit_preferences
from ml.preferences.simulation import SimulatedPreferences, simulate_preferences

SEED = 3


@pytest.fixture(scope="session")
def simulated() -> SimulatedPreferences:
    return simulate_preferences(SEED)


@pytest.fixture(scope="session")
def collaborative(simulated) -> PreferenceModel:
    return fit_preferences(simulated.pairs())


@pytest.fixture(scope="session")
def population_prior(simulated) -> PreferenceModel:
    return fit_preferences(simulated.pairs(), prior="population")
