"""The Dagster code location: composes the domain definitions under ``orchestration/defs``."""

import shutil
import sys
from pathlib import Path

from dagster import Definitions, load_assets_from_modules
from dagster_dbt import DbtCliResource

from orchestration.defs.alerts import assets as alerts_assets
from orchestration.defs.alerts.assets import alert_delivery_schedule, deliver_alerts_job
from orchestration.defs.booking import assets as booking_assets
from orchestration.defs.booking.operations import booking_operations
from orchestration.defs.booking.schedules import booking_operations_schedule
from orchestration.defs.forecasting import assets as forecasting_assets
from orchestration.defs.forecasting.schedules import (
    forecasting_training_schedule,
    train_buy_wait_job,
)
from orchestration.defs.ingestion import assets as ingestion_assets
from orchestration.defs.ingestion.schedules import collect_quotes_job, quote_collection_schedule
from orchestration.defs.preferences import assets as preferences_assets
from orchestration.defs.publishing import assets as publishing_assets
from orchestration.defs.publishing.sensors import (
    publish_after_collection,
    publish_recommendations_job,
)
from orchestration.defs.reference import assets as reference_assets
from orchestration.defs.resources import (
    MlflowResource,
    OperationalStoreResource,
    PaymentsResource,
    ProvidersResource,
    WarehouseResource,
)
from orchestration.defs.transformation.assets import wayra_dbt_models, wayra_dbt_project

all_assets = [
    *load_assets_from_modules(
        [
            ingestion_assets,
            reference_assets,
            preferences_assets,
            publishing_assets,
            alerts_assets,
            booking_assets,
        ]
    ),
    wayra_dbt_models,
]
# Model training runs on its own weekly schedule, not with the data pipeline: `wayra demo`
# materializes all_assets, and a history still on sale has no completed trips to train on.
training_assets = load_assets_from_modules([forecasting_assets])

# The dbt installed beside this interpreter, so an un-activated virtualenv still finds it.
_venv_dbt = Path(sys.executable).with_name("dbt")
DBT_EXECUTABLE = str(_venv_dbt) if _venv_dbt.exists() else (shutil.which("dbt") or "dbt")

resources = {
    "warehouse": WarehouseResource(),
    "operational_store": OperationalStoreResource(),
    "providers": ProvidersResource(),
    "payments": PaymentsResource(),
    "mlflow": MlflowResource(),
    "dbt": DbtCliResource(project_dir=wayra_dbt_project, dbt_executable=DBT_EXECUTABLE),
}

defs = Definitions(
    assets=[*all_assets, *training_assets],
    jobs=[
        collect_quotes_job,
        publish_recommendations_job,
        train_buy_wait_job,
        deliver_alerts_job,
        booking_operations,
    ],
    schedules=[
        quote_collection_schedule,
        forecasting_training_schedule,
        alert_delivery_schedule,
        booking_operations_schedule,
    ],
    sensors=[publish_after_collection],
    resources=resources,
)
