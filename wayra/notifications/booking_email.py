"""Booking emails: a proposal waiting for approval, and a booking's final state.

Proposal ready: the package, its price and the advice, with the signed link to review and
approve it before it expires. Confirmed: the itinerary with each leg's reference and what was
charged. Failed: why, and that nothing was charged (every hold released). Cancelled: what was
refunded. One message per (subject, kind) with a deterministic ``Message-ID``, so a duplicate is
recognisable as such. Like the alert channels, nothing here touches storage or settings.
"""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from wayra.money import Money
from wayra.notifications.email import templates

BOOKING_KINDS = ("booking_confirmed", "booking_failed", "booking_cancelled")
TITLES = {
    "proposal_ready": "Ready to book",
    "booking_confirmed": "Booked",
    "booking_failed": "Not booked",
    "booking_cancelled": "Cancelled",
}


@dataclass(frozen=True, slots=True)
class LegLine:
    label: str  # "Outbound flight", "Hotel"
    description: str  # "LHR → JFK, BA117, 12 May 2026 10:15 UTC"
    reference: str | None  # the provider's booking reference, once booked


@dataclass(frozen=True, slots=True)
class BookingMessage:
    booking_id: str
    kind: str
    trip_label: str  # "LHR → JFK, 12–17 May 2026"
    total_minor: int
    currency: str
    refunded_minor: int
    failure_reason: str | None
    legs: tuple[LegLine, ...]

    def __post_init__(self) -> None:
        if self.kind not in BOOKING_KINDS:
            raise ValueError(f"unknown booking notification kind {self.kind!r}")
        Money(self.total_minor, self.currency)  # validates the amount type and the currency

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)

    @property
    def refunded(self) -> Money:
        return Money(self.refunded_minor, self.currency)

    @property
    def subject(self) -> str:
        if self.kind == "booking_failed":
            return f"{TITLES[self.kind]}: {self.trip_label} (nothing was charged)"
        return f"{TITLES[self.kind]}: {self.trip_label}"


@dataclass(frozen=True, slots=True)
class ProposalMessage:
    proposal_id: str
    trip_label: str
    total_minor: int
    currency: str
    saving_vs_typical_minor: int | None
    advice: str | None  # the buy/wait explanation, one sentence
    expires_at: datetime
    legs: tuple[LegLine, ...]
    review_url: str  # the signed page to review, approve or decline

    kind = "proposal_ready"

    def __post_init__(self) -> None:
        Money(self.total_minor, self.currency)

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)

    @property
    def saving(self) -> Money | None:
        if not self.saving_vs_typical_minor or self.saving_vs_typical_minor <= 0:
            return None
        return Money(self.saving_vs_typical_minor, self.currency)

    @property
    def expires(self) -> str:
        return f"{self.expires_at.astimezone(UTC):%H:%M} UTC on {self.expires_at:%d %b %Y}"

    @property
    def subject(self) -> str:
        return f"Ready to book: {self.trip_label} for {self.total}"


def message_id_for(subject_id: str, kind: str) -> str:
    return f"<{kind}-{subject_id}@wayra>"


def build_booking_email(
    message: BookingMessage | ProposalMessage,
    sender: str,
    recipient: str,
    *,
    now: datetime | None = None,
) -> EmailMessage:
    """The complete email for ``message``, ready for ``send_email``."""
    if isinstance(message, ProposalMessage):
        template, subject_id = "proposal", message.proposal_id
    else:
        template, subject_id = "booking", message.booking_id
    context = {"message": message, "title": TITLES[message.kind], "subject": message.subject}
    text = templates().get_template(f"{template}.txt").render(context)
    html = templates().get_template(f"{template}.html").render(context)
    out = EmailMessage(policy=email.policy.SMTP)
    out["Subject"] = message.subject
    out["From"] = sender
    out["To"] = recipient
    out["Date"] = format_datetime(now or datetime.now(UTC))
    out["Message-ID"] = message_id_for(subject_id, message.kind)
    out.set_content(text, cte="quoted-printable")
    out.add_alternative(html, subtype="html", cte="quoted-printable")
    return out
