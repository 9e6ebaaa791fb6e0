"""SMS alerts through the real Twilio SDK, talking to a loopback Twilio on 127.0.0.1."""

from __future__ import annotations

import re

import pytest

from tests.notifications.conftest import alert_message
from tests.notifications.twilio_loopback import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    TwilioLoopback,
    twilio_error,
)
from wayra.notifications import DeliveryError, send_sms, sms_text

FROM_NUMBER = "+15005550006"
TO_NUMBER = "+447700900123"
INVALID_NUMBER = "+1555000BAD"


@pytest.fixture
def twilio():
    with TwilioLoopback(invalid_numbers=frozenset({INVALID_NUMBER})) as server:
        yield server


def _send(base_url: str, to_number: str = TO_NUMBER, **overrides) -> str:
    credentials = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN} | overrides
    return send_sms(
        alert_message(),
        to_number,
        from_number=FROM_NUMBER,
        base_url=base_url,
        timeout=5,
        **credentials,
    )


def test_sms_goes_through_the_sdk_and_returns_the_message_sid(twilio):
    sid = _send(twilio.base_url)

    assert re.fullmatch(r"SM[0-9a-f]{32}", sid)
    [request] = twilio.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert twilio.basic_auth() == (ACCOUNT_SID, AUTH_TOKEN)
    assert twilio.form() == {
        "To": [TO_NUMBER],
        "From": [FROM_NUMBER],
        "Body": [sms_text(alert_message())],
    }


def test_sms_text_carries_price_and_link_within_320_chars():
    message = alert_message()
    text = sms_text(message)

    assert len(text) <= 320
    assert "412.30 EUR" in text
    assert text.endswith(message.link_url)


def test_long_headline_is_shortened_but_price_and_link_survive():
    message = alert_message(headline="Fares fell " * 60)
    text = sms_text(message)

    assert len(text) == 320
    assert "…" in text
    assert "412.30 EUR" in text
    assert text.endswith(message.link_url)


def test_invalid_number_is_a_permanent_failure_carrying_twilios_code(twilio):
    with pytest.raises(DeliveryError) as caught:
        _send(twilio.base_url, to_number=INVALID_NUMBER)

    error = caught.value
    assert (error.permanent, error.maybe_sent, error.code) == (True, False, 21211)
    assert "Invalid 'To' Phone Number" in str(error)
    assert error.channel == "sms"


def test_wrong_credentials_are_permanent(twilio):
    with pytest.raises(DeliveryError) as caught:
        _send(twilio.base_url, auth_token="not-the-token")

    assert (caught.value.permanent, caught.value.code) == (True, 20003)


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500), (503, 20503)], ids=str)
def test_rate_limit_and_server_errors_are_retryable(twilio, status, code):
    twilio.fail_next(twilio_error(status, code, "Try again later"))

    with pytest.raises(DeliveryError) as caught:
        _send(twilio.base_url)

    assert (caught.value.permanent, caught.value.maybe_sent, caught.value.code) == (
        False,
        False,
        code,
    )


def test_unreachable_twilio_is_retryable_and_not_sent(closed_port):
    with pytest.raises(DeliveryError) as caught:
        _send(f"http://127.0.0.1:{closed_port}")

    assert (caught.value.permanent, caught.value.maybe_sent) == (False, False)


def test_hang_up_after_the_request_is_maybe_sent(twilio):
    twilio.drop_next()

    with pytest.raises(DeliveryError) as caught:
        _send(twilio.base_url)

    assert (caught.value.permanent, caught.value.maybe_sent) == (False, True)
    assert len(twilio.requests) == 1  # no silent retry by the SDK: a retry could double-send
