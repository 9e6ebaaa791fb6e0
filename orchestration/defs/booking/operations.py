"""The booking saga's background work, as one job that runs every minute.

``recover_interrupted_bookings`` resumes or compensates every booking a crashed API process left
mid-way (its lease lapsed) and marks open proposals past their expiry, exactly as
``wayra bookings recover`` does; ``send_booking_emails`` then sends the booking outbox
(confirmed, failed, cancelled), each email at most once. These are operations on the
operational store, not data assets: they produce nothing the warehouse reads, so they are ops.
"""

import datetime as dt

from dagster import Config, Failure, In, Nothing, OpExecutionContext, job, op
from pydantic import Field

from orchestration.defs.resources import (
    OperationalStoreResource,
    PaymentsResource,
    ProvidersResource,
)


class AsOfConfig(Config):
    as_of: str | None = Field(
        default=None,
        description="ISO-8601 instant with a time zone to act as of, for a store kept on the "
        "simulator's clock; unset: now.",
    )

    def now(self) -> dt.datetime:
        if self.as_of is None:
            return dt.datetime.now(dt.UTC)
        at = dt.datetime.fromisoformat(self.as_of)
        if at.tzinfo is None:
            raise Failure(f"as_of needs a time zone, got {self.as_of!r}")
        return at.astimezone(dt.UTC)


@op(description="Resume or compensate bookings a crashed process left mid-way; expire proposals.")
def recover_interrupted_bookings(
    context: OpExecutionContext,
    config: AsOfConfig,
    operational_store: OperationalStoreResource,
    providers: ProvidersResource,
    payments: PaymentsResource,
) -> None:
    from booking.proposals import expire_proposals
    from booking.recovery import bookings_to_recover, recover_bookings

    now = config.now()
    gateway = payments.payments()
    with operational_store.session_factory() as factory:
        if gateway is None:
            # Without Stripe no booking can have been made; one that exists cannot be finished.
            with factory() as session:
                stranded = bookings_to_recover(session, now)
            if stranded:
                raise Failure(
                    f"{len(stranded)} booking(s) wait for recovery but Stripe is not configured "
                    "(WAYRA_STRIPE_API_KEY)"
                )
            with factory.begin() as session:
                expired = expire_proposals(session, now)
            context.add_output_metadata({"examined": 0, "proposals_expired": expired})
            return
        found = providers.provider_set()
        report = recover_bookings(factory, gateway, found.by_name, now)
    if report.still_in_flight:
        context.log.warning(
            f"{report.still_in_flight} booking(s) still wait on a provider or Stripe; "
            "the next run retries them"
        )
    context.add_output_metadata(
        {
            "examined": report.examined,
            "final_states": report.final_states,
            "still_in_flight": report.still_in_flight,
            "proposals_expired": report.proposals_expired,
        }
    )


@op(
    ins={"after_recovery": In(Nothing)},
    description="Email every due booking outcome to its traveler, at most once.",
)
def send_booking_emails(
    context: OpExecutionContext, config: AsOfConfig, operational_store: OperationalStoreResource
) -> None:
    from booking.notifications import send_booking_notifications

    with operational_store.session_factory() as factory:
        report = send_booking_notifications(factory, operational_store.settings(), config.now())
    for error in report.errors[:20]:
        context.log.warning(error)
    context.add_output_metadata(
        {
            "sent": report.sent,
            "retrying": report.retrying,
            "failed": report.failed,
            "unconfirmed": report.unconfirmed,
            "recovered": report.recovered,
        }
    )


@job(description="Recover interrupted bookings, then email booking outcomes.")
def booking_operations():
    send_booking_emails(after_recovery=recover_interrupted_bookings())
