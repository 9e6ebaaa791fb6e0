"""Alerts after each publication, then their delivery.

``watch_alerts`` evaluates every active watch's rules on what the new version published and
stores what fired (alerts, their per-channel outbox rows, the rule state) in one transaction.
``alert_deliveries`` runs the outbox: each due (alert, channel) is sent at most once, and one a
crashed run left mid-send is never sent twice (``wayra.alerts.outbox``). It runs after every
evaluation and on its own schedule, for alerts deferred by quiet hours or to the digest.
"""

import datetime as dt

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    asset,
    define_asset_job,
)

from orchestration.defs.resources import OperationalStoreResource
from wayra.alerts.channels import ChannelSender
from wayra.alerts.evaluation import evaluate_watches
from wayra.alerts.outbox import deliver_due


@asset(
    deps=[AssetKey("published_recommendations")],
    group_name="alerts",
    description="Price drop, budget target, booking urgency and better alternative alerts, "
    "evaluated on every newly published version (hysteresis, cooldowns, quiet hours).",
)
def watch_alerts(
    context: AssetExecutionContext, operational_store: OperationalStoreResource
) -> MaterializeResult:
    with operational_store.session() as session:
        report = evaluate_watches(session)
        session.commit()
    for reason in report.skipped or []:
        context.log.warning(f"watch skipped: {reason}")
    return MaterializeResult(
        metadata={
            "watches_evaluated": report.watches,
            "observations": report.observations,
            "alerts": MetadataValue.json(report.alerts or {}),
            "skipped": len(report.skipped or []),
        }
    )


@asset(
    deps=[AssetKey("watch_alerts")],
    group_name="alerts",
    description="One outbox pass: every due alert sent on each of its channels at most once.",
)
def alert_deliveries(
    context: AssetExecutionContext, operational_store: OperationalStoreResource
) -> MaterializeResult:
    settings = operational_store.settings()
    with operational_store.session_factory() as factory:
        report = deliver_due(factory, ChannelSender(settings, factory), dt.datetime.now(dt.UTC))
    for error in report.errors[:20]:
        context.log.warning(error)
    return MaterializeResult(
        metadata={
            "sent": report.sent,
            "retrying": report.retrying,
            "failed": report.failed,
            "unconfirmed": report.unconfirmed,
            "recovered": report.recovered,
        }
    )


deliver_alerts_job = define_asset_job(
    "deliver_alerts", selection=AssetSelection.assets("alert_deliveries")
)
# Quiet hours end and digests fall due between collection cycles.
alert_delivery_schedule = ScheduleDefinition(
    job=deliver_alerts_job, cron_schedule="*/5 * * * *", execution_timezone="UTC"
)
