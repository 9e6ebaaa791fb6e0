"""``wayra backtest``: how much a buy/wait policy would have saved on a price history."""

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
STRATEGY_LABELS = {
    "policy": "Wayra buy/wait policy",
    "buy_at_once": "Buy at once",
    "fixed_rule": "Fixed rule (5% drop or 21 days out)",
    "clairvoyant": "Clairvoyant (knows the future)",
}


def backtest(
    history: Annotated[
        Path,
        typer.Option(
            help="Price history: Parquet or CSV with series_id, observed_at, "
            "departure_date, price, currency."
        ),
    ],
    requests: Annotated[
        Path | None,
        typer.Option(help="CSV with series_id, start_date (default: drawn 14-90 days out)."),
    ] = None,
    train_until: Annotated[
        str | None,
        typer.Option(help="Train on series departing on or before this day (default: 70/30)."),
    ] = None,
    decisions_out: Annotated[
        Path | None, typer.Option(help="Write each request's buy day and price paid (CSV).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for drawn requests.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Emit the report as JSON.")] = False,
) -> None:
    """Train on early departures, replay requests on the rest, and compare strategies."""
    from ml.backtest import run_backtest
    from ml.history import HistoryError, load_history, load_requests

    console = Console(stderr=as_json)
    try:
        cutoff = dt.date.fromisoformat(train_until) if train_until else None
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {train_until}") from None
    try:
        with console.status("Loading history") as status:
            panel = load_history(history)
            asked = load_requests(requests, panel) if requests else None
            result = run_backtest(
                panel,
                asked,
                cutoff,
                seed=seed,
                progress=lambda step: status.update(escape(step)),
            )
    except HistoryError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from None
    if decisions_out:
        decisions_out.parent.mkdir(parents=True, exist_ok=True)
        result.decisions.write_csv(decisions_out)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    console.print(_strategy_table(result))
    console.print(_forecast_table(result))
    console.print(
        f"Trained on {result.train_series} series departing on or before {result.train_until}; "
        f"evaluated {result.strategies['policy'].requests} requests on {result.test_series} "
        "held-out series."
    )
    if decisions_out:
        console.print(f"Decisions written to {escape(str(decisions_out))}")


def _strategy_table(result) -> Table:
    table = Table(title="Buy/wait strategies (savings in % of each request's start price)")
    table.add_column("Strategy")
    table.add_column("Clairvoyant savings captured", justify="right")
    table.add_column("Mean saving", justify="right")
    table.add_column("No-regret rate", justify="right")
    for name, s in result.strategies.items():
        table.add_row(
            STRATEGY_LABELS.get(name, name),
            f"{100 * s.clairvoyant_capture:.1f}%",
            f"{s.mean_saving_pct:+.2f}%",
            f"{100 * s.no_regret_rate:.1f}%",
        )
    return table


def _forecast_table(result) -> Table:
    table = Table(title="Forecasts, horizons 1-14 days, on the held-out series")
    for column in (
        "Forecaster",
        "MASE vs seasonal naive",
        "sMAPE",
        "Quantile loss",
        "80% coverage",
    ):
        table.add_column(column, justify="left" if column == "Forecaster" else "right")
    for name, m in result.forecasts.items():
        table.add_row(
            name,
            f"{m.mase:.3f}",
            f"{m.smape:.2f}%",
            f"{m.quantile_loss:.4f}",
            f"{100 * m.coverage_80:.1f}%",
        )
    return table
