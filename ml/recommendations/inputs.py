"""From the warehouse's option marts to the optimizer's inputs, one request per watch route.

``fct_watch_flight_options`` and ``fct_watch_hotel_options`` hold every flight and stay quote a
watch may use, already filtered by the watch's constraints and converted into its currency.
Two facts about the quotes shape the translation:

- Quotes price the whole party (providers are searched for the watch's party size), so the
  optimizer sees the party as one traveler: a flight needs ``seats_left >= party`` (checked
  here, as ``seats_left // party`` parties) and a stay one "room" (the quoted rooms).
- Stay quotes price a whole stay, so each is a ``sold_as_whole_stay`` room offer: split stays
  need night-by-night rates, which no connected provider sends yet.

Flight quotes do not say whether the fare is refundable: they count as non-refundable (the
conservative reading; it adds the same to every package, so it never changes a ranking).
Hotels carry stars but no guest rating: the rating is read as twice the stars until a review
feed lands. A watch may cover several routes (airports); a package never mixes routes (no open
jaws), so each route is its own request.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ml.optimizer import (
    CriterionWeights,
    FlightOffer,
    GeoPoint,
    HotelRoomOffer,
    NightRate,
    Offers,
    TripRequest,
)
from ml.recommendations.risk import OfferRisk
from wayra.providers.airport_time import airport_zone

Row = Mapping[str, Any]
UNKNOWN_AVAILABILITY = 9  # providers that do not count seats or rooms rarely run out
NO_STOP_LIMIT = 9
TRANSFER_MINUTES = 60  # airport <-> hotel, for the day the traveler reaches the hotel
RiskOf = Callable[[str, Row], OfferRisk]  # (kind: "flight" | "hotel", option row)


@dataclass(frozen=True)
class WatchSpec:
    """What the recommender needs to know about a watch (from the operational store)."""

    watch_id: str
    user_id: str
    depart_from: dt.date
    depart_to: dt.date
    nights_min: int
    nights_max: int
    party_size: int
    currency: str
    budget_minor: int | None
    max_stops: int | None = None
    min_hotel_stars: int | None = None
    excluded_airlines: frozenset[str] = frozenset()
    point_of_interest: GeoPoint | None = None


@dataclass(frozen=True)
class RouteProblem:
    """One route of a watch as the optimizer sees it, with each offer's warehouse row."""

    origin: str
    destination: str
    request: TripRequest
    offers: Offers
    rows: dict[str, Row] = field(repr=False)  # optimizer offer id -> option row
    risks: dict[str, OfferRisk] = field(repr=False)  # optimizer offer id -> its risk


def as_utc(value: Any) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    # Warehouse timestamps are UTC by contract; DuckDB may hand them back naive.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def flight_key(row: Row) -> str:
    return f"{row['direction']}|{row['provider']}|{row['offer_id']}|{row['departure_date']}"


def hotel_key(row: Row) -> str:
    return f"hotel|{row['provider']}|{row['offer_id']}|{row['hotel_id']}|{row['check_in']}"


def flight_offer(row: Row, party_size: int, risk_points: int) -> FlightOffer | None:
    """The option as a bookable flight, or None when the row cannot be timed."""
    if row["departure_at"] is None or row["arrival_at"] is None:
        return None
    departs, arrives = as_utc(row["departure_at"]), as_utc(row["arrival_at"])
    duration = row["duration_minutes"]
    if duration is None:
        duration = int((arrives - departs).total_seconds() // 60)
    seats = row["seats_left"]
    return FlightOffer(
        offer_id=flight_key(row),
        carrier=(row["carrier"] or "").upper(),
        price_minor=int(row["converted_minor"]),
        currency=row["watch_currency"],
        departs_at=departs,
        arrives_at=arrives,
        duration_minutes=int(duration),
        stops=int(row["stops"] or 0),
        seats_left=UNKNOWN_AVAILABILITY if seats is None else int(seats) // party_size,
        refundable=False,
        risk_points=risk_points,
    )


def whole_stay_nights(check_in: dt.date, nights: int, total_minor: int, rooms_left: int):
    """The quote's total spread over its nights, remainder on the first nights: they sum to
    exactly what the provider charges."""
    base, remainder = divmod(total_minor, nights)
    return tuple(
        NightRate(check_in + dt.timedelta(days=n), base + (1 if n < remainder else 0), rooms_left)
        for n in range(nights)
    )


def hotel_offer(row: Row, point: GeoPoint | None, risk_points: int) -> HotelRoomOffer:
    rooms = row["rooms_left"]
    stars = int(row["stars"] or 0)
    latitude, longitude = row["latitude"], row["longitude"]
    if latitude is None or longitude is None:
        # Unknown location: no distance penalty rather than a made-up one.
        latitude, longitude = (point.latitude, point.longitude) if point else (0.0, 0.0)
    check_in = row["check_in"]
    if not isinstance(check_in, dt.date):
        check_in = dt.date.fromisoformat(str(check_in))
    return HotelRoomOffer(
        offer_id=hotel_key(row),
        hotel_id=str(row["hotel_id"]),
        stars=stars,
        rating=float(min(10, 2 * stars)),
        latitude=float(latitude),
        longitude=float(longitude),
        refundable=bool(row["is_refundable"]),
        currency=row["watch_currency"],
        nights=whole_stay_nights(
            check_in,
            int(row["nights"]),
            int(row["converted_minor"]),
            UNKNOWN_AVAILABILITY if rooms is None else int(rooms),
        ),
        max_occupancy=1,  # the quote prices the party's rooms: one "room" per party
        risk_points=risk_points,
        sold_as_whole_stay=True,
    )


def _zone(iata: str) -> str:
    zone = airport_zone(iata)
    return zone.key if zone is not None else "UTC"


def route_problems(
    watch: WatchSpec,
    flights: Iterable[Row],
    hotels: Iterable[Row],
    weights: CriterionWeights,
    risk_of: RiskOf,
) -> list[RouteProblem]:
    """One optimizer request per route of ``watch`` that has flights both ways."""
    by_route: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for row in flights:
        by_route[
            row["route_origin"], row["route_destination"], row["destination_city_code"]
        ].append(row)
    by_city: dict[str, list[Row]] = defaultdict(list)
    for row in hotels:
        by_city[row["city_code"]].append(row)

    problems = []
    for (origin, destination, city), route_rows in sorted(by_route.items()):
        rows: dict[str, Row] = {}
        risks: dict[str, OfferRisk] = {}
        outbound, inbound, stays = [], [], []
        for row in route_rows:
            row = {**row, "watch_currency": watch.currency}
            risk = risk_of("flight", row)
            offer = flight_offer(row, watch.party_size, risk.points)
            if offer is None:
                continue
            rows[offer.offer_id], risks[offer.offer_id] = row, risk
            (outbound if row["direction"] == "outbound" else inbound).append(offer)
        for row in by_city.get(city, ()):
            row = {**row, "watch_currency": watch.currency}
            risk = risk_of("hotel", row)
            offer = hotel_offer(row, watch.point_of_interest, risk.points)
            rows[offer.offer_id], risks[offer.offer_id] = row, risk
            stays.append(offer)
        if not outbound or not inbound or not stays:
            continue
        request = TripRequest(
            earliest_departure=watch.depart_from,
            latest_departure=watch.depart_to,
            min_nights=watch.nights_min,
            max_nights=watch.nights_max,
            travelers=1,
            budget_minor=watch.budget_minor,
            currency=watch.currency,
            max_stops=NO_STOP_LIMIT if watch.max_stops is None else watch.max_stops,
            min_hotel_stars=watch.min_hotel_stars or 0,
            excluded_airlines=watch.excluded_airlines,
            point_of_interest=watch.point_of_interest,
            weights=weights,
            origin_timezone=_zone(origin),
            destination_timezone=_zone(destination),
            transfer_minutes=TRANSFER_MINUTES,
        )
        offers = Offers(watch.currency, tuple(outbound), tuple(inbound), tuple(stays))
        problems.append(RouteProblem(origin, destination, request, offers, rows, risks))
    return problems
