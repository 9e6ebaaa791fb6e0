from dagster import AssetSelection, ScheduleDefinition, define_asset_job

from orchestration.defs.forecasting.assets import GROUP

train_buy_wait_job = define_asset_job(
    "train_buy_wait",
    selection=AssetSelection.groups(GROUP),
    description=(
        "Read the completed price history, train and register a buy/wait challenger, promote it "
        "if it wins; retrain the bookability classifier on the re-price outcomes."
    ),
)

forecasting_training_schedule = ScheduleDefinition(
    name="forecasting_training_schedule",
    job=train_buy_wait_job,
    cron_schedule="0 4 * * 1",
    execution_timezone="UTC",
    description="Weekly: retrain the buy/wait model on the latest history; promote only a better one.",
)
