"""ORM models of the operational store: users, their watches, and published recommendations.

Enumerations are plain strings guarded by CHECK constraints rather than native enum types:
adding a plan or a cabin then needs no ``ALTER TYPE`` on PostgreSQL nor a table rebuild on
SQLite beyond what a batch migration already does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

PLANS = ("free", "monitoring", "optimization", "automation")
CABINS = ("ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST")
# "deleted" is a soft delete: published recommendations (the audit trail of what a user was
# shown) reference the watch, so its row stays while the API and collection ignore it.
WATCH_STATUSES = ("active", "paused", "deleted")
AUTOMATION_MODES = ("off", "propose", "auto")
LEG_KINDS = ("outbound", "inbound", "hotel")
# What the optimizer could do for a watch in one publication (see ml.recommendations).
RECOMMENDATION_STATUSES = ("optimal", "best_found", "over_budget", "no_package")
FEEDBACK_KINDS = ("liked", "dismissed")

# Deterministic constraint names: batch migrations on SQLite recreate tables and must be able
# to name (and drop) every constraint; unnamed ones cannot be addressed later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always UTC and always timezone-aware in Python.

    PostgreSQL keeps the offset (``timestamptz``); SQLite stores a bare string and hands back
    naive values, so UTC is normalised on the way in and re-attached on the way out. Naive
    input is refused: guessing its zone is how off-by-hours bugs get into price histories.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"UTCDateTime expects a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware value")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# JSONB on PostgreSQL (indexable, compact); plain JSON text elsewhere.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("plan", PLANS), name="plan"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(20), default="free", server_default="free")
    # The leading characters of the key, stored in clear so a presented key finds its row
    # with an index lookup; they alone cannot authenticate.
    api_key_prefix: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    # SHA-256 of the whole key. Keys are 256-bit random tokens, not human passwords, so there
    # is nothing to brute-force and a slow KDF (bcrypt/argon2) would only add latency to
    # every request; a fast hash still keeps a database leak from yielding usable keys.
    api_key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    watches: Mapped[list[Watch]] = relationship(back_populates="user")


class Watch(Base):
    """A traveller's saved search: where, when, who, and what they will accept.

    Origins and destinations are lists of IATA airport or metro city codes (``LON`` covers
    LHR and LGW); list-valued preferences are JSON so one row stays one watch. Fixed dates are
    ``depart_from == depart_to`` and ``nights_min == nights_max``. Element-level rules (known
    codes, origins disjoint from destinations) are checked by the API, not by CHECKs: SQL
    cannot look inside a JSON list portably.
    """

    __tablename__ = "watches"
    __table_args__ = (
        CheckConstraint(_in("cabin", CABINS), name="cabin"),
        CheckConstraint(_in("status", WATCH_STATUSES), name="status"),
        CheckConstraint(_in("automation_mode", AUTOMATION_MODES), name="automation_mode"),
        CheckConstraint("depart_from <= depart_to", name="depart_window"),
        CheckConstraint("nights_min >= 1 AND nights_max >= nights_min", name="nights"),
        CheckConstraint("adults BETWEEN 1 AND 9 AND children BETWEEN 0 AND 8", name="travellers"),
        CheckConstraint("budget_minor > 0", name="budget_positive"),
        CheckConstraint("max_stops IS NULL OR max_stops >= 0", name="max_stops"),
        CheckConstraint(
            "hotel_min_stars IS NULL OR hotel_min_stars BETWEEN 1 AND 5", name="hotel_min_stars"
        ),
        CheckConstraint(
            "hotel_max_distance_km IS NULL OR hotel_max_distance_km > 0",
            name="hotel_max_distance",
        ),
        # A point is both coordinates or neither (neither = the city centre).
        CheckConstraint(
            "(hotel_point_latitude IS NULL AND hotel_point_longitude IS NULL) OR "
            "(hotel_point_latitude IS NOT NULL AND hotel_point_longitude IS NOT NULL "
            "AND hotel_point_latitude BETWEEN -90 AND 90 "
            "AND hotel_point_longitude BETWEEN -180 AND 180)",
            name="hotel_point",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    origins: Mapped[list[str]] = mapped_column(JSONDocument)
    destinations: Mapped[list[str]] = mapped_column(JSONDocument)
    depart_from: Mapped[dt.date] = mapped_column(Date)
    depart_to: Mapped[dt.date] = mapped_column(Date)
    nights_min: Mapped[int] = mapped_column(Integer)
    nights_max: Mapped[int] = mapped_column(Integer)
    adults: Mapped[int] = mapped_column(Integer, default=1)
    children: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cabin: Mapped[str] = mapped_column(String(20), default="ECONOMY")
    max_stops: Mapped[int | None] = mapped_column(Integer)
    preferred_airlines: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    excluded_airlines: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    hotel_min_stars: Mapped[int | None] = mapped_column(Integer)
    hotel_max_distance_km: Mapped[float | None] = mapped_column(Float)
    hotel_point_latitude: Mapped[float | None] = mapped_column(Float)
    hotel_point_longitude: Mapped[float | None] = mapped_column(Float)
    hotel_refundable_only: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    budget_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    alert_preferences: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    automation_mode: Mapped[str] = mapped_column(String(10), default="off", server_default="off")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    status: Mapped[str] = mapped_column(String(10), default="active", server_default="active")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="watches")


class RecommendationPublication(Base):
    """One immutable snapshot of recommendations. Readers always use the highest version, and
    a version becomes visible only together with all of its rows (one transaction)."""

    __tablename__ = "recommendation_publications"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source_run_id: Mapped[str] = mapped_column(String(200))
    watch_count: Mapped[int] = mapped_column(Integer)
    package_count: Mapped[int] = mapped_column(Integer)
    # Input rows dropped because their watch no longer exists (deleted since the mart ran).
    skipped_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The latest price observation the version saw: price points after it belong to a later
    # version, so a reader of this one never sees them.
    as_of: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Model name -> version (or code revision) behind this version's packages.
    model_versions: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)


class Recommendation(Base):
    __tablename__ = "recommendations"
    __table_args__ = (
        # Also the lookup index for "this watch's packages in version N".
        UniqueConstraint("version", "watch_id", "rank", name="uq_recommendations_version_watch"),
        Index("ix_recommendations_watch_version", "watch_id", "version"),
        CheckConstraint("rank >= 1", name="rank"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(
        ForeignKey("recommendation_publications.version", ondelete="CASCADE")
    )
    watch_id: Mapped[str] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    observed_on: Mapped[dt.date] = mapped_column(Date)
    departure_date: Mapped[dt.date] = mapped_column(Date)
    return_date: Mapped[dt.date] = mapped_column(Date)
    nights: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    budget_minor: Mapped[int] = mapped_column(BigInteger)
    within_budget: Mapped[bool]
    legs: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    fx_rate_date: Mapped[dt.date | None] = mapped_column(Date)
    # Optimizer output (NULL for versions published before the optimizer ranked packages).
    score: Mapped[float | None] = mapped_column(Float)  # the objective, lower is better
    criteria: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    explanation: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    risk_score: Mapped[int | None] = mapped_column(Integer)
    risk: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    saving_vs_first_minor: Mapped[int | None] = mapped_column(BigInteger)
    saving_vs_typical_minor: Mapped[int | None] = mapped_column(BigInteger)
    proven_optimal: Mapped[bool | None]


class WatchRecommendationSummary(Base):
    """Per watch and publication version: what the optimizer could do, the buy/wait advice,
    the price/convenience Pareto front and, when nothing fits, which constraint binds."""

    __tablename__ = "watch_recommendation_summaries"
    __table_args__ = (CheckConstraint(_in("status", RECOMMENDATION_STATUSES), name="status"),)

    version: Mapped[int] = mapped_column(
        ForeignKey("recommendation_publications.version", ondelete="CASCADE"), primary_key=True
    )
    watch_id: Mapped[str] = mapped_column(
        ForeignKey("watches.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    first_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    typical_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    advice: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    pareto_front: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    binding: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)


class WatchPricePoint(Base):
    """The best package price of a watch at one observation instant: the chart history.
    Append-only facts; a publication's ``as_of`` says which of them its readers see."""

    __tablename__ = "watch_price_points"

    watch_id: Mapped[str] = mapped_column(
        ForeignKey("watches.id", ondelete="CASCADE"), primary_key=True
    )
    observed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), primary_key=True)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class RecommendationFeedback(Base):
    """A traveler's reaction to a recommended package. Append-only: the latest reaction per
    package counts, and preference learning reads them all."""

    __tablename__ = "recommendation_feedback"
    __table_args__ = (
        CheckConstraint(_in("kind", FEEDBACK_KINDS), name="kind"),
        Index("ix_recommendation_feedback_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    recommendation_id: Mapped[str] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TravelerPreference(Base):
    """A traveler's learned criterion weights (ml.preferences), read by the recommender."""

    __tablename__ = "traveler_preferences"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    weights: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    # "learned" from the traveler's own feedback, or the "prior" from similar travelers.
    source: Mapped[str] = mapped_column(String(20))
    model_version: Mapped[str | None] = mapped_column(String(50))
    trained_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


# BIGINT ids autoincrement on PostgreSQL (identity/serial); SQLite only autoincrements an
# INTEGER PRIMARY KEY (its INTEGER is 64-bit anyway).
BigIntegerId = BigInteger().with_variant(Integer(), "sqlite")


class ApiUsageEvent(Base):
    """One authenticated API request: who, which endpoint (the route template, never the raw
    path, so ids in URLs do not leak into analytics), and the outcome. Append-only: rows are
    never updated, which is what lets the warehouse extract them by id watermark."""

    __tablename__ = "api_usage_events"
    __table_args__ = (Index("ix_api_usage_events_occurred_at", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigIntegerId, primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    method: Mapped[str] = mapped_column(String(10))
    route: Mapped[str] = mapped_column(String(200))
    status_code: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


# Registers the alert tables on Base.metadata (migrations and the drift test read it there).
from wayra.opstore import alert_models as _alert_models  # noqa: E402, F401
from wayra.opstore import booking_models as _booking_models  # noqa: E402, F401
