"""What an alert says, independent of the channel that carries it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from wayra.money import Money

ALERT_KINDS = ("price_drop", "budget_target", "booking_urgency", "better_alternative")

# Leads the subject and the SMS, so the reader knows why they are hearing from us.
KIND_TITLES = {
    "price_drop": "Price drop",
    "budget_target": "Within your budget",
    "booking_urgency": "Book soon",
    "better_alternative": "Better option",
}
# What ``reference_minor`` means for each kind, as shown next to the price.
REFERENCE_LABELS = {
    "price_drop": "was",
    "budget_target": "your budget",
    "booking_urgency": "was",
    "better_alternative": "your current pick",
}

# Alert ids end up inside Message-IDs, Content-IDs and link tokens: keep them to characters
# that are valid in all three without quoting.
_ALERT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

SMS_MAX_CHARS = 320


@dataclass(frozen=True, slots=True)
class AlertMessage:
    alert_id: str
    kind: str
    watch_label: str  # e.g. "London → New York, 10–17 Jun"
    headline: str
    explanation: str
    price_minor: int
    currency: str
    reference_minor: int | None  # previous / alerted price, budget, current pick (by kind)
    link_url: str
    chart_points: tuple[tuple[datetime, int], ...]  # price history; empty = no chart
    urgent: bool = False

    def __post_init__(self) -> None:
        if not _ALERT_ID.fullmatch(self.alert_id):
            raise ValueError(f"alert_id {self.alert_id!r} must match {_ALERT_ID.pattern}")
        if self.kind not in ALERT_KINDS:
            raise ValueError(f"unknown alert kind {self.kind!r}; expected one of {ALERT_KINDS}")
        Money(self.price_minor, self.currency)  # validates the amount type and the currency
        if self.reference_minor is not None:
            Money(self.reference_minor, self.currency)

    @property
    def price(self) -> Money:
        return Money(self.price_minor, self.currency)

    @property
    def reference(self) -> Money | None:
        if self.reference_minor is None:
            return None
        return Money(self.reference_minor, self.currency)

    @property
    def reference_label(self) -> str:
        return REFERENCE_LABELS[self.kind]

    @property
    def saving(self) -> Money | None:
        """How much cheaper than the reference, when it is cheaper."""
        if self.reference_minor is None or self.reference_minor <= self.price_minor:
            return None
        return Money(self.reference_minor - self.price_minor, self.currency)


def subject(message: AlertMessage) -> str:
    """E.g. "Price drop: London → New York, 10–17 Jun now 412.30 EUR"."""
    prefix = "[Urgent] " if message.urgent else ""
    return f"{prefix}{KIND_TITLES[message.kind]}: {message.watch_label} now {message.price}"


def sms_text(message: AlertMessage) -> str:
    """At most ``SMS_MAX_CHARS`` characters; the price and the link are never cut, the
    headline and watch label are shortened to fit."""
    price = str(message.price)
    if message.reference is not None:
        price += f" ({message.reference_label} {message.reference})"
    prefix = "Urgent: " if message.urgent else ""
    fixed_tail = f": {price} {message.link_url}"
    lead = f"{prefix}{KIND_TITLES[message.kind]} – {message.watch_label}. {message.headline}"
    room = SMS_MAX_CHARS - len(fixed_tail)
    if room < 20:
        raise ValueError("link too long to fit an SMS alongside the price")
    if len(lead) > room:
        lead = lead[: room - 1].rstrip() + "…"
    return lead + fixed_tail
