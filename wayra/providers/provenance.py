"""Provenance every connector attaches to its rows: a hash of exactly what the provider said,
and offer ids that name the provider they came from."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from wayra.providers.base import ProviderError


def _json_default(value: object) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def canonical_json(payload: Any) -> str:
    """Key order and whitespace removed, so the same payload always hashes the same."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_json_default)


def payload_hash(payload: Any) -> str:
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def provider_offer_key(offer_id: str, prefix: str, provider: str) -> str:
    """The provider's own key inside one of our offer ids (``prefix`` + key)."""
    if not offer_id or not offer_id.startswith(prefix):
        raise ProviderError(f"{provider}: not one of our offer ids: {offer_id!r}")
    return offer_id[len(prefix) :]
