from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest

from ml.optimizer.criteria import CRITERIA, ObjectiveScale
from ml.optimizer.trip import CriterionWeights
from ml.preferences.events import preference_pairs
from ml.preferences.model import PreferenceModel, fit_preferences
from ml.preferences.simulation import simulate_traveler


def all_weights(model: PreferenceModel) -> list[CriterionWeights]:
    return [model.population, *(model.weights_for(t) for t in model.traveler_ids)]


def test_weights_are_non_negative_money_with_price_at_one(collaborative, population_prior):
    for model in (collaborative, population_prior):
        for weights in all_weights(model):
            assert weights.price_minor == 1
            assert all(Decimal(getattr(weights, name)) >= 0 for name in CRITERIA)


def test_every_traveler_seen_has_weights_of_their_own(simulated, collaborative):
    with_events = {e.traveler_id for e in simulated.events}
    assert set(collaborative.traveler_ids) == with_events
    assert sum(collaborative.pairs_per_traveler.values()) == len(simulated.pairs())


def test_weights_drive_the_optimizers_exact_objective(collaborative):
    # Rounded decimals keep the common denominator small, so scaled objectives stay exact.
    for weights in all_weights(collaborative):
        assert ObjectiveScale.of(weights).denominator <= 10_000


def test_a_traveler_who_hates_stops_weighs_them_above_the_population(simulated):
    hater = simulate_traveler(
        np.random.default_rng(7), "stop-hater", CriterionWeights(stops=20_000), train_sets=20
    )
    model = fit_preferences(simulated.pairs() + preference_pairs(hater.shown, hater.events))
    # Price weighs 1 for both, so the stops weights compare as money per stop.
    assert model.weights_for("stop-hater").stops > 2 * model.population.stops


def test_a_new_traveler_gets_the_population_weights(collaborative):
    assert "never-seen" not in collaborative.traveler_ids
    assert collaborative.weights_for("never-seen") == collaborative.population


def test_travelers_get_their_own_weights_not_the_populations(collaborative):
    distinct = {collaborative.weights_for(t) for t in collaborative.traveler_ids}
    assert len(distinct) == len(collaborative.traveler_ids)


def test_the_model_round_trips_through_json(collaborative):
    data = json.loads(json.dumps(collaborative.to_dict()))
    restored = PreferenceModel.from_dict(data)
    assert restored == collaborative
    first = collaborative.traveler_ids[0]
    assert data["travelers"][first]["price_minor"] == "1"
    assert restored.weights_for(first) == collaborative.weights_for(first)


def test_bad_inputs_are_refused(collaborative):
    with pytest.raises(ValueError, match="no preference pairs"):
        fit_preferences([])
    with pytest.raises(ValueError, match="prior must be"):
        fit_preferences([object()], prior="global")
    with pytest.raises(ValueError, match="format"):
        PreferenceModel.from_dict(collaborative.to_dict() | {"format": 99})


def test_a_lone_traveler_with_few_choices_nudges_the_defaults_rather_than_replacing_them():
    # One traveler, three choices of a cheaper but slower package: without a base the fit
    # says "only price matters"; with the product's defaults as the base it stays near them.
    rng = np.random.default_rng(5)
    cheap_lover = CriterionWeights(1, 0, 0, 0, 0, 0, 0, 0)
    sets = simulate_traveler(rng, "solo", cheap_lover, train_sets=3)
    pairs = preference_pairs(sets.shown, sets.events)
    defaults = CriterionWeights()
    nudged = fit_preferences(pairs, base=defaults).weights_for("solo")
    assert all(np.isfinite(float(getattr(nudged, name))) for name in CRITERIA)
    for name in ("travel_minutes", "stops", "risk_points"):
        assert float(getattr(nudged, name)) > 0.1 * float(getattr(defaults, name)), name
