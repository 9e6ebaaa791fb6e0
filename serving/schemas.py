"""Request and response bodies. Money is always integer minor units plus an ISO currency."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from wayra.collection.watches import expand_airports, is_known_place
from wayra.domain import Cabin
from wayra.money import is_known_currency


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def known_currency(value: str) -> str:
    if not is_known_currency(value):
        raise ValueError(f"{value!r} is not a supported ISO 4217 currency")
    return value


# An ISO 4217 code as clients send it ("eur " is EUR), checked against the known currencies.
CurrencyCode = Annotated[str, BeforeValidator(_upper), AfterValidator(known_currency)]


def _upper_all(value: Any) -> Any:
    return [_upper(v) for v in value] if isinstance(value, list) else value


def _today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


_AIRLINE_CODE = re.compile(r"^(?:[A-Z][A-Z0-9]|[0-9][A-Z])$")
AlertChannel = Literal["email", "push", "sms", "webhook"]
AutomationMode = Literal["off", "propose", "auto"]


class AlertPreferences(BaseModel):
    """When and how the traveller hears about a price change."""

    model_config = ConfigDict(extra="forbid")

    channels: list[AlertChannel] = Field(
        default_factory=lambda: ["email"], max_length=4, description="Where alerts go."
    )
    price_drop_pct: float = Field(
        default=10, gt=0, le=100, description="Alert when the best package drops this much (%)."
    )
    quiet_hours_start: dt.time | None = Field(
        default=None, description="Start of the daily quiet period, in the watch time zone."
    )
    quiet_hours_end: dt.time | None = Field(default=None, description="End of the quiet period.")
    budget_within_pct: float = Field(
        default=5, gt=0, le=50, description="Alert when the best package is this close to budget."
    )
    better_alternative_price_pct: float = Field(
        default=5, gt=0, le=100, description="Alert when a new package is this much cheaper (%)."
    )
    urgent_overrides_quiet: bool = Field(
        default=True, description="Urgent alerts (book now) may break the quiet hours."
    )
    digest: bool = Field(
        default=False, description="Gather non-urgent alerts into one daily message (08:00)."
    )

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _quiet_hours_pair(self) -> AlertPreferences:
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            raise ValueError("quiet_hours_start and quiet_hours_end go together")
        return self


class WatchCreate(BaseModel):
    """A traveller's saved search: round trip(s) plus hotel, within a window and a budget.

    Fixed dates are ``depart_from == depart_to`` with ``nights_min == nights_max``. Origins and
    destinations take IATA airport codes or metro city codes (LON = LHR + LGW).
    """

    model_config = ConfigDict(extra="forbid")

    origins: list[str] = Field(
        min_length=1, max_length=10, description="Airport or city codes to leave from."
    )
    destinations: list[str] = Field(
        min_length=1, max_length=10, description="Airport or city codes to fly to."
    )
    depart_from: dt.date = Field(description="Earliest departure date (today UTC or later).")
    depart_to: dt.date = Field(description="Latest departure date (inclusive).")
    nights_min: int = Field(ge=1, description="Shortest stay, in nights.")
    nights_max: int = Field(ge=1, description="Longest stay, in nights.")
    adults: int = Field(default=1, ge=1, le=9)
    children: int = Field(default=0, ge=0, le=8)
    cabin: Cabin = Cabin.ECONOMY
    max_stops: int | None = Field(default=None, ge=0, le=3)
    preferred_airlines: list[str] = Field(
        default_factory=list, max_length=20, description="IATA carrier codes favoured on ties."
    )
    excluded_airlines: list[str] = Field(
        default_factory=list, max_length=20, description="IATA carrier codes never booked."
    )
    hotel_min_stars: int | None = Field(default=None, ge=1, le=5)
    hotel_max_distance_km: float | None = Field(
        default=None, gt=0, le=200, description="From hotel_point, or the city centre if unset."
    )
    hotel_point_latitude: float | None = Field(default=None, ge=-90, le=90)
    # validate_default: the pairing check must also run when only the latitude is sent.
    hotel_point_longitude: float | None = Field(
        default=None, ge=-180, le=180, validate_default=True
    )
    hotel_refundable_only: bool = False
    budget_minor: int = Field(gt=0, description="Total budget in minor units of currency.")
    currency: str = Field(description="ISO 4217 code of the budget, e.g. EUR.")
    alert_preferences: AlertPreferences = Field(default_factory=AlertPreferences)
    automation_mode: AutomationMode = Field(
        default="off", description="off: watch only; propose: ask before booking; auto: book."
    )
    timezone: str = Field(default="UTC", description="IANA time zone, e.g. Europe/London.")

    _normalise = field_validator("currency", mode="before")(_upper)
    _normalise_lists = field_validator(
        "origins", "destinations", "preferred_airlines", "excluded_airlines", mode="before"
    )(_upper_all)

    @field_validator("origins", "destinations")
    @classmethod
    def _known_places(cls, value: list[str]) -> list[str]:
        for code in value:
            if len(code) != 3 or not code.isalpha() or not is_known_place(code):
                raise ValueError(f"{code!r} is not a known IATA airport or city code")
        return list(dict.fromkeys(value))

    @field_validator("preferred_airlines", "excluded_airlines")
    @classmethod
    def _airline_codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not _AIRLINE_CODE.match(code):
                raise ValueError(f"{code!r} is not a 2-character IATA airline code")
        return list(dict.fromkeys(value))

    # Cross-field checks live on the later field so the error names it (not the whole body).
    @field_validator("destinations")
    @classmethod
    def _distinct(cls, value: list[str], info: ValidationInfo) -> list[str]:
        origins = info.data.get("origins")
        if origins:
            # Compare airports, not codes: LON and LHR overlap.
            shared = set(expand_airports(origins)) & set(expand_airports(value))
            if shared:
                raise ValueError(
                    f"destinations must differ from origins (both include {', '.join(sorted(shared))})"
                )
        return value

    @field_validator("depart_from")
    @classmethod
    def _not_past(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        # An update that leaves the window alone may keep a start that has since passed.
        if (info.context or {}).get("window_unchanged"):
            return value
        if value < _today_utc():
            raise ValueError(f"depart_from {value} is in the past (today is {_today_utc()} UTC)")
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

    @field_validator("excluded_airlines")
    @classmethod
    def _not_both(cls, value: list[str], info: ValidationInfo) -> list[str]:
        both = set(value) & set(info.data.get("preferred_airlines") or ())
        if both:
            raise ValueError(f"{', '.join(sorted(both))} cannot be both preferred and excluded")
        return value

    @field_validator("hotel_point_longitude")
    @classmethod
    def _point(cls, value: float | None, info: ValidationInfo) -> float | None:
        if "hotel_point_latitude" not in info.data:
            return value  # the latitude already failed; one error is enough
        latitude = info.data["hotel_point_latitude"]
        if (latitude is None) != (value is None):
            raise ValueError("hotel_point_latitude and hotel_point_longitude go together")
        if value is not None and info.data.get("hotel_max_distance_km") is None:
            raise ValueError("a hotel point needs hotel_max_distance_km")
        return value

    _currency = field_validator("currency")(known_currency)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"{value!r} is not an IANA time zone") from None
        return value

    def to_columns(self) -> dict[str, Any]:
        """Column values of the ``Watch`` row (enums and times as stored)."""
        values = self.model_dump(exclude={"cabin", "alert_preferences"})
        values["cabin"] = self.cabin.value
        values["alert_preferences"] = self.alert_preferences.model_dump(mode="json")
        return values


class WatchUpdate(BaseModel):
    """A partial update: only the fields sent change; the result is validated as a whole,
    with the same rules as a new watch."""

    model_config = ConfigDict(extra="forbid")

    origins: list[str] | None = None
    destinations: list[str] | None = None
    depart_from: dt.date | None = None
    depart_to: dt.date | None = None
    nights_min: int | None = None
    nights_max: int | None = None
    adults: int | None = None
    children: int | None = None
    cabin: Cabin | None = None
    max_stops: int | None = None
    preferred_airlines: list[str] | None = None
    excluded_airlines: list[str] | None = None
    hotel_min_stars: int | None = None
    hotel_max_distance_km: float | None = None
    hotel_point_latitude: float | None = None
    hotel_point_longitude: float | None = None
    hotel_refundable_only: bool | None = None
    budget_minor: int | None = None
    currency: str | None = None
    alert_preferences: AlertPreferences | None = None
    automation_mode: AutomationMode | None = None
    timezone: str | None = None


class WatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    origins: list[str]
    destinations: list[str]
    depart_from: dt.date
    depart_to: dt.date
    nights_min: int
    nights_max: int
    adults: int
    children: int
    cabin: Cabin
    max_stops: int | None
    preferred_airlines: list[str]
    excluded_airlines: list[str]
    hotel_min_stars: int | None
    hotel_max_distance_km: float | None
    hotel_point_latitude: float | None
    hotel_point_longitude: float | None
    hotel_refundable_only: bool
    budget_minor: int
    currency: str
    alert_preferences: AlertPreferences
    automation_mode: AutomationMode
    timezone: str
    status: Literal["active", "paused"]
    created_at: dt.datetime
    updated_at: dt.datetime


class WatchList(BaseModel):
    items: list[WatchOut]
    count: int


class Health(BaseModel):
    status: Literal["ok"]
    operational_store: Literal["ok"]
