"""The recovery worker: finish or compensate every booking a crashed runner left mid-way.

A booking is picked up when it is in a non-final state and no live runner holds its lease
(the lease lapsed or was never taken). Each is driven by the same saga as the API: the
persisted state says where to resume, the step log makes finished steps no-ops, and
steps left ``started`` are reconciled with Stripe or the provider before anything is
called again. Open proposals past their expiry are marked expired on the way.

Run it periodically: ``wayra bookings recover`` (``wayra.cli.bookings``), or from a
scheduler/sensor calling :func:`recover_bookings`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from booking.intent_lookup import IntentLookup
from booking.proposals import expire_proposals
from booking.saga import BookingSaga
from booking.services import (
    DEFAULT_MAX_ATTEMPTS,
    BookingProvider,
    BookingServices,
    Checkpoint,
    PaymentGateway,
    no_checkpoint,
)
from booking.states import IN_FLIGHT
from wayra.opstore.booking_models import Booking


@dataclass(frozen=True)
class RecoveryReport:
    examined: int
    final_states: dict[str, int] = field(default_factory=dict)
    proposals_expired: int = 0

    @property
    def still_in_flight(self) -> int:
        return sum(n for state, n in self.final_states.items() if state in IN_FLIGHT)


def bookings_to_recover(session: Session, now: dt.datetime, limit: int | None = None) -> list[str]:
    query = (
        select(Booking.id)
        .where(
            Booking.state.in_([s.value for s in IN_FLIGHT]),
            or_(Booking.lease_expires_at.is_(None), Booking.lease_expires_at <= now),
        )
        .order_by(Booking.created_at, Booking.id)
    )
    return list(session.scalars(query.limit(limit) if limit else query))


def recover_bookings(
    session_factory: sessionmaker[Session],
    gateway: PaymentGateway,
    providers: Mapping[str, BookingProvider],
    now: dt.datetime,
    *,
    intents: IntentLookup | None = None,
    checkpoint: Checkpoint = no_checkpoint,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    limit: int | None = None,
) -> RecoveryReport:
    """Resume or compensate every abandoned booking at ``now``. ``gateway`` is a
    ``StripePayments`` (or anything with its calls, then pass ``intents`` too)."""
    if intents is None:
        intents = IntentLookup.of(gateway)  # type: ignore[arg-type]
    services = BookingServices(
        session_factory, gateway, intents, providers, checkpoint, max_attempts=max_attempts
    )
    with session_factory.begin() as session:
        expired = expire_proposals(session, now)
    with session_factory() as session:
        booking_ids = bookings_to_recover(session, now, limit)
    saga = BookingSaga(services)
    final_states = Counter(saga.run(booking_id, now) for booking_id in booking_ids)
    return RecoveryReport(len(booking_ids), dict(final_states), expired)
