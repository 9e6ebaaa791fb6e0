"""The Dagster code location: composes the domain definitions under ``orchestration/defs``."""

from dagster import Definitions, load_assets_from_modules
from dagster_dbt import DbtCliResource

from orchestration.defs.ingestion import assets as ingestion_assets
from orchestration.defs.ingestion.schedules import daily_collection_job, daily_collection_schedule
from orchestration.defs.publishing import assets as publishing_assets
from orchestration.defs.reference import assets as reference_assets
from orchestration.defs.resources import (
    OperationalStoreResource,
    SimulatedProvidersResource,
    WarehouseResource,
)
from orchestration.defs.transformation.assets import wayra_dbt_models, wayra_dbt_project

all_assets = [
    *load_assets_from_modules([ingestion_assets, reference_assets, publishing_assets]),
    wayra_dbt_models,
]

resources = {
    "warehouse": WarehouseResource(),
    "operational_store": OperationalStoreResource(),
    "providers": SimulatedProvidersResource(),
    "dbt": DbtCliResource(project_dir=wayra_dbt_project),
}

defs = Definitions(
    assets=all_assets,
    jobs=[daily_collection_job],
    schedules=[daily_collection_schedule],
    resources=resources,
)
