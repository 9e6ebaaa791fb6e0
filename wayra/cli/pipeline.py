"""Running the asset graph in-process: the same Dagster definitions the UI shows."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import sys
from collections.abc import Callable, Sequence

from wayra.settings import Settings

PARTITIONED_GROUPS = ("ingestion", "reference")
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
# The CLI shows its own progress; Dagster's step logs stay in the instance (and the UI). Its
# warnings too: dagster-dbt warns for every source test that is not an asset check, which says
# nothing to someone running the demo. Failures still raise.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def dagster_instance(settings: Settings):
    """A persistent instance under the data directory, so `dagster dev` shows these runs."""
    from dagster import DagsterInstance

    os.environ["DAGSTER_HOME"] = str(settings.ensure_dagster_home())
    return DagsterInstance.get()


def day_chunks(days: Sequence[dt.date], size: int) -> list[list[dt.date]]:
    return [list(days[i : i + size]) for i in range(0, len(days), size)]


def _definitions():
    from wayra.warehouse.dbt_runner import ensure_manifest

    ensure_manifest(Settings())
    from orchestration.definitions import all_assets, resources

    return all_assets, resources


def backfill_collection(
    settings: Settings,
    days: Sequence[dt.date],
    chunk_days: int = 10,
    on_chunk: Callable[[list[dt.date]], None] | None = None,
) -> None:
    """Collect quotes and rates for ``days``: one single-run backfill per chunk of days."""
    from dagster import AssetSelection, materialize

    all_assets, resources = _definitions()
    instance = dagster_instance(settings)
    for chunk in day_chunks(days, chunk_days):
        materialize(
            all_assets,
            selection=AssetSelection.groups(*PARTITIONED_GROUPS),
            resources=resources,
            instance=instance,
            run_config=QUIET_RUN_CONFIG,
            tags={RANGE_START_TAG: chunk[0].isoformat(), RANGE_END_TAG: chunk[-1].isoformat()},
        )
        if on_chunk:
            on_chunk(chunk)


def _materialize_quietly(settings: Settings, selection):
    """Materialize ``selection`` in-process. dagster-dbt echoes dbt's whole log to stdout; the
    same events are kept in the Dagster instance (and its UI), so the CLI shows them only when
    the step fails."""
    from dagster import materialize

    all_assets, resources = _definitions()
    dbt_log = io.StringIO()
    try:
        with contextlib.redirect_stdout(dbt_log):
            return materialize(
                all_assets,
                selection=selection,
                resources=resources,
                instance=dagster_instance(settings),
                run_config=QUIET_RUN_CONFIG,
            )
    except Exception:
        sys.stdout.write(dbt_log.getvalue())
        raise


def book_automatic_watches(settings: Settings) -> dict[str, int]:
    """Materialize ``automatic_bookings`` alone (watches in auto mode, booked on their
    traveler's behalf when the guardrails allow); returns its outcomes."""
    from dagster import AssetSelection

    result = _materialize_quietly(settings, AssetSelection.assets("automatic_bookings"))
    (materialization,) = result.asset_materializations_for_node("automatic_bookings")
    outcomes = materialization.metadata.get("outcomes")
    return dict(outcomes.value) if outcomes is not None else {}


def run_booking_operations(settings: Settings) -> dict[str, object]:
    """One run of the ``booking_operations`` job (recover interrupted bookings, then send the
    booking outbox), recorded in the Dagster instance; returns the email step's counts."""
    from orchestration.definitions import resources
    from orchestration.defs.booking.operations import booking_operations

    result = booking_operations.execute_in_process(
        run_config=QUIET_RUN_CONFIG, resources=resources, instance=dagster_instance(settings)
    )
    for event in result.all_events:
        if event.event_type_value == "STEP_OUTPUT" and event.step_key == "send_booking_emails":
            return {k: v.value for k, v in event.event_specific_data.metadata.items()}
    return {}


def _published_metadata(result) -> dict[str, object]:
    publish = result.asset_materializations_for_node("published_recommendations")
    return {key: value.value for key, value in publish[-1].metadata.items()} if publish else {}


def materialize_models_and_publish(settings: Settings) -> dict[str, object]:
    """Everything downstream of collection: watches extract, dbt, publish."""
    from dagster import AssetSelection

    selection = AssetSelection.all() - AssetSelection.groups(*PARTITIONED_GROUPS)
    return _published_metadata(_materialize_quietly(settings, selection))


def republish_recommendations(settings: Settings) -> dict[str, object]:
    """Rank, explain and publish again from the marts as they are (no collection, no dbt)."""
    from dagster import AssetSelection

    selection = AssetSelection.assets("published_recommendations")
    return _published_metadata(_materialize_quietly(settings, selection))


def learn_and_republish(settings: Settings) -> dict[str, object]:
    """Learn travelers' weights from their feedback, then rank and publish again with them."""
    from dagster import AssetSelection

    selection = AssetSelection.assets(
        "traveler_preferences", "published_recommendations", "watch_alerts", "alert_deliveries"
    )
    return _published_metadata(_materialize_quietly(settings, selection))


# The operational extracts behind the KPI marts (users and API usage for engagement and MRR,
# alerts and their interactions for the alert action rate), re-run after the demo's API reads.
USAGE_EXTRACT_KEYS = (
    "raw_operational_users",
    "raw_operational_api_usage_events",
    "raw_operational_alerts",
    "raw_operational_alert_interactions",
    "raw_operational_proposals",
    "raw_operational_bookings",
    "raw_operational_booking_payments",
    "raw_operational_booking_legs",
    "raw_operational_booking_decisions",
)


def refresh_usage_kpis(settings: Settings) -> None:
    """Re-run the extracts of users, usage events, alerts and bookings (incremental where the
    facts are append-only) and the dbt models downstream of them: the KPI marts
    (engagement, MRR, alert action rate, booking funnel, automation adoption, commission)."""
    from dagster import AssetSelection

    _materialize_quietly(settings, AssetSelection.assets(*USAGE_EXTRACT_KEYS).downstream())


def materialize_graph(
    settings: Settings,
    days: Sequence[dt.date],
    chunk_days: int = 10,
    on_step: Callable[[str, int], None] | None = None,
) -> dict[str, object]:
    """Materialize everything: collection over ``days`` (in single-run chunks), then the
    watches extract, dbt and the publish step. Returns the publish step's metadata."""
    step = on_step or (lambda _name, _advance: None)
    backfill_collection(
        settings,
        days,
        chunk_days,
        lambda chunk: step(f"collected {chunk[0]} .. {chunk[-1]}", len(chunk)),
    )
    published = materialize_models_and_publish(settings)
    step("dbt models built, recommendations published", 0)
    return published
