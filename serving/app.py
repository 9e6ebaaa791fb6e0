"""The FastAPI application. ``create_app`` builds it; nothing connects until the lifespan runs.

Migrations are not run here: ``wayra`` CLI commands (and the demo) own the schema, so several
API workers starting at once never race to migrate.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from serving.problems import install_problem_handlers
from serving.routers import advice, alerts, health, recommendations, watches
from serving.usage import UsageEventsMiddleware
from wayra.opstore.db import make_engine, make_session_factory
from wayra.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resolved = settings or Settings()
        engine = make_engine(resolved)
        app.state.settings = resolved
        app.state.engine = engine
        app.state.session_factory = make_session_factory(engine)
        app.state.advice_model = advice.load_advice_model(resolved)
        try:
            yield
        finally:
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
    return app


app = create_app()
