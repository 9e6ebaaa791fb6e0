"""``wayra forecasting train``: one MLflow cycle per call, champion only when it beats the last."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ml.history import write_history
from ml.registry import load_champion
from wayra.cli.main import app
from wayra.settings import Settings

pytestmark = pytest.mark.xdist_group("mlflow")


def test_first_cycle_crowns_a_champion_and_an_identical_retrain_is_refused(
    data_dir, tmp_path, simulated_panel
):
    history = tmp_path / "history.parquet"
    write_history(simulated_panel, history)

    first = CliRunner().invoke(app, ["forecasting", "train", "--history", str(history)])
    assert first.exit_code == 0, first.output
    assert "Version 1 promoted to champion" in first.output
    assert "no-regret" in first.output

    again = CliRunner().invoke(app, ["forecasting", "train", "--history", str(history)])
    assert again.exit_code == 0, again.output
    assert "Version 2 not promoted" in again.output
    assert load_champion(Settings().mlflow_uri).version == 1


def test_a_bad_history_is_refused_before_any_run(data_dir, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("series_id,observed_at,price\na,2026-05-01,3\n")
    result = CliRunner().invoke(app, ["forecasting", "train", "--history", str(bad)])
    assert result.exit_code == 2
    assert "missing required column" in result.output
    assert not (data_dir / "mlflow.sqlite").exists()
