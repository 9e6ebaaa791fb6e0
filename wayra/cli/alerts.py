"""``wayra alerts``: how the alert rules would have behaved on a price history."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

EXIT_USAGE = 2
RULE_LABELS = {
    "price_drop": "Price drop",
    "budget_target": "Budget target",
    "booking_urgency": "Booking urgency",
    "better_alternative": "Better alternative",
}

alerts_app = typer.Typer(help="Price alerts: replay the rules on a history.", no_args_is_help=True)


@alerts_app.callback()
def _alerts() -> None:
    """Price alerts: replay the rules on a history."""  # keeps `backtest` a subcommand


@alerts_app.command("backtest")
def backtest(
    history: Annotated[
        Path,
        typer.Option(
            help="Price history: Parquet or CSV with series_id, observed_at, departure_date, "
            "price, currency (optional: budget, one per series)."
        ),
    ],
    train_until: Annotated[
        str | None,
        typer.Option(
            help="Train the buy/wait model on series departing on or before this day and "
            "replay the rest (default: 70/30)."
        ),
    ] = None,
    advice: Annotated[
        bool,
        typer.Option(
            help="Train the buy/wait model for urgency alerts; --no-advice replays every "
            "series with fare-fence urgency only."
        ),
    ] = True,
    preferences: Annotated[
        str | None,
        typer.Option(help="Alert preferences to try, as JSON, e.g. '{\"price_drop_pct\": 8}'."),
    ] = None,
    budget_share: Annotated[
        float,
        typer.Option(
            help="Without a budget column: each watch's budget as a share of its first price."
        ),
    ] = 0.95,
    timezone: Annotated[str, typer.Option(help="Travelers' IANA time zone.")] = "UTC",
    as_json: Annotated[bool, typer.Option("--json", help="Emit the report as JSON.")] = False,
) -> None:
    """Replay a price history through the alert rules: alerts per rule, per watch per week,
    and how often acting on a price-drop or urgency alert beat waiting to the end."""
    from ml.alerts.backtest import alert_report, load_history_with_budgets, replay, train_advice
    from ml.alerts.delivery import traveler_zone
    from ml.alerts.settings import AlertSettings
    from ml.history import HistoryError

    console = Console(stderr=as_json)
    cutoff = _day(train_until)
    if cutoff is not None and not advice:
        raise typer.BadParameter("--train-until needs the buy/wait model: drop --no-advice")
    if not budget_share > 0:
        raise typer.BadParameter(f"--budget-share must be positive, got {budget_share}")
    settings = _settings(AlertSettings(), preferences)
    try:
        traveler_zone(timezone)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    trained = None
    try:
        with console.status("Loading history") as status:
            panel = load_history_with_budgets(history)
            if advice:
                status.update("Training the buy/wait model on early departures")
                trained = train_advice(panel, cutoff, budget_share=budget_share)
                panel = trained.panel
            status.update("Replaying alerts")
            advised = trained.advice if trained else None
            alerts = replay(panel, settings, advised, timezone, budget_share)
            report = alert_report(panel, alerts)
    except HistoryError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from None
    if as_json:
        out = report.as_dict()
        if trained is not None:
            out |= {
                "train_until": trained.train_until.isoformat(),
                "train_series": trained.train_series,
            }
        typer.echo(json.dumps(out, indent=2))
        return
    console.print(_report_table(report))
    replayed = f"Replayed {report.watches} watches ({report.watch_weeks:.1f} watch-weeks)"
    if trained is None:
        console.print(f"{replayed}; urgency from fare fences only (no buy/wait advice).")
    else:
        console.print(
            f"{replayed} departing after {trained.train_until}; buy/wait model trained on "
            f"{trained.train_series} earlier series."
        )


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {text}") from None


def _settings(defaults, preferences: str | None):
    if not preferences:
        return defaults
    try:
        return defaults.with_overrides(json.loads(preferences))
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"--preferences is not JSON: {exc}") from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _report_table(report) -> Table:
    table = Table(title="Alert rules replayed on the history")
    table.add_column("Rule")
    table.add_column("Alerts", justify="right")
    table.add_column("Per watch per week", justify="right")
    table.add_column("Acted and saved", justify="right")
    for kind, rule in report.rules.items():
        label = RULE_LABELS.get(kind, kind)
        if not rule.in_history:
            table.add_row(label, "-", "-", "not in history (no package keys)")
            continue
        saved = (
            f"{100 * rule.acted_and_saved_share:.1f}% of {rule.compared}"
            if rule.acted_and_saved_share is not None
            else "-"
        )
        table.add_row(label, str(rule.alerts), f"{rule.per_watch_per_week:.3f}", saved)
    return table
