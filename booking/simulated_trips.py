"""Real, bookable packages from the market simulator, published as recommendations.

The chaos run, the tests and demos need packages whose offer ids the simulated providers
can re-price and book: these come from live simulated searches, shaped exactly like the
recommender's published legs (``ml.recommendations.records``) and converted into the watch
currency at the ECB rate of the search day, as the warehouse would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wayra.domain import FlightSearch, HotelSearch
from wayra.money import Money, convert, is_known_currency
from wayra.opstore.models import Recommendation, Watch
from wayra.opstore.publication import publish_recommendations
from wayra.simulator.geography import city_code_for_airport


def _usable(row: Mapping[str, Any]) -> bool:
    # OTA profiles corrupt a few rows on purpose; the data contract would quarantine them.
    total = row.get("total_minor")
    return (
        bool(row.get("offer_id"))
        and isinstance(total, int)
        and total > 0
        and is_known_currency(row.get("currency"))
    )


def _converted(row: Mapping[str, Any], currency: str, day: dt.date) -> tuple[int, dt.date]:
    money, source, target = convert(Money(row["total_minor"], row["currency"]), currency, day)
    return money.amount_minor, min(source.rate_date, target.rate_date)


def _iso(value: Any) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if isinstance(value, dt.datetime) else value


def simulated_package(
    providers: Mapping[str, Any],
    at: dt.datetime,
    origin: str,
    destination: str,
    departure: dt.date,
    nights: int,
    currency: str,
    *,
    adults: int = 1,
    flight_provider: str = "sim_flight_gds",
    hotel_provider: str = "sim_hotel_direct",
    choice: int = 0,
    hotel_refundable: bool | None = None,
) -> dict[str, Any] | None:
    """A round trip with one stay, priced at ``at``; ``choice`` picks among the offers found
    (``hotel_refundable``: only stays with that rate). None when the market has nothing."""
    flights, hotels = providers[flight_provider], providers[hotel_provider]
    there = flights.search_flights(FlightSearch(origin, destination, departure, adults), at)
    back_day = departure + dt.timedelta(days=nights)
    back = flights.search_flights(FlightSearch(destination, origin, back_day, adults), at)
    city = city_code_for_airport(destination)
    stays = hotels.search_hotels(HotelSearch(city, departure, nights, adults), at)
    options = [[r for r in response.rows if _usable(r)] for response in (there, back, stays)]
    if hotel_refundable is not None:
        options[2] = [r for r in options[2] if r["refundable"] is hotel_refundable]
    if not all(options):
        return None
    outbound, inbound, stay = (
        rows[(choice * (i + 1)) % len(rows)] for i, rows in enumerate(options)
    )
    legs, rate_dates = [], []
    for kind, row in (("outbound", outbound), ("inbound", inbound)):
        converted, rate_date = _converted(row, currency, at.date())
        rate_dates.append(rate_date)
        legs.append(
            {
                "kind": kind,
                "origin": row["origin"],
                "destination": row["destination"],
                "provider": row["provider"],
                "offer_id": row["offer_id"],
                "price_minor": row["total_minor"],
                "currency": row["currency"],
                "converted_minor": converted,
                "carrier": row["carrier"],
                "flight_number": row["flight_number"],
                "departure_at": _iso(row["departure_at"]),
                "arrival_at": _iso(row["arrival_at"]),
                "stops": row["stops"],
            }
        )
    converted, rate_date = _converted(stay, currency, at.date())
    rate_dates.append(rate_date)
    legs.append(
        {
            "kind": "hotel",
            "provider": stay["provider"],
            "offer_id": stay["offer_id"],
            "price_minor": stay["total_minor"],
            "currency": stay["currency"],
            "converted_minor": converted,
            "hotel_id": stay["hotel_id"],
            "hotel_name": stay["hotel_name"],
            "stars": stay["stars"],
            "refundable": stay["refundable"],
            "check_in": departure.isoformat(),
            "check_out": back_day.isoformat(),
        }
    )
    return {
        "observed_on": at.date(),
        "departure_date": departure,
        "return_date": back_day,
        "nights": nights,
        "total_minor": sum(leg["converted_minor"] for leg in legs),
        "currency": currency,
        "fx_rate_date": min(rate_dates),
        "legs": legs,
    }


def publish_packages(
    session: Session,
    watch: Watch,
    packages: Sequence[Mapping[str, Any]],
    *,
    advice: Mapping[str, Any] | None = None,
    source_run_id: str = "simulated-trips",
) -> list[str]:
    """Publish ``packages`` as ``watch``'s ranked recommendations (rank = order); returns
    their recommendation ids in rank order. The caller commits."""
    rows = [
        dict(package)
        | {
            "watch_id": watch.id,
            "user_id": watch.user_id,
            "rank": rank,
            "budget_minor": watch.budget_minor,
            "within_budget": package["total_minor"] <= watch.budget_minor,
            "risk_score": 20,
            "risk": {"score": 20, "level": "low", "components": {}, "reasons": []},
            "saving_vs_first_minor": 0,
            "saving_vs_typical_minor": 0,
        }
        for rank, package in enumerate(packages, start=1)
    ]
    summary = {
        "watch_id": watch.id,
        "status": "optimal",
        "currency": watch.currency,
        "first_price_minor": None,
        "typical_price_minor": None,
        "advice": dict(advice) if advice is not None else None,
        "pareto_front": [],
        "binding": [],
    }
    version = publish_recommendations(session, rows, source_run_id, summaries=[summary])
    return list(
        session.scalars(
            select(Recommendation.id)
            .where(Recommendation.version == version, Recommendation.watch_id == watch.id)
            .order_by(Recommendation.rank)
        )
    )
