import datetime as dt

from dagster import (
    AssetSelection,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)

from orchestration.defs.partitions import observation_days

# The run's observation instant; a re-run of the same tick replaces exactly that tick's rows.
OBSERVED_AT_TAG = "wayra/observed_at"

collect_quotes_job = define_asset_job(
    "collect_quotes",
    selection=AssetSelection.groups("ingestion", "reference"),
    partitions_def=observation_days,
    description="Collect quotes and rates for every active watch into today's partition.",
)


def floor_to_quarter_hour(moment: dt.datetime) -> dt.datetime:
    moment = moment.astimezone(dt.UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


@schedule(
    cron_schedule="*/15 * * * *",
    job=collect_quotes_job,
    execution_timezone="UTC",
    description="Every 15 minutes: one observation of every watch's searches, added to today's history.",
)
def quote_collection_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    observed_at = floor_to_quarter_hour(context.scheduled_execution_time)
    return RunRequest(
        run_key=observed_at.isoformat(),
        partition_key=observed_at.date().isoformat(),
        tags={OBSERVED_AT_TAG: observed_at.isoformat()},
    )
