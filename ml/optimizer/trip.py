"""What the optimizer is asked: a trip request and the candidate offers for it.

Money is integer minor units in one currency: the caller converts every offer into the
traveler's currency first (with dated ECB rates, see ``wayra.money``), and ``Offers`` refuses a
mix. Times of day are minutes after local midnight (0..1440); datetimes are timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from wayra.money import minor_unit_exponent

MINUTES_PER_DAY = 24 * 60
Weight = int | Decimal | Fraction | float | str


@dataclass(frozen=True, slots=True)
class CriterionWeights:
    """How much one unit of each criterion costs in the objective, in minor units of money.

    All criteria are costs (lower is better), so weights are non-negative. A weight is read
    exactly: a float as the decimal it prints as (0.1 is 1/10), a str or Decimal as written.
    The units are those of ``ml.optimizer.criteria.Criteria``.
    """

    price_minor: Weight = 1  # per minor unit paid
    travel_minutes: Weight = 10  # per minute in the air or in connections
    stops: Weight = 2_000  # per stop
    off_window_minutes: Weight = 5  # per minute a flight departs outside the preferred window
    rating_shortfall: Weight = 100  # per tenth of a rating point below 10, per night
    poi_distance_m: Weight = "0.2"  # per metre from the point of interest, per night
    non_refundable: Weight = 3_000  # per non-refundable flight or hotel stay
    risk_points: Weight = 10  # per risk point (0..1000 per offer, from the risk model)


@dataclass(frozen=True, slots=True)
class GeoPoint:
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class TripRequest:
    """A watch as the optimizer sees it. The departure window bounds the outbound's local
    departure date; nights are hotel nights; ``budget_minor`` None means no budget."""

    earliest_departure: dt.date
    latest_departure: dt.date
    min_nights: int
    max_nights: int
    travelers: int
    budget_minor: int | None
    currency: str
    max_stops: int = 2
    min_hotel_stars: int = 0
    refundable_only: bool = False
    excluded_airlines: frozenset[str] = frozenset()
    # Departures (local time at the departure airport) inside [start, end] cost nothing.
    preferred_departure_minutes: tuple[int, int] = (0, MINUTES_PER_DAY)
    point_of_interest: GeoPoint | None = None
    weights: CriterionWeights = field(default_factory=CriterionWeights)
    origin_timezone: str = "UTC"
    destination_timezone: str = "UTC"
    # Airport <-> hotel, used to decide on which day the traveler reaches and leaves the hotel.
    transfer_minutes: int = 0

    def __post_init__(self) -> None:
        minor_unit_exponent(self.currency)
        if self.earliest_departure > self.latest_departure:
            raise ValueError("the departure window is empty")
        if not 1 <= self.min_nights <= self.max_nights:
            raise ValueError("need 1 <= min_nights <= max_nights")
        if self.travelers < 1:
            raise ValueError("need at least one traveler")
        start, end = self.preferred_departure_minutes
        if not 0 <= start <= end <= MINUTES_PER_DAY:
            raise ValueError("preferred departure window must be 0 <= start <= end <= 1440")


@dataclass(frozen=True, slots=True)
class FlightOffer:
    """One bookable flight (outbound or return); the price is per traveler."""

    offer_id: str
    carrier: str
    price_minor: int
    currency: str
    departs_at: dt.datetime
    arrives_at: dt.datetime
    duration_minutes: int
    stops: int
    seats_left: int
    refundable: bool
    risk_points: int = 0

    def __post_init__(self) -> None:
        if self.departs_at.tzinfo is None or self.arrives_at.tzinfo is None:
            raise ValueError(f"flight {self.offer_id}: datetimes must be timezone-aware")
        if self.arrives_at < self.departs_at:
            raise ValueError(f"flight {self.offer_id} arrives before it departs")


@dataclass(frozen=True, slots=True)
class NightRate:
    """The price of one room for the night starting on ``night``, and rooms left at it."""

    night: dt.date
    price_minor: int
    rooms_left: int


@dataclass(frozen=True, slots=True)
class HotelRoomOffer:
    """One room type at one rate plan in one hotel, priced night by night.

    Night-by-night prices are what make split stays possible: any run of consecutive nights
    this offer has rates for can be one part of a stay. Rooms needed are
    ``ceil(travelers / max_occupancy)``.
    """

    offer_id: str
    hotel_id: str
    stars: int
    rating: float  # 0..10, published with one decimal
    latitude: float
    longitude: float
    refundable: bool
    currency: str
    nights: tuple[NightRate, ...]
    max_occupancy: int = 2
    check_in_minute: int = 15 * 60
    check_out_minute: int = 11 * 60
    # Reception closes then: a traveler reaching the hotel later that day cannot check in.
    latest_check_in_minute: int = MINUTES_PER_DAY
    risk_points: int = 0
    # A stay quote (most providers price a whole stay, not nights): bookable for exactly the
    # nights listed, never as part of a split or for fewer nights. Its nightly rates are the
    # quote's total spread over the nights, so they sum to what the provider charges.
    sold_as_whole_stay: bool = False

    def rooms_for(self, travelers: int) -> int:
        return -(-travelers // self.max_occupancy)


@dataclass(frozen=True, slots=True)
class Offers:
    """The candidate offers for one request, all in ``currency``."""

    currency: str
    outbound: tuple[FlightOffer, ...]
    inbound: tuple[FlightOffer, ...]
    hotels: tuple[HotelRoomOffer, ...]

    def __post_init__(self) -> None:
        for offer in (*self.outbound, *self.inbound, *self.hotels):
            if offer.currency != self.currency:
                raise ValueError(
                    f"offer {offer.offer_id} is in {offer.currency}, not {self.currency}: "
                    "convert every offer to the traveler's currency first"
                )
        ids = [o.offer_id for o in (*self.outbound, *self.inbound, *self.hotels)]
        if len(ids) != len(set(ids)):
            raise ValueError("offer ids must be unique")
