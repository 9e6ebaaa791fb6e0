"""Publishing recommendations into the operational store, and reading the latest version.

Every publication is a new, immutable version: the ``recommendation_publications`` row, its
``recommendations`` (ranked packages) and its per-watch summaries are written in the caller's
transaction, so a reader that takes the highest committed version always finds that version
complete. Price points are append-only facts shared by versions; a version's ``as_of`` hides
later ones from its readers. Old versions are kept (they are the audit trail of what users
were shown); pruning is a separate concern.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wayra.opstore.models import (
    Recommendation,
    RecommendationPublication,
    Watch,
    WatchPricePoint,
    WatchRecommendationSummary,
    new_id,
)

log = logging.getLogger(__name__)

REQUIRED_PACKAGE_KEYS = frozenset(
    {
        "watch_id",
        "user_id",
        "rank",
        "observed_on",
        "departure_date",
        "return_date",
        "nights",
        "total_minor",
        "currency",
        "budget_minor",
        "within_budget",
        "fx_rate_date",
        "legs",
    }
)
OPTIONAL_PACKAGE_KEYS = frozenset(
    {
        "score",
        "criteria",
        "explanation",
        "risk_score",
        "risk",
        "saving_vs_first_minor",
        "saving_vs_typical_minor",
        "proven_optimal",
    }
)
SUMMARY_KEYS = frozenset(
    {
        "watch_id",
        "status",
        "currency",
        "first_price_minor",
        "typical_price_minor",
        "advice",
        "pareto_front",
        "binding",
    }
)


class PublicationRowError(ValueError):
    """An input row does not have the published columns (missing or unexpected keys)."""


def _check_keys(
    row: Mapping[str, Any], index: int, required: frozenset[str], optional=frozenset()
) -> None:
    keys = set(row)
    missing = sorted(required - keys)
    extra = sorted(keys - required - optional)
    if missing or extra:
        raise PublicationRowError(f"row {index}: missing columns {missing}, unexpected {extra}")


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value))


def _int(value: Any) -> int | None:
    # Warehouse drivers may hand back numpy/Decimal integers, which JSON cannot serialise.
    return None if value is None else int(value)


def _owners(session: Session, watch_ids: set[str]) -> dict[str, str]:
    owners: dict[str, str] = {}
    # Chunked IN lists: SQLite caps the number of bound parameters per statement.
    ids = sorted(watch_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(Watch.id, Watch.user_id).where(Watch.id.in_(chunk))
        owners.update(session.execute(query).tuples().all())
    return owners


def _package_values(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": new_id(),
        "watch_id": str(row["watch_id"]),
        "rank": int(row["rank"]),
        "observed_on": _date(row["observed_on"]),
        "departure_date": _date(row["departure_date"]),
        "return_date": _date(row["return_date"]),
        "nights": _int(row["nights"]),
        "total_minor": _int(row["total_minor"]),
        "currency": row["currency"],
        "budget_minor": _int(row["budget_minor"]),
        "within_budget": None if row["within_budget"] is None else bool(row["within_budget"]),
        "legs": list(row["legs"]),
        "fx_rate_date": _date(row["fx_rate_date"]),
        **{key: row.get(key) for key in OPTIONAL_PACKAGE_KEYS},
    }


def _insert_new_price_points(session: Session, points: list[dict[str, Any]]) -> None:
    """Append the points not stored yet: a re-run republishes history it shares."""
    if not points:
        return
    dialect = session.get_bind().dialect.name
    construct = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if construct is None:
        raise NotImplementedError(f"price points on {dialect}")
    for start in range(0, len(points), 5_000):
        statement = construct(WatchPricePoint).on_conflict_do_nothing(
            index_elements=["watch_id", "observed_at"]
        )
        session.execute(statement, points[start : start + 5_000])


def publish_recommendations(
    session: Session,
    packages: Iterable[Mapping[str, Any]],
    source_run_id: str,
    *,
    summaries: Iterable[Mapping[str, Any]] = (),
    price_points: Iterable[Mapping[str, Any]] = (),
    model_versions: Mapping[str, Any] | None = None,
    as_of: dt.datetime | None = None,
) -> int:
    """Write a new publication version in ``session``'s transaction; returns it.

    ``packages``: ranked packages (``REQUIRED_PACKAGE_KEYS``, optionally the optimizer's
    ``OPTIONAL_PACKAGE_KEYS``); ``summaries``: one per watch (``SUMMARY_KEYS``);
    ``price_points``: ``watch_id``, ``observed_at``, ``total_minor``, ``currency``.
    Nothing is committed here: the caller commits (or rolls back), and until then no reader
    sees the new version. Rows for watches that no longer exist, or whose ``user_id`` is not
    the watch's owner, are skipped, counted in ``skipped_count`` and logged.
    """
    packages = list(packages)
    summaries = list(summaries)
    for index, row in enumerate(packages):
        _check_keys(row, index, REQUIRED_PACKAGE_KEYS, OPTIONAL_PACKAGE_KEYS)
    for index, row in enumerate(summaries):
        _check_keys(row, index, SUMMARY_KEYS)

    owners = _owners(session, {str(row["watch_id"]) for row in packages})
    values: list[dict[str, Any]] = []
    skipped: list[str] = []
    for row in packages:
        if owners.get(str(row["watch_id"])) != str(row["user_id"]):
            skipped.append(str(row["watch_id"]))
            continue
        values.append(_package_values(row))
    live = set(owners) | set(_owners(session, {str(s["watch_id"]) for s in summaries}))
    summary_values = [dict(s) for s in summaries if str(s["watch_id"]) in live]

    publication = RecommendationPublication(
        source_run_id=source_run_id,
        watch_count=len({v["watch_id"] for v in values}),
        package_count=len(values),
        skipped_count=len(skipped),
        as_of=as_of,
        model_versions=dict(model_versions) if model_versions is not None else None,
    )
    session.add(publication)
    session.flush()
    for value in (*values, *summary_values):
        value["version"] = publication.version
    if values:
        session.execute(insert(Recommendation), values)
    if summary_values:
        session.execute(insert(WatchRecommendationSummary), summary_values)
    points = [dict(p) for p in price_points if str(p["watch_id"]) in live]
    _insert_new_price_points(session, points)

    if skipped:
        log.warning(
            "publication %s (run %s): skipped %d row(s) for unknown watches: %s",
            publication.version,
            source_run_id,
            len(skipped),
            ", ".join(sorted(set(skipped))[:20]),
        )
    log.info(
        "publication %s (run %s): %d package(s) for %d watch(es)",
        publication.version,
        source_run_id,
        publication.package_count,
        publication.watch_count,
    )
    return publication.version


def latest_version(session: Session) -> int | None:
    return session.scalar(select(func.max(RecommendationPublication.version)))


def latest_publication(session: Session) -> RecommendationPublication | None:
    return session.scalar(
        select(RecommendationPublication)
        .order_by(RecommendationPublication.version.desc())
        .limit(1)
    )


def recommendations_for_watch(
    session: Session, watch_id: str
) -> tuple[RecommendationPublication | None, list[Recommendation]]:
    """The latest publication and this watch's packages in it (best rank first).

    Versions are immutable once committed, so reading the version and then its rows needs no
    snapshot isolation: the rows of a committed version never change.
    """
    publication = latest_publication(session)
    if publication is None:
        return None, []
    recommendations = session.scalars(
        select(Recommendation)
        .where(
            Recommendation.version == publication.version,
            Recommendation.watch_id == watch_id,
        )
        .order_by(Recommendation.rank)
    ).all()
    return publication, list(recommendations)


def summary_for_watch(
    session: Session, version: int, watch_id: str
) -> WatchRecommendationSummary | None:
    return session.get(WatchRecommendationSummary, (version, watch_id))


def price_history(
    session: Session, watch_id: str, as_of: dt.datetime | None
) -> list[WatchPricePoint]:
    """The watch's best package price at every observation instant up to ``as_of``."""
    query = select(WatchPricePoint).where(WatchPricePoint.watch_id == watch_id)
    if as_of is not None:
        query = query.where(WatchPricePoint.observed_at <= as_of)
    return list(session.scalars(query.order_by(WatchPricePoint.observed_at)).all())
