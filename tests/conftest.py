"""Shared fixtures. PostgreSQL-backed tests get a fresh database of their own per test session.

Under ``CI=true`` an unreachable PostgreSQL is a failure, never a skip: CI must prove the
production path.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Two xdist workers share two cores: OpenMP (scikit-learn) and torch each spinning up a thread
# per core oversubscribes them and slows model fits by an order of magnitude.
os.environ.setdefault("OMP_NUM_THREADS", "1")

DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _admin_url() -> str:
    return os.environ.get("WAYRA_TEST_POSTGRES_URL", DEFAULT_PG_ADMIN_URL)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """Admin URL of a reachable PostgreSQL server; fails under CI, skips elsewhere."""
    import psycopg

    url = _admin_url()
    try:
        with psycopg.connect(url, connect_timeout=3) as con:
            con.execute("SELECT 1")
    except Exception as exc:
        message = f"PostgreSQL unreachable at {url}: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_database(postgres_server: str) -> Iterator[str]:
    """A brand-new empty database (dropped afterwards); yields its postgresql:// URL."""
    import psycopg

    name = f"wayra_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = postgres_server.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every embedded store at a temporary data directory."""
    path = tmp_path / "wayra-data"
    monkeypatch.setenv("WAYRA_DATA_DIR", str(path))
    for var in ("WAYRA_WAREHOUSE_URL", "WAYRA_OPERATIONAL_URL", "WAYRA_MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(var, raising=False)
    return path


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """Dagster builds dbt assets from the manifest. `make setup` parses it; this covers a bare
    pytest run after model edits. The lock keeps parallel workers from parsing at once."""
    from filelock import FileLock

    from wayra.settings import Settings
    from wayra.warehouse.dbt_runner import DBT_PROJECT_DIR, ensure_manifest

    with FileLock(str(DBT_PROJECT_DIR / ".manifest.lock")):
        return ensure_manifest(Settings())
