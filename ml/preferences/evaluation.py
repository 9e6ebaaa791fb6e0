"""NDCG@5 of rankings by criterion weights on held-out shown sets.

A held-out set carries a relevance per package. On simulated travelers it is graded from their
hidden, noise-free utility: 5, 4, 3, 2, 1 for the five packages they truly like best, 0 for the
rest, so NDCG@5 rewards putting the right packages in the right order at the top. (Real data
has no hidden utility; a binary relevance, 1 for the package chosen, fits the same function.)
A ranking is by objective ``sum(weight * criterion)``, lowest first, as the optimizer ranks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import ndcg_score

from ml.optimizer.criteria import CRITERIA, exact
from ml.optimizer.trip import CriterionWeights
from ml.preferences.events import ShownPackage
from ml.preferences.model import PreferenceModel

K = 5


@dataclass(frozen=True, slots=True)
class HeldOutSet:
    traveler_id: str
    shown_set_id: str
    packages: tuple[ShownPackage, ...]
    relevance: tuple[float, ...]  # one per package, higher is better

    def criteria(self) -> np.ndarray:
        return np.array([p.values() for p in self.packages], dtype=float)


def weight_vector(weights: CriterionWeights) -> np.ndarray:
    return np.array([float(exact(getattr(weights, name))) for name in CRITERIA])


def ndcg_at_5(
    weights_for: Callable[[str], CriterionWeights], holdout: Sequence[HeldOutSet]
) -> float:
    """Mean NDCG@5 over the sets, each ranked by its traveler's weights."""
    if not holdout:
        raise ValueError("no held-out sets to evaluate on")
    # ndcg_score wants one matrix, so sets are batched by size; its ties are averaged over,
    # which is what a tie between two equally weighted packages deserves.
    batches: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    for shown in holdout:
        objective = shown.criteria() @ weight_vector(weights_for(shown.traveler_id))
        relevance, scores = batches[len(shown.packages)]
        relevance.append(shown.relevance)
        scores.append(-objective)
    total = sum(ndcg_score(r, s, k=K) * len(r) for r, s in batches.values())
    return float(total / len(holdout))


def evaluate(
    model: PreferenceModel,
    holdout: Sequence[HeldOutSet],
    fixed: CriterionWeights = CriterionWeights(),
    *,
    travelers: Collection[str] | None = None,
) -> dict[str, float]:
    """NDCG@5 of each traveler's learned weights, of the population weights for everyone, and
    of ``fixed`` (the optimizer's defaults) for everyone; on ``travelers``' sets only if given."""
    if travelers is not None:
        holdout = [s for s in holdout if s.traveler_id in travelers]
    return {
        "ndcg_at_5_learned": ndcg_at_5(model.weights_for, holdout),
        "ndcg_at_5_population": ndcg_at_5(lambda _: model.population, holdout),
        "ndcg_at_5_fixed": ndcg_at_5(lambda _: fixed, holdout),
    }
