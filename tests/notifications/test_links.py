"""Signed, expiring action links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from wayra.notifications import LinkError, action_url, make_link_token, read_link_token

SECRET = b"link-secret"
NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
EXPIRES = NOW + timedelta(hours=48)


def test_round_trip_preserves_alert_action_and_expiry():
    token = make_link_token(SECRET, "alert-42", "approve_booking", EXPIRES)

    claims = read_link_token(SECRET, token, NOW)

    assert claims.alert_id == "alert-42"
    assert claims.action == "approve_booking"
    assert claims.expires_at == EXPIRES


def test_token_is_url_safe_and_action_url_carries_it():
    token = make_link_token(SECRET, "alert/42?x=1&y", "open", EXPIRES)
    url = action_url("https://wayra.example/", token)

    assert all(char.isalnum() or char in "-_." for char in token)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wayra.example", "/v1/alerts/open")
    assert parse_qs(parts.query) == {"token": [token]}
    assert read_link_token(SECRET, token, NOW).alert_id == "alert/42?x=1&y"


def test_expired_token_is_refused_as_expired():
    token = make_link_token(SECRET, "alert-42", "open", EXPIRES)

    read_link_token(SECRET, token, EXPIRES - timedelta(seconds=1))
    with pytest.raises(LinkError) as caught:
        read_link_token(SECRET, token, EXPIRES)
    assert caught.value.reason == "expired"


def _flip_char(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_tampered_token_has_a_bad_signature(where):
    token = make_link_token(SECRET, "alert-42", "open", EXPIRES)
    payload, signature = token.split(".")
    if where == "payload":
        tampered = f"{_flip_char(payload, 5)}.{signature}"
    else:
        tampered = f"{payload}.{_flip_char(signature, 5)}"

    with pytest.raises(LinkError) as caught:
        read_link_token(SECRET, tampered, NOW)
    assert caught.value.reason == "bad signature"


def test_another_secret_means_bad_signature():
    token = make_link_token(b"other-secret", "alert-42", "open", EXPIRES)

    with pytest.raises(LinkError, match="bad signature"):
        read_link_token(SECRET, token, NOW)


def test_an_expired_token_cannot_be_extended_by_editing_it():
    token = make_link_token(SECRET, "alert-42", "open", NOW - timedelta(hours=1))
    forged = make_link_token(b"guess", "alert-42", "open", NOW + timedelta(days=365))
    spliced = f"{forged.split('.')[0]}.{token.split('.')[1]}"

    with pytest.raises(LinkError, match="bad signature"):
        read_link_token(SECRET, spliced, NOW)


@pytest.mark.parametrize("token", ["", "no-dot", ".", "abc.", ".abc", "a.b.c", "ab.c!d", "é.é"])
def test_malformed_tokens(token):
    with pytest.raises(LinkError) as caught:
        read_link_token(SECRET, token, NOW)
    assert caught.value.reason == "malformed"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        make_link_token(SECRET, "alert-42", "open", datetime(2026, 6, 1))
