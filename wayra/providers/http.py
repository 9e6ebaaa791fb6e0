"""What the httpx-based connectors share: one JSON call, and what a failed call means.

The collector decides whether to retry from ``ProviderError.retryable`` and how long to wait
from ``retry_after``, so every failure a provider can produce is funnelled through
:func:`error_for_response` / :func:`error_for_transport` into exactly those two facts.

Secrets travel only in request headers, which are never logged; provider error text is
passed through :func:`redact` before it reaches a log line or an exception, because some
gateways echo the offending credential back in their error body.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from wayra.providers.base import ProviderError

log = logging.getLogger(__name__)

REDACTED = "***"
# A value this large in a reset header is an epoch timestamp, not a number of seconds.
_EPOCH_THRESHOLD = 1_000_000_000


class ProviderHTTPError(ProviderError):
    """A provider call that failed over HTTP; ``retry_after`` is in seconds (or None)."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message, retryable=retryable)
        self.status = status
        self.code = code
        self.retry_after = retry_after


def redact(text: str, secrets: Iterable[str | None]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def _seconds_until(value: dt.datetime, now: dt.datetime) -> float:
    return max(0.0, (value - now).total_seconds())


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """RFC 9110 Retry-After: delta-seconds or an HTTP-date. Garbage means "not given"."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    now = now or dt.datetime.now(dt.UTC)
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return _seconds_until(when, now)


def parse_rate_limit_reset(value: str | None, now: dt.datetime | None = None) -> float | None:
    """A ``*-RateLimit-Reset`` header as seconds to wait.

    Providers disagree on the unit: an HTTP-date (Duffel), epoch seconds, or seconds left.
    """
    if value is None or not value.strip():
        return None
    now = now or dt.datetime.now(dt.UTC)
    try:
        number = float(value.strip())
    except ValueError:
        return parse_retry_after(value, now)
    if number >= _EPOCH_THRESHOLD:
        return _seconds_until(dt.datetime.fromtimestamp(number, dt.UTC), now)
    return max(0.0, number)


def retry_after_from(
    response: httpx.Response, reset_headers: Iterable[str] = (), now: dt.datetime | None = None
) -> float | None:
    seconds = parse_retry_after(response.headers.get("retry-after"), now)
    if seconds is not None:
        return seconds
    for header in reset_headers:
        seconds = parse_rate_limit_reset(response.headers.get(header), now)
        if seconds is not None:
            return seconds
    return None


def json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def error_for_response(
    provider: str,
    response: httpx.Response,
    *,
    message: str | None,
    code: str | None = None,
    reset_headers: Iterable[str] = (),
    secrets: Iterable[str | None] = (),
) -> ProviderHTTPError:
    """Map a non-2xx response to the error the collector acts on.

    ``message``/``code`` are what the provider's own error body said (None if it said nothing
    parseable); they are redacted and kept, except for credential failures, where the exact
    wording is of no use to the caller and is the likeliest place for a secret to leak.
    """
    status = response.status_code
    where = f"{response.request.method} {response.request.url.path}"
    detail = redact(message, secrets) if message else None
    if status == 429:
        retry_after = retry_after_from(response, reset_headers)
        text = f"{provider}: rate limited (HTTP 429) on {where}"
        if retry_after is not None:
            text += f"; retry after {retry_after:g}s"
        return ProviderHTTPError(
            text, retryable=True, status=status, code=code, retry_after=retry_after
        )
    if status in (401, 403):
        return ProviderHTTPError(
            f"{provider}: credentials rejected (HTTP {status}) on {where}",
            retryable=False,
            status=status,
            code=code,
        )
    if status >= 500:
        text = f"{provider}: server error (HTTP {status}) on {where}"
        return ProviderHTTPError(
            text + (f": {detail}" if detail else ""),
            retryable=True,
            status=status,
            code=code,
            retry_after=retry_after_from(response, reset_headers),
        )
    text = f"{provider}: request rejected (HTTP {status}) on {where}"
    return ProviderHTTPError(
        text + (f": {detail}" if detail else ""), retryable=False, status=status, code=code
    )


def error_for_transport(
    provider: str, request: httpx.Request, exc: httpx.HTTPError
) -> ProviderError:
    """Timeouts and broken connections say nothing about the request itself: retry them."""
    where = f"{request.method} {request.url.path}"
    if isinstance(exc, httpx.TimeoutException):
        reason = "timed out"
    elif isinstance(exc, httpx.TransportError):
        reason = "connection failed"
    else:
        reason = "HTTP failure"
    # The exception class name says enough; its text is left out as it is not ours to vet.
    return ProviderHTTPError(
        f"{provider}: {reason} on {where} ({type(exc).__name__})", retryable=True
    )


ErrorParser = Callable[[Any], tuple[str | None, str | None]]


class JsonApi:
    """One provider's JSON-over-HTTP endpoint: send, log (without secrets), map failures."""

    def __init__(
        self,
        provider: str,
        client: httpx.Client,
        *,
        parse_error: ErrorParser,
        reset_headers: Iterable[str] = (),
        secrets: Iterable[str | None] = (),
        classify: Callable[[httpx.Response, ProviderHTTPError], ProviderHTTPError] | None = None,
    ):
        self.provider = provider
        self.client = client
        self._parse_error = parse_error
        self._reset_headers = tuple(reset_headers)
        self._secrets = tuple(s for s in secrets if s)
        self._classify = classify

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[Any, float]:
        """The decoded JSON body of a 2xx answer and the call's latency in milliseconds."""
        request = self.client.build_request(method, path, **kwargs)
        started = time.perf_counter()
        try:
            response = self.client.send(request)
        except httpx.HTTPError as exc:
            error = error_for_transport(self.provider, request, exc)
            log.warning("%s", error)
            raise error from None
        latency_ms = (time.perf_counter() - started) * 1000
        log.debug(
            "%s %s %s -> %s in %.0f ms",
            self.provider,
            method,
            request.url.path,
            response.status_code,
            latency_ms,
        )
        body = json_body(response)
        if response.is_success:
            if body is None:
                # A 2xx that is not JSON is a truncated or proxied answer, not a real one.
                raise ProviderHTTPError(
                    f"{self.provider}: unreadable JSON in HTTP {response.status_code} answer "
                    f"to {method} {request.url.path}",
                    retryable=True,
                    status=response.status_code,
                )
            return body, latency_ms
        message, code = self._parse_error(body) if body is not None else (None, None)
        if message is None and body is None and response.text:
            message = response.text[:200]
        error = error_for_response(
            self.provider,
            response,
            message=message,
            code=code,
            reset_headers=self._reset_headers,
            secrets=self._secrets,
        )
        if self._classify is not None:
            error = self._classify(response, error)
        log.warning("%s", error)
        raise error

    def close(self) -> None:
        self.client.close()
