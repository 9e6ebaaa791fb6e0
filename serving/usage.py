"""API usage events: one per authenticated request, recorded after the response is sent.

A pure ASGI middleware (no response buffering, unlike ``BaseHTTPMiddleware``). Authentication
leaves the user id in the request scope (``serving.deps.get_current_user``); routing leaves the
matched route there, whose path is the TEMPLATE (``/v1/watches/{watch_id}``), so ids in URLs
never reach analytics. Requests that did not authenticate (no or bad key, health checks, 404s
of unknown paths) record nothing. The event goes to the app's ``UsageRecorder`` buffer, which
the lifespan writes in batches (``wayra.opstore.usage``); a failure to record is logged, never
raised.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

USER_ID_SCOPE_KEY = "wayra.user_id"


class UsageEventsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status_code = 500

        async def send_capturing_status(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_capturing_status)
        finally:
            await self._record(scope, status_code)

    async def _record(self, scope: Scope, status_code: int) -> None:
        user_id = scope.get(USER_ID_SCOPE_KEY)
        route = _route_template(scope)
        if user_id is None or route is None:
            return
        try:
            scope["app"].state.usage_recorder.add(
                user_id=user_id, method=scope["method"], route=route, status_code=status_code
            )
        except Exception:  # analytics never fail a request
            return


def _route_template(scope: Scope) -> str | None:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None
