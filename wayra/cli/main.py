"""The ``wayra`` command line."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wayra.cli.alerts import alerts_app
from wayra.cli.backtest import backtest as backtest_command
from wayra.cli.bookings import bookings_app
from wayra.cli.forecasting import forecasting_app
from wayra.cli.history import history_app
from wayra.cli.preferences import preferences_app
from wayra.cli.quotes import quotes as quotes_command
from wayra.settings import Settings

# Dagster marks single-run backfill policies as beta; the CLI user can do nothing about it.
warnings.filterwarnings("ignore", message=".*is currently in beta.*")

app = typer.Typer(
    help="Wayra: watch prices, learn when to buy, assemble and book trips.", no_args_is_help=True
)
ui_app = typer.Typer(help="Open the platform's user interfaces.", no_args_is_help=True)
app.add_typer(ui_app, name="ui")
app.add_typer(history_app, name="history")
app.add_typer(forecasting_app, name="forecasting")
app.add_typer(preferences_app, name="preferences")
app.add_typer(alerts_app, name="alerts")
app.add_typer(bookings_app, name="bookings")
app.command("quotes")(quotes_command)
app.command("backtest")(backtest_command)
console = Console()


@app.command()
def demo(
    days: Annotated[int, typer.Option(help="Days of market history to simulate.")] = 60,
) -> None:
    """Run the whole platform on the embedded stores and summarize what it did."""
    from wayra.cli.demo import print_summary, run_demo

    settings = Settings()
    summary = run_demo(settings, days=days, console=console)
    print_summary(summary, settings, console)


@app.command()
def backfill(
    start: Annotated[str | None, typer.Option(help="First observation day (YYYY-MM-DD).")] = None,
    end: Annotated[
        str | None, typer.Option(help="Last observation day (default: today, UTC).")
    ] = None,
    days: Annotated[int, typer.Option(help="Days back from --end when --start is not given.")] = 30,
    chunk_days: Annotated[int, typer.Option(help="Observation days per Dagster run.")] = 10,
    models: Annotated[bool, typer.Option(help="Rebuild dbt models and publish afterwards.")] = True,
) -> None:
    """Rebuild quote history for a range of observation days (replacing, never duplicating)."""
    import datetime as dt

    from wayra.cli import step_progress
    from wayra.cli.pipeline import backfill_collection, materialize_models_and_publish

    settings = Settings()
    last = dt.date.fromisoformat(end) if end else dt.datetime.now(dt.UTC).date()
    first = dt.date.fromisoformat(start) if start else last - dt.timedelta(days=days - 1)
    if first > last:
        raise typer.BadParameter(f"--start {first} is after --end {last}")
    span = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    with step_progress(console) as progress:
        task = progress.add_task("Collecting", total=len(span))
        backfill_collection(
            settings,
            span,
            chunk_days,
            lambda chunk: progress.update(
                task, advance=len(chunk), description=f"Collected up to {chunk[-1]}"
            ),
        )
        if models:
            progress.update(task, description="Building dbt models and publishing")
            published = materialize_models_and_publish(settings)
            progress.update(task, description=f"Published version {published.get('version')}")
    console.print(
        f"Backfilled {len(span)} observation days ({first} .. {last}) into {settings.data_dir}"
    )


@app.command()
def migrate() -> None:
    """Create or upgrade the operational store's schema."""
    from wayra.opstore.db import migrate as run_migrations

    settings = Settings()
    run_migrations(settings)
    console.print(f"Operational store at head: {settings.operational_store_url}")


def _with_venv_on_path() -> None:
    """Tools installed beside this interpreter (dagster, dbt) must be found even when the
    virtualenv was never activated (`make dagster` runs .venv/bin/wayra directly)."""
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])


@ui_app.command("dagster")
def dagster_ui(port: int = 3000) -> None:
    """Start the Dagster UI on this data directory's instance."""
    settings = Settings()
    os.environ["DAGSTER_HOME"] = str(settings.ensure_dagster_home())
    _with_venv_on_path()
    os.execvp("dagster", ["dagster", "dev", "-m", "orchestration.definitions", "-p", str(port)])


@ui_app.command("mlflow")
def mlflow_ui(port: int = 5000) -> None:
    """Start the MLflow UI on this data directory's tracking store and registry."""
    settings = Settings()
    _with_venv_on_path()
    os.execvp(
        "mlflow",
        ["mlflow", "ui", "--backend-store-uri", settings.mlflow_uri, "--port", str(port)],
    )


@ui_app.command("api")
def api_ui(port: int = 8000) -> None:
    """Start the serving API."""
    import uvicorn

    uvicorn.run("serving.app:create_app", factory=True, host="127.0.0.1", port=port)


if __name__ == "__main__":
    app()
