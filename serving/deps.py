"""Request-scoped dependencies: a database session and the authenticated user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from serving.usage import USER_ID_SCOPE_KEY
from wayra.opstore.models import User
from wayra.opstore.users import authenticate

# auto_error=False: both schemes are optional individually, and a missing key must become our
# own 401 problem rather than FastAPI's default 403 body. They still document the API.
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <api key>")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    factory = request.app.state.session_factory
    with factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
HeaderKeyDep = Annotated[str | None, Depends(_api_key_header)]


def get_current_user(
    request: Request, session: SessionDep, bearer: BearerDep, header_key: HeaderKeyDep
) -> User:
    return authenticate_request(request, session, bearer, header_key)


def authenticate_request(
    request: Request,
    session: Session,
    bearer: HTTPAuthorizationCredentials | None,
    header_key: str | None,
) -> User:
    """The user the request's API key belongs to, or a 401. For handlers that do their
    database work in one worker thread instead of through ``CurrentUser``."""
    api_key = bearer.credentials if bearer is not None else header_key
    if not api_key:
        raise _unauthorized("An API key is required (Authorization: Bearer or X-API-Key).")
    user = authenticate(session, api_key.strip())
    if user is None:
        raise _unauthorized("The API key is not valid.")
    # For the usage-events middleware (serving.usage), which records after the response.
    request.scope[USER_ID_SCOPE_KEY] = user.id
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
