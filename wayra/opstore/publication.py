"""Publishing recommendations from the warehouse mart into the operational store.

Every publication is a new, immutable version: the ``recommendation_publications`` row and all
of its ``recommendations`` rows are written in the caller's transaction, so a reader that takes
the highest committed version always finds that version complete. Old versions are kept (they
are the audit trail of what users were shown); pruning is a separate concern.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from wayra.opstore.models import Recommendation, RecommendationPublication, Watch, new_id

log = logging.getLogger(__name__)

_FLIGHT_FIELDS = (
    "provider",
    "offer_id",
    "carrier",
    "flight_number",
    "departure_at",
    "arrival_at",
    "stops",
    "total_minor",
    "currency",
    "converted_minor",
)
_HOTEL_FIELDS = (
    "provider",
    "offer_id",
    "id",
    "name",
    "stars",
    "refundable",
    "total_minor",
    "currency",
    "converted_minor",
)
ROW_KEYS: frozenset[str] = frozenset(
    [
        "watch_id",
        "user_id",
        "observed_on",
        "departure_date",
        "return_date",
        "nights",
        "package_total_minor",
        "currency",
        "budget_minor",
        "within_budget",
        "fx_rate_date",
        # The route (airports) the package flies: a watch may cover several.
        "origin",
        "destination",
    ]
    + [f"{leg}_{name}" for leg in ("outbound", "inbound") for name in _FLIGHT_FIELDS]
    + [f"hotel_{name}" for name in _HOTEL_FIELDS]
)


class PublicationRowError(ValueError):
    """An input row does not match the mart contract (missing or unexpected columns)."""


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _timestamp(value: Any) -> str | None:
    """ISO-8601 UTC for the JSON legs. Warehouse timestamps are UTC by contract, so a naive
    value (DuckDB ``TIMESTAMP``) is read as UTC rather than rejected."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def _int(value: Any) -> int | None:
    # Warehouse drivers may hand back numpy/Decimal integers, which JSON cannot serialise.
    return None if value is None else int(value)


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _flight_leg(row: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    if row[f"{kind}_provider"] is None:
        return None
    origin, destination = row["origin"], row["destination"]
    if kind == "inbound":
        origin, destination = destination, origin
    return {
        "kind": kind,
        "origin": origin,
        "destination": destination,
        "provider": row[f"{kind}_provider"],
        "offer_id": row[f"{kind}_offer_id"],
        "price_minor": _int(row[f"{kind}_total_minor"]),
        "currency": row[f"{kind}_currency"],
        "converted_minor": _int(row[f"{kind}_converted_minor"]),
        "carrier": row[f"{kind}_carrier"],
        "flight_number": row[f"{kind}_flight_number"],
        "departure_at": _timestamp(row[f"{kind}_departure_at"]),
        "arrival_at": _timestamp(row[f"{kind}_arrival_at"]),
        "stops": _int(row[f"{kind}_stops"]),
    }


def _hotel_leg(row: Mapping[str, Any]) -> dict[str, Any] | None:
    if row["hotel_provider"] is None:
        return None
    return {
        "kind": "hotel",
        "provider": row["hotel_provider"],
        "offer_id": row["hotel_offer_id"],
        "price_minor": _int(row["hotel_total_minor"]),
        "currency": row["hotel_currency"],
        "converted_minor": _int(row["hotel_converted_minor"]),
        "hotel_id": row["hotel_id"],
        "hotel_name": row["hotel_name"],
        "stars": _int(row["hotel_stars"]),
        "refundable": _bool(row["hotel_refundable"]),
        "check_in": _date(row["departure_date"]).isoformat(),
        "check_out": _date(row["return_date"]).isoformat(),
    }


def legs_of(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    legs = [_flight_leg(row, "outbound"), _flight_leg(row, "inbound"), _hotel_leg(row)]
    return [leg for leg in legs if leg is not None]


def _check_keys(row: Mapping[str, Any], index: int) -> None:
    keys = set(row)
    if keys != ROW_KEYS:
        missing = sorted(ROW_KEYS - keys)
        extra = sorted(keys - ROW_KEYS)
        raise PublicationRowError(f"row {index}: missing columns {missing}, unexpected {extra}")


def publish_recommendations(
    session: Session, rows: Iterable[Mapping[str, Any]], source_run_id: str
) -> int:
    """Write ``rows`` as a new publication version in ``session``'s transaction; returns it.

    Nothing is committed here: the caller commits (or rolls back), and until then no reader
    sees the new version. Rows for watches that no longer exist, or whose ``user_id`` is not
    the watch's owner, are skipped, counted in ``skipped_count`` and logged.
    """
    rows = list(rows)
    for index, row in enumerate(rows):
        _check_keys(row, index)

    watch_ids = {str(row["watch_id"]) for row in rows}
    owners: dict[str, str] = {}
    # Chunked IN lists: SQLite caps the number of bound parameters per statement.
    ids = sorted(watch_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(Watch.id, Watch.user_id).where(Watch.id.in_(chunk))
        owners.update(session.execute(query).tuples().all())

    values: list[dict[str, Any]] = []
    skipped: list[str] = []
    for row in rows:
        watch_id = str(row["watch_id"])
        if owners.get(watch_id) != str(row["user_id"]):
            skipped.append(watch_id)
            continue
        values.append(
            {
                "id": new_id(),
                "watch_id": watch_id,
                "rank": 1,
                "observed_on": _date(row["observed_on"]),
                "departure_date": _date(row["departure_date"]),
                "return_date": _date(row["return_date"]),
                "nights": _int(row["nights"]),
                "total_minor": _int(row["package_total_minor"]),
                "currency": row["currency"],
                "budget_minor": _int(row["budget_minor"]),
                "within_budget": _bool(row["within_budget"]),
                "legs": legs_of(row),
                "fx_rate_date": _date(row["fx_rate_date"]),
            }
        )

    publication = RecommendationPublication(
        source_run_id=source_run_id,
        watch_count=len({v["watch_id"] for v in values}),
        package_count=len(values),
        skipped_count=len(skipped),
    )
    session.add(publication)
    session.flush()
    for value in values:
        value["version"] = publication.version
    if values:
        session.execute(insert(Recommendation), values)

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
