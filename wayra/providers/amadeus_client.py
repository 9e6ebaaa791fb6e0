"""One Amadeus Self-Service client: the real ``amadeus`` SDK, a per-call timeout, and SDK
errors mapped to :class:`~wayra.providers.base.ProviderError`.

What the SDK does and does not do for us (amadeus 12.0.0):

* It fetches an OAuth2 token on first use and again when the token is within 10 s of its
  ``expires_in``. It does not react to a token the server revoked early: that comes back as
  a 401 on the API call. :meth:`AmadeusApi.call` then forgets the token and tries once more;
  a second 401 is final (not retryable).
* It has no timeout option, but takes any ``urlopen``-compatible callable as ``http``. We give
  it ``urlopen(..., timeout=provider_timeout_seconds)`` that reads the body before returning,
  so a stalled connect or read surfaces inside that callable, where it is turned into the
  SDK's own NetworkError. The timeout bounds each socket operation (connect, each read), not
  the sum of them; the collector's own deadline covers a server that trickles bytes.
* Its error text can include request details; its request objects hold the bearer token and,
  for the token call, the client secret. So our errors carry only status, Amadeus' error
  code/title/detail, are raised ``from None`` (no SDK exception, no credentials, in the
  chain), and are scrubbed of the credentials on top.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Callable
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

import amadeus
from amadeus import ResponseError

from wayra.providers.base import ProviderError
from wayra.providers.http import parse_retry_after

log = logging.getLogger("wayra.providers.amadeus")

TOKEN_PATH = "/v1/security/oauth2/token"


class AmadeusError(ProviderError):
    """A failed Amadeus call. ``retry_after`` (seconds) is set when Amadeus sent Retry-After."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        code: str | int | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message, retryable=retryable)
        self.status = status
        self.code = code
        self.retry_after = retry_after


class _BufferedResponse:
    """The parts of an ``http.client.HTTPResponse`` the SDK's parser reads, body already read."""

    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status = status
        self.code = status
        self._headers = headers
        self._body = body

    def info(self) -> http.client.HTTPMessage:
        return self._headers

    def getheaders(self) -> list[tuple[str, str]]:
        return list(self._headers.items())

    def read(self) -> bytes:
        return self._body


def _error_fields(result: Any) -> tuple[str | int | None, str]:
    """Amadeus' error code and a human text from either error body shape it uses."""
    if not isinstance(result, dict):
        return None, ""
    errors = result.get("errors")
    if isinstance(errors, list) and errors:
        parts, code = [], None
        for error in errors:
            if not isinstance(error, dict):
                continue
            code = code if code is not None else error.get("code")
            text = " - ".join(str(error[k]) for k in ("title", "detail") if error.get(k))
            parameter = (error.get("source") or {}).get("parameter")
            parts.append(f"{text} [{parameter}]" if parameter else text)
        return code, "; ".join(p for p in parts if p)
    # The token endpoint answers in OAuth2's shape instead.
    texts = [str(result[k]) for k in ("error", "error_description", "title") if result.get(k)]
    return result.get("code"), " - ".join(texts)


class AmadeusApi:
    """A configured SDK client plus the error mapping every Amadeus connector shares."""

    def __init__(self, client_id: str, client_secret: str, base_url: str, timeout: float):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"amadeus base url must be http(s)://host[:port], got {base_url!r}")
        ssl = parts.scheme == "https"
        self.timeout = timeout
        self.base_url = base_url
        self._secrets = tuple(s for s in (client_id, client_secret) if s)
        # Every option passed explicitly: the SDK otherwise falls back to AMADEUS_* env vars.
        self.client = amadeus.Client(
            client_id=client_id,
            client_secret=client_secret,
            host=parts.hostname,
            port=parts.port or (443 if ssl else 80),
            ssl=ssl,
            log_level="silent",
            logger=log,
            http=self._open,
        )

    def __repr__(self) -> str:
        return f"AmadeusApi(base_url={self.base_url!r})"

    def _open(self, request: Request) -> Any:
        try:
            response = urlopen(request, timeout=self.timeout)
            with response:
                return _BufferedResponse(response.status, response.headers, response.read())
        except URLError:
            raise  # HTTPError included: the SDK reads status, headers and body from it
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            # Not URLErrors, so the SDK would let them escape unmapped.
            raise URLError(exc) from exc

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def forget_token(self) -> None:
        token = getattr(self.client, "access_token", None)
        if token is not None:
            token.expires_at = 0

    def call(self, what: str, fn: Callable[[amadeus.Client], Any]) -> Any:
        """Run one SDK call; every failure leaves as an :class:`AmadeusError`."""
        for attempt in (1, 2):
            try:
                return fn(self.client)
            except ResponseError as exc:
                request = getattr(exc.response, "request", None)
                is_token_call = getattr(request, "path", None) == TOKEN_PATH
                status = getattr(exc.response, "status_code", None)
                if status == 401 and attempt == 1 and not is_token_call:
                    # Revoked or expired early on the server: the SDK only refreshes on its
                    # own clock, so make it fetch a new token and try once more.
                    self.forget_token()
                    continue
                raise self._map(what, exc, is_token_call) from None
            except (TimeoutError, OSError, http.client.HTTPException) as exc:
                # Raised while the SDK itself reads a response (an error body, say).
                raise AmadeusError(
                    self._scrub(f"amadeus {what}: network error: {exc}"), retryable=True
                ) from None
        raise AssertionError("unreachable")

    def _map(self, what: str, exc: ResponseError, is_token_call: bool) -> AmadeusError:
        response = exc.response
        status = getattr(response, "status_code", None)
        if status is None:
            reason = getattr(getattr(response, "http_response", None), "reason", None)
            message = f"amadeus {what}: network error: {reason or exc.code}"
            return AmadeusError(self._scrub(message), retryable=True)
        code, text = _error_fields(getattr(response, "result", None))
        where = "authentication" if is_token_call else what
        message = f"amadeus {where}: HTTP {status}"
        if code is not None:
            message += f" (code {code})"
        if text:
            message += f": {text}"
        headers = getattr(response, "headers", None) or {}
        retry_after = parse_retry_after(headers.get("Retry-After"))
        # 200 here is the SDK's ParserError: a body that is not JSON, e.g. a proxy's page.
        # 400/404 will not change on a retry; a 401 here already survived a token refresh.
        retryable = status == 429 or status >= 500 or status == 200
        return AmadeusError(
            self._scrub(message),
            retryable=retryable,
            status=status,
            code=code,
            retry_after=retry_after,
        )

    @staticmethod
    def request_id(response: Any) -> str | None:
        """The request id Amadeus stamped on the response, if it sent one."""
        headers = getattr(response, "headers", None) or {}
        for name in ("ama-request-id", "X-Request-Id"):
            value = headers.get(name)
            if value:
                return str(value)
        return None

    def pages(self, what: str, response: Any, max_pages: int = 20) -> list[Any]:
        """``response`` and the pages after it, for endpoints that send ``meta.links.next``."""
        pages = [response]
        while len(pages) < max_pages:
            links = ((getattr(pages[-1], "result", None) or {}).get("meta") or {}).get("links")
            if not (isinstance(links, dict) and links.get("next")):
                break
            page = self.call(what, lambda client, prev=pages[-1]: client.next(prev))
            if page is None:  # a next link the SDK could not turn into a page offset
                break
            pages.append(page)
        return pages
