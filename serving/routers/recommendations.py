"""Feedback on recommended packages: what the traveler liked or dismissed, for preference
learning (``ml.preferences``) and the warehouse's KPIs."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from serving.deps import CurrentUser, SessionDep
from serving.recommendation_schemas import FeedbackIn, FeedbackOut
from wayra.opstore.models import Recommendation, RecommendationFeedback, Watch

router = APIRouter(prefix="/v1/recommendations", tags=["recommendations"])


@router.post("/{recommendation_id}/feedback", status_code=status.HTTP_201_CREATED)
def post_feedback(
    recommendation_id: str, body: FeedbackIn, session: SessionDep, user: CurrentUser
) -> FeedbackOut:
    """Record that the traveler liked or dismissed a package (the latest word counts)."""
    recommendation = session.get(Recommendation, recommendation_id)
    watch = session.get(Watch, recommendation.watch_id) if recommendation else None
    # Someone else's package is "not found", not "forbidden": ids must not be probeable.
    if watch is None or watch.user_id != user.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such recommendation.")
    feedback = RecommendationFeedback(
        recommendation_id=recommendation_id, user_id=user.id, kind=body.kind, reason=body.reason
    )
    session.add(feedback)
    session.commit()
    return FeedbackOut.model_validate(feedback)
