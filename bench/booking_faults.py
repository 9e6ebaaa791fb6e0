"""The booking saga under fault injection: 1,000 randomized bookings against localstripe (the
real stripe SDK) and the market simulator, with provider errors, timeouts, sold-out legs,
card declines and a process crash at every step boundary followed by recovery.

The acceptance numbers are the three money counts, which must all be zero: double charges,
captured-but-unbooked and booked-but-unpaid bookings (audited against Stripe and the
simulator's ledger, not Wayra's records). The ratio is the cost of a booking under faults
against the same run without faults, measured in the same process.

    .venv/bin/python -m bench.booking_faults [BOOKINGS] [SEED]
"""

from __future__ import annotations

import sys

from bench.harness import BenchResult
from booking.chaos import ChaosReport, run_chaos_in_sandbox, summary_lines
from booking.faults import FaultRates

BOOKINGS = 1000
BASELINE_BOOKINGS = 200
SEED = 7


def run(bookings: int = BOOKINGS, seed: int = SEED) -> list[BenchResult]:
    faulty = run_chaos_in_sandbox(bookings, seed)
    calm = run_chaos_in_sandbox(BASELINE_BOOKINGS, seed, FaultRates.none())
    for line in summary_lines(faulty):
        print(f"  {line}")
    audit = faulty.audit
    violations = audit.double_charges + audit.captured_but_unbooked + audit.booked_but_unpaid
    return [
        BenchResult(
            f"booking saga: {faulty.attempted} bookings with faults and crashes",
            f"{_per_booking_ms(faulty):.1f} ms/booking ({faulty.seconds:.0f} s)",
            f"no faults: {_per_booking_ms(calm):.1f} ms/booking",
            _per_booking_ms(faulty) / _per_booking_ms(calm),
            f"{faulty.crashes} crashes at {faulty.boundaries_crashed}/{faulty.boundaries} step "
            f"boundaries, {faulty.recovery_runs} recovery runs; final states "
            f"{dict(sorted(audit.by_state.items()))}",
        ),
        BenchResult(
            "booking saga: money audit (must be 0 / 0 / 0)",
            f"double charges {audit.double_charges}, captured-but-unbooked "
            f"{audit.captured_but_unbooked}, booked-but-unpaid {audit.booked_but_unpaid}",
            "0 / 0 / 0",
            float(violations),
            f"holds left open {audit.holds_left_open}, still in flight {audit.in_flight}",
        ),
    ]


def _per_booking_ms(report: ChaosReport) -> float:
    return 1000 * report.seconds / max(report.attempted, 1)


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    for result in run(*arguments):
        print(
            f"{result.name}: {result.measured} | baseline {result.baseline} | "
            f"ratio {result.ratio:.2f} | {result.notes}"
        )
