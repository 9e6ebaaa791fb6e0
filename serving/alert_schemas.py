"""Bodies of the alert endpoints: the in-app feed and the traveler's contact settings."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    channel: Literal["email", "sms", "webhook"]
    status: Literal["pending", "sending", "sent", "failed", "unconfirmed"]
    sent_at: dt.datetime | None


class AlertOut(BaseModel):
    id: str
    watch_id: str
    kind: Literal["price_drop", "budget_target", "booking_urgency", "better_alternative"]
    headline: str
    explanation: str
    price_minor: int
    reference_minor: int | None
    currency: str
    urgent: bool
    digest: bool
    observed_at: dt.datetime
    deliver_at: dt.datetime
    created_at: dt.datetime
    recommendation_id: str | None
    facts: dict[str, Any]
    deliveries: list[DeliveryOut]
    opened: bool
    acted: bool


class AlertList(BaseModel):
    items: list[AlertOut]
    count: int


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone_number: str | None = Field(
        None, pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164, e.g. +447700900123 (SMS)."
    )
    webhook_url: HttpUrl | None = Field(None, description="Where signed webhooks are POSTed.")


class ContactOut(BaseModel):
    phone_number: str | None
    webhook_url: str | None
    webhook_secret: str | None = Field(
        None, description="Verifies Wayra-Signature; shown only when the webhook URL is set."
    )


class AlertActionOut(BaseModel):
    alert_id: str
    action: Literal["opened", "acted"]
    watch_id: str
    recommendation_id: str | None
