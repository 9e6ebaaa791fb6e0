"""Ranked packages as the rows ``wayra.opstore.publication`` stores and the API serves.

Legs keep the provider's own price and currency next to the converted amount, and the
provider's offer id: the booking flow re-prices and books each leg through its provider.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from ml.optimizer import CRITERIA, BindingConstraint, Package
from ml.recommendations.explain import Explanation
from ml.recommendations.inputs import Row, WatchSpec, as_utc
from ml.recommendations.ranking import RankedPackage, WatchRanking
from ml.recommendations.risk import PackageRisk


def _iso_utc(value: Any) -> str | None:
    return None if value is None else as_utc(value).isoformat()


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def flight_leg(row: Row) -> dict[str, Any]:
    origin, destination = row["route_origin"], row["route_destination"]
    if row["direction"] == "inbound":
        origin, destination = destination, origin
    return {
        "kind": row["direction"],
        "origin": origin,
        "destination": destination,
        "provider": row["provider"],
        "offer_id": row["offer_id"],
        "price_minor": int(row["total_minor"]),
        "currency": row["currency"],
        "converted_minor": int(row["converted_minor"]),
        "carrier": row["carrier"],
        "flight_number": row["flight_number"],
        "departure_at": _iso_utc(row["departure_at"]),
        "arrival_at": _iso_utc(row["arrival_at"]),
        "stops": None if row["stops"] is None else int(row["stops"]),
    }


def hotel_leg(row: Row) -> dict[str, Any]:
    check_in = _date(row["check_in"])
    return {
        "kind": "hotel",
        "provider": row["provider"],
        "offer_id": row["offer_id"],
        "price_minor": int(row["total_minor"]),
        "currency": row["currency"],
        "converted_minor": int(row["converted_minor"]),
        "hotel_id": row["hotel_id"],
        "hotel_name": row["hotel_name"],
        "stars": None if row["stars"] is None else int(row["stars"]),
        "refundable": None if row["is_refundable"] is None else bool(row["is_refundable"]),
        "check_in": check_in.isoformat(),
        "check_out": (check_in + dt.timedelta(days=int(row["nights"]))).isoformat(),
    }


def _rows_of(ranked: RankedPackage) -> list[Row]:
    package, rows = ranked.package, ranked.problem.rows
    return [
        rows[package.outbound.offer_id],
        rows[package.inbound.offer_id],
        *(rows[stay.offer.offer_id] for stay in package.stays),
    ]


def _oldest_rate_date(rows: Sequence[Row]) -> dt.date | None:
    dates = [_date(r["fx_rate_date"]) for r in rows if r["fx_rate_date"] is not None]
    return min(dates, default=None)


def package_record(
    ranked: RankedPackage,
    rank: int,
    watch: WatchSpec,
    explanation: Explanation,
    risk: PackageRisk,
    first_price_minor: int | None,
    typical_price_minor: int | None,
) -> dict[str, Any]:
    package = ranked.package
    rows = _rows_of(ranked)
    legs = [flight_leg(rows[0]), flight_leg(rows[1]), *(hotel_leg(r) for r in rows[2:])]
    total = package.total_price_minor
    return {
        "watch_id": watch.watch_id,
        "user_id": watch.user_id,
        "rank": rank,
        "observed_on": max(_date(r["observed_on"]) for r in rows),
        "departure_date": package.departure_date,
        "return_date": package.check_out,
        "nights": package.nights,
        "total_minor": total,
        "currency": package.currency,
        "budget_minor": watch.budget_minor,
        "within_budget": ranked.within_budget,
        "fx_rate_date": _oldest_rate_date(rows),
        "legs": legs,
        "score": float(package.objective),
        "criteria": dict(zip(CRITERIA, package.criteria.values(), strict=True)),
        "explanation": {"headline": explanation.headline, "reasons": list(explanation.reasons)},
        "risk_score": risk.score,
        "risk": {
            "score": risk.score,
            "level": risk.level,
            "components": dict(risk.components),
            "reasons": list(risk.top_reasons),
        },
        "saving_vs_first_minor": None if first_price_minor is None else first_price_minor - total,
        "saving_vs_typical_minor": (
            None if typical_price_minor is None else typical_price_minor - total
        ),
        "proven_optimal": package.proven_optimal,
    }


def front_point(ranked: RankedPackage) -> dict[str, Any]:
    package: Package = ranked.package
    return {
        "total_minor": package.total_price_minor,
        "convenience": float(package.convenience),
        "departure_date": package.departure_date.isoformat(),
        "nights": package.nights,
        "origin": ranked.problem.origin,
        "destination": ranked.problem.destination,
        "outbound_offer_id": ranked.problem.rows[package.outbound.offer_id]["offer_id"],
        "inbound_offer_id": ranked.problem.rows[package.inbound.offer_id]["offer_id"],
        "hotel_offer_ids": [
            ranked.problem.rows[s.offer.offer_id]["offer_id"] for s in package.stays
        ],
        "within_budget": ranked.within_budget,
    }


def binding_record(binding: BindingConstraint) -> dict[str, Any]:
    return {
        "constraint": binding.constraint,
        "requested": _jsonable(binding.requested),
        "needed": _jsonable(binding.needed),
        "by": binding.by,
        "jointly": binding.jointly,
        "explanation": binding.explanation,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, frozenset | set | tuple | list):
        return sorted(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def reference_prices(history: Sequence[int]) -> tuple[int | None, int | None]:
    """The first observed and the typical (median, rounded half to even) best package price."""
    if not history:
        return None, None
    return history[0], round(statistics.median(history))


def summary_record(
    watch: WatchSpec,
    ranking: WatchRanking,
    first_price_minor: int | None,
    typical_price_minor: int | None,
    advice: Mapping[str, Any] | None,
) -> dict[str, Any]:
    return {
        "watch_id": watch.watch_id,
        "status": ranking.status,
        "currency": watch.currency,
        "first_price_minor": first_price_minor,
        "typical_price_minor": typical_price_minor,
        "advice": dict(advice) if advice is not None else None,
        "pareto_front": [front_point(p) for p in ranking.front],
        "binding": [binding_record(b) for b in ranking.binding],
    }
