from dagster import ScheduleDefinition

from orchestration.defs.booking.operations import booking_operations

booking_operations_schedule = ScheduleDefinition(
    name="booking_operations_schedule",
    job=booking_operations,
    # A booking lease lasts minutes; a minute's delay in finishing one is what travelers see.
    cron_schedule="* * * * *",
    execution_timezone="UTC",
    description="Every minute: finish or undo interrupted bookings, then email their outcomes.",
)
