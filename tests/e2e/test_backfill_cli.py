"""`wayra backfill` rebuilds a range of observation days through the Dagster assets."""

import datetime as dt

import pytest
from typer.testing import CliRunner

from tests.e2e.test_pipeline import raw_counts, seed_traveller_and_watches
from wayra.cli.main import app
from wayra.settings import Settings
from wayra.warehouse import Warehouse

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("dbt_manifest")]


def test_backfill_lands_every_day_once_and_reruns_replace(data_dir, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(data_dir / "dagster"))
    settings = Settings()
    seed_traveller_and_watches(settings)
    end = dt.datetime.now(dt.UTC).date()
    start = end - dt.timedelta(days=2)
    args = [
        "backfill",
        "--start",
        start.isoformat(),
        "--end",
        end.isoformat(),
        "--chunk-days",
        "2",
        "--no-models",
    ]

    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert f"Backfilled 3 observation days ({start} .. {end})" in first.output
    store = Warehouse(settings)
    days = store.query_arrow(
        f"SELECT DISTINCT partition_date FROM {store.raw('flight_quotes')} ORDER BY 1"
    )["partition_date"].to_pylist()
    assert days == [start, start + dt.timedelta(days=1), end]
    counts = raw_counts(settings)

    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert raw_counts(settings) == counts


def test_backfill_rejects_a_reversed_range(data_dir):
    result = CliRunner().invoke(app, ["backfill", "--start", "2026-05-02", "--end", "2026-05-01"])
    assert result.exit_code == 2
    assert "is after --end" in result.output
