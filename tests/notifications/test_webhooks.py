"""Webhook signatures, and delivery to a receiver that checks them with its own code."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from tests.notifications.conftest import NOW
from tests.notifications.loopback import LoopbackHTTPServer, ReceivedRequest, Reply
from wayra.notifications import DeliveryError, SignatureError, post_webhook, sign, verify

SECRET = b"whsec_test_3f9a"
BODY = b'{"type":"alert.price_drop","alert_id":"alert-42","price":{"amount_minor":41230}}'
T = int(NOW.timestamp())


def test_round_trip():
    verify(SECRET, sign(SECRET, T, BODY), BODY, NOW)


def test_header_has_the_documented_shape():
    header = sign(SECRET, T, BODY)

    assert header == (
        f"t={T},v1=" + hmac.new(SECRET, f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    )


def test_tampered_body_fails():
    header = sign(SECRET, T, BODY)

    with pytest.raises(SignatureError, match="signature mismatch"):
        verify(SECRET, header, BODY.replace(b"41230", b"11230"), NOW)


def test_wrong_secret_fails():
    with pytest.raises(SignatureError, match="signature mismatch"):
        verify(b"someone-else", sign(SECRET, T, BODY), BODY, NOW)


def test_tampered_timestamp_fails():
    signature = sign(SECRET, T, BODY).split(",")[1]

    with pytest.raises(SignatureError, match="signature mismatch"):
        verify(SECRET, f"t={T + 60},{signature}", BODY, NOW + timedelta(seconds=60))


@pytest.mark.parametrize("skew", [timedelta(seconds=301), timedelta(seconds=-301)], ids=str)
def test_stale_or_future_timestamp_fails(skew):
    with pytest.raises(SignatureError, match="timestamp outside tolerance"):
        verify(SECRET, sign(SECRET, T, BODY), BODY, NOW + skew)


def test_timestamp_within_tolerance_passes():
    verify(SECRET, sign(SECRET, T, BODY), BODY, NOW + timedelta(seconds=299))


def test_unknown_fields_and_extra_signatures_are_ignored():
    header = sign(SECRET, T, BODY)
    t_item, v1_item = header.split(",")

    verify(SECRET, f"{v1_item}, v0=deadbeef,{t_item},scheme=hmac,v1={'0' * 64}", BODY, NOW)


@pytest.mark.parametrize(
    "header",
    ["", "garbage", f"v1={'0' * 64}", f"t={T}", f"t=soon,v1={'0' * 64}", f"t={T},t={T},v1=00"],
)
def test_malformed_headers_fail(header):
    with pytest.raises(SignatureError, match="malformed header"):
        verify(SECRET, header, BODY, NOW)


def _independent_check(request: ReceivedRequest) -> bool:
    """What a receiver writes from the documentation alone, without Wayra's code."""
    items = dict(item.split("=", 1) for item in request.headers["wayra-signature"].split(","))
    expected = hmac.new(
        SECRET, items["t"].encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(items["v1"], expected)


def test_post_webhook_is_verified_by_the_receiver():
    with LoopbackHTTPServer(
        lambda request: Reply(200 if _independent_check(request) else 401)
    ) as receiver:
        payload = {"type": "alert.price_drop", "alert_id": "alert-42", "label": "London → NYC"}
        status = post_webhook(f"{receiver.base_url}/hooks/wayra", SECRET, "evt_1", payload, NOW)

    assert status == 200
    [request] = receiver.requests
    assert request.path == "/hooks/wayra"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["wayra-event-id"] == "evt_1"
    assert request.headers["wayra-signature"].startswith(f"t={T},v1=")
    assert json.loads(request.body) == payload
    verify(SECRET, request.headers["wayra-signature"], request.body, NOW)


def test_receiver_rejects_a_webhook_signed_with_another_secret():
    receiver = LoopbackHTTPServer(
        lambda request: Reply(200 if _independent_check(request) else 401)
    )
    with receiver, pytest.raises(DeliveryError) as caught:
        post_webhook(receiver.base_url, b"wrong-secret", "evt_2", {"x": 1}, NOW)

    assert (caught.value.permanent, caught.value.code) == (True, 401)


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(500, False), (503, False), (408, False), (429, False), (400, True), (410, True)],
    ids=str,
)
def test_error_statuses_are_classified(status, permanent):
    server = LoopbackHTTPServer(lambda request: Reply(status, headers={"Retry-After": "7"}))
    with server, pytest.raises(DeliveryError) as caught:
        post_webhook(server.base_url, SECRET, "evt_3", {"x": 1}, NOW)

    error = caught.value
    assert (error.permanent, error.maybe_sent, error.code) == (permanent, False, status)
    assert error.retry_after_s == 7.0


def test_unreachable_receiver_is_retryable_and_not_sent(closed_port):
    with pytest.raises(DeliveryError) as caught:
        post_webhook(f"http://127.0.0.1:{closed_port}/", SECRET, "evt_4", {"x": 1}, NOW)

    assert (caught.value.permanent, caught.value.maybe_sent) == (False, False)


def test_hang_up_after_the_request_is_maybe_sent():
    server = LoopbackHTTPServer(lambda request: None)  # reads the request, never answers
    with server, pytest.raises(DeliveryError) as caught:
        post_webhook(server.base_url, SECRET, "evt_5", {"x": 1}, NOW)

    assert (caught.value.permanent, caught.value.maybe_sent) == (False, True)
