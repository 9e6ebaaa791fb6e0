"""The fault-injection run: many randomized bookings through failing providers, a failing
Stripe and crashing processes, then an audit of where the money and the seats ended up.

Each booking is proposed and approved like a traveler would, then driven by the saga with
faults injected (``booking.faults``). When the process "crashes", the run does what
production does: waits for the lease to lapse and runs the recovery worker, which may crash
too and is then run again. After every booking has been attempted, recovery runs until
nothing is in flight, and ``booking.audit`` compares every booking with Stripe (localstripe,
real SDK) and the simulator's ledger. A share of confirmed bookings is cancelled by the
traveler, so refunds (partial ones included) run through the same faults.

``bench.booking_faults`` and ``wayra bookings chaos`` run it against a fresh localstripe and
a SQLite store in a temporary directory.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from booking.approval import Approval, approve_proposal
from booking.audit import MoneyAudit, audit_bookings, simulator_ledger
from booking.cancellation import request_cancellation
from booking.faults import (
    STEP_BOUNDARIES,
    FaultInjector,
    FaultRates,
    FaultyPayments,
    SimulatedCrash,
    faulty_providers,
)
from booking.intent_lookup import IntentLookup
from booking.payments import StripePayments
from booking.payments.local_emulator import local_stripe
from booking.proposals import ProposalClosed, create_proposal
from booking.recovery import recover_bookings
from booking.saga import BookingSaga
from booking.services import BookingServices
from booking.simulated_trips import publish_packages, simulated_package
from booking.validation import ValidationUnavailable
from wayra.opstore.booking_models import PaymentProfile
from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.opstore.models import Watch
from wayra.opstore.users import create_user
from wayra.providers.simulated import default_simulated_providers

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CURRENCIES = ("EUR", "USD", "GBP", "JPY")
ROUTES = (("LHR", "JFK"), ("CDG", "FCO"), ("FRA", "MAD"), ("AMS", "BCN"), ("MUC", "LIS"))
# Saved fine, declined when charged (localstripe's test card): real declines from Stripe.
DECLINING_CARD = "pm_card_chargeCustomerFail"


@dataclass
class ChaosReport:
    attempted: int = 0
    bookings: int = 0
    not_approved: int = 0  # pre-validation refused (sold out, price moved) or unavailable
    cancellations: int = 0
    crashes: int = 0
    recovery_runs: int = 0
    seconds: float = 0.0  # bookings and recovery, without the setup and the audit
    audit: MoneyAudit = field(default_factory=MoneyAudit)
    injected: dict[str, int] = field(default_factory=dict)
    boundaries: int = 0
    boundaries_crashed: int = 0
    never_crashed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Traveler:
    user_id: str
    recommendation_ids: tuple[str, ...]


def run_chaos_in_sandbox(
    bookings: int = 1000,
    seed: int = 7,
    rates: FaultRates | None = None,
    *,
    keep_store: Path | None = None,
) -> ChaosReport:
    """The whole run on a fresh localstripe and a SQLite store in a temporary directory
    (or in ``keep_store``, to look at afterwards)."""
    with local_stripe() as stripe_url, tempfile.TemporaryDirectory() as scratch:
        directory = keep_store or scratch
        url = f"sqlite:///{directory}/operational.sqlite"
        migrate(url)
        engine = make_engine(url)
        try:
            payments = StripePayments("sk_test_chaos", stripe_url, max_network_retries=0)
            return run_chaos(make_session_factory(engine), payments, bookings, seed, rates)
        finally:
            engine.dispose()


def run_chaos(
    session_factory: sessionmaker[Session],
    payments: StripePayments,
    bookings: int,
    seed: int,
    rates: FaultRates | None = None,
    *,
    travelers: int = 40,
    cancel_share: float = 0.2,
) -> ChaosReport:
    rng = random.Random(seed)
    market = default_simulated_providers(seed)
    pool = _travelers(session_factory, payments, market, travelers, rng)
    started = time.perf_counter()  # the bookings and their recovery, not the setup
    faults = FaultInjector(random.Random(seed + 1), rates or FaultRates())
    # Besides the random crashes, one at every boundary the first time it is reached.
    faults.crash_at = set(STEP_BOUNDARIES)
    providers = faulty_providers(market, faults)
    gateway = FaultyPayments(payments, faults)
    intents = IntentLookup.of(payments)
    services = BookingServices(
        session_factory, gateway, intents, providers, checkpoint=faults.checkpoint
    )
    saga = BookingSaga(services)
    report = ChaosReport()

    def recover(now: dt.datetime) -> None:
        # The restarted process: leases of the crashed runner have lapsed by ``now``.
        while True:
            report.recovery_runs += 1
            try:
                recover_bookings(
                    session_factory,
                    gateway,
                    providers,
                    now,
                    intents=intents,
                    checkpoint=faults.checkpoint,
                )
                return
            except SimulatedCrash:
                report.crashes += 1
                now += services.lease + dt.timedelta(seconds=1)

    for index in range(bookings):
        now = START + dt.timedelta(seconds=index)
        traveler = rng.choice(pool)
        faults.new_episode()
        report.attempted += 1
        approval = _propose_and_approve(services, providers, traveler, rng, now, report)
        if approval is None:
            continue
        report.bookings += 1
        booking_id = approval.booking_id
        try:
            state = saga.run(booking_id, now, lease_owner=approval.lease_owner)
        except SimulatedCrash:
            report.crashes += 1
            recover(now + services.lease + dt.timedelta(seconds=1))
            state = None
        if state == "confirmed" and rng.random() < cancel_share:
            report.cancellations += 1
            try:
                request_cancellation(services, traveler.user_id, booking_id, now)
            except SimulatedCrash:
                report.crashes += 1
                recover(now + services.lease + dt.timedelta(seconds=1))

    # Everything still waiting on a failing provider or Stripe gets retried until done,
    # now without faults (the outage is over).
    faults.enabled = False
    end = START + dt.timedelta(seconds=bookings) + 2 * services.lease
    for _ in range(5):
        sweep = recover_bookings(session_factory, gateway, providers, end, intents=intents)
        if sweep.examined == 0:
            break
        end += services.lease
    report.seconds = time.perf_counter() - started
    report.audit = audit_bookings(session_factory, intents, simulator_ledger(market))
    report.injected = dict(faults.injected)
    report.boundaries = len(STEP_BOUNDARIES)
    report.boundaries_crashed = len(faults.crashed)
    report.never_crashed = sorted(f"{s}/{p}" for s, p in set(STEP_BOUNDARIES) - set(faults.crashed))
    return report


def _propose_and_approve(
    services: BookingServices,
    providers: dict[str, Any],
    traveler: _Traveler,
    rng: random.Random,
    now: dt.datetime,
    report: ChaosReport,
) -> Approval | None:
    with services.session_factory.begin() as session:
        recommendation_id = rng.choice(traveler.recommendation_ids)
        proposal = create_proposal(session, traveler.user_id, recommendation_id, providers, now)
        proposal_id = proposal.id
    try:
        approval = approve_proposal(services, traveler.user_id, proposal_id, now)
    except (ProposalClosed, ValidationUnavailable):
        report.not_approved += 1
        return None
    return approval


def _travelers(
    session_factory: sessionmaker[Session],
    payments: StripePayments,
    market: dict[str, Any],
    count: int,
    rng: random.Random,
) -> list[_Traveler]:
    """Travelers with a watch in one of four currencies, a saved card (some that will be
    declined) and a handful of real simulator packages published as recommendations."""
    travelers = []
    for index in range(count):
        currency = CURRENCIES[index % len(CURRENCIES)]
        origin, destination = ROUTES[index % len(ROUTES)]
        with session_factory.begin() as session:
            user, _ = create_user(session, f"chaos-{index}@example.test", f"Chaos {index}")
            watch = Watch(
                user_id=user.id,
                origins=[origin],
                destinations=[destination],
                depart_from=dt.date(2026, 4, 1),
                depart_to=dt.date(2026, 6, 30),
                nights_min=3,
                nights_max=7,
                budget_minor=10**12,
                currency=currency,
                automation_mode="propose",
            )
            session.add(watch)
            session.flush()
            packages = []
            for choice in range(5):
                departure = dt.date(2026, 4, 6) + dt.timedelta(days=rng.randrange(80))
                package = simulated_package(
                    market,
                    START,
                    origin,
                    destination,
                    departure,
                    rng.randint(3, 7),
                    currency,
                    choice=choice,
                )
                if package is not None:
                    packages.append(package)
            recommendation_ids = publish_packages(session, watch, packages)
            user_id, email = user.id, user.email
        card = DECLINING_CARD if index % 10 == 9 else "pm_card_visa"
        customer = payments.ensure_customer(user_id, email, f"{user_id}:customer")
        saved = payments.save_payment_method(customer, card, f"{user_id}:setup:{card}")
        with session_factory.begin() as session:
            session.add(
                PaymentProfile(
                    user_id=user_id,
                    stripe_customer_id=customer,
                    default_payment_method_id=saved.payment_method_id,
                    setup_intent_id=saved.setup_intent_id,
                )
            )
        travelers.append(_Traveler(user_id, tuple(recommendation_ids)))
    return travelers


def summary_lines(report: ChaosReport) -> list[str]:
    audit = report.audit
    return [
        f"{report.attempted} bookings attempted, {report.bookings} approved "
        f"({report.not_approved} refused by pre-validation), {report.cancellations} cancelled "
        f"by the traveler, in {report.seconds:.1f} s",
        f"final states: {dict(sorted(audit.by_state.items()))}",
        f"injected: {dict(sorted(report.injected.items()))}; crashes {report.crashes} at "
        f"{report.boundaries_crashed}/{report.boundaries} step boundaries; "
        f"recovery runs {report.recovery_runs}",
        f"double charges {audit.double_charges}, captured-but-unbooked "
        f"{audit.captured_but_unbooked}, booked-but-unpaid {audit.booked_but_unpaid}, "
        f"holds left open {audit.holds_left_open}, still in flight {audit.in_flight}",
    ]
