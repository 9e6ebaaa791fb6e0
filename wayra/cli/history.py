"""``wayra history``: price history files for forecasting and backtests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

EXIT_USAGE = 2

history_app = typer.Typer(
    help="Price history files for forecasting and buy/wait backtests.", no_args_is_help=True
)


@history_app.command("simulate")
def simulate(
    out: Annotated[Path, typer.Option(help="File to write: .parquet, .pq or .csv.")],
    series: Annotated[
        int, typer.Option(min=1, help="Trips to simulate (flights and hotels).")
    ] = 300,
    days: Annotated[int, typer.Option(min=1, help="Daily observations before departure.")] = 100,
    seed: Annotated[int, typer.Option(help="Market seed; the same seed gives the same file.")] = 7,
) -> None:
    """Simulate a price history from the market simulator and write it as a history file."""
    # Imported here so `wayra --help` does not pay for polars and the simulator.
    from ml.history import history_format, write_history
    from ml.simulated_history import simulate_history

    console = Console()
    try:
        history_format(out)  # refuse a bad extension before spending seconds simulating
        frame = simulate_history(seed=seed, series=series, days=days)
        write_history(frame, out)
    except ValueError as exc:  # a HistoryError, or arguments the simulator cannot meet
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from None
    first, last = frame["observed_at"].min(), frame["observed_at"].max()
    console.print(
        f"Wrote {frame['series_id'].n_unique()} series, {frame.height:,} rows "
        f"(observed {first} .. {last}) to {escape(str(out))}",
        soft_wrap=True,  # one line, however long the path
    )
