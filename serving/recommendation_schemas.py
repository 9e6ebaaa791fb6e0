"""Bodies of the recommendation endpoints: ranked packages with their explanation and risk,
the watch's buy/wait advice and Pareto front, its price history, and feedback."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _LegBase(BaseModel):
    provider: str
    offer_id: str | None = None
    price_minor: int | None = Field(None, description="The provider's own total.")
    currency: str | None = Field(None, description="The provider's currency.")
    converted_minor: int | None = Field(None, description="price_minor in the watch currency.")


class FlightLeg(_LegBase):
    kind: Literal["outbound", "inbound"]
    origin: str | None = Field(None, description="Departure airport (IATA).")
    destination: str | None = Field(None, description="Arrival airport (IATA).")
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


class ExplanationOut(BaseModel):
    headline: str = Field(description="Why the package ranks where it does, in one sentence.")
    reasons: list[str]


class RiskOut(BaseModel):
    score: int = Field(
        description="0 (safe) .. 100: the chance the package cannot be booked as shown."
    )
    level: Literal["low", "medium", "high"]
    components: dict[str, int] = Field(description="Points per risk component (worst leg).")
    reasons: list[str]


class PackageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="Recommendation id, for feedback.")
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
    score: float | None = Field(description="The optimizer's objective: lower is better.")
    explanation: ExplanationOut | None
    risk: RiskOut | None
    saving_vs_first_minor: int | None = Field(
        description="The watch's first observed best price minus this total (positive: cheaper)."
    )
    saving_vs_typical_minor: int | None = Field(
        description="The watch's typical (median) best price minus this total."
    )
    proven_optimal: bool | None = Field(
        description="False: the best package found within the time limit, not proven best."
    )


class AdviceSummaryOut(BaseModel):
    observed_on: dt.date
    action: Literal["BUY_NOW", "WAIT"]
    expected_saving_minor: int = Field(description="Expected saving from waiting (minor units).")
    expected_saving_pct: float
    prob_above_budget: float | None
    book_by: dt.date
    explanation: str


class FrontPointOut(BaseModel):
    total_minor: int
    convenience: float = Field(description="The objective without price: lower is better.")
    departure_date: dt.date
    nights: int
    origin: str
    destination: str
    within_budget: bool


class BindingOut(BaseModel):
    constraint: str
    requested: Any
    needed: Any
    by: int | None
    jointly: bool
    explanation: str


class RecommendationsOut(BaseModel):
    watch_id: str
    version: int | None = Field(description="Publication version; null if none published yet.")
    published_at: dt.datetime | None
    status: Literal["optimal", "best_found", "over_budget", "no_package"] | None = Field(
        None, description="What the optimizer could do; null before any explained version."
    )
    first_price_minor: int | None = None
    typical_price_minor: int | None = None
    advice: AdviceSummaryOut | None = None
    pareto_front: list[FrontPointOut] = Field(default_factory=list)
    binding: list[BindingOut] = Field(
        default_factory=list, description="When nothing fits: which constraint binds, by how much."
    )
    model_versions: dict[str, Any] | None = None
    packages: list[PackageOut]


class PricePointOut(BaseModel):
    observed_at: dt.datetime
    total_minor: int


class PricesOut(BaseModel):
    watch_id: str
    currency: str
    version: int | None
    downsampled: bool
    points: list[PricePointOut]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["liked", "dismissed"]
    reason: str | None = Field(None, max_length=500)


class FeedbackOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    recommendation_id: str
    kind: str
    reason: str | None
    created_at: dt.datetime
