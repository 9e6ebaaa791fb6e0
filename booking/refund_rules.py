"""What a traveler gets back when cancelling a confirmed booking: simple, stated rules.

Each leg refunds its share of the charge (``charge_minor``, in the booking currency) in full
or not at all:

* hotel stays: a refundable rate is refunded in full; a non-refundable rate (or one whose
  refundability the provider did not state) is not;
* flights: published fares do not state refundability, so they are treated as
  non-refundable, except within 24 hours of booking when departure is at least 7 days away
  (the common free-cancellation window, e.g. the US DOT 24-hour rule).

Every leg is still cancelled at the provider (the seat or room is released either way). The
rule applied to each leg goes to the decision log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wayra.opstore.booking_models import BookingLeg

FLIGHT_FREE_CANCELLATION = dt.timedelta(hours=24)
FLIGHT_MIN_NOTICE = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class LegRefund:
    position: int
    kind: str
    amount_minor: int
    rule: str


def leg_refund(leg: BookingLeg, now: dt.datetime) -> LegRefund:
    if leg.kind == "hotel":
        if leg.refundable:
            return LegRefund(leg.position, leg.kind, leg.charge_minor, "refundable hotel rate")
        rule = "non-refundable hotel rate" if leg.refundable is False else "refundability unknown"
        return LegRefund(leg.position, leg.kind, 0, rule)
    departure = _departure_of(leg)
    booked_recently = leg.booked_at is not None and now - leg.booked_at <= FLIGHT_FREE_CANCELLATION
    far_enough = departure is not None and departure - now >= FLIGHT_MIN_NOTICE
    if booked_recently and far_enough:
        return LegRefund(
            leg.position, leg.kind, leg.charge_minor, "flight cancelled within 24 h of booking"
        )
    return LegRefund(leg.position, leg.kind, 0, "flight fare non-refundable after 24 h")


def refunds_for(
    legs: list[BookingLeg] | tuple[BookingLeg, ...], now: dt.datetime
) -> list[LegRefund]:
    return [leg_refund(leg, now) for leg in legs]


def _departure_of(leg: BookingLeg) -> dt.datetime | None:
    value = leg.details.get("departure_at")
    if not value:
        return None
    departure = dt.datetime.fromisoformat(value)
    return departure if departure.tzinfo else departure.replace(tzinfo=dt.UTC)
