"""Evaluating a watch's alert rules on what was published since its last evaluation, and
storing what fires: the alert (once, by its dedupe key), one outbox row per channel, and the
watch's new rule state, all in the caller's transaction.

Observations are the watch's published price points after its last evaluation. The newest
one also carries what only the current version knows: the top package (its key, total and
score, for "better alternative" and as the alert's price) and the buy/wait advice. So a watch's
first evaluation replays its price history with the cheapest package per instant, and every
later one (one new point per collection cycle) sees the top recommended package.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ml.alerts.rules import AlertCandidate, RuleState, WatchObservation, evaluate
from ml.alerts.settings import AlertSettings, AlertSettingsError
from wayra.money import Money
from wayra.opstore.alert_models import Alert, AlertDelivery, TravelerContact, WatchAlertState
from wayra.opstore.models import (
    Recommendation,
    RecommendationPublication,
    Watch,
    WatchPricePoint,
    WatchRecommendationSummary,
)

SENDING_CHANNELS = ("email", "sms", "webhook")  # "push" is the in-app feed: no delivery row


@dataclass
class EvaluationReport:
    watches: int = 0
    observations: int = 0
    alerts: dict[str, int] | None = None
    skipped: list[str] | None = None


def package_key(recommendation: Recommendation) -> str:
    return "|".join(
        f"{leg['kind']}:{leg['provider']}:{leg['offer_id']}" for leg in recommendation.legs
    )


def top_package(
    session: Session, publication: RecommendationPublication, watch: Watch
) -> Recommendation | None:
    return session.scalar(
        select(Recommendation).where(
            Recommendation.version == publication.version,
            Recommendation.watch_id == watch.id,
            Recommendation.rank == 1,
        )
    )


def observations(
    session: Session,
    watch: Watch,
    state: RuleState,
    publication: RecommendationPublication,
    top: Recommendation | None,
) -> list[WatchObservation]:
    query = select(WatchPricePoint).where(WatchPricePoint.watch_id == watch.id)
    if state.last_evaluated_at is not None:
        query = query.where(WatchPricePoint.observed_at > state.last_evaluated_at)
    if publication.as_of is not None:
        query = query.where(WatchPricePoint.observed_at <= publication.as_of)
    points = session.scalars(query.order_by(WatchPricePoint.observed_at)).all()
    if not points:
        return []
    summary = session.get(WatchRecommendationSummary, (publication.version, watch.id))
    advice = summary.advice if summary is not None else None
    observed = []
    for index, point in enumerate(points):
        latest = index == len(points) - 1
        observed.append(
            WatchObservation(
                watch_id=watch.id,
                observed_at=point.observed_at,
                best_price_minor=top.total_minor if latest and top else point.total_minor,
                currency=watch.currency,
                budget_minor=watch.budget_minor,
                departure_date=watch.depart_from,
                buy_now=(advice["action"] == "BUY_NOW") if latest and advice else None,
                prob_above_budget=advice.get("prob_above_budget") if latest and advice else None,
                best_package_key=package_key(top) if latest and top else None,
                best_score=top.score if latest and top else None,
            )
        )
    return observed


def _money(amount_minor: int | None, currency: str) -> str:
    return "" if amount_minor is None else str(Money(int(amount_minor), currency))


def alert_text(candidate: AlertCandidate, top: Recommendation | None) -> tuple[str, str]:
    """The alert's headline (what happened, with the numbers) and explanation (why to care)."""
    facts, price = candidate.facts, _money(candidate.price_minor, candidate.currency)
    reference = _money(candidate.reference_minor, candidate.currency)
    if candidate.kind == "price_drop":
        headline = f"Price drop: {price}, {facts['drop_pct']:.0f}% below {reference}"
    elif candidate.kind == "budget_target":
        where = "under" if facts.get("under_budget") else "within 5% of"
        headline = f"{price}: {where} your budget of {reference}"
    elif candidate.kind == "booking_urgency":
        if "buy_now" in facts.get("reasons", []):
            chance = facts.get("prob_above_budget") or 0.0
            headline = f"Book now: {chance:.0%} chance the price goes above your budget"
        else:
            headline = f"{facts['fence_days']} days to departure: fares usually rise from here"
    else:
        headline = f"A better package: {price}, {facts['price_saving_pct']:.0f}% below {reference}"
    explanation = (top.explanation or {}).get("headline", "") if top is not None else ""
    return headline[:300], (explanation or "See the packages Wayra recommends now.")[:2000]


def _channels(watch: Watch, contact: TravelerContact | None) -> list[str]:
    wanted = (watch.alert_preferences or {}).get("channels", ["email"])
    reachable = {"email"}
    if contact is not None and contact.phone_number:
        reachable.add("sms")
    if contact is not None and contact.webhook_url:
        reachable.add("webhook")
    return [c for c in SENDING_CHANNELS if c in wanted and c in reachable]


def store_candidates(
    session: Session,
    watch: Watch,
    candidates: Sequence[AlertCandidate],
    top: Recommendation | None,
    now: dt.datetime,
) -> list[Alert]:
    """Each new alert once (a re-run finds its dedupe key), with its deliveries."""
    if not candidates:
        return []
    keys = [c.dedupe_key for c in candidates]
    known = set(session.scalars(select(Alert.dedupe_key).where(Alert.dedupe_key.in_(keys))))
    contact = session.get(TravelerContact, watch.user_id)
    stored = []
    for candidate in candidates:
        if candidate.dedupe_key in known:
            continue
        headline, explanation = alert_text(candidate, top)
        # Alerts from a replayed history are delivered as of now, not in the past.
        due = max(candidate.deliver_at, now)
        alert = Alert(
            user_id=watch.user_id,
            watch_id=watch.id,
            kind=candidate.kind,
            dedupe_key=candidate.dedupe_key,
            observed_at=candidate.observed_at,
            deliver_at=due,
            urgent=candidate.urgent,
            digest=candidate.digest,
            price_minor=candidate.price_minor,
            reference_minor=candidate.reference_minor,
            currency=candidate.currency,
            headline=headline,
            explanation=explanation,
            facts=dict(candidate.facts),
            recommendation_id=top.id if top is not None else None,
        )
        session.add(alert)
        session.flush()
        for channel in _channels(watch, contact):
            session.add(AlertDelivery(alert_id=alert.id, channel=channel, next_attempt_at=due))
        stored.append(alert)
    return stored


def evaluate_watches(session: Session, now: dt.datetime | None = None) -> EvaluationReport:
    """Evaluate every active watch against the latest publication; the caller commits."""
    now = now or dt.datetime.now(dt.UTC)
    report = EvaluationReport(alerts={}, skipped=[])
    publication = session.scalar(
        select(RecommendationPublication)
        .order_by(RecommendationPublication.version.desc())
        .limit(1)
    )
    if publication is None:
        return report
    watches = session.scalars(
        select(Watch).where(Watch.status == "active").order_by(Watch.id)
    ).all()
    for watch in watches:
        try:
            settings = AlertSettings().with_overrides(watch.alert_preferences or {})
        except AlertSettingsError as exc:
            # A watch with unreadable preferences is skipped with the reason, not the run.
            report.skipped.append(f"{watch.id}: {exc}")
            continue
        row = session.get(WatchAlertState, watch.id)
        state = RuleState.from_dict(row.state if row else None)
        top = top_package(session, publication, watch)
        observed = observations(session, watch, state, publication, top)
        if not observed:
            continue
        fired: list[AlertCandidate] = []
        for observation in observed:
            candidates, state = evaluate(observation, state, settings, watch.timezone)
            fired.extend(candidates)
        for alert in store_candidates(session, watch, fired, top, now):
            report.alerts[alert.kind] = report.alerts.get(alert.kind, 0) + 1
        if row is None:
            row = WatchAlertState(watch_id=watch.id, state=state.to_dict())
            session.add(row)
        else:
            row.state = state.to_dict()
        row.updated_at = now
        report.watches += 1
        report.observations += len(observed)
    session.flush()
    return report
