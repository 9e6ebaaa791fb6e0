"""Request and response bodies. Money is always integer minor units plus an ISO currency."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from wayra.domain import Cabin
from wayra.money import is_known_currency


@cache
def _airports() -> frozenset[str]:
    # ~7k airports parsed from a bundled JSON file: load on first use, not at import.
    import airportsdata

    return frozenset(airportsdata.load("IATA"))


def is_known_airport(code: str) -> bool:
    return code in _airports()


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class WatchCreate(BaseModel):
    """A price watch: a round trip plus hotel within a departure window and a budget."""

    model_config = ConfigDict(extra="forbid")

    origin: str = Field(description="IATA airport code of departure, e.g. LHR.")
    destination: str = Field(description="IATA airport code of arrival, e.g. JFK.")
    depart_from: dt.date = Field(description="Earliest departure date.")
    depart_to: dt.date = Field(description="Latest departure date (inclusive).")
    nights_min: int = Field(ge=1, description="Shortest stay, in nights.")
    nights_max: int = Field(ge=1, description="Longest stay, in nights.")
    adults: int = Field(default=1, ge=1, le=9)
    children: int = Field(default=0, ge=0, le=8)
    cabin: Cabin = Cabin.ECONOMY
    max_stops: int | None = Field(default=None, ge=0, le=3)
    budget_minor: int = Field(gt=0, description="Total budget in minor units of currency.")
    currency: str = Field(description="ISO 4217 code of the budget, e.g. EUR.")

    _normalise = field_validator("origin", "destination", "currency", mode="before")(_upper)

    @field_validator("origin", "destination")
    @classmethod
    def _known_airport(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha() or not is_known_airport(value):
            raise ValueError(f"{value!r} is not a known IATA airport code")
        return value

    # Cross-field checks live on the later field so the error names it (not the whole body).
    @field_validator("destination")
    @classmethod
    def _distinct(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("origin") == value:
            raise ValueError("destination must differ from origin")
        return value

    @field_validator("depart_to")
    @classmethod
    def _window(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("depart_from")
        if start is not None and value < start:
            raise ValueError("depart_to must be on or after depart_from")
        return value

    @field_validator("nights_max")
    @classmethod
    def _nights(cls, value: int, info: ValidationInfo) -> int:
        low = info.data.get("nights_min")
        if low is not None and value < low:
            raise ValueError("nights_max must be at least nights_min")
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not is_known_currency(value):
            raise ValueError(f"{value!r} is not a supported ISO 4217 currency")
        return value


class WatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    origin: str
    destination: str
    depart_from: dt.date
    depart_to: dt.date
    nights_min: int
    nights_max: int
    adults: int
    children: int
    cabin: Cabin
    max_stops: int | None
    budget_minor: int
    currency: str
    status: Literal["active", "paused"]
    created_at: dt.datetime
    updated_at: dt.datetime


class WatchList(BaseModel):
    items: list[WatchOut]
    count: int


class _LegBase(BaseModel):
    provider: str
    offer_id: str | None = None
    price_minor: int | None = Field(None, description="The provider's own total.")
    currency: str | None = Field(None, description="The provider's currency.")
    converted_minor: int | None = Field(None, description="price_minor in the watch currency.")


class FlightLeg(_LegBase):
    kind: Literal["outbound", "inbound"]
    carrier: str | None = None
    flight_number: str | None = None
    departure_at: dt.datetime | None = None
    arrival_at: dt.datetime | None = None
    stops: int | None = None


class HotelLeg(_LegBase):
    kind: Literal["hotel"]
    hotel_id: str | None = None
    hotel_name: str | None = None
    stars: int | None = None
    refundable: bool | None = None
    check_in: dt.date | None = None
    check_out: dt.date | None = None


Leg = Annotated[FlightLeg | HotelLeg, Field(discriminator="kind")]


class PackageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rank: int
    observed_on: dt.date
    departure_date: dt.date
    return_date: dt.date
    nights: int
    total_minor: int
    currency: str
    budget_minor: int
    within_budget: bool
    fx_rate_date: dt.date | None
    legs: list[Leg]


class RecommendationsOut(BaseModel):
    watch_id: str
    version: int | None = Field(description="Publication version; null if none published yet.")
    published_at: dt.datetime | None
    packages: list[PackageOut]


class Health(BaseModel):
    status: Literal["ok"]
    operational_store: Literal["ok"]
