"""dbt models as Dagster assets; dbt data tests and unit tests surface as asset checks."""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration.defs.resources import WarehouseResource

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"

wayra_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is re-parsed on load; elsewhere `make setup` parses it.
wayra_dbt_project.prepare_if_dev()


class WayraDbtTranslator(DagsterDbtTranslator):
    """Sources map onto the Dagster assets that land them (source table X -> raw_X); models
    keep their own name, grouped by layer (staging, intermediate, marts)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey(f"raw_{dbt_resource_props['name']}")
        return AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


@dbt_assets(
    manifest=wayra_dbt_project.manifest_path,
    project=wayra_dbt_project,
    dagster_dbt_translator=WayraDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
)
def wayra_dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    # profiles.yml reads its target and connection from WAYRA_* variables derived from the one
    # Settings object; dbt runs as a subprocess that inherits them.
    os.environ.update(warehouse.settings().dbt_env())
    yield from dbt.cli(["build"], context=context).stream()
