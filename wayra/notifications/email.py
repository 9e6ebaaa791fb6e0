"""Email alerts: a multipart message (text + HTML with an inline price chart) sent over SMTP.

Structure of the message::

    multipart/alternative
    ├── text/plain                     (alert.txt)
    └── multipart/related
        ├── text/html                  (alert.html, shows <img src="cid:...">)
        └── image/png                  (the chart; only when there are price points)

Delivery failures and what they mean for the outbox (see ``errors`` for the flags):

* connection refused / connect timeout / bad greeting 4xx → not sent, retryable;
* any 5xx reply up to and including the reply to the end of DATA → not sent, permanent
  (mailbox unknown, sender refused, content rejected);
* any 4xx reply up to and including that reply → not sent, retryable (greylisting, full
  queues);
* connection lost or timed out *before* the end-of-data ``.`` was written → not sent,
  retryable (the server discards an unterminated DATA);
* connection lost or timed out *after* it was written and before the server's reply →
  ``maybe_sent``: the server may have queued it. A resend carries the same ``Message-ID``, so
  receiving systems (and people) can recognise the duplicate.
"""

from __future__ import annotations

import email.policy
import re
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache

import jinja2

from wayra.notifications.errors import DeliveryError
from wayra.notifications.message import KIND_TITLES, AlertMessage, subject

CHART_FILENAME = "price-trend.png"


def message_id(alert_id: str, channel: str = "email") -> str:
    """Deterministic, so every resend of one alert is recognisably the same message."""
    return f"<alert-{alert_id}.{channel}@wayra>"


def chart_content_id(alert_id: str) -> str:
    """The chart's Content-ID without angle brackets, as the HTML's ``cid:`` URL uses it."""
    return f"chart.{alert_id}@wayra"


@cache
def templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("wayra.notifications", "templates"),
        # Escape everything except the plain-text template: alert text (explanations, labels)
        # comes from data we do not fully control.
        autoescape=jinja2.select_autoescape(disabled_extensions=("txt",), default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def build_email(
    message: AlertMessage, sender: str, recipient: str, *, now: datetime | None = None
) -> EmailMessage:
    """The complete email for ``message``, ready for ``send_email``."""
    chart_png = None
    if message.chart_points:
        from wayra.notifications.chart import price_chart_png

        chart_png = price_chart_png(message.chart_points, message.currency)
    context = {
        "message": message,
        "subject": subject(message),
        "title": KIND_TITLES[message.kind],
        "chart_cid": chart_content_id(message.alert_id) if chart_png else None,
    }
    text = templates().get_template("alert.txt").render(context)
    html = templates().get_template("alert.html").render(context)

    email_message = EmailMessage(policy=email.policy.SMTP)
    email_message["Subject"] = subject(message)
    email_message["From"] = sender
    email_message["To"] = recipient
    email_message["Date"] = format_datetime(now or datetime.now(UTC))
    email_message["Message-ID"] = message_id(message.alert_id)
    if message.urgent:
        email_message["Importance"] = "high"
    # quoted-printable keeps the message 7-bit (labels carry "→", "–"), so it passes servers
    # that do not offer 8BITMIME.
    email_message.set_content(text, cte="quoted-printable")
    email_message.add_alternative(html, subtype="html", cte="quoted-printable")
    if chart_png is not None:
        html_part = email_message.get_payload()[1]
        html_part.add_related(
            chart_png,
            maintype="image",
            subtype="png",
            cid=f"<{chart_content_id(message.alert_id)}>",
            disposition="inline",
            filename=CHART_FILENAME,
        )
    return email_message


def send_email(
    message_obj: EmailMessage,
    host: str,
    port: int,
    timeout: float = 10,
    *,
    local_hostname: str | None = None,
) -> str:
    """Deliver ``message_obj`` to the SMTP relay at ``host:port``; return its Message-ID.

    Envelope sender and recipients come from the From / To / Cc headers. All recipients must
    be accepted, otherwise nothing is sent. Raises ``DeliveryError`` classified as in the
    module docstring.
    """
    message_id_value = str(message_obj["Message-ID"])
    envelope_from = message_obj["From"].addresses[0].addr_spec
    envelope_to = [
        address.addr_spec
        for header in ("To", "Cc")
        for address in (message_obj[header].addresses if message_obj[header] else ())
    ]
    if not envelope_to:
        raise ValueError("the message has no To or Cc recipients")
    data = _dot_stuffed(message_obj.as_bytes(policy=email.policy.SMTP))

    try:
        smtp = smtplib.SMTP(host, port, local_hostname=local_hostname, timeout=timeout)
    except smtplib.SMTPResponseException as exc:  # the greeting was a refusal
        raise _refused("greeting", exc.smtp_code, exc.smtp_error) from exc
    except OSError as exc:  # refused, unreachable, timed out: nothing was sent
        raise DeliveryError(
            f"SMTP connect to {host}:{port} failed: {exc}", channel="email", permanent=False
        ) from exc

    end_of_data_written = False
    try:
        code, reply = smtp.ehlo()
        if not 200 <= code < 300:
            code, reply = smtp.helo()
            if not 200 <= code < 300:
                raise _refused("HELO", code, reply)
        code, reply = smtp.mail(envelope_from)
        if code != 250:
            raise _refused("MAIL FROM", code, reply)
        refusals = []
        for recipient in envelope_to:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                refusals.append((code, reply))
        if refusals:
            # Report the lowest code: permanent only if every refusal is 5xx, since one 4xx
            # (e.g. a greylisted mailbox) makes the whole attempt worth retrying.
            code, reply = min(refusals, key=lambda refusal: refusal[0])
            raise _refused("RCPT TO", code, reply)
        # DATA by hand rather than smtplib's sendmail()/data(): those write the content and
        # read the verdict in one call, hiding whether a broken connection happened before or
        # after the end-of-data marker, which is exactly the "maybe sent" line.
        code, reply = smtp.docmd("DATA")
        if code != 354:
            raise _refused("DATA", code, reply)
        smtp.send(data)
        end_of_data_written = True
        code, reply = smtp.getreply()
        if code != 250:
            raise _refused("end of DATA", code, reply)
    except smtplib.SMTPResponseException as exc:
        # The calls above return codes rather than raise them; caught anyway because an
        # SMTPException is an OSError and must never be mistaken for a lost connection.
        _quit_quietly(smtp)
        raise _refused("SMTP", exc.smtp_code, exc.smtp_error) from exc
    except OSError as exc:  # includes SMTPServerDisconnected and socket timeouts
        smtp.close()
        if end_of_data_written:
            raise DeliveryError(
                f"SMTP connection lost after the message was sent: {exc}",
                channel="email",
                permanent=False,
                maybe_sent=True,
            ) from exc
        raise DeliveryError(
            f"SMTP connection lost before the message was complete: {exc}",
            channel="email",
            permanent=False,
        ) from exc
    except DeliveryError:
        _quit_quietly(smtp)
        raise
    _quit_quietly(smtp)
    return message_id_value


def _refused(stage: str, code: int, reply: bytes | str) -> DeliveryError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return DeliveryError(
        f"SMTP {stage} refused: {code} {text}",
        channel="email",
        permanent=500 <= code < 600,
        code=code,
    )


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    # The verdict is already known; a failed QUIT changes nothing about it.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _dot_stuffed(data: bytes) -> bytes:
    """The DATA payload: leading dots doubled (RFC 5321 §4.5.2), ending in CRLF "." CRLF."""
    stuffed = re.sub(rb"(?m)^\.", b"..", data)
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"
