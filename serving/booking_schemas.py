"""Bodies of the booking endpoints: proposals, bookings with their legs, payment and step
history, and the traveler's payment method. Money is integer minor units plus a currency;
payments show Stripe ids and states only, never card data."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from serving.recommendation_schemas import Leg

ProposalStatus = Literal["open", "approved", "declined", "expired", "invalidated"]
BookingStateName = Literal[
    "validated",
    "payment_authorized",
    "flight_booked",
    "hotel_booked",
    "captured",
    "confirmed",
    "compensating",
    "failed",
    "cancelling",
    "cancelled",
]


class ProposalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recommendation_id: str
    price_tolerance_pct: float = Field(
        2.0, ge=0, le=50, description="How much a leg's price may rise before approval fails."
    )
    expires_in_minutes: int = Field(30, ge=1, le=1440)


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(
        None, max_length=400, description="Why: it feeds the traveler's learned preferences."
    )


class LegCheckOut(BaseModel):
    kind: str
    provider: str
    valid: bool
    reason: str | None
    quoted_minor: int
    repriced_minor: int | None
    provider_currency: str
    moved_bps: int | None = Field(description="Price change since the quote, basis points.")
    remaining: int | None = Field(description="Seats or rooms left, when the provider says.")


class ProposalLinksOut(BaseModel):
    view: str
    approve: str = Field(description="POST: approves with one click, until the proposal expires.")
    decline: str = Field(description="POST: declines with one click (optional ?reason=).")


class ProposalOut(BaseModel):
    id: str
    watch_id: str
    recommendation_id: str | None
    origin: Literal["traveler", "platform"]
    status: ProposalStatus
    legs: list[Leg]
    total_minor: int = Field(description="The quoted total, in the watch currency.")
    currency: str
    fx_rate_date: dt.date | None
    departure_date: dt.date
    return_date: dt.date
    saving_vs_first_minor: int | None
    saving_vs_typical_minor: int | None
    risk_score: int | None
    risk: dict[str, Any] | None
    advice: dict[str, Any] | None = Field(description="The watch's buy/wait advice.")
    price_tolerance_pct: float
    created_at: dt.datetime
    expires_at: dt.datetime
    decided_at: dt.datetime | None
    decline_reason: str | None
    invalid_reason: str | None
    validation: list[LegCheckOut] | None = Field(description="The latest re-pricing, per leg.")
    booking_id: str | None
    links: ProposalLinksOut | None = Field(description="One-click links while it is open.")


class ProposalList(BaseModel):
    items: list[ProposalOut]
    count: int


class BookingLegOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    kind: Literal["outbound", "inbound", "hotel"]
    provider: str
    offer_id: str
    status: Literal["pending", "booked", "unknown", "failed", "cancelled"]
    booking_ref: str | None = Field(description="The provider's reference once booked.")
    provider_currency: str
    validated_minor: int = Field(description="Price re-validated at approval (provider's).")
    booked_minor: int | None
    charge_minor: int = Field(description="This leg's share of the charge (booking currency).")
    refundable: bool | None
    booked_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    details: dict[str, Any]


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: Literal[
        "pending", "authorized", "declined", "captured", "voided", "refunded", "partially_refunded"
    ]
    payment_intent_id: str | None
    amount_minor: int
    currency: str
    fx_rate_date: dt.date = Field(description="The ECB reference rate date used for the price.")
    captured_minor: int
    refunded_minor: int
    refund_due_minor: int | None
    stripe_last_event: str | None


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    step: str
    attempt: int
    status: Literal["started", "succeeded", "failed"]
    external_ref: str | None
    error: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    decision: str
    subject: str | None
    outcome: str
    reasons: list[str]
    decided_at: dt.datetime


class BookingSummaryOut(BaseModel):
    id: str
    proposal_id: str
    state: BookingStateName
    total_minor: int
    currency: str
    payment_status: str
    created_at: dt.datetime
    failure_reason: str | None


class BookingOut(BookingSummaryOut):
    fx_rate_date: dt.date
    confirmed_at: dt.datetime | None
    closed_at: dt.datetime | None
    legs: list[BookingLegOut]
    payment: PaymentOut
    steps: list[StepOut] = Field(description="Every attempt at every step, in order.")
    decisions: list[DecisionOut] = Field(description="Automated decisions and their reasons.")


class BookingList(BaseModel):
    items: list[BookingSummaryOut]
    count: int


class PaymentMethodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_method_id: str = Field(
        pattern=r"^pm_[A-Za-z0-9_]+$", description="A PaymentMethod id from Stripe.js."
    )


class PaymentMethodOut(BaseModel):
    payment_method_id: str | None
    has_customer: bool


class WebhookAck(BaseModel):
    received: bool = True
    processed: bool = Field(description="False: a replay of an event already handled.")
