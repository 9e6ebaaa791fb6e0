"""``wayra forecasting``: train the buy/wait model and manage its champion in MLflow."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

EXIT_USAGE = 2

forecasting_app = typer.Typer(
    help="Train, evaluate, register and promote the buy/wait model (MLflow).",
    no_args_is_help=True,
)


def quiet_mlflow() -> None:
    """MLflow's INFO lines (database setup, registration) would break the progress display."""
    import logging
    import warnings

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="mlflow")


@forecasting_app.command("train")
def train_command(
    history: Annotated[
        Path | None,
        typer.Option(help="Price history file (default: a simulated 300 x 100 history)."),
    ] = None,
    train_until: Annotated[
        str | None, typer.Option(help="Train on series departing on or before this day.")
    ] = None,
) -> None:
    """One training cycle: a challenger is registered and promoted only if it beats the
    champion on the same holdout."""
    from ml.history import HistoryError, history_panel, load_history
    from ml.simulated_history import simulate_history
    from ml.training import run_training_cycle
    from wayra.settings import Settings

    quiet_mlflow()
    console = Console()
    settings = Settings()
    try:
        cutoff = dt.date.fromisoformat(train_until) if train_until else None
        with console.status("Loading history") as status:
            panel = (
                load_history(history)
                if history
                else history_panel(simulate_history(seed=settings.simulator_seed))
            )
            cycle = run_training_cycle(
                panel,
                cutoff,
                tracking_uri=settings.mlflow_uri,
                progress=lambda step: status.update(escape(step)),
            )
    except (HistoryError, ValueError) as exc:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from None
    m = cycle.metrics
    console.print(
        f"Run {cycle.run_id}: captured {100 * m['clairvoyant_capture']:.1f}% of the clairvoyant's "
        f"savings, no-regret {100 * m['no_regret_rate']:.1f}%, MASE {m['mase']:.2f}"
    )
    verdict = "promoted to champion" if cycle.decision.promoted else "not promoted"
    console.print(f"Version {cycle.version} {verdict}: {escape(cycle.decision.reason)}")
