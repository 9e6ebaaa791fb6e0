"""Collaborative filtering over travelers: a prior for each from the travelers most like them.

A traveler is like another when the other's preferences explain their choices: similarity is
the log-likelihood of the traveler's own pairs under the other traveler's coefficients. That
measure uses every pair a traveler has, however few; comparing two vectors (say by cosine)
first needs a vector fitted from those few pairs, which is mostly prior. (On the simulation,
for travelers with one to three shown sets, the ten nearest by adjusted cosine shared their
persona about 40% of the time, by likelihood about 50%: see ``docs/preferences.md``.)

The prior is the mean of the ``neighbours`` most similar travelers' coefficients, weighted by
the softmax of their log-likelihoods: the posterior over "which of these travelers is this one
like" under a uniform prior. A traveler with a few pairs gets a broad mix; one whose pairs
single out a kind of traveler gets mostly that kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.special import log_expit, softmax


def collaborative_priors(
    x: np.ndarray,
    rows: Mapping[str, Sequence[int]],
    coefficients: Mapping[str, np.ndarray],
    neighbours: int,
) -> dict[str, np.ndarray]:
    """For every traveler in ``rows`` (their pairs' row indices into the scaled differences
    ``x``), a prior from the other travelers' ``coefficients``. With nobody else to learn from
    there is no such prior: the result is empty and the caller keeps the population's."""
    ids = list(coefficients)
    if len(ids) < 2:
        return {}
    profiles = np.array([coefficients[t] for t in ids])
    priors = {}
    for position, traveler_id in enumerate(ids):
        log_likelihood = log_expit(x[rows[traveler_id]] @ profiles.T).sum(axis=0)
        log_likelihood[position] = -np.inf  # a traveler is not their own neighbour
        # Stable sort: equal likelihoods go to the traveler listed first, every run.
        nearest = np.argsort(-log_likelihood, kind="stable")[:neighbours]
        priors[traveler_id] = softmax(log_likelihood[nearest]) @ profiles[nearest]
    return priors
