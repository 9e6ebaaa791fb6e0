"""Users and their API keys. The plaintext key is shown once, at creation; only a hash is kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from wayra.opstore.models import PLANS, User

API_KEY_PREFIX = "wyr_"
# "wyr_" plus 12 random characters (72 bits): enough that prefixes never collide in practice,
# while the remaining ~31 characters stay secret.
LOOKUP_PREFIX_LENGTH = len(API_KEY_PREFIX) + 12


def generate_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def create_user(
    session: Session, email: str, display_name: str, plan: str = "free"
) -> tuple[User, str]:
    """Add a user to ``session`` (flushed, not committed); returns it and its plaintext key."""
    if plan not in PLANS:
        raise ValueError(f"unknown plan {plan!r}; expected one of {', '.join(PLANS)}")
    user = User(email=email.strip().lower(), display_name=display_name, plan=plan)
    api_key = _assign_new_key(user)
    session.add(user)
    session.flush()
    return user, api_key


def rotate_api_key(session: Session, user: User) -> str:
    """Replace ``user``'s key (the old one stops working at commit); returns the new one."""
    api_key = _assign_new_key(user)
    session.flush()
    return api_key


def _assign_new_key(user: User) -> str:
    api_key = generate_api_key()
    user.api_key_prefix = api_key[:LOOKUP_PREFIX_LENGTH]
    user.api_key_hash = hash_api_key(api_key)
    return api_key


def authenticate(session: Session, api_key: str | None) -> User | None:
    """The user owning ``api_key``, or None. Comparison of hashes is constant-time."""
    if not api_key or not api_key.startswith(API_KEY_PREFIX):
        return None
    if len(api_key) <= LOOKUP_PREFIX_LENGTH:
        return None
    user = session.scalar(select(User).where(User.api_key_prefix == api_key[:LOOKUP_PREFIX_LENGTH]))
    if user is None:
        return None
    if not hmac.compare_digest(user.api_key_hash, hash_api_key(api_key)):
        return None
    return user
