from dagster import DailyPartitionsDefinition

from wayra.settings import Settings

# One partition per UTC observation day; end_offset=1 makes today's partition available so the
# latest prices can be collected before the day is over.
observation_days = DailyPartitionsDefinition(
    start_date=Settings().history_start, end_offset=1, timezone="UTC"
)
