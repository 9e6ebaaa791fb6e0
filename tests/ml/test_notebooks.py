"""Every notebook runs top to bottom (on a small history), as a data scientist would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_the_buy_wait_notebook_runs_and_writes_its_figures(tmp_path: Path) -> None:
    env = os.environ | {
        "WAYRA_NOTEBOOK_SERIES": "60",
        "WAYRA_NOTEBOOK_DAYS": "60",
        "WAYRA_NOTEBOOK_OUT": str(tmp_path),
        "OMP_NUM_THREADS": "1",
    }
    run = subprocess.run(
        [sys.executable, str(NOTEBOOKS / "buy_wait_backtest.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    for line in ("clairvoyant_capture_pct", "knows the regular fares ahead", "gbm_quantile"):
        assert line in run.stdout
    figures = {"clairvoyant_capture.png", "forecast_fans.png", "decisions.png"}
    assert figures <= {p.name for p in tmp_path.iterdir()}
    assert all((tmp_path / name).stat().st_size > 5_000 for name in figures)  # drawn, not blank
