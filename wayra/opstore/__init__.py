"""Operational store: users, watches and published recommendations (SQLite or PostgreSQL)."""

from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.opstore.models import (
    ApiUsageEvent,
    Base,
    Recommendation,
    RecommendationPublication,
    User,
    UTCDateTime,
    Watch,
)
from wayra.opstore.publication import (
    latest_version,
    publish_recommendations,
    recommendations_for_watch,
)
from wayra.opstore.usage import record_api_usage
from wayra.opstore.users import authenticate, create_user

__all__ = [
    "ApiUsageEvent",
    "Base",
    "Recommendation",
    "RecommendationPublication",
    "UTCDateTime",
    "User",
    "Watch",
    "authenticate",
    "create_user",
    "latest_version",
    "make_engine",
    "make_session_factory",
    "migrate",
    "publish_recommendations",
    "recommendations_for_watch",
    "record_api_usage",
]
