"""Programmatic dbt invocations against the warehouse the settings point at.

dbt reads its profile from environment variables (dbt_project/profiles.yml), so each run sets
exactly the variables of ``Settings.dbt_env()`` and restores the previous environment after:
the same process can build the DuckDB file and a PostgreSQL warehouse one after the other.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from wayra.environ import environ
from wayra.settings import Settings

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

# dbtRunner and os.environ are both process-global; two concurrent runs would see each other's
# profile variables.
_LOCK = threading.Lock()


class DbtRunError(RuntimeError):
    """A dbt invocation failed; ``failed_nodes`` names what failed, ``result`` is dbt's own."""

    def __init__(self, args: list[str], failed_nodes: list[str], result: Any):
        self.args_ = args
        self.failed_nodes = failed_nodes
        self.result = result
        detail = "; ".join(failed_nodes) if failed_nodes else repr(result.exception)
        super().__init__(f"dbt {' '.join(args)} failed: {detail}")


def _failed_nodes(result: Any) -> list[str]:
    failed = []
    for node_result in getattr(result.result, "results", None) or []:
        status = str(getattr(node_result, "status", "")).lower()
        if status in {"error", "fail", "runtimeerr", "runtime error"}:
            node = getattr(node_result, "node", None)
            name = getattr(node, "unique_id", None) or getattr(node, "name", "?")
            message = (getattr(node_result, "message", None) or "").strip().splitlines()
            failed.append(f"{name} [{status}]: {message[0] if message else ''}".rstrip(": "))
    return failed


def run_dbt(args: list[str], settings: Settings, *, raise_on_failure: bool = True) -> Any:
    """Run ``dbt <args>`` in-process against ``settings``' warehouse; returns dbtRunnerResult.

    ``--project-dir``/``--profiles-dir`` are added unless given. Raises :class:`DbtRunError`
    listing the failed nodes when the invocation does not succeed.
    """
    from dbt.cli.main import dbtRunner

    full_args = list(args)
    if "--project-dir" not in full_args:
        full_args += ["--project-dir", str(DBT_PROJECT_DIR)]
    if "--profiles-dir" not in full_args:
        full_args += ["--profiles-dir", str(DBT_PROJECT_DIR)]
    if settings.warehouse_backend == "duckdb":
        # The DuckDB file lives under the data dir; dbt will not create missing parents.
        settings.ensure_data_dir()
    with _LOCK, environ(settings.dbt_env()):
        result = dbtRunner().invoke(full_args)
    if raise_on_failure and not result.success:
        raise DbtRunError(full_args, _failed_nodes(result), result)
    return result


def manifest_is_stale(project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """True when the manifest is missing or older than any file dbt parses."""
    manifest = project_dir / "target" / "manifest.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [project_dir / "dbt_project.yml"]
    for folder in ("models", "macros", "seeds", "tests", "snapshots", "analyses"):
        sources += [p for p in (project_dir / folder).rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in sources if p.exists())


def ensure_manifest(settings: Settings) -> Path:
    """Dagster builds its dbt assets from the manifest: re-parse when the project changed."""
    if manifest_is_stale():
        run_dbt(["parse"], settings)
    return DBT_PROJECT_DIR / "target" / "manifest.json"
