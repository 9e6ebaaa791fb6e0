"""RFC 9457 problem details for every error the API returns.

Clients get one error shape whatever failed: an ``HTTPException``, a request that did not
validate, or a bug. Unhandled errors are logged with their traceback and answered with a
generic 500 that says nothing about the internals.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://wayra.dev/problems/"
VALIDATION_PROBLEM = PROBLEM_BASE + "validation-error"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(
    status: int,
    detail: str | None = None,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": type_,
        # With "about:blank" the title must be the status phrase (RFC 9457 §4.2.1).
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail is not None:
        body["detail"] = detail
    body |= extensions
    return ProblemResponse(body, status_code=status, headers=headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        location, path = (loc[0], loc[1:]) if loc else ("body", [])
        if error.get("type") == "json_invalid":
            path = []  # its loc holds a character offset into the body, not a field
        message = str(error.get("msg", "invalid value"))
        # Pydantic prefixes errors raised in validators with "Value error, ".
        message = message.removeprefix("Value error, ")
        errors.append(
            {
                "in": location,
                "field": ".".join(path) or None,
                "pointer": "#/" + "/".join(path),
                "detail": message,
                "code": error.get("type"),
            }
        )
    return errors


async def _http_exception(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> ProblemResponse:
    errors = _field_errors(exc)
    fields = sorted({e["field"] for e in errors if e["field"]})
    detail = "The request is invalid" + (f": check {', '.join(fields)}." if fields else ".")
    return problem(
        422,
        detail,
        type_=VALIDATION_PROBLEM,
        title="Your request is not valid.",
        errors=errors,
    )


async def _unhandled(request: Request, exc: Exception) -> ProblemResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "An unexpected error occurred. It has been logged.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unhandled)
