"""Delivering one stored alert on one channel: the message, the link, and what a failure means
for the outbox (``NotSent`` is retried or given up, ``MaybeSent`` is never sent again)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from wayra.alerts.outbox import MaybeSent, NotSent
from wayra.notifications import (
    AlertMessage,
    DeliveryError,
    action_url,
    build_email,
    make_link_token,
    post_webhook,
    send_email,
    send_sms,
)
from wayra.opstore.alert_models import Alert, AlertDelivery, TravelerContact
from wayra.opstore.models import User, Watch, WatchPricePoint
from wayra.settings import Settings

LINK_LIFETIME = dt.timedelta(days=7)
CHART_DAYS = 30


def watch_label(watch: Watch) -> str:
    nights = (
        f"{watch.nights_min}"
        if watch.nights_min == watch.nights_max
        else (f"{watch.nights_min}–{watch.nights_max}")
    )
    return (
        f"{'/'.join(watch.origins)} → {'/'.join(watch.destinations)}, "
        f"{watch.depart_from:%d %b}, {nights} nights"
    )


def alert_link(settings: Settings, alert: Alert, action: str = "open") -> str:
    token = make_link_token(
        settings.signing_secret.get_secret_value().encode(),
        alert.id,
        action,
        alert.deliver_at + LINK_LIFETIME,
    )
    return action_url(settings.public_base_url, token, f"/v1/alerts/{action}")


def alert_message(session: Session, settings: Settings, alert: Alert) -> AlertMessage:
    watch = session.get_one(Watch, alert.watch_id)
    since = alert.observed_at - dt.timedelta(days=CHART_DAYS)
    points = session.execute(
        select(WatchPricePoint.observed_at, WatchPricePoint.total_minor)
        .where(
            WatchPricePoint.watch_id == watch.id,
            WatchPricePoint.observed_at > since,
            WatchPricePoint.observed_at <= alert.observed_at,
        )
        .order_by(WatchPricePoint.observed_at)
    ).all()
    return AlertMessage(
        alert_id=alert.id,
        kind=alert.kind,
        watch_label=watch_label(watch),
        headline=alert.headline,
        explanation=alert.explanation,
        price_minor=alert.price_minor,
        currency=alert.currency,
        reference_minor=alert.reference_minor,
        link_url=alert_link(settings, alert),
        chart_points=tuple((at, total) for at, total in points),
        urgent=alert.urgent,
    )


class ChannelSender:
    """The outbox's ``send``: one alert on one channel, with the settings' servers."""

    def __init__(self, settings: Settings, factory: sessionmaker[Session]) -> None:
        self.settings = settings
        self.factory = factory

    def __call__(self, alert: Alert, delivery: AlertDelivery) -> str:
        with self.factory() as session:
            message = alert_message(session, self.settings, alert)
            user = session.get_one(User, alert.user_id)
            contact = session.get(TravelerContact, alert.user_id)
        try:
            return self._send(delivery.channel, message, user, contact, alert)
        except DeliveryError as exc:
            if exc.maybe_sent and delivery.channel != "webhook":
                raise MaybeSent(str(exc)) from exc
            # A webhook handed over may be sent again: receivers dedupe on Wayra-Event-Id.
            raise NotSent(str(exc), retryable=not exc.permanent) from exc

    def _send(self, channel, message, user, contact, alert) -> str:
        s = self.settings
        if channel == "email":
            if not s.smtp_host:
                raise NotSent("no SMTP server configured (WAYRA_SMTP_HOST)", retryable=False)
            email = build_email(message, s.smtp_sender, user.email)
            return send_email(email, s.smtp_host, s.smtp_port)
        if channel == "sms":
            if not (s.twilio_account_sid and s.twilio_auth_token and s.twilio_from_number):
                raise NotSent("Twilio is not configured (WAYRA_TWILIO_*)", retryable=False)
            if contact is None or not contact.phone_number:
                raise NotSent("the traveler has no phone number", retryable=False)
            return send_sms(
                message,
                contact.phone_number,
                account_sid=s.twilio_account_sid,
                auth_token=s.twilio_auth_token.get_secret_value(),
                from_number=s.twilio_from_number,
                base_url=s.twilio_base_url,
            )
        if channel == "webhook":
            if contact is None or not contact.webhook_url or not contact.webhook_secret:
                raise NotSent("the traveler has no webhook URL", retryable=False)
            payload = {
                "type": f"alert.{alert.kind}",
                "alert_id": alert.id,
                "watch_id": alert.watch_id,
                "headline": alert.headline,
                "price_minor": alert.price_minor,
                "currency": alert.currency,
                "reference_minor": alert.reference_minor,
                "urgent": alert.urgent,
                "observed_at": alert.observed_at.isoformat(),
                "link": message.link_url,
            }
            status = post_webhook(
                contact.webhook_url, contact.webhook_secret.encode(), alert.id, payload
            )
            return f"http-{status}"
        raise NotSent(f"unknown channel {channel!r}", retryable=False)
