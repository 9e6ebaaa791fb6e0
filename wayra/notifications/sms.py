"""SMS alerts through the Twilio Python SDK (``twilio.rest.Client``, Programmable Messaging).

Pointing the SDK at another host (a loopback server in tests, a regional endpoint): the SDK
builds absolute ``https://api.twilio.com/2010-04-01/...`` URLs itself and takes no base-URL
option, but it does take a caller-supplied ``http_client`` — the extension point Twilio
documents for proxies and custom transports (twilio-python, advanced-examples/
custom-http-client.md). ``_RebasedHttpClient`` is the SDK's own ``TwilioHttpClient`` with one
change: it swaps each URL's scheme and host for ``base_url``'s and keeps the path. Everything
else (auth, headers, form encoding, response and error parsing) is the real SDK.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import MaxRetryError

from wayra.notifications.errors import DeliveryError
from wayra.notifications.message import AlertMessage, sms_text

TWILIO_API_BASE_URL = "https://api.twilio.com"

# Same rule as webhooks: 408/429 are about timing, every other 4xx is about the request.
_RETRYABLE_4XX = frozenset({408, 429})


class _RebasedHttpClient(TwilioHttpClient):
    """``TwilioHttpClient`` that sends every request to ``base_url``'s origin."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        base = urlsplit(base_url)
        if base.scheme not in ("http", "https") or not base.netloc:
            raise ValueError(f"not an http(s) base URL: {base_url!r}")
        self._base = base

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        target = urlsplit(url)
        rebased = urlunsplit(
            (
                self._base.scheme,
                self._base.netloc,
                self._base.path.rstrip("/") + target.path,
                target.query,
                target.fragment,
            )
        )
        return super().request(
            method,
            rebased,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


def send_sms(
    message: AlertMessage,
    to_number: str,
    *,
    account_sid: str,
    auth_token: str,
    from_number: str,
    base_url: str = TWILIO_API_BASE_URL,
    timeout: float = 10,
) -> str:
    """Send ``sms_text(message)`` to ``to_number`` (E.164); return the Twilio Message SID.

    Raises ``DeliveryError``: Twilio 4xx (e.g. 21211 invalid number, 21610 unsubscribed) is
    permanent except 408/429; 5xx and connect failures are retryable; a connection lost after
    the request was sent is ``maybe_sent`` (Twilio has no idempotency key for Messages, so the
    outbox must not blindly resend it).
    """
    # Explicit credentials win over TWILIO_* environment variables, and the rebasing client
    # overrides any host TWILIO_REGION/TWILIO_EDGE would pick: Wayra's settings decide alone.
    http_client = _RebasedHttpClient(base_url, timeout)
    client = Client(account_sid, auth_token, account_sid=account_sid, http_client=http_client)
    try:
        created = client.messages.create(to=to_number, from_=from_number, body=sms_text(message))
    except (TwilioRestException, TwilioServiceException) as exc:
        raise _refusal(exc) from exc
    except requests.RequestException as exc:
        raise _transport_failure(exc) from exc
    finally:
        if http_client.session is not None:
            http_client.session.close()
    return created.sid


def _refusal(exc: TwilioRestException | TwilioServiceException) -> DeliveryError:
    status = int(exc.status)
    detail: Any = exc.msg if isinstance(exc, TwilioRestException) else exc.title
    return DeliveryError(
        f"Twilio answered HTTP {status} (error {exc.code}): {detail}",
        channel="sms",
        permanent=400 <= status < 500 and status not in _RETRYABLE_4XX,
        code=exc.code,
    )


def _transport_failure(exc: requests.RequestException) -> DeliveryError:
    # requests wraps failures to establish the connection (refused, DNS, TLS handshake,
    # connect timeout) in MaxRetryError / ConnectTimeout: the request never left. Anything
    # else (read timeout, connection dropped while waiting for the answer) happened after the
    # POST was written, so Twilio may have queued the message.
    never_sent = isinstance(exc, requests.ConnectTimeout) or (
        isinstance(exc, requests.ConnectionError)
        and bool(exc.args)
        and isinstance(exc.args[0], MaxRetryError)
    )
    if never_sent:
        return DeliveryError(f"Twilio unreachable: {exc}", channel="sms", permanent=False)
    return DeliveryError(
        f"Twilio outcome unknown: {exc!r}", channel="sms", permanent=False, maybe_sent=True
    )
