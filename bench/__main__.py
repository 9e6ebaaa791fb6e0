"""`make bench`: run every benchmark and print its ratio against its in-run baseline."""

from __future__ import annotations

import importlib
import sys

from rich.console import Console
from rich.table import Table

BENCHMARKS = [
    "bench.ingestion",
    "bench.collection",
    "bench.dbt_build",
    "bench.backtest",
    "bench.optimizer",
    "bench.serving",
    "bench.booking_faults",
]


def main(selected: list[str]) -> None:
    console = Console(width=200)
    table = Table(title="Wayra benchmarks (ratios against a baseline measured in the same run)")
    for column in ("benchmark", "measured", "baseline", "ratio", "notes"):
        table.add_column(column)
    for name in selected or BENCHMARKS:
        module = importlib.import_module(name)
        console.print(f"running {name} ...")
        for result in module.run():
            table.add_row(
                result.name,
                result.measured,
                result.baseline,
                f"{result.ratio:.2f}",
                result.notes,
            )
    console.print(table)


if __name__ == "__main__":
    main(sys.argv[1:])
