"""The Dagster definitions load and the asset graph has the promised shape."""

import subprocess
import sys

import pytest
from dagster import AssetKey

pytestmark = pytest.mark.usefixtures("dbt_manifest")

EXPECTED_EDGES = {
    # downstream: upstreams it must depend on
    "stg_providers__flight_quotes": {"raw_flight_quotes"},
    "stg_providers__hotel_quotes": {"raw_hotel_quotes"},
    "stg_providers__requests": {"raw_provider_requests"},
    "stg_ecb__rates": {"raw_ecb_rates"},
    "stg_operational__watches": {"raw_operational_watches"},
    "stg_operational__watch_routes": {"raw_operational_watch_routes"},
    "stg_operational__users": {"raw_operational_users"},
    "stg_operational__api_usage_events": {"raw_operational_api_usage_events"},
    "fct_weekly_engagement": {"stg_operational__users", "stg_operational__api_usage_events"},
    "fct_mrr_by_plan": {"stg_operational__users", "plan_prices"},
    "stg_operational__alerts": {"raw_operational_alerts"},
    "stg_operational__alert_interactions": {"raw_operational_alert_interactions"},
    "fct_alert_action_rate": {
        "stg_operational__alerts",
        "stg_operational__alert_interactions",
        "stg_operational__proposals",
        "stg_operational__bookings",
    },
    "stg_operational__proposals": {"raw_operational_proposals"},
    "stg_operational__bookings": {"raw_operational_bookings"},
    "stg_operational__booking_payments": {"raw_operational_booking_payments"},
    "stg_operational__booking_legs": {"raw_operational_booking_legs"},
    "stg_operational__booking_decisions": {"raw_operational_booking_decisions"},
    "fct_booking_funnel_weekly": {"stg_operational__proposals", "stg_operational__bookings"},
    "fct_automation_adoption": {"stg_operational__watches"},
    "fct_commission_revenue_monthly": {
        "stg_operational__bookings",
        "stg_operational__booking_payments",
        "stg_operational__booking_legs",
        "commission_rates",
        "stg_ecb__rates",
    },
    "published_recommendations": {
        "fct_watch_flight_options",
        "fct_watch_hotel_options",
        "fct_best_offers",
        "fct_route_price_trends",
        "fct_provider_reliability_daily",
        "traveler_preferences",
    },
    "platform_proposals": {"published_recommendations"},
    "automatic_bookings": {"published_recommendations"},
    "price_history_panel": {"fct_price_features"},
    "buy_wait_challenger": {"price_history_panel"},
    "buy_wait_champion": {"price_history_panel", "buy_wait_challenger"},
    "bookability_classifier": {"fct_offer_reprice_outcomes"},
}


def test_asset_graph_names_and_dependencies():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {
        "raw_flight_quotes",
        "raw_hotel_quotes",
        "raw_quote_quarantine",
        "raw_provider_requests",
        "raw_ecb_rates",
        "raw_operational_watches",
        "raw_operational_watch_routes",
        "raw_operational_users",
        "raw_operational_api_usage_events",
        "raw_operational_alerts",
        "raw_operational_alert_interactions",
        "raw_operational_proposals",
        "raw_operational_bookings",
        "raw_operational_booking_payments",
        "raw_operational_booking_legs",
        "raw_operational_booking_decisions",
        "fct_best_current_packages",
        "fct_weekly_engagement",
        "fct_mrr_by_plan",
        "fct_alert_action_rate",
        "fct_booking_funnel_weekly",
        "fct_automation_adoption",
        "fct_commission_revenue_monthly",
        "published_recommendations",
        "platform_proposals",
        "automatic_bookings",
        "fct_price_features",
        "price_history_panel",
        "buy_wait_challenger",
        "buy_wait_champion",
        "bookability_classifier",
    } <= keys
    for downstream, upstreams in EXPECTED_EDGES.items():
        parents = {k.to_user_string() for k in graph.get(AssetKey(downstream)).parent_keys}
        assert upstreams <= parents, (downstream, parents)
    # Recommendations are fed (transitively) by both quote feeds, the rates and the watches.
    ancestors = {
        k.to_user_string()
        for k in graph.upstream_key_iterator(AssetKey("published_recommendations"))
    }
    assert {
        "raw_flight_quotes",
        "raw_hotel_quotes",
        "raw_ecb_rates",
        "raw_operational_watches",
    } <= ancestors


def test_quote_feeds_are_daily_partitioned_and_carry_contract_checks():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for key in ("raw_flight_quotes", "raw_hotel_quotes", "raw_ecb_rates"):
        node = graph.get(AssetKey(key))
        assert (
            node.partitions_def is not None
            and node.partitions_def.get_cron_schedule() == "0 0 * * *"
        )
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert ("raw_flight_quotes", "quarantine_rate_within_contract") in checks
    assert ("raw_hotel_quotes", "quarantine_rate_within_contract") in checks
    assert ("raw_provider_requests", "provider_circuits_closed") in checks
    assert ("raw_flight_quotes", "great_expectations_contract") in checks
    assert ("raw_hotel_quotes", "great_expectations_contract") in checks
    # dbt data tests surface as asset checks on the mart
    assert any(asset == "fct_best_current_packages" for asset, _ in checks)


def test_collection_runs_every_15_minutes_into_todays_partition():
    import datetime as dt

    from dagster import build_schedule_context

    from orchestration.definitions import defs
    from orchestration.defs.ingestion.schedules import OBSERVED_AT_TAG

    schedule = defs.get_schedule_def("quote_collection_schedule")
    assert schedule.job_name == "collect_quotes"
    assert schedule.cron_schedule == "*/15 * * * *"
    tick = dt.datetime(2026, 11, 24, 9, 47, 12, tzinfo=dt.UTC)
    context = build_schedule_context(
        scheduled_execution_time=tick, repository_def=defs.get_repository_def()
    )
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026-11-24"
    assert request.tags[OBSERVED_AT_TAG] == "2026-11-24T09:45:00+00:00"


def test_buy_wait_training_runs_weekly_and_stays_out_of_the_data_pipeline():
    from orchestration.definitions import all_assets, defs

    schedule = defs.get_schedule_def("forecasting_training_schedule")
    assert schedule.job_name == "train_buy_wait"
    assert schedule.cron_schedule == "0 4 * * 1"
    job = defs.get_job_def("train_buy_wait")
    assert {key.to_user_string() for key in job.asset_layer.selected_asset_keys} == {
        "price_history_panel",
        "buy_wait_challenger",
        "buy_wait_champion",
        "bookability_classifier",
    }
    # `wayra demo` materializes all_assets; training has its own schedule.
    pipeline_keys = {key.to_user_string() for a in all_assets for key in a.keys}
    assert "buy_wait_challenger" not in pipeline_keys


def test_every_successful_collection_is_followed_by_one_publication_run():
    from orchestration.definitions import defs

    sensor = defs.get_sensor_def("publish_after_collection")
    assert sensor.job_name == "publish_recommendations"
    assert sensor.default_status.value == "RUNNING"
    job = defs.get_job_def("publish_recommendations")
    selected = {key.to_user_string() for key in job.asset_layer.selected_asset_keys}
    assert {
        "raw_operational_watches",
        "fct_best_current_packages",
        "traveler_preferences",
        "published_recommendations",
        "watch_alerts",
        "alert_deliveries",
        "platform_proposals",
        "automatic_bookings",
    } <= selected
    # Collection is its own (partitioned) job, training its own weekly one.
    assert not {"raw_flight_quotes", "raw_ecb_rates", "buy_wait_challenger"} & selected


def test_booking_recovery_and_emails_run_every_minute_as_one_job():
    from orchestration.definitions import defs

    schedule = defs.get_schedule_def("booking_operations_schedule")
    assert schedule.job_name == "booking_operations"
    assert schedule.cron_schedule == "* * * * *"
    job = defs.get_job_def("booking_operations")
    # That emails follow recovery within one run is shown by tests/booking/test_booking_operations.
    assert set(job.graph.node_names()) == {"recover_interrupted_bookings", "send_booking_emails"}


def test_dagster_definitions_validate_passes():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster",
            "definitions",
            "validate",
            "-m",
            "orchestration.definitions",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
