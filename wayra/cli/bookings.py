"""``wayra bookings``: the booking saga's recovery worker and its fault-injection run."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

bookings_app = typer.Typer(
    help="Assisted booking: recover interrupted bookings, prove the saga under faults.",
    no_args_is_help=True,
)


@bookings_app.command("recover")
def recover_command() -> None:
    """Resume or compensate every booking a crashed process left mid-way (and mark expired
    proposals). Safe to run at any time and as often as wanted, e.g. every minute."""
    import datetime as dt

    from booking.payments import StripePayments
    from booking.recovery import recover_bookings
    from wayra.opstore.db import make_engine, make_session_factory
    from wayra.providers.registry import configured_providers
    from wayra.settings import Settings

    settings = Settings()
    found = configured_providers(settings)
    engine = make_engine(settings)
    try:
        report = recover_bookings(
            make_session_factory(engine),
            StripePayments.from_settings(settings),
            found.by_name,
            dt.datetime.now(dt.UTC),
        )
    finally:
        engine.dispose()
    console = Console()
    console.print(
        f"{report.examined} booking(s) resumed: {report.final_states or 'none'}; "
        f"{report.proposals_expired} proposal(s) expired."
    )
    if report.still_in_flight:
        console.print(
            f"[yellow]{report.still_in_flight} still waiting on a provider or Stripe; "
            "the next run retries them.[/yellow]"
        )


@bookings_app.command("chaos")
def chaos_command(
    bookings: Annotated[int, typer.Option(min=1, help="Randomized bookings to attempt.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bookings and the faults.")] = 7,
) -> None:
    """Run bookings through injected provider errors, timeouts, sold-out legs, declines and
    crashes at every step boundary (then recovery), against a fresh localstripe (dev extra)
    and a throw-away SQLite store; prints the money audit, which must be all zeros."""
    from booking.chaos import run_chaos_in_sandbox, summary_lines

    console = Console()
    with console.status(f"Booking {bookings} trips through failures"):
        report = run_chaos_in_sandbox(bookings, seed)
    for line in summary_lines(report):
        console.print(line)
    if not report.audit.clean:
        for problem in report.audit.problems[:20]:
            console.print(f"[red]{problem}[/red]")
        raise typer.Exit(1)
