"""The FastAPI application. ``create_app`` builds it; nothing connects until the lifespan runs.

Migrations are not run here: ``wayra`` CLI commands (and the demo) own the schema, so several
API workers starting at once never race to migrate.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from fastapi import FastAPI

from serving.problems import install_problem_handlers
from serving.recommendation_cache import RecommendationCache, TimedCache
from serving.routers import (
    advice,
    alerts,
    bookings,
    health,
    payments,
    proposal_pages,
    proposals,
    recommendations,
    watches,
)
from serving.usage import UsageEventsMiddleware
from wayra.opstore.db import make_engine, make_session_factory
from wayra.opstore.publication import latest_version
from wayra.opstore.usage import UsageRecorder
from wayra.settings import Settings

log = logging.getLogger(__name__)

USAGE_FLUSH_SECONDS = 1.0
# How stale the recommendations hot path may be (serving.recommendation_cache): a rotated API
# key keeps working, a watch deleted through another replica keeps answering, and a new
# version shows, at most this many seconds late (the version is re-read in the background).
AUTH_TTL_S, WATCH_TTL_S, VERSION_REFRESH_S = 30.0, 5.0, 0.5


async def _flush_usage_every_second(recorder: UsageRecorder) -> None:
    while True:
        await anyio.sleep(USAGE_FLUSH_SECONDS)
        await anyio.to_thread.run_sync(recorder.flush)


async def _follow_latest_version(app: FastAPI) -> None:
    """Which publication version is the latest, re-read in the background: requests never wait
    for it, and never all miss together when a per-request cache entry would expire."""

    def read() -> int | None:
        with app.state.session_factory() as session:
            return latest_version(session)

    while True:
        try:
            app.state.latest_version = await anyio.to_thread.run_sync(read)
        except Exception:  # the store is down: requests take the slow path and say so
            log.warning("could not read the latest publication version", exc_info=True)
            app.state.latest_version = None
        await anyio.sleep(VERSION_REFRESH_S)


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resolved = settings or Settings()
        engine = make_engine(resolved)
        app.state.settings = resolved
        app.state.engine = engine
        app.state.session_factory = make_session_factory(engine)
        app.state.advice_model = advice.load_advice_model(resolved)
        app.state.usage_recorder = UsageRecorder(app.state.session_factory)
        app.state.recommendation_cache = RecommendationCache()
        app.state.auth_cache = TimedCache(ttl_s=AUTH_TTL_S)
        app.state.watch_cache = TimedCache(ttl_s=WATCH_TTL_S)
        app.state.latest_version = None  # kept fresh by _follow_latest_version
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_flush_usage_every_second, app.state.usage_recorder)
                tasks.start_soon(_follow_latest_version, app)
                try:
                    yield
                finally:
                    tasks.cancel_scope.cancel()
        finally:
            # Outside the cancelled task group (an await inside it would be cancelled too):
            # the events of the last second are written before the engine goes.
            app.state.usage_recorder.flush()
            engine.dispose()

    app = FastAPI(
        title="Wayra API",
        version="1",
        summary="Price watches and the travel packages Wayra recommends for them.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.add_middleware(UsageEventsMiddleware)
    app.include_router(health.router)
    app.include_router(watches.router)
    app.include_router(advice.router)
    app.include_router(recommendations.router)
    app.include_router(alerts.router)
    app.include_router(proposals.router)
    app.include_router(proposal_pages.router)
    app.include_router(bookings.router)
    app.include_router(payments.router)
    return app


app = create_app()
