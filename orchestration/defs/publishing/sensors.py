"""After every successful collection, everything downstream of it runs once: the operational
extracts, the dbt models, preference learning, publication, alerts, platform proposals and
automatic bookings.

Collection is partitioned by day and the rest is not, so they are two jobs; a run-status sensor
chains them, keyed by the collection run so each collection is followed exactly once.
"""

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    define_asset_job,
    run_status_sensor,
)

from orchestration.defs.forecasting.assets import GROUP as TRAINING_GROUP
from orchestration.defs.ingestion.schedules import collect_quotes_job

COLLECTION_GROUPS = ("ingestion", "reference")

publish_recommendations_job = define_asset_job(
    "publish_recommendations",
    selection=AssetSelection.all()
    - AssetSelection.groups(*COLLECTION_GROUPS)
    - AssetSelection.groups(TRAINING_GROUP),
    description="Extracts, dbt models, preferences, a new published version, its alerts, the "
    "platform's proposals and automatic bookings: everything downstream of a collection.",
)


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[collect_quotes_job],
    request_job=publish_recommendations_job,
    default_status=DefaultSensorStatus.RUNNING,
    description="A new version follows every successful collection.",
)
def publish_after_collection(context: RunStatusSensorContext) -> RunRequest:
    return RunRequest(run_key=context.dagster_run.run_id)
