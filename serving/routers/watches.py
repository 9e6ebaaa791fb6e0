from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import func, select

from serving.deps import CurrentUser, SessionDep
from serving.schemas import (
    PackageOut,
    RecommendationsOut,
    WatchCreate,
    WatchList,
    WatchOut,
)
from wayra.opstore.models import Watch
from wayra.opstore.publication import recommendations_for_watch

router = APIRouter(prefix="/v1/watches", tags=["watches"])


def _own_watch(session: SessionDep, user: CurrentUser, watch_id: str) -> Watch:
    watch = session.get(Watch, watch_id)
    # Someone else's watch is "not found", not "forbidden": ids must not be probeable.
    if watch is None or watch.user_id != user.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such watch.")
    return watch


@router.post("", status_code=status.HTTP_201_CREATED)
def create_watch(body: WatchCreate, session: SessionDep, user: CurrentUser) -> WatchOut:
    watch = Watch(user_id=user.id, **body.model_dump(exclude={"cabin"}), cabin=body.cabin.value)
    session.add(watch)
    session.commit()
    return WatchOut.model_validate(watch)


@router.get("")
def list_watches(
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> WatchList:
    owned = Watch.user_id == user.id
    watches = session.scalars(
        select(Watch).where(owned).order_by(Watch.created_at, Watch.id).limit(limit).offset(offset)
    ).all()
    count = session.scalar(select(func.count()).select_from(Watch).where(owned)) or 0
    return WatchList(items=[WatchOut.model_validate(w) for w in watches], count=count)


@router.get("/{watch_id}")
def get_watch(watch_id: str, session: SessionDep, user: CurrentUser) -> WatchOut:
    return WatchOut.model_validate(_own_watch(session, user, watch_id))


@router.get("/{watch_id}/recommendations")
def get_recommendations(
    watch_id: str, session: SessionDep, user: CurrentUser
) -> RecommendationsOut:
    watch = _own_watch(session, user, watch_id)
    publication, packages = recommendations_for_watch(session, watch.id)
    return RecommendationsOut(
        watch_id=watch.id,
        version=publication.version if publication else None,
        published_at=publication.published_at if publication else None,
        packages=[PackageOut.model_validate(p) for p in packages],
    )
