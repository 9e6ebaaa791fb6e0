"""A small fault-injection run (the full one is ``bench.booking_faults``): randomized
bookings through failing providers, a failing Stripe and crashes at every step boundary,
then recovery; the audit of Stripe and the simulator's ledger must come out clean."""

from __future__ import annotations

import pytest

from booking.chaos import run_chaos
from booking.faults import STEP_BOUNDARIES
from booking.payments import StripePayments

pytestmark = pytest.mark.xdist_group("stripe")


def test_randomized_bookings_with_faults_and_crashes_lose_no_money(
    store, payments: StripePayments
) -> None:
    report = run_chaos(store, payments, bookings=120, seed=3, travelers=12)

    audit = report.audit
    assert audit.problems == []
    assert (audit.double_charges, audit.captured_but_unbooked, audit.booked_but_unpaid) == (0, 0, 0)
    assert audit.holds_left_open == audit.in_flight == 0
    assert report.bookings == audit.bookings > 100
    # Every kind of fault happened, and the run crashed at every step boundary at least once.
    assert set(report.injected) >= {"provider_error", "provider_timeout", "sold_out",
                                    "payment_error", "payment_timeout", "decline"}  # fmt: skip
    assert report.boundaries_crashed == len(STEP_BOUNDARIES)
    assert {"confirmed", "failed", "cancelled"} <= set(audit.by_state)
