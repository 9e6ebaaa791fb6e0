from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from serving.deps import (
    BearerDep,
    CurrentUser,
    HeaderKeyDep,
    SessionDep,
    authenticate_request,
)
from serving.downsampling import min_max_buckets
from serving.recommendation_schemas import (
    PackageOut,
    PricePointOut,
    PricesOut,
    RecommendationsOut,
)
from serving.schemas import (
    WatchCreate,
    WatchList,
    WatchOut,
    WatchUpdate,
)
from serving.usage import USER_ID_SCOPE_KEY
from wayra.opstore.models import Watch
from wayra.opstore.publication import (
    latest_publication,
    latest_version,
    price_history,
    recommendations_for_watch,
    summary_for_watch,
)
from wayra.opstore.users import hash_api_key

router = APIRouter(prefix="/v1/watches", tags=["watches"])

_WINDOW_FIELDS = frozenset({"depart_from", "depart_to"})


def _own_watch(session: SessionDep, user: CurrentUser, watch_id: str) -> Watch:
    watch = session.get(Watch, watch_id)
    # Someone else's watch is "not found", not "forbidden": ids must not be probeable. A
    # deleted watch is gone for its owner too.
    if watch is None or watch.user_id != user.id or watch.status == "deleted":
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such watch.")
    return watch


def _current_values(watch: Watch) -> dict[str, Any]:
    return {name: getattr(watch, name) for name in WatchCreate.model_fields}


@router.post("", status_code=status.HTTP_201_CREATED)
def create_watch(body: WatchCreate, session: SessionDep, user: CurrentUser) -> WatchOut:
    watch = Watch(user_id=user.id, status="active", **body.to_columns())
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
    visible = (Watch.user_id == user.id) & (Watch.status != "deleted")
    watches = session.scalars(
        select(Watch)
        .where(visible)
        .order_by(Watch.created_at, Watch.id)
        .limit(limit)
        .offset(offset)
    ).all()
    count = session.scalar(select(func.count()).select_from(Watch).where(visible)) or 0
    return WatchList(items=[WatchOut.model_validate(w) for w in watches], count=count)


@router.get("/{watch_id}")
def get_watch(watch_id: str, session: SessionDep, user: CurrentUser) -> WatchOut:
    return WatchOut.model_validate(_own_watch(session, user, watch_id))


@router.patch("/{watch_id}")
def update_watch(
    watch_id: str, body: WatchUpdate, session: SessionDep, user: CurrentUser
) -> WatchOut:
    watch = _own_watch(session, user, watch_id)
    changes = body.model_dump(exclude_unset=True)
    merged = _current_values(watch) | changes
    try:
        # The whole watch after the change must be valid, not only the fields sent: moving
        # nights_min above the stored nights_max is as wrong as sending both reversed.
        updated = WatchCreate.model_validate(
            merged, context={"window_unchanged": not _WINDOW_FIELDS & changes.keys()}
        )
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from None
    for name, value in updated.to_columns().items():
        setattr(watch, name, value)
    session.commit()
    return WatchOut.model_validate(watch)


def _set_status(request: Request, session: SessionDep, watch: Watch, new_status: str) -> Watch:
    # A deleted watch must stop answering at once in this process (see get_recommendations).
    request.app.state.watch_cache.drop(watch.id)
    if watch.status != new_status:
        watch.status = new_status
        session.commit()
    return watch


@router.post("/{watch_id}/pause")
def pause_watch(
    watch_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> WatchOut:
    watch = _set_status(request, session, _own_watch(session, user, watch_id), "paused")
    return WatchOut.model_validate(watch)


@router.post("/{watch_id}/resume")
def resume_watch(
    watch_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> WatchOut:
    watch = _set_status(request, session, _own_watch(session, user, watch_id), "active")
    return WatchOut.model_validate(watch)


@router.delete("/{watch_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_watch(
    watch_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    # Soft delete: published recommendations reference the watch and are the audit trail of
    # what the traveller was shown; collection and the marts only follow active watches.
    _set_status(request, session, _own_watch(session, user, watch_id), "deleted")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def recommendations_of(session: Session, watch: Watch) -> RecommendationsOut:
    """The latest published version's ranked packages for ``watch`` and its summary."""
    publication, packages = recommendations_for_watch(session, watch.id)
    if publication is None:
        return RecommendationsOut(watch_id=watch.id, version=None, published_at=None, packages=[])
    summary = summary_for_watch(session, publication.version, watch.id)
    extra = {}
    if summary is not None:
        extra = {
            "status": summary.status,
            "first_price_minor": summary.first_price_minor,
            "typical_price_minor": summary.typical_price_minor,
            "advice": summary.advice,
            "pareto_front": summary.pareto_front,
            "binding": summary.binding,
        }
    return RecommendationsOut(
        watch_id=watch.id,
        version=publication.version,
        published_at=publication.published_at,
        model_versions=publication.model_versions,
        packages=[PackageOut.model_validate(p) for p in packages],
        **extra,
    )


@router.get("/{watch_id}/recommendations", response_model=RecommendationsOut)
async def get_recommendations(
    watch_id: str, request: Request, bearer: BearerDep, header_key: HeaderKeyDep
) -> Response:
    """The latest published version's ranked packages for the watch, each with its risk and
    why it ranks where it does, and the watch's buy/wait advice and Pareto front."""
    # The hottest read of the API. Served from memory when this process has recently seen
    # the key, the watch and the latest version (serving.recommendation_cache); otherwise all
    # of its database work runs in one worker thread and fills those caches.
    state = request.app.state
    api_key = bearer.credentials if bearer is not None else header_key
    key_hash = hash_api_key(api_key.strip()) if api_key else None
    user_id = state.auth_cache.get(key_hash) if key_hash else None
    version = state.latest_version
    if user_id is not None and state.watch_cache.get(watch_id) == user_id:
        body = state.recommendation_cache.get(watch_id, version)
        if body is not None:
            request.scope[USER_ID_SCOPE_KEY] = user_id
            return Response(body, media_type="application/json")

    def read() -> bytes:
        with state.session_factory() as session:
            user = authenticate_request(request, session, bearer, header_key)
            state.auth_cache.put(key_hash, user.id)
            watch = _own_watch(session, user, watch_id)
            state.watch_cache.put(watch.id, user.id)
            latest = latest_version(session)
            body = state.recommendation_cache.get(watch.id, latest)
            if body is None:
                recommendations = recommendations_of(session, watch)
                body = recommendations.model_dump_json().encode()
                # Keyed by the version actually read: a publication may have landed since.
                state.recommendation_cache.put(watch.id, recommendations.version, body)
            return body

    return Response(await anyio.to_thread.run_sync(read), media_type="application/json")


@router.get("/{watch_id}/prices")
def get_prices(
    watch_id: str,
    session: SessionDep,
    user: CurrentUser,
    max_points: Annotated[
        int | None,
        Query(ge=2, le=10_000, description="Downsample to at most this many points."),
    ] = None,
) -> PricesOut:
    """The watch's best package price at every observation instant of the latest published
    version, oldest first: the history behind a price chart."""
    watch = _own_watch(session, user, watch_id)
    publication = latest_publication(session)
    points = price_history(session, watch.id, publication.as_of) if publication is not None else []
    kept = min_max_buckets(points, max_points) if max_points is not None else points
    return PricesOut(
        watch_id=watch.id,
        currency=watch.currency,
        version=publication.version if publication is not None else None,
        downsampled=len(kept) < len(points),
        points=[PricePointOut(observed_at=p.observed_at, total_minor=p.total_minor) for p in kept],
    )
