from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from wayra.money import minor_unit_exponent
from wayra.settings import Settings

from ..loopback.amadeus_server import CLIENT_ID, CLIENT_SECRET, DEFAULT_FIXTURES, AmadeusLoopback

FIXTURES: Path = DEFAULT_FIXTURES


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def minor(amount: str, currency: str) -> int:
    """Independent of wayra.money's parser on purpose: the expected side of the assertions."""
    return int(Decimal(amount).scaleb(minor_unit_exponent(currency)))


def amadeus_settings(base_url: str, **overrides) -> Settings:
    values = {
        "amadeus_client_id": CLIENT_ID,
        "amadeus_client_secret": CLIENT_SECRET,
        "amadeus_base_url": base_url,
        "provider_timeout_seconds": 2.0,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def server() -> Iterator[AmadeusLoopback]:
    with AmadeusLoopback() as srv:
        yield srv


@pytest.fixture
def settings(server: AmadeusLoopback) -> Settings:
    return amadeus_settings(server.base_url)
