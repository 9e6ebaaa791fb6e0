"""The errors every channel raises, so the outbox handles email, SMS and webhooks alike.

How a failed delivery is classified (the outbox decides retry vs. give up vs. "ask a human"
from these two flags alone):

``permanent``
    Retrying the same message will fail the same way: the receiving side answered with a
    definite refusal (SMTP 5xx, HTTP 4xx other than 408/429, a Twilio 4xx such as 21211
    "Invalid 'To' Phone Number"). The outbox marks the delivery failed.

``maybe_sent``
    The message was handed over completely and then the connection broke before the receiver
    confirmed it (SMTP: lost after the end-of-data ``.`` was sent; HTTP: timed out or dropped
    while waiting for the response). It may have been delivered. A retry can duplicate it, so
    the outbox retries only where the receiver dedupes (email on ``Message-ID``, webhooks on
    ``Wayra-Event-Id``) and otherwise records the delivery as unknown. Never permanent.

Neither flag set: definitely not delivered and worth retrying later (connection refused,
timeout while connecting, SMTP 4xx, HTTP 408/429/5xx).
"""

from __future__ import annotations


class DeliveryError(Exception):
    """A channel failed to deliver; see the module docstring for what the flags mean."""

    def __init__(
        self,
        reason: str,
        *,
        channel: str,
        permanent: bool,
        maybe_sent: bool = False,
        code: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        if permanent and maybe_sent:
            raise ValueError("a delivery that may have been sent cannot be permanently failed")
        super().__init__(reason)
        self.reason = reason
        self.channel = channel
        self.permanent = permanent
        self.maybe_sent = maybe_sent
        # SMTP reply code, HTTP status, or Twilio error code (e.g. 21211), when there was one.
        self.code = code
        # The receiver's Retry-After, in seconds, when it sent one (HTTP 429/503).
        self.retry_after_s = retry_after_s

    @property
    def definitely_not_sent(self) -> bool:
        return not self.maybe_sent

    def __repr__(self) -> str:
        return (
            f"DeliveryError({self.reason!r}, channel={self.channel!r}, "
            f"permanent={self.permanent}, maybe_sent={self.maybe_sent}, code={self.code})"
        )


class SignatureError(ValueError):
    """A webhook signature header is malformed, does not match the body, or is stale."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LinkError(ValueError):
    """An action-link token cannot be trusted; ``reason`` is "malformed", "bad signature" or
    "expired"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
