"""What the recommendations asset reads: active watches and their learned weights from the
operational store, the option and market marts from the warehouse."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ml.optimizer import CriterionWeights, GeoPoint
from ml.recommendations.inputs import WatchSpec, as_utc
from wayra.opstore.models import TravelerPreference, Watch
from wayra.warehouse.connection import Warehouse

FLIGHT_OPTIONS = "fct_watch_flight_options"
HOTEL_OPTIONS = "fct_watch_hotel_options"
BEST_OFFERS = "fct_best_offers"
ROUTE_TRENDS = "fct_route_price_trends"
PROVIDER_RELIABILITY = "fct_provider_reliability_daily"
MARTS = (FLIGHT_OPTIONS, HOTEL_OPTIONS, BEST_OFFERS, ROUTE_TRENDS, PROVIDER_RELIABILITY)


def watch_spec(watch: Watch) -> WatchSpec:
    point = None
    if watch.hotel_point_latitude is not None and watch.hotel_point_longitude is not None:
        point = GeoPoint(watch.hotel_point_latitude, watch.hotel_point_longitude)
    return WatchSpec(
        watch_id=watch.id,
        user_id=watch.user_id,
        depart_from=watch.depart_from,
        depart_to=watch.depart_to,
        nights_min=watch.nights_min,
        nights_max=watch.nights_max,
        # Quotes are searched for the adults (see the collection planner), who fly and sleep.
        party_size=watch.adults,
        currency=watch.currency,
        budget_minor=watch.budget_minor,
        max_stops=watch.max_stops,
        min_hotel_stars=watch.hotel_min_stars,
        excluded_airlines=frozenset(code.upper() for code in watch.excluded_airlines or ()),
        point_of_interest=point,
    )


def active_watches(session: Session) -> list[Watch]:
    return list(
        session.scalars(select(Watch).where(Watch.status == "active").order_by(Watch.id)).all()
    )


def learned_weights(session: Session) -> dict[str, tuple[CriterionWeights, str | None]]:
    """User id -> (weights, the preference model version); users without any get defaults."""
    return {
        pref.user_id: (CriterionWeights(**pref.weights), pref.model_version)
        for pref in session.scalars(select(TravelerPreference)).all()
    }


def _rows(warehouse: Warehouse, sql: str) -> list[dict[str, Any]]:
    return warehouse.query_arrow(sql).to_pylist()


def rows_by_watch(warehouse: Warehouse, mart: str) -> dict[str, list[dict[str, Any]]]:
    schema = warehouse.settings.warehouse_schema
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(warehouse, f"SELECT * FROM {schema}.{mart}"):
        grouped[row["watch_id"]].append(row)
    return grouped


def price_histories(warehouse: Warehouse) -> dict[str, list[tuple[dt.datetime, int]]]:
    """Per watch, its best package price at every observation instant that had one."""
    schema = warehouse.settings.warehouse_schema
    histories: dict[str, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for row in _rows(
        warehouse,
        f"SELECT watch_id, observed_at, package_total_minor FROM {schema}.{BEST_OFFERS} "
        "WHERE package_total_minor IS NOT NULL ORDER BY watch_id, observed_at",
    ):
        histories[row["watch_id"]].append(
            (as_utc(row["observed_at"]), int(row["package_total_minor"]))
        )
    return histories


def market_rows(warehouse: Warehouse) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    schema = warehouse.settings.warehouse_schema
    trends = _rows(
        warehouse,
        f"SELECT series_kind, route_key, observed_on, log_return_volatility_14d "
        f"FROM {schema}.{ROUTE_TRENDS} WHERE log_return_volatility_14d IS NOT NULL",
    )
    reliability = _rows(
        warehouse,
        f"SELECT provider, observed_on, data_uptime FROM {schema}.{PROVIDER_RELIABILITY}",
    )
    return trends, reliability
