"""Booking proposals, bookings, payments, legs and decisions for the whole-project dbt fixture
(``fixture_data``), so that fct_booking_funnel_weekly, fct_commission_revenue_monthly and
fct_automation_adoption have rows to compare across DuckDB and PostgreSQL, with the edge
cases each KPI definition has to settle: a partial refund on a standing booking, a booking
confirmed then cancelled (a success, but no commission), a failed booking, one in flight, a
proposal stored open but past its expiry, an invalidated one, a JPY booking whose hotel
commission is a rounding tie, and a GBP proposal made the morning after a price-drop alert.

Rows follow RAW_TABLES["operational_proposals"] and the other booking tables; watches and
users are the fixture's (watch "w-eur" belongs to "user-w-eur"). Every payment is priced at
the fixture's ECB rate date, so every commission converts to EUR."""

from __future__ import annotations

import datetime as dt

from tests.dbt.alert_fixture_data import EXTRACTED_AT

FX_RATE_DATE = dt.date(2025, 5, 30)

# The fixture's watches are all "off"; these make adoption non-trivial: 2 of the 5 active
# watches automated, and a paused watch in propose mode that must not count.
WATCH_AUTOMATION_MODES = {"w-eur": "auto", "w-gbp": "propose", "w-paused": "propose"}


def with_automation_modes(watches: list[dict]) -> list[dict]:
    return [
        w | {"automation_mode": WATCH_AUTOMATION_MODES.get(w["watch_id"], "off")} for w in watches
    ]


def _at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=dt.UTC)


_CURRENCIES = {"w-eur": "EUR", "w-gbp": "GBP", "w-jpy": "JPY", "w-multi": "EUR", "w-nohotel": "EUR"}


def _proposal(proposal_id, watch_id, origin, status, created_at, total_minor, *, expires_in=30,
              decided_after=None):  # fmt: skip
    return {
        "proposal_id": proposal_id,
        "user_id": f"user-{watch_id}",
        "watch_id": watch_id,
        "recommendation_id": f"rec-{proposal_id}",
        "origin": origin,
        "status": status,
        "created_at": created_at,
        "expires_at": created_at + dt.timedelta(minutes=expires_in),
        "decided_at": None if decided_after is None else created_at + dt.timedelta(minutes=decided_after),
        "total_minor": total_minor,
        "currency": _CURRENCIES[watch_id],
        "extracted_at": EXTRACTED_AT,
    }  # fmt: skip


# Week of May 19: four proposals, three approved (one of them cancelled after confirmation),
# one declined. Week of May 26: seven; one approved and confirmed, one failed, one in flight,
# two expired (one stored open past its expiry), one invalidated, one still open at the extract.
PROPOSALS = [
    _proposal("prop-eur-1", "w-eur", "traveler", "approved", _at(5, 20, 10), 100_000, decided_after=4),
    # 23 hours after the w-gbp price-drop alert (drop-1, due May 19 09:00): follows it.
    _proposal("prop-gbp-1", "w-gbp", "platform", "approved", _at(5, 20, 8), 250_000, decided_after=10),
    _proposal("prop-gbp-2", "w-gbp", "platform", "declined", _at(5, 21, 8), 260_000, decided_after=5),
    _proposal("prop-eur-8", "w-eur", "traveler", "approved", _at(5, 22, 9), 90_000, decided_after=2),
    # 57.5 hours after the w-jpy alert (drop-3, due May 25 23:30): too late to follow it.
    _proposal("prop-jpy-1", "w-jpy", "traveler", "approved", _at(5, 28, 9), 123_456, decided_after=3),
    _proposal("prop-multi-1", "w-multi", "traveler", "approved", _at(5, 26, 14), 80_000, decided_after=1),
    _proposal("prop-multi-2", "w-multi", "traveler", "approved", _at(5, 28, 14), 81_000, decided_after=1),
    _proposal("prop-eur-4", "w-eur", "traveler", "expired", _at(5, 29, 7), 95_000, decided_after=30),
    _proposal("prop-nohotel-1", "w-nohotel", "traveler", "open", _at(5, 31, 8), 60_000),
    _proposal("prop-eur-6", "w-eur", "traveler", "open", _at(6, 1, 11, 50), 99_000),
    _proposal("prop-multi-3", "w-multi", "traveler", "invalidated", _at(5, 30, 8), 82_000, decided_after=1),
]  # fmt: skip


def _booking(booking_id, proposal_id, state, *, confirmed_after=None, closed_after=None):  # fmt: skip
    proposal = next(p for p in PROPOSALS if p["proposal_id"] == proposal_id)
    created_at = proposal["decided_at"]
    confirmed_at = (
        None if confirmed_after is None else created_at + dt.timedelta(minutes=confirmed_after)
    )
    closed_at = None if closed_after is None else created_at + dt.timedelta(minutes=closed_after)
    return {
        "booking_id": booking_id,
        "proposal_id": proposal_id,
        "user_id": proposal["user_id"],
        "watch_id": proposal["watch_id"],
        "state": state,
        "total_minor": proposal["total_minor"],
        "currency": proposal["currency"],
        "created_at": created_at,
        "updated_at": closed_at or confirmed_at or created_at,
        "confirmed_at": confirmed_at,
        "closed_at": closed_at,
        "extracted_at": EXTRACTED_AT,
    }  # fmt: skip


BOOKINGS = [
    _booking("bk-eur-1", "prop-eur-1", "confirmed", confirmed_after=5),
    # Confirmed, then 20% refunded by support: commission on the 80% that stands.
    _booking("bk-gbp-1", "prop-gbp-1", "confirmed", confirmed_after=6),
    # Confirmed, then cancelled by the traveler (fully refunded): a success, no commission.
    _booking("bk-eur-8", "prop-eur-8", "cancelled", confirmed_after=5, closed_after=3 * 24 * 60),
    _booking("bk-jpy-1", "prop-jpy-1", "confirmed", confirmed_after=7),
    _booking("bk-multi-1", "prop-multi-1", "failed", closed_after=9),
    _booking("bk-multi-2", "prop-multi-2", "flight_booked"),
]


def _payment(booking_id, status, authorized, captured, refunded):  # fmt: skip
    booking = next(b for b in BOOKINGS if b["booking_id"] == booking_id)
    return {
        "booking_id": booking_id,
        "currency": booking["currency"],
        "authorized_minor": authorized,
        "captured_minor": captured,
        "refunded_minor": refunded,
        "fx_rate_date": FX_RATE_DATE,
        "status": status,
        "extracted_at": EXTRACTED_AT,
    }


BOOKING_PAYMENTS = [
    _payment("bk-eur-1", "captured", 100_000, 100_000, 0),
    _payment("bk-gbp-1", "partially_refunded", 250_000, 250_000, 50_000),
    _payment("bk-eur-8", "refunded", 90_000, 90_000, 90_000),
    _payment("bk-jpy-1", "captured", 123_456, 123_456, 0),
    _payment("bk-multi-1", "voided", 80_000, 0, 0),
    _payment("bk-multi-2", "authorized", 81_000, 0, 0),
]

# (booking, [(kind, provider, charge_minor, status)]); each booking's legs sum to its total.
_LEGS = {
    "bk-eur-1": [("outbound", "skyprov", 30_000, "booked"), ("inbound", "skyprov", 30_000, "booked"),
                 ("hotel", "staysim", 40_000, "booked")],
    # Flights 100001 + 99999 pence at 80%: 800.008 and 799.992 pence of commission -> 800 each.
    "bk-gbp-1": [("outbound", "skyprov", 100_001, "booked"), ("inbound", "skyprov", 99_999, "booked"),
                 ("hotel", "staysim", 50_000, "booked")],
    "bk-eur-8": [("outbound", "skyprov", 30_000, "cancelled"), ("inbound", "skyprov", 30_000, "cancelled"),
                 ("hotel", "staysim", 30_000, "cancelled")],
    # The hotel's 10% of 12345 yen is 1234.5: a tie, rounded half to even to 1234.
    "bk-jpy-1": [("outbound", "skyprov", 55_555, "booked"), ("inbound", "skyprov", 55_556, "booked"),
                 ("hotel", "staysim", 12_345, "booked")],
    "bk-multi-1": [("outbound", "skyprov", 40_000, "cancelled"), ("hotel", "staysim", 40_000, "failed")],
    "bk-multi-2": [("outbound", "skyprov", 41_000, "booked"), ("hotel", "staysim", 40_000, "pending")],
}  # fmt: skip

BOOKING_LEGS = [
    {
        "leg_id": f"{booking_id}-leg-{position}",
        "booking_id": booking_id,
        "position": position,
        "kind": kind,
        "provider": provider,
        "status": status,
        "charge_minor": charge_minor,
        "extracted_at": EXTRACTED_AT,
    }
    for booking_id, legs in _LEGS.items()
    for position, (kind, provider, charge_minor, status) in enumerate(legs)
]

BOOKING_DECISIONS = [
    {"decision_id": n, "proposal_id": proposal_id, "booking_id": booking_id, "decision": decision,
     "subject": subject, "outcome": outcome, "decided_at": decided_at, "extracted_at": EXTRACTED_AT}
    for n, (proposal_id, booking_id, decision, subject, outcome, decided_at) in enumerate([
        ("prop-eur-1", None, "proposal_validation", None, "valid", _at(5, 20, 10)),
        ("prop-multi-3", None, "leg_validation", "hotel", "price_rose", _at(5, 30, 8, 1)),
        ("prop-multi-3", None, "proposal_validation", None, "invalid", _at(5, 30, 8, 1)),
        (None, "bk-multi-1", "compensate", None, "compensated", _at(5, 26, 14, 10)),
        (None, "bk-eur-8", "refund_rule", "hotel", "full_refund", _at(5, 25, 9, 7)),
    ], start=1)
]  # fmt: skip
