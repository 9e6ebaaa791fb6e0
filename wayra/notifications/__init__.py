"""Smart-alert channels: email (SMTP), SMS (Twilio), signed webhooks, and signed action links.

Each channel turns one channel-independent ``AlertMessage`` into a delivery and reports failure
as a ``DeliveryError`` whose ``permanent`` / ``maybe_sent`` flags tell the outbox whether to
retry (see ``wayra.notifications.errors``). Nothing here touches storage or settings: callers
pass hosts, credentials and secrets in.
"""

from wayra.notifications.email import build_email, chart_content_id, message_id, send_email
from wayra.notifications.errors import DeliveryError, LinkError, SignatureError
from wayra.notifications.links import LinkClaims, action_url, make_link_token, read_link_token
from wayra.notifications.message import ALERT_KINDS, AlertMessage, sms_text, subject
from wayra.notifications.sms import send_sms
from wayra.notifications.webhooks import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    post_webhook,
    sign,
    verify,
)

__all__ = [
    "ALERT_KINDS",
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "AlertMessage",
    "DeliveryError",
    "LinkClaims",
    "LinkError",
    "SignatureError",
    "action_url",
    "build_email",
    "chart_content_id",
    "make_link_token",
    "message_id",
    "post_webhook",
    "read_link_token",
    "send_email",
    "send_sms",
    "sign",
    "sms_text",
    "subject",
    "verify",
]
