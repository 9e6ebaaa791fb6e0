"""``wayra preferences``: evaluate preference learning on simulated travelers (MLflow)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from wayra.cli.forecasting import quiet_mlflow

preferences_app = typer.Typer(
    help="Learn travelers' criterion weights from their choices (MLflow).", no_args_is_help=True
)


@preferences_app.command("train")
def train_command(
    seed: Annotated[int, typer.Option(help="Seed of the simulated travelers.")] = 0,
    travelers: Annotated[int, typer.Option(min=10, help="Simulated travelers.")] = 150,
) -> None:
    """Fit on simulated travelers with hidden true weights, score NDCG@5 on their held-out
    choices against the fixed weights, log the run and register the model as challenger.
    The Dagster asset ``traveler_preferences`` learns from real feedback the same way."""
    from ml.preferences.tracking import run_simulated_training
    from wayra.settings import Settings

    quiet_mlflow()
    console = Console()
    with console.status("Simulating travelers and fitting their preferences"):
        training = run_simulated_training(Settings().mlflow_uri, seed, travelers=travelers)
    m = training.metrics
    console.print(
        f"Run {training.run_id}: NDCG@5 learned {m['ndcg_at_5_learned']:.3f}, "
        f"population {m['ndcg_at_5_population']:.3f}, fixed weights {m['ndcg_at_5_fixed']:.3f}"
    )
    console.print(f"Registered wayra-preferences version {training.version} as challenger.")
