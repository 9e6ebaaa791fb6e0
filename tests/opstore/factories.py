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


def mart_row(watch: Watch, total_minor: int = 310_000, **overrides: Any) -> dict[str, Any]:
    """One row of the recommendation mart, exactly as the warehouse hands it over."""
    row: dict[str, Any] = {
        "watch_id": watch.id,
        "user_id": watch.user_id,
        "observed_on": dt.date(2026, 3, 1),
        "departure_date": dt.date(2026, 6, 10),
        "return_date": dt.date(2026, 6, 17),
        "nights": 7,
        "package_total_minor": total_minor,
        "currency": watch.currency,
        "budget_minor": watch.budget_minor,
        "within_budget": total_minor <= watch.budget_minor,
        "fx_rate_date": dt.date(2026, 2, 27),
        "origin": watch.origins[0],
        "destination": watch.destinations[0],
        "outbound_provider": "sim-air",
        "outbound_offer_id": "OB-1",
        "outbound_carrier": "BA",
        "outbound_flight_number": "BA117",
        "outbound_departure_at": dt.datetime(2026, 6, 10, 8, 25, tzinfo=dt.UTC),
        "outbound_arrival_at": dt.datetime(2026, 6, 10, 16, 5, tzinfo=dt.UTC),
        "outbound_stops": 0,
        "outbound_total_minor": 95_000,
        "outbound_currency": "USD",
        "outbound_converted_minor": 75_000,
        "inbound_provider": "sim-air",
        "inbound_offer_id": "IB-1",
        "inbound_carrier": "BA",
        "inbound_flight_number": "BA112",
        "inbound_departure_at": dt.datetime(2026, 6, 17, 22, 0),
        "inbound_arrival_at": dt.datetime(2026, 6, 18, 10, 0, tzinfo=dt.UTC),
        "inbound_stops": 1,
        "inbound_total_minor": 90_000,
        "inbound_currency": "USD",
        "inbound_converted_minor": 71_000,
        "hotel_provider": "sim-hotel",
        "hotel_offer_id": "H-1",
        "hotel_id": "NYC123",
        "hotel_name": "Hotel Example",
        "hotel_stars": 4,
        "hotel_refundable": True,
        "hotel_total_minor": 164_000,
        "hotel_currency": "GBP",
        "hotel_converted_minor": 164_000,
    }
    return row | overrides
