"""Learn each traveler's criterion weights from their feedback, for the next ranking.

Reads every feedback event and the packages of the sets it was given on, fits the pairwise
model with its collaborative prior (``ml.preferences``), the population itself shrunk toward
the product's default weights (a few likes should nudge the defaults, not replace them), logs and registers it in MLflow when
there is a held-out set to score it on, and replaces ``traveler_preferences`` in one
transaction: travelers with feedback get their learned weights, everyone else the population's
(the prior a new traveler starts from). Without any feedback yet it changes nothing.
"""

import datetime as dt

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset
from sqlalchemy import delete, insert, select

from ml.optimizer import CriterionWeights
from ml.preferences.feedback import feedback_data
from ml.preferences.model import fit_preferences, weight_strings
from orchestration.defs.resources import MlflowResource, OperationalStoreResource
from wayra.opstore.models import (
    Recommendation,
    RecommendationFeedback,
    TravelerPreference,
    User,
    Watch,
)


def _read_feedback(session) -> tuple[list[dict], list[dict]]:
    feedback = [
        {"recommendation_id": rid, "user_id": uid, "kind": kind}
        for rid, uid, kind in session.execute(
            select(
                RecommendationFeedback.recommendation_id,
                RecommendationFeedback.user_id,
                RecommendationFeedback.kind,
            ).order_by(RecommendationFeedback.created_at)
        )
    ]
    sets = (
        select(Recommendation.version, Recommendation.watch_id)
        .join(RecommendationFeedback, RecommendationFeedback.recommendation_id == Recommendation.id)
        .distinct()
        .subquery()
    )
    shown = [
        {
            "recommendation_id": rid,
            "user_id": uid,
            "version": version,
            "watch_id": wid,
            "criteria": criteria,
        }
        for rid, uid, version, wid, criteria in session.execute(
            select(
                Recommendation.id,
                Watch.user_id,
                Recommendation.version,
                Recommendation.watch_id,
                Recommendation.criteria,
            )
            .join(Watch, Watch.id == Recommendation.watch_id)
            .join(
                sets,
                (sets.c.version == Recommendation.version)
                & (sets.c.watch_id == Recommendation.watch_id),
            )
            .order_by(Recommendation.version, Recommendation.watch_id, Recommendation.rank)
        )
    ]
    return shown, feedback


@asset(
    group_name="preferences",
    description=(
        "Per traveler, criterion weights learned from their likes and dismissals (population "
        "and similar travelers as the prior), read by the recommendations."
    ),
)
def traveler_preferences(
    context: AssetExecutionContext,
    operational_store: OperationalStoreResource,
    mlflow: MlflowResource,
) -> MaterializeResult:
    with operational_store.session() as session:
        shown, feedback = _read_feedback(session)
        data = feedback_data(shown, feedback)
        if not data.pairs:
            context.log.info("no usable feedback yet: traveler preferences unchanged")
            return MaterializeResult(metadata={"events": len(feedback), "travelers_learned": 0})
        version, metrics = None, {}
        if data.holdout:
            from ml.preferences.tracking import train_preferences

            training = train_preferences(
                data.pairs, data.holdout, mlflow.uri(), base=CriterionWeights()
            )
            model, version, metrics = training.model, str(training.version), training.metrics
        else:
            model = fit_preferences(data.pairs, base=CriterionWeights())
        now = dt.datetime.now(dt.UTC)
        users = session.scalars(select(User.id)).all()
        session.execute(delete(TravelerPreference))
        session.execute(
            insert(TravelerPreference),
            [
                {
                    "user_id": user_id,
                    "weights": weight_strings(model.weights_for(user_id)),
                    "source": "learned" if user_id in model.travelers else "prior",
                    "model_version": version,
                    "trained_at": now,
                }
                for user_id in users
            ],
        )
        session.commit()
    return MaterializeResult(
        metadata={
            "events": len(feedback),
            "pairs": len(data.pairs),
            "travelers_learned": len(model.travelers),
            "holdout_sets": len(data.holdout),
            "model_version": version,
            "metrics": MetadataValue.json(metrics),
        }
    )
