"""Rules evaluated on published versions: one alert per firing across re-runs, the outbox rows
per channel, and all four kinds from what a publication carries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select

from tests.opstore.factories import make_watch, package_row
from wayra.alerts.evaluation import evaluate_watches
from wayra.opstore.alert_models import Alert, AlertDelivery, TravelerContact, WatchAlertState
from wayra.opstore.publication import publish_recommendations
from wayra.opstore.users import create_user

START = dt.datetime(2026, 10, 1, 6, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)


def seed_watch(store, budget_minor=250_000, channels=("email", "sms")):
    with store.begin() as session:
        user, _ = create_user(session, "traveler@example.com", "Traveler")
        watch = make_watch(
            session,
            user,
            budget_minor=budget_minor,
            depart_from=dt.date(2027, 1, 15),
            depart_to=dt.date(2027, 1, 18),
            alert_preferences={"channels": list(channels)},
        )
        session.add(TravelerContact(user_id=user.id, phone_number="+447700900123"))
        return watch


def publish_day(store, watch, prices, first_day=0, top_total=None, offer="OB-1", advice=None):
    points = [
        {
            "watch_id": watch.id,
            "observed_at": START + dt.timedelta(days=first_day + i),
            "total_minor": price,
            "currency": watch.currency,
        }
        for i, price in enumerate(prices)
    ]
    row = package_row(watch, top_total or prices[-1]) | {"score": float(top_total or prices[-1])}
    row["legs"] = [{**leg, "offer_id": f"{offer}-{leg['kind']}"} for leg in row["legs"]]
    summary = {
        "watch_id": watch.id,
        "status": "optimal",
        "currency": watch.currency,
        "first_price_minor": None,
        "typical_price_minor": None,
        "advice": advice,
        "pareto_front": [],
        "binding": [],
    }
    with store.begin() as session:
        publish_recommendations(
            session,
            [row],
            "run",
            summaries=[summary],
            price_points=points,
            as_of=points[-1]["observed_at"],
        )


def evaluate(store):
    with store.begin() as session:
        return evaluate_watches(session, now=NOW)


def alerts(store, kind=None):
    with store() as session:
        query = select(Alert).order_by(Alert.observed_at)
        if kind:
            query = query.where(Alert.kind == kind)
        return session.scalars(query).all()


def test_a_price_oscillating_around_the_threshold_alerts_once(store):
    watch = seed_watch(store)
    # First price 400,000; then ±1% around 10% below it for a month.
    prices = [400_000] + [360_000 + (3_600 if day % 2 else -3_600) for day in range(30)]
    publish_day(store, watch, prices)
    report = evaluate(store)
    assert report.alerts == {"price_drop": 1}
    (alert,) = alerts(store)
    assert alert.reference_minor == 400_000 and alert.price_minor == 356_400
    assert "Price drop" in alert.headline and "3,564.00 GBP" in alert.headline
    with store() as session:
        channels = session.scalars(
            select(AlertDelivery.channel).where(AlertDelivery.alert_id == alert.id)
        ).all()
    assert sorted(channels) == ["email", "sms"]
    # Nothing new published: nothing new alerted.
    assert evaluate(store).alerts == {}


def test_a_lost_rule_state_does_not_duplicate_alerts(store):
    watch = seed_watch(store)
    publish_day(store, watch, [400_000, 350_000])
    assert evaluate(store).alerts == {"price_drop": 1}
    with store.begin() as session:
        session.execute(delete(WatchAlertState))
    evaluate(store)  # replays the history from scratch: same dedupe keys
    assert len(alerts(store)) == 1
    with store() as session:
        assert session.scalar(select(func.count()).select_from(AlertDelivery)) == 2


def test_budget_urgency_and_better_alternative_from_later_versions(store):
    watch = seed_watch(store, budget_minor=400_000)
    publish_day(store, watch, [460_000, 455_000], top_total=455_000, offer="A")
    assert evaluate(store).alerts == {}
    # Within 5% of the budget, the policy says buy now with a high risk of going over it,
    # and a different top package is 8% cheaper than the one recommended before.
    advice = {"action": "BUY_NOW", "prob_above_budget": 0.8, "book_by": "2026-10-03"}
    publish_day(store, watch, [418_000], first_day=2, top_total=418_000, offer="B", advice=advice)
    report = evaluate(store)
    assert report.alerts == {"budget_target": 1, "booking_urgency": 1, "better_alternative": 1}
    (urgent,) = alerts(store, "booking_urgency")
    assert urgent.urgent and "80% chance" in urgent.headline
    (better,) = alerts(store, "better_alternative")
    assert better.reference_minor == 455_000 and better.price_minor == 418_000


def test_alerts_replayed_from_history_are_delivered_now_not_in_the_past(store):
    watch = seed_watch(store)
    publish_day(store, watch, [400_000, 350_000])  # a drop on 2 Oct, evaluated on 25 Nov
    evaluate(store)
    (alert,) = alerts(store)
    assert alert.observed_at == START + dt.timedelta(days=1)
    assert alert.deliver_at == NOW
