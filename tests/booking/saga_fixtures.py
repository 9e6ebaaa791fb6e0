"""Fixtures for the booking tests: a migrated store, the market simulator's providers, real
bookable packages published as recommendations, travelers with saved cards at localstripe,
and scripted failures for single steps.

Registered in ``tests/booking/conftest.py``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from booking.approval import approve_proposal
from booking.audit import MoneyAudit, audit_bookings, simulator_ledger
from booking.intent_lookup import FoundIntent, IntentLookup
from booking.payments import StripePayments
from booking.proposals import create_proposal
from booking.saga import BookingSaga
from booking.saga_steps import BookingView, SagaSteps
from booking.services import BookingServices, Checkpoint, no_checkpoint
from booking.simulated_trips import publish_packages, simulated_package
from booking.states import idempotency_key
from wayra.opstore.booking_models import Booking, BookingPayment, PaymentProfile
from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.opstore.models import Watch
from wayra.opstore.users import create_user
from wayra.providers.base import BookingResult, ProviderError
from wayra.providers.simulated import default_simulated_providers
from wayra.settings import Settings

AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
DEPARTURE = dt.date(2026, 5, 12)
SEED = 20260302
_emails = itertools.count()


@dataclass(frozen=True)
class Traveler:
    user_id: str
    api_key: str
    watch_id: str
    recommendation_ids: tuple[str, ...]
    customer_id: str | None = None


@dataclass
class BookingWorld:
    """One test's world: store, simulated market and (when the test uses it) localstripe."""

    session_factory: sessionmaker[Session]
    market: dict[str, Any]
    payments: StripePayments | None = None
    created: list[str] = field(default_factory=list)

    # --- travelers and proposals -----------------------------------------------------------
    def traveler(
        self,
        currency: str = "EUR",
        *,
        card: str | None = "pm_card_visa",
        route: tuple[str, str] = ("LHR", "JFK"),
        hotel_refundable: bool | None = None,
        packages: int = 1,
        automation_mode: str = "off",
    ) -> Traveler:
        """A user with a watch, ``packages`` published recommendations and, with a ``card``,
        a payment profile saved at localstripe (a fake one when no Stripe is in play)."""
        with self.session_factory.begin() as session:
            user, api_key = create_user(session, f"traveler-{next(_emails)}@example.test", "T")
            watch = Watch(
                user_id=user.id,
                origins=[route[0]],
                destinations=[route[1]],
                depart_from=DEPARTURE,
                depart_to=DEPARTURE + dt.timedelta(days=10),
                nights_min=3,
                nights_max=7,
                budget_minor=10**12,
                currency=currency,
                automation_mode=automation_mode,
            )
            session.add(watch)
            session.flush()
            found = [
                simulated_package(
                    self.market,
                    AT,
                    *route,
                    DEPARTURE,
                    5,
                    currency,
                    choice=choice,
                    hotel_refundable=hotel_refundable,
                )
                for choice in range(packages)
            ]
            advice = {"action": "BUY_NOW", "explanation": "prices rise from here"}
            ids = publish_packages(session, watch, [p for p in found if p], advice=advice)
            user_id, email, watch_id = user.id, user.email, watch.id
        customer = None
        if card is not None:
            customer = self._save_card(user_id, email, card)
        return Traveler(user_id, api_key, watch_id, tuple(ids), customer)

    def _save_card(self, user_id: str, email: str, card: str) -> str:
        if self.payments is None:
            customer, method, setup = f"cus_fake_{user_id[:8]}", f"pm_fake_{user_id[:8]}", None
        else:
            customer = self.payments.ensure_customer(user_id, email, f"{user_id}:customer")
            saved = self.payments.save_payment_method(customer, card, f"{user_id}:setup:{card}")
            method, setup = saved.payment_method_id, saved.setup_intent_id
        with self.session_factory.begin() as session:
            session.add(
                PaymentProfile(
                    user_id=user_id,
                    stripe_customer_id=customer,
                    default_payment_method_id=method,
                    setup_intent_id=setup,
                )
            )
        return customer

    def propose(
        self, traveler: Traveler, *, now: dt.datetime = AT, package: int = 0, **options: Any
    ) -> str:
        with self.session_factory.begin() as session:
            proposal = create_proposal(
                session,
                traveler.user_id,
                traveler.recommendation_ids[package],
                self.market,
                now,
                **options,
            )
            return proposal.id

    # --- the saga --------------------------------------------------------------------------
    def services(
        self,
        *,
        payments: Any = None,
        providers: dict[str, Any] | None = None,
        checkpoint: Checkpoint = no_checkpoint,
        max_attempts: int = 3,
    ) -> BookingServices:
        assert self.payments is not None, "this test needs localstripe"
        return BookingServices(
            self.session_factory,
            payments or self.payments,
            IntentLookup.of(self.payments),
            providers or self.market,
            checkpoint,
            max_attempts=max_attempts,
        )

    def book(
        self, traveler: Traveler, services: BookingServices | None = None, *, now=AT
    ) -> tuple[str, str]:
        """Propose, approve and run the saga as the API does; returns (booking id, state)."""
        services = services or self.services()
        approval = approve_proposal(services, traveler.user_id, self.propose(traveler), now)
        self.created.append(approval.booking_id)
        state = BookingSaga(services).run(
            approval.booking_id, now, lease_owner=approval.lease_owner
        )
        return approval.booking_id, state

    def view(self, booking_id: str) -> BookingView:
        return SagaSteps(self.services()).load(booking_id)

    # --- ground truth ----------------------------------------------------------------------
    def live_legs(self, booking_id: str) -> list[str]:
        """Kinds of this booking's legs the simulator holds as booked right now."""
        booked = simulator_ledger(self.market)
        return [
            leg.kind
            for leg in self.view(booking_id).legs
            if booked(leg.provider, idempotency_key(booking_id, leg.step))
        ]

    def intents(self, booking_id: str) -> list[FoundIntent]:
        """What Stripe holds for this booking, found by metadata (not by Wayra's records)."""
        assert self.payments is not None
        with self.session_factory() as session:
            payment = session.get_one(BookingPayment, booking_id)
        return IntentLookup.of(self.payments).find_booking_intents(
            payment.stripe_customer_id, booking_id
        )

    def audit(self) -> MoneyAudit:
        assert self.payments is not None
        return audit_bookings(
            self.session_factory, IntentLookup.of(self.payments), simulator_ledger(self.market)
        )

    def nothing_held(self, booking_id: str) -> None:
        """Assert no money is taken or held and no leg is booked for ``booking_id``."""
        assert self.live_legs(booking_id) == []
        for intent in self.intents(booking_id):
            assert not intent.captured or intent.refunded_minor == intent.amount_minor, intent
            assert intent.status in ("canceled", "requires_payment_method", "succeeded"), intent


@pytest.fixture
def store(data_dir) -> Iterator[sessionmaker[Session]]:
    settings = Settings()
    migrate(settings)
    engine = make_engine(settings)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def market() -> dict[str, Any]:
    return default_simulated_providers(SEED)


@pytest.fixture
def world(store, market) -> BookingWorld:
    """A world without Stripe: payment profiles are fake ids (enough to approve)."""
    return BookingWorld(store, market)


@pytest.fixture
def stripe_world(store, market, payments: StripePayments) -> BookingWorld:
    return BookingWorld(store, market, payments)


# --- scripted failures -------------------------------------------------------------------
class ScriptedProvider:
    """A provider whose ``book``/``cancel``/``reprice`` calls run ``script[(call, n)]`` on
    their n-th call (1-based) instead of, or around, the real call."""

    def __init__(self, inner: Any, script: dict[tuple[str, int], Callable[..., Any]]) -> None:
        self.inner, self.name, self.script = inner, inner.name, script
        self.calls: dict[str, int] = {}

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)

    def _run(self, call: str, real: Callable[[], Any], *args: Any) -> Any:
        self.calls[call] = n = self.calls.get(call, 0) + 1
        action = self.script.get((call, n)) or self.script.get((call, 0))
        return action(real, *args) if action else real()

    def reprice(self, offer_id, at):
        return self._run("reprice", lambda: self.inner.reprice(offer_id, at), offer_id, at)

    def book(self, offer_id, at, key):
        return self._run("book", lambda: self.inner.book(offer_id, at, key), offer_id, at, key)

    def cancel(self, ref, at):
        return self._run("cancel", lambda: self.inner.cancel(ref, at), ref, at)


class ScriptedPayments:
    """``StripePayments`` whose named calls run ``script[(call, n)]`` (n = 0: every call)."""

    def __init__(self, inner: StripePayments, script: dict[tuple[str, int], Callable]) -> None:
        self.inner, self.script = inner, script
        self.calls: dict[str, int] = {}

    def __getattr__(self, attribute: str) -> Any:
        real = getattr(self.inner, attribute)
        if not callable(real):
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[attribute] = n = self.calls.get(attribute, 0) + 1
            action = self.script.get((attribute, n)) or self.script.get((attribute, 0))
            return action(lambda: real(*args, **kwargs)) if action else real(*args, **kwargs)

        return call


def raise_(error: BaseException) -> Callable[..., Any]:
    """A script action: fail before the call reaches the far side."""

    def action(real: Callable[[], Any], *args: Any) -> Any:
        raise error

    return action


def lose_answer(error: BaseException) -> Callable[..., Any]:
    """A script action: the far side acts, then the answer is lost (a timeout)."""

    def action(real: Callable[[], Any], *args: Any) -> Any:
        real()
        raise error

    return action


def sold_out(real: Callable[[], Any], offer_id: str, at: dt.datetime, key: str) -> BookingResult:
    return BookingResult(key, offer_id, at, False, reason="sold_out")


def scripted(market: dict[str, Any], kind_provider: str, script: dict) -> dict[str, Any]:
    """``market`` with the provider named ``kind_provider`` scripted."""
    return market | {kind_provider: ScriptedProvider(market[kind_provider], script)}


PROVIDER_DOWN = ProviderError("HTTP 503", retryable=True)
PROVIDER_REFUSES = ProviderError("HTTP 400 bad offer", retryable=False)


def booking_ids(session_factory: sessionmaker[Session]) -> list[str]:
    with session_factory() as session:
        return list(session.scalars(select(Booking.id)))
