from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from serving.deps import SessionDep
from serving.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: SessionDep) -> Health:
    # A failing SELECT surfaces as the generic 500 problem; a load balancer only needs non-2xx.
    session.execute(text("SELECT 1"))
    return Health(status="ok", operational_store="ok")
