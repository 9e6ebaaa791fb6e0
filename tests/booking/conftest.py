"""One localstripe emulator per test session, and a StripePayments pointed at it.

Tests that use it carry ``pytest.mark.xdist_group("stripe")`` so that, under
``--dist loadgroup``, one worker (and so one emulator) runs them all.
"""

from __future__ import annotations

import selectors
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import stripe

from booking.payments import StripePayments

LAUNCHER = ["-m", "booking.payments.local_emulator"]
START_TIMEOUT_S = 30
TEST_API_KEY = "sk_test_12345"  # localstripe accepts any sk_... key


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: str  # form-encoded parameters of a POST; "" otherwise


class RecordingHTTPClient(stripe.RequestsClient):
    """The SDK's own requests-based client, remembering what each request carried."""

    def __init__(self) -> None:
        super().__init__(timeout=10)
        self.recorded: list[RecordedRequest] = []

    def request(self, method, url, headers, post_data=None):
        body = post_data.decode() if isinstance(post_data, bytes) else post_data or ""
        self.recorded.append(RecordedRequest(method.upper(), url, dict(headers or {}), body))
        return super().request(method, url, headers, post_data)


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    stderr_path = tmp_path_factory.mktemp("localstripe") / "stderr.log"
    with (
        stderr_path.open("w") as stderr,
        subprocess.Popen(
            [sys.executable, *LAUNCHER], stdout=subprocess.PIPE, stderr=stderr, text=True
        ) as process,
    ):
        try:
            yield f"http://127.0.0.1:{_read_port(process, stderr_path)}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()


def _read_port(process: subprocess.Popen[str], stderr_path: Path) -> int:
    """The port the launcher printed once listening; a clear failure if it never does."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=START_TIMEOUT_S)
    line = process.stdout.readline().strip() if ready else ""
    if not line.isdigit():
        process.kill()
        process.wait()
        raise RuntimeError(
            f"localstripe did not start listening (waited up to {START_TIMEOUT_S}s; "
            f"exit code {process.returncode}); stderr:\n{stderr_path.read_text()[-2000:]}"
        )
    return int(line)


@pytest.fixture(scope="session")
def http_recorder() -> RecordingHTTPClient:
    return RecordingHTTPClient()


@pytest.fixture(scope="session")
def payments(localstripe_url: str, http_recorder: RecordingHTTPClient) -> StripePayments:
    return StripePayments(TEST_API_KEY, localstripe_url, http_client=http_recorder)


@pytest.fixture(scope="session")
def stripe_client(localstripe_url: str) -> stripe.StripeClient:
    """A plain SDK client, for tests to look behind the adapter (charges, balances)."""
    return stripe.StripeClient(TEST_API_KEY, base_addresses={"api": localstripe_url})


@pytest.fixture
def recorded_requests(http_recorder: RecordingHTTPClient) -> list[RecordedRequest]:
    """Requests the adapter sends from here on in this test."""
    http_recorder.recorded.clear()
    return http_recorder.recorded


@dataclass(frozen=True)
class Traveler:
    customer_id: str
    payment_method_id: str


@pytest.fixture
def make_traveler(payments: StripePayments) -> Callable[..., Traveler]:
    """Makes a fresh customer with a card saved through a SetupIntent; localstripe knows the
    test payment methods pm_card_visa, pm_card_visa_chargeDeclined (declined when saved) and
    pm_card_chargeCustomerFail (saved fine, declined when charged)."""

    def make(test_payment_method: str = "pm_card_visa") -> Traveler:
        user_id = f"user-{uuid.uuid4().hex[:12]}"
        email = f"{user_id}@example.test"
        customer_id = payments.ensure_customer(user_id, email, f"{user_id}:customer")
        saved = payments.save_payment_method(customer_id, test_payment_method, f"{user_id}:card")
        assert saved.status == "succeeded"
        return Traveler(customer_id, saved.payment_method_id)

    return make


@pytest.fixture
def traveler(make_traveler: Callable[..., Traveler]) -> Traveler:
    return make_traveler()


# The booking saga's fixtures (store, simulated market, travelers, scripted failures).
from tests.booking.saga_fixtures import market, store, stripe_world, world  # noqa: E402, F401

# A real SMTP server on 127.0.0.1 for the booking emails, and a port that refuses connections.
from tests.notifications.conftest import closed_port, smtp_server  # noqa: E402, F401
