"""Builders for store rows shared by the opstore and serving tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from wayra.opstore.models import User, Watch


def make_watch(session: Session, user: User, **overrides: Any) -> Watch:
    values: dict[str, Any] = {
        "user_id": user.id,
        "origins": ["LHR"],
        "destinations": ["JFK"],
        "depart_from": dt.date(2027, 6, 1),
        "depart_to": dt.date(2027, 6, 30),
        "nights_min": 5,
        "nights_max": 9,
        "adults": 2,
        "cabin": "ECONOMY",
        "budget_minor": 350_000,
        "currency": "GBP",
    } | overrides
    watch = Watch(**values)
    session.add(watch)
    session.flush()
    return watch


def package_row(
    watch: Watch, total_minor: int = 310_000, rank: int = 1, **overrides: Any
) -> dict[str, Any]:
    """One ranked package, as the recommender hands it to ``publish_recommendations``."""
    hotel_minor = total_minor - 75_000 - 71_000
    row: dict[str, Any] = {
        "watch_id": watch.id,
        "user_id": watch.user_id,
        "rank": rank,
        "observed_on": dt.date(2026, 3, 1),
        "departure_date": dt.date(2026, 6, 10),
        "return_date": dt.date(2026, 6, 17),
        "nights": 7,
        "total_minor": total_minor,
        "currency": watch.currency,
        "budget_minor": watch.budget_minor,
        "within_budget": total_minor <= watch.budget_minor,
        "fx_rate_date": dt.date(2026, 2, 27),
        "legs": [
            {
                "kind": "outbound",
                "origin": watch.origins[0],
                "destination": watch.destinations[0],
                "provider": "sim-air",
                "offer_id": "OB-1",
                "price_minor": 95_000,
                "currency": "USD",
                "converted_minor": 75_000,
                "carrier": "BA",
                "flight_number": "BA117",
                "departure_at": "2026-06-10T08:25:00+00:00",
                "arrival_at": "2026-06-10T16:05:00+00:00",
                "stops": 0,
            },
            {
                "kind": "inbound",
                "origin": watch.destinations[0],
                "destination": watch.origins[0],
                "provider": "sim-air",
                "offer_id": "IB-1",
                "price_minor": 90_000,
                "currency": "USD",
                "converted_minor": 71_000,
                "carrier": "BA",
                "flight_number": "BA112",
                "departure_at": "2026-06-17T22:00:00+00:00",
                "arrival_at": "2026-06-18T10:00:00+00:00",
                "stops": 1,
            },
            {
                "kind": "hotel",
                "provider": "sim-hotel",
                "offer_id": "H-1",
                "price_minor": hotel_minor,
                "currency": watch.currency,
                "converted_minor": hotel_minor,
                "hotel_id": "NYC123",
                "hotel_name": "Hotel Example",
                "stars": 4,
                "refundable": True,
                "check_in": "2026-06-10",
                "check_out": "2026-06-17",
            },
        ],
    }
    return row | overrides
