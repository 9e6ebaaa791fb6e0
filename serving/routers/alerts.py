"""Alerts: the in-app feed, the signed one-click links that open an alert's recommendation or
act on it (recorded for the alert action rate), and where a traveler's alerts go."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from sqlalchemy import func, select

from serving.alert_schemas import (
    AlertActionOut,
    AlertList,
    AlertOut,
    ContactIn,
    ContactOut,
    DeliveryOut,
)
from serving.deps import CurrentUser, SessionDep
from serving.recommendation_schemas import RecommendationsOut
from serving.routers.watches import recommendations_of
from wayra.notifications.links import LinkError, read_link_token
from wayra.opstore.alert_models import Alert, AlertDelivery, AlertInteraction, TravelerContact
from wayra.opstore.models import Watch

router = APIRouter(tags=["alerts"])


def _alert_out(alert: Alert, deliveries: list[AlertDelivery], actions: set[str]) -> AlertOut:
    return AlertOut(
        id=alert.id,
        watch_id=alert.watch_id,
        kind=alert.kind,
        headline=alert.headline,
        explanation=alert.explanation,
        price_minor=alert.price_minor,
        reference_minor=alert.reference_minor,
        currency=alert.currency,
        urgent=alert.urgent,
        digest=alert.digest,
        observed_at=alert.observed_at,
        deliver_at=alert.deliver_at,
        created_at=alert.created_at,
        recommendation_id=alert.recommendation_id,
        facts=alert.facts,
        deliveries=[DeliveryOut.model_validate(d) for d in deliveries],
        opened="opened" in actions,
        acted="acted" in actions,
    )


@router.get("/v1/alerts")
def list_alerts(
    session: SessionDep,
    user: CurrentUser,
    watch_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AlertList:
    """The traveler's alerts, newest first: what reached (or will reach) them and how."""
    # An alert deferred by quiet hours or to the digest shows once it is due.
    visible = (Alert.user_id == user.id) & (Alert.deliver_at <= dt.datetime.now(dt.UTC))
    if watch_id is not None:
        visible &= Alert.watch_id == watch_id
    alerts = session.scalars(
        select(Alert)
        .where(visible)
        .order_by(Alert.observed_at.desc(), Alert.id)
        .limit(limit)
        .offset(offset)
    ).all()
    ids = [a.id for a in alerts]
    deliveries: dict[str, list[AlertDelivery]] = {i: [] for i in ids}
    actions: dict[str, set[str]] = {i: set() for i in ids}
    if ids:
        for delivery in session.scalars(
            select(AlertDelivery)
            .where(AlertDelivery.alert_id.in_(ids))
            .order_by(AlertDelivery.channel)
        ):
            deliveries[delivery.alert_id].append(delivery)
        for alert_id, action in session.execute(
            select(AlertInteraction.alert_id, AlertInteraction.action).where(
                AlertInteraction.alert_id.in_(ids)
            )
        ):
            actions[alert_id].add(action)
    count = session.scalar(select(func.count()).select_from(Alert).where(visible)) or 0
    return AlertList(
        items=[_alert_out(a, deliveries[a.id], actions[a.id]) for a in alerts], count=count
    )


def _claimed_alert(request: Request, session: SessionDep, token: str, action: str) -> Alert:
    settings = request.app.state.settings
    try:
        claims = read_link_token(
            settings.signing_secret.get_secret_value().encode(), token, dt.datetime.now(dt.UTC)
        )
    except LinkError as exc:
        # 403 with the reason: an expired link is the traveler's to understand, not a 404.
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"This link cannot be used: {exc}") from None
    alert = session.get(Alert, claims.alert_id)
    if alert is None or claims.action != action:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such alert.")
    return alert


def _record(session: SessionDep, alert: Alert, action: str) -> None:
    session.add(AlertInteraction(alert_id=alert.id, action=action))
    session.commit()


class AlertRecommendationsOut(AlertActionOut):
    recommendations: RecommendationsOut


def _respond(session: SessionDep, alert: Alert, action: str) -> AlertRecommendationsOut:
    watch = session.get_one(Watch, alert.watch_id)
    return AlertRecommendationsOut(
        alert_id=alert.id,
        action=action,
        watch_id=alert.watch_id,
        recommendation_id=alert.recommendation_id,
        recommendations=recommendations_of(session, watch),
    )


@router.get("/v1/alerts/open")
def open_alert(request: Request, session: SessionDep, token: str) -> AlertRecommendationsOut:
    """The link in an alert: the signed, expiring token is the credential. Opens the watch's
    current recommendations and records that the alert was opened."""
    alert = _claimed_alert(request, session, token, "open")
    _record(session, alert, "opened")
    return _respond(session, alert, "opened")


@router.post("/v1/alerts/act")
def act_on_alert(request: Request, session: SessionDep, token: str) -> AlertRecommendationsOut:
    """The alert's call to action ("see and book this package"): recorded as acted on."""
    alert = _claimed_alert(request, session, token, "act")
    _record(session, alert, "acted")
    return _respond(session, alert, "acted")


@router.get("/v1/me/contact")
def get_contact(session: SessionDep, user: CurrentUser) -> ContactOut:
    contact = session.get(TravelerContact, user.id)
    if contact is None:
        return ContactOut(phone_number=None, webhook_url=None)
    return ContactOut(phone_number=contact.phone_number, webhook_url=contact.webhook_url)


@router.put("/v1/me/contact")
def put_contact(body: ContactIn, session: SessionDep, user: CurrentUser) -> ContactOut:
    """Set where SMS and webhooks go. A new webhook URL gets a new signing secret, shown once."""
    contact = session.get(TravelerContact, user.id) or TravelerContact(user_id=user.id)
    url = str(body.webhook_url) if body.webhook_url is not None else None
    new_secret = None
    if url is not None and url != contact.webhook_url:
        new_secret = secrets.token_urlsafe(32)
        contact.webhook_secret = new_secret
    if url is None:
        contact.webhook_secret = None
    contact.phone_number = body.phone_number
    contact.webhook_url = url
    contact.updated_at = dt.datetime.now(dt.UTC)
    session.add(contact)
    session.commit()
    return ContactOut(
        phone_number=contact.phone_number,
        webhook_url=contact.webhook_url,
        webhook_secret=new_secret,
    )
