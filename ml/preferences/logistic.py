"""Pairwise logistic regression on criterion differences, in a scaled space.

For a pair where package a was preferred over b, ``x = (criteria(b) - criteria(a)) / scale``
is what choosing a saved; the model is ``P(a preferred) = sigmoid(beta . x)`` with no
intercept (the order within a pair means nothing), so ``beta / scale`` are weights per unit of
each criterion, up to the common factor of the choice noise. Criteria differ by orders of
magnitude (a price difference is tens of thousands of minor units, a stop is one), so each is
divided by a robust scale of its differences first, which keeps the L2 penalty and the prior
fair to every criterion.

Costs cannot be desirable, so every coefficient is at least 0; price's stays above a small
floor because weights are expressed in money (per minor unit of price).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from ml.optimizer.criteria import CRITERIA, PRICE

# Against the scaled features' coefficients, typically 0.1 to 10.
MIN_PRICE_COEFFICIENT = 1e-3
# L2 penalty of the population fit (scikit-learn's C); with thousands of pairs it barely acts.
POPULATION_C = 1.0


def criterion_scale(differences: np.ndarray) -> np.ndarray:
    """Per criterion: the 75th percentile of the absolute differences within pairs; where
    that is 0 (a criterion that rarely differs, like refundability) the mean absolute
    difference; where that is 0 too (never differs), 1."""
    magnitude = np.abs(differences)
    scale = np.percentile(magnitude, 75, axis=0)
    scale = np.where(scale > 0, scale, magnitude.mean(axis=0))
    return np.where(scale > 0, scale, 1.0)


def _bounds() -> list[tuple[float, float | None]]:
    return [(MIN_PRICE_COEFFICIENT if i == PRICE else 0.0, None) for i in range(len(CRITERIA))]


def _clip(beta: np.ndarray) -> np.ndarray:
    lower = np.array([low for low, _ in _bounds()])
    return np.maximum(beta, lower)


def fit_population(x: np.ndarray) -> np.ndarray:
    """scikit-learn's logistic regression on every pair, each in both orders (so both classes
    are present and the fit is symmetric); negative coefficients are clipped to the bounds."""
    features = np.vstack([x, -x])
    labels = np.r_[np.ones(len(x)), np.zeros(len(x))]
    model = LogisticRegression(C=POPULATION_C, fit_intercept=False)
    return _clip(model.fit(features, labels).coef_[0])


def fit_toward(x: np.ndarray, prior: np.ndarray, strength: float) -> np.ndarray:
    """One traveler's coefficients: the logistic loss of their pairs plus a Gaussian prior
    centred on ``prior`` (``strength / 2 * |beta - prior|^2``), minimized with the bounds as
    constraints. With no pairs this is the prior; each pair pulls it toward the traveler."""
    if len(x) == 0:
        return prior.copy()

    def loss_and_gradient(beta: np.ndarray) -> tuple[float, np.ndarray]:
        margin = x @ beta
        distance = beta - prior
        loss = np.logaddexp(0.0, -margin).sum() + 0.5 * strength * distance @ distance
        gradient = -x.T @ expit(-margin) + strength * distance
        return float(loss), gradient

    result = minimize(loss_and_gradient, prior, jac=True, method="L-BFGS-B", bounds=_bounds())
    return result.x
