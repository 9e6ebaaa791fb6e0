"""The ``wayra`` command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wayra.settings import Settings

app = typer.Typer(
    help="Wayra: watch prices, learn when to buy, assemble and book trips.", no_args_is_help=True
)
ui_app = typer.Typer(help="Open the platform's user interfaces.", no_args_is_help=True)
app.add_typer(ui_app, name="ui")
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
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    _with_venv_on_path()
    os.execvp("dagster", ["dagster", "dev", "-m", "orchestration.definitions", "-p", str(port)])


@ui_app.command("api")
def api_ui(port: int = 8000) -> None:
    """Start the serving API."""
    import uvicorn

    uvicorn.run("serving.app:create_app", factory=True, host="127.0.0.1", port=port)


if __name__ == "__main__":
    app()
