"""Learned weights against fixed ones on simulated travelers with hidden true weights.

Over seeds 0 to 4 (150 travelers), learned weights scored NDCG@5 0.91 to 0.92 against 0.73 to
0.76 for fixed ones, so the 0.1 margin checks the method, not one lucky draw. The collaborative
prior beat the population prior for travelers with one to three shown sets on every seed, but
by 0.005 to 0.033: this test's seed (3) gives 0.031, and its 0.01 margin would not hold on
seed 2 (0.005).
"""

from __future__ import annotations

import pytest

from ml.optimizer.trip import CriterionWeights
from ml.preferences.evaluation import evaluate, ndcg_at_5
from ml.preferences.simulation import simulate_preferences


def test_ranking_by_the_hidden_weights_is_perfect(simulated):
    true_weights = {t.traveler_id: t.true_weights for t in simulated.travelers}
    assert ndcg_at_5(true_weights.__getitem__, simulated.holdout) == pytest.approx(1.0)


def test_learned_weights_beat_fixed_and_population_weights(simulated, collaborative):
    metrics = evaluate(collaborative, simulated.holdout, CriterionWeights())
    assert metrics["ndcg_at_5_learned"] > metrics["ndcg_at_5_fixed"] + 0.1
    assert metrics["ndcg_at_5_learned"] > metrics["ndcg_at_5_population"] + 0.05


def test_collaborative_prior_beats_population_prior_for_travelers_with_few_events(
    simulated, collaborative, population_prior
):
    few = simulated.travelers_with_few_sets()
    assert len(few) >= 30
    with_collaborative = evaluate(collaborative, simulated.holdout, travelers=few)
    with_population = evaluate(population_prior, simulated.holdout, travelers=few)
    assert with_collaborative["ndcg_at_5_learned"] > with_population["ndcg_at_5_learned"] + 0.01


def test_the_simulation_is_deterministic_given_its_seed():
    first, again = simulate_preferences(5, travelers=4), simulate_preferences(5, travelers=4)
    assert first == again
    assert simulate_preferences(6, travelers=4) != first


def test_every_traveler_has_held_out_sets_apart_from_training(simulated):
    trained = {p.shown_set_id for p in simulated.shown}
    held_out = {s.shown_set_id for s in simulated.holdout}
    assert not trained & held_out
    assert {s.traveler_id for s in simulated.holdout} == {
        t.traveler_id for t in simulated.travelers
    }
