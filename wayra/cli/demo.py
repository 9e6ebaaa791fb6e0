"""`wayra demo`: a demo traveller, ~20 watches on real routes, 60 days of simulated market
history, the whole asset graph materialized, and a summary of what happened where."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from wayra.cli import step_progress
from wayra.cli.mailbox import local_mailbox
from wayra.money import Money, convert
from wayra.settings import Settings

DEMO_EMAIL = "demo@wayra.example"
LATE_DAYS = 10  # the demo publishes once before these last days of history, then again

# (origin, destination, currency the traveller budgets in, adults). Airport or metro city
# codes: LON (Heathrow + Gatwick) and PAR (CDG + Orly) show multi-airport watches.
DEMO_ROUTES: tuple[tuple[str, str, str, int], ...] = (
    ("LON", "JFK", "GBP", 2), ("CDG", "NRT", "EUR", 1), ("FRA", "SIN", "EUR", 2),
    ("AMS", "BCN", "EUR", 2), ("MAD", "LIS", "EUR", 1), ("JFK", "LAX", "USD", 1),
    ("SFO", "HND", "USD", 2), ("LHR", "FCO", "GBP", 2), ("MUC", "ARN", "EUR", 1),
    ("DUB", "PAR", "EUR", 2), ("ORD", "MIA", "USD", 3), ("BOS", "LHR", "USD", 1),
    ("ZRH", "VIE", "CHF", 1), ("CPH", "PRG", "DKK", 2), ("WAW", "BUD", "PLN", 2),
    ("SYD", "SIN", "AUD", 2), ("YYZ", "ORD", "CAD", 1), ("HKG", "SYD", "HKD", 2),
    ("HND", "HKG", "JPY", 1), ("EWR", "MAD", "USD", 2),
)  # fmt: skip


@dataclass
class DemoSummary:
    api_key: str
    watches: int
    days: int
    flight_quotes: int
    hotel_quotes: int
    quarantined: int
    provider_requests: int
    models_built: int
    published_version: object
    recommendations: int
    api_reads: int
    engagement_weeks: int
    mrr_minor: int
    seconds: float
    training: object = None  # ml.training.TrainingCycle of the buy/wait model
    preferences: object = None  # ml.preferences.tracking.PreferenceTraining (simulated)
    alerts: dict[str, int] | None = None  # alerts raised, by kind
    emails: int = 0  # emails the demo mailbox received (alerts, proposals, the booking)
    mailbox: Path | None = None
    booking: dict | None = None  # the booking the demo traveller made, as the API shows it
    platform_proposals: dict[str, int] | None = None  # the platform's proposals, by status
    automatic_bookings: dict[str, int] | None = None  # auto-mode watches, by outcome


def _budget(
    origin: str, destination: str, currency: str, adults: int, nights: int, on: dt.date
) -> int:
    """A plausible budget: some watches end up inside it, some don't."""
    from wayra.collection.watches import airports_for
    from wayra.simulator.geography import airport, great_circle_km

    # A city's first airport stands for it: budgets need only be plausible.
    km = great_circle_km(airport(airports_for(origin)[0]), airport(airports_for(destination)[0]))
    eur = adults * (90 + 0.16 * km) * 2 + nights * 140
    converted, _, _ = convert(Money.from_decimal(str(round(eur)), "EUR"), currency, on)
    return converted.amount_minor


def create_demo_watches(settings: Settings, today: dt.date) -> tuple[str, int]:
    """(Re)create the demo traveller with a fresh API key and its watches; returns (key, n)."""
    from wayra.opstore.db import make_engine, make_session_factory, migrate
    from wayra.opstore.models import User, Watch
    from wayra.opstore.users import create_user

    migrate(settings)
    engine = make_engine(settings)
    with make_session_factory(engine)() as session:
        existing = session.scalar(select(User).where(User.email == DEMO_EMAIL))
        if existing is not None:
            # Keep the old watches (published recommendations point at them); new key only.
            from wayra.opstore.users import rotate_api_key

            key = rotate_api_key(session, existing)
            count = session.scalar(select(func.count()).where(Watch.user_id == existing.id))
            session.commit()
            engine.dispose()
            return key, int(count or 0)
        user, key = create_user(session, DEMO_EMAIL, "Demo Traveller", plan="automation")
        for i, (origin, destination, currency, adults) in enumerate(DEMO_ROUTES):
            depart_from = today + dt.timedelta(days=21 + 4 * i)
            nights_min = 3 + i % 3
            session.add(
                Watch(
                    user_id=user.id,
                    origins=[origin],
                    destinations=[destination],
                    depart_from=depart_from,
                    depart_to=depart_from + dt.timedelta(days=3),
                    nights_min=nights_min,
                    nights_max=nights_min + 1,
                    adults=adults,
                    cabin="ECONOMY",
                    max_stops=1,
                    budget_minor=_budget(origin, destination, currency, adults, nights_min, today),
                    currency=currency,
                    status="active",
                    # One watch in five lets Wayra propose trips for approval by email, and
                    # one in five lets it book on its own inside the watch's rules.
                    automation_mode={4: "propose", 3: "auto"}.get(i % 5, "off"),
                )
            )
        session.commit()
    engine.dispose()
    return key, len(DEMO_ROUTES)


def read_through_api(settings: Settings, api_key: str, recommendations_of: int = 3) -> int:
    """The demo traveller uses the product: lists their watches, reads a few watches'
    recommendations and price history through the real API (in-process), which records usage
    events exactly as a deployed API would, and reacts to the packages: they like the
    runner-up and dismiss the top pick (a traveller whose taste the default weights miss).
    Returns the number of successful requests."""
    from fastapi.testclient import TestClient

    from serving.app import create_app

    headers = {"Authorization": f"Bearer {api_key}"}
    reads = 0
    with TestClient(create_app(settings)) as client:
        listing = client.get("/v1/watches", headers=headers)
        listing.raise_for_status()
        reads += 1
        for watch in listing.json()["items"][:recommendations_of]:
            for path in (
                f"/v1/watches/{watch['id']}",
                f"/v1/watches/{watch['id']}/prices?max_points=60",
            ):
                client.get(path, headers=headers).raise_for_status()
                reads += 1
            response = client.get(f"/v1/watches/{watch['id']}/recommendations", headers=headers)
            response.raise_for_status()
            reads += 1
            packages = response.json()["packages"]
            for package, kind in zip(packages[:2], ("dismissed", "liked"), strict=False):
                client.post(
                    f"/v1/recommendations/{package['id']}/feedback",
                    headers=headers,
                    json={"kind": kind},
                ).raise_for_status()
                reads += 1
    return reads


DEMO_CARD = "pm_card_visa"  # a Stripe test payment method


def book_a_trip(settings: Settings, api_key: str) -> tuple[dict | None, dict[str, int]]:
    """The demo traveller saves a (test) card and books one recommended package through the
    API: proposal (every leg re-priced), one-click approval, then the saga authorizes the
    total, books both flights and the hotel in the simulator and captures, all against a real
    Stripe API emulator on 127.0.0.1. Then the watches in auto mode are booked where their
    rules allow. Returns the traveller's booking (None if no package could be booked: every
    proposal invalidated by moved prices, say) and the automatic bookings' outcomes."""
    from fastapi.testclient import TestClient
    from pydantic import SecretStr

    from booking.payments.local_emulator import local_stripe
    from serving.app import create_app
    from wayra.cli.pipeline import book_automatic_watches, run_booking_operations
    from wayra.environ import environ

    headers = {"Authorization": f"Bearer {api_key}"}
    with local_stripe() as stripe_url:
        with_payments = settings.model_copy(
            update={"stripe_api_key": SecretStr("sk_test_demo"), "stripe_api_base": stripe_url}
        )
        with TestClient(create_app(with_payments)) as client:
            booking = _approve_first_bookable(client, headers)
        # Then as a deployment would, configured by the environment: the watches in auto mode
        # are booked where their rules allow, and the every-minute Dagster job (recovery, then
        # the booking outbox) emails the outcomes.
        stripe_env = {"WAYRA_STRIPE_API_KEY": "sk_test_demo", "WAYRA_STRIPE_API_BASE": stripe_url}
        with environ(stripe_env):
            automatic = book_automatic_watches(settings)
            run_booking_operations(settings)
    return booking, automatic


def _approve_first_bookable(client, headers: dict[str, str]) -> dict | None:
    client.put(
        "/v1/me/payment-method", headers=headers, json={"payment_method_id": DEMO_CARD}
    ).raise_for_status()
    for watch in client.get("/v1/watches", headers=headers).json()["items"]:
        url = f"/v1/watches/{watch['id']}/recommendations"
        for package in client.get(url, headers=headers).json()["packages"][:2]:
            proposal = client.post(
                "/v1/proposals", headers=headers, json={"recommendation_id": package["id"]}
            )
            if proposal.status_code != 201 or proposal.json()["status"] != "open":
                continue
            approved = client.post(
                f"/v1/proposals/{proposal.json()['id']}/approve", headers=headers
            )
            if approved.status_code in (200, 201):
                return approved.json()
    return None


def learn_preferences(settings: Settings, on_step) -> tuple[object, dict[str, object]]:
    """Preference learning, twice: on simulated travelers with hidden weights (the MLflow run
    compares learned and fixed weights by NDCG@5), then on the demo traveller's own feedback,
    after which the recommendations are ranked again with what was learned."""
    from ml.preferences.tracking import run_simulated_training
    from wayra.cli.forecasting import quiet_mlflow
    from wayra.cli.pipeline import learn_and_republish

    quiet_mlflow()
    on_step("Evaluating preference learning on simulated travellers", 0)
    training = run_simulated_training(settings.mlflow_uri, settings.simulator_seed)
    on_step("Learning the demo traveller's preferences, ranking again", 0)
    return training, learn_and_republish(settings)


def run_demo(settings: Settings, days: int = 60, console: Console | None = None) -> DemoSummary:
    from wayra.cli.pipeline import materialize_graph, refresh_usage_kpis
    from wayra.warehouse import Warehouse

    console = console or Console()
    started = time.monotonic()
    settings.ensure_data_dir()
    today = dt.datetime.now(dt.UTC).date()
    history = [today - dt.timedelta(days=offset) for offset in range(days - 1, -1, -1)]

    mailbox_dir = settings.data_dir / "mailbox"
    with step_progress(console) as progress, local_mailbox(mailbox_dir) as (smtp_port, mailbox):
        # Alerts are emailed for real, to the demo's own mailbox: the Dagster resources read
        # the SMTP server from the environment like any deployment's settings.
        os.environ["WAYRA_SMTP_HOST"], os.environ["WAYRA_SMTP_PORT"] = "127.0.0.1", str(smtp_port)
        task = progress.add_task("Demo traveller and watches", total=len(history) + 4)
        api_key, watch_count = create_demo_watches(settings, today)
        progress.update(task, advance=1, description=f"{watch_count} watches ready")

        def on_step(name: str, advance: int) -> None:
            progress.update(task, advance=advance, description=name)

        # The champion first: publishing loads it for each watch's buy/wait advice.
        training = train_buy_wait_champion(settings, on_step)
        # Wayra runs for most of the history, then for the last days: two publications, so
        # the alerts see the market move between them as a deployment's would.
        split = max(1, len(history) - LATE_DAYS)
        materialize_graph(settings, history[:split], on_step=on_step)
        published = materialize_graph(settings, history[split:], on_step=on_step)
        progress.update(task, advance=1, description="Reading recommendations through the API")
        # After publishing, so the reads see recommendations; then the usage extract (only the
        # new events) and the KPI marts are refreshed.
        api_reads = read_through_api(settings, api_key)
        preferences, published = learn_preferences(settings, on_step)
        progress.update(task, advance=0, description="Booking a trip (Stripe emulator)")
        booking, automatic = book_a_trip(settings, api_key)
        refresh_usage_kpis(settings)
        progress.update(task, advance=1, description="Done")
        emails = mailbox.count

    warehouse = Warehouse(settings)
    count = lambda table: int(warehouse.scalar(f"SELECT count(*) FROM {warehouse.raw(table)}") or 0)  # noqa: E731
    marts = settings.warehouse_schema
    return DemoSummary(
        api_key=api_key,
        watches=watch_count,
        days=len(history),
        flight_quotes=count("flight_quotes"),
        hotel_quotes=count("hotel_quotes"),
        quarantined=count("quote_quarantine"),
        provider_requests=count("provider_requests"),
        models_built=_dbt_model_count(),
        published_version=published.get("version"),
        recommendations=int(published.get("packages", 0) or 0),
        api_reads=api_reads,
        engagement_weeks=int(
            warehouse.scalar(
                f"SELECT count(*) FROM {marts}.fct_weekly_engagement "
                "WHERE users_who_viewed_watches > 0"
            )
            or 0
        ),
        mrr_minor=int(
            warehouse.scalar(
                f"SELECT sum(mrr_minor) FROM {marts}.fct_mrr_by_plan "
                f"WHERE month_start = (SELECT max(month_start) FROM {marts}.fct_mrr_by_plan)"
            )
            or 0
        ),
        seconds=time.monotonic() - started,
        training=training,
        preferences=preferences,
        alerts=alert_counts(settings),
        booking=booking,
        emails=emails,
        mailbox=mailbox_dir,
        platform_proposals=platform_proposal_counts(settings),
        automatic_bookings=automatic,
    )


def platform_proposal_counts(settings: Settings) -> dict[str, int]:
    from wayra.opstore.booking_models import BookingProposal
    from wayra.opstore.db import make_engine, make_session_factory
    from wayra.opstore.models import Watch

    engine = make_engine(settings)
    with make_session_factory(engine)() as session:
        rows = session.execute(
            select(BookingProposal.status, func.count())
            .join(Watch, Watch.id == BookingProposal.watch_id)
            .where(BookingProposal.origin == "platform", Watch.automation_mode == "propose")
            .group_by(BookingProposal.status)
        ).all()
    engine.dispose()
    return {status: int(n) for status, n in rows}


def alert_counts(settings: Settings) -> dict[str, int]:
    from wayra.opstore.alert_models import ALERT_KINDS, Alert
    from wayra.opstore.db import make_engine, make_session_factory

    engine = make_engine(settings)
    with make_session_factory(engine)() as session:
        counts = dict(session.execute(select(Alert.kind, func.count()).group_by(Alert.kind)).all())
    engine.dispose()
    return {kind: int(counts.get(kind, 0)) for kind in ALERT_KINDS}


DEMO_TRAINING_SERIES, DEMO_TRAINING_DAYS = 150, 90


def train_buy_wait_champion(settings: Settings, on_step):
    """The demo's history has no completed trips yet (every watch departs after today), so the
    buy/wait model trains on a simulated history of finished ones from the same market."""
    from ml.history import history_panel
    from ml.simulated_history import simulate_history
    from ml.training import run_training_cycle
    from wayra.cli.forecasting import quiet_mlflow

    quiet_mlflow()
    on_step("Simulating finished trips for the buy/wait model", 0)
    panel = history_panel(
        simulate_history(
            seed=settings.simulator_seed, series=DEMO_TRAINING_SERIES, days=DEMO_TRAINING_DAYS
        )
    )
    cycle = run_training_cycle(
        panel, tracking_uri=settings.mlflow_uri, progress=lambda step: on_step(step, 0)
    )
    on_step("Buy/wait model registered", 1)
    return cycle


def _dbt_model_count() -> int:
    import json

    from orchestration.defs.transformation.assets import wayra_dbt_project

    manifest = json.loads(wayra_dbt_project.manifest_path.read_text())
    return sum(1 for node in manifest["nodes"].values() if node["resource_type"] == "model")


def print_summary(summary: DemoSummary, settings: Settings, console: Console) -> None:
    table = Table(title="Wayra demo", show_header=False, title_justify="left")
    table.add_row("Watches", f"{summary.watches} on real routes (user {DEMO_EMAIL})")
    table.add_row("Market history", f"{summary.days} days simulated")
    table.add_row(
        "Quotes ingested", f"{summary.flight_quotes:,} flight, {summary.hotel_quotes:,} hotel"
    )
    table.add_row("Quarantined rows", f"{summary.quarantined:,} (broke a data contract)")
    table.add_row("Provider requests", f"{summary.provider_requests:,}")
    table.add_row("dbt models built", str(summary.models_built))
    table.add_row(
        "Recommendations",
        f"{summary.recommendations} published as version {summary.published_version}",
    )
    table.add_row(
        "Usage KPIs",
        f"{summary.api_reads} API reads recorded; {summary.engagement_weeks} engaged week(s); "
        f"MRR this month {summary.mrr_minor / 100:,.2f} USD",
    )
    table.add_row("Data directory", str(settings.data_dir))
    table.add_row(
        "  warehouse",
        str(
            settings.duckdb_path
            if settings.warehouse_backend == "duckdb"
            else settings.warehouse_url
        ),
    )
    table.add_row("  operational store", settings.operational_store_url)
    table.add_row("  Dagster instance", str(settings.dagster_home))
    table.add_row("  MLflow tracking and registry", settings.mlflow_uri)
    if summary.training is not None:
        cycle, m = summary.training, summary.training.metrics
        verdict = "champion" if cycle.decision.promoted else "challenger (champion kept)"
        table.add_row(
            "Buy/wait model",
            f"version {cycle.version} {verdict}: captures {100 * m['clairvoyant_capture']:.0f}% of "
            f"the clairvoyant's savings, no-regret {100 * m['no_regret_rate']:.0f}%, "
            f"forecast MASE {m['mase']:.2f} vs seasonal naive",
        )
    if summary.preferences is not None:
        m = summary.preferences.metrics
        table.add_row(
            "Preference learning",
            f"wayra-preferences version {summary.preferences.version}: NDCG@5 "
            f"{m['ndcg_at_5_learned']:.2f} learned vs {m['ndcg_at_5_fixed']:.2f} fixed weights "
            "(simulated travellers); then ranked again with the weights learned from the demo "
            "traveller's likes",
        )
    if summary.alerts is not None:
        kinds = ", ".join(f"{kind.replace('_', ' ')} {n}" for kind, n in summary.alerts.items())
        table.add_row(
            "Alerts",
            f"{sum(summary.alerts.values())} ({kinds or 'none'}); {summary.emails} emails in "
            f"the demo mailbox {summary.mailbox} (alerts, proposals, the booking's confirmation)",
        )
    if summary.platform_proposals is not None:
        counts = summary.platform_proposals
        by_status = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
        table.add_row(
            "Platform proposals",
            f"{sum(counts.values())} for the watches in propose mode "
            f"({by_status or 'none yet: no buy-now advice within budget'}); "
            "each open one emailed with a review-and-approve link",
        )
    if summary.automatic_bookings is not None:
        outcomes = summary.automatic_bookings
        table.add_row(
            "Automatic bookings",
            f"{sum(outcomes.values())} watches in auto mode: "
            + (
                ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in sorted(outcomes.items()))
                or "none"
            )
            + " (booked only on buy-now advice, within budget, once per watch)",
        )
    if summary.booking is not None:
        b = summary.booking
        table.add_row(
            "Booking",
            f"{b['state']}: {Money(b['total_minor'], b['currency'])}, payment "
            f"{b['payment_status']}, {len(b['legs'])} legs (simulated providers, a Stripe "
            "emulator on 127.0.0.1); confirmation emailed by the booking_operations job",
        )
    else:
        table.add_row("Booking", "none: every proposal was invalidated by moved prices")
    table.add_row("Took", f"{summary.seconds:.0f} s")
    console.print(table)
    console.print(
        "\nNext:\n"
        "  Dagster UI:  [bold]make dagster[/]   (or .venv/bin/wayra ui dagster) -> http://127.0.0.1:3000\n"
        "  API:         [bold]make api[/]       (or .venv/bin/wayra ui api)     -> http://127.0.0.1:8000/docs\n"
        "  MLflow UI:   [bold]make mlflow[/]    (or .venv/bin/wayra ui mlflow)  -> http://127.0.0.1:5000\n"
        f"  Your API key (shown once): [bold]{summary.api_key}[/]\n"
        f'  curl -H "Authorization: Bearer {summary.api_key}" http://127.0.0.1:8000/v1/watches',
        soft_wrap=True,
    )
