from dagster import AssetSelection, build_schedule_from_partitioned_job, define_asset_job

from orchestration.defs.partitions import observation_days

daily_collection_job = define_asset_job(
    "daily_collection",
    selection=AssetSelection.groups("ingestion", "reference"),
    partitions_def=observation_days,
    description="Collect today's quotes and rates for every active watch.",
)

# Runs each day's partition shortly after the observation time used for it (06:00 UTC).
daily_collection_schedule = build_schedule_from_partitioned_job(
    daily_collection_job, hour_of_day=6, minute_of_hour=15
)
