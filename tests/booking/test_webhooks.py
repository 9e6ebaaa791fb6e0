from __future__ import annotations

import json
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import stripe

from booking.payments import StripePayments, process_once, sign_test_payload, verify_event
from booking.payments.webhooks import WebhookRejected
from tests.booking.conftest import Traveler

SECRET = "whsec_test_secret"
SIGNED_AT = 1_790_000_000
PAYLOAD = json.dumps(
    {
        "id": "evt_test_1",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": SIGNED_AT,
        "data": {"object": {"id": "pi_test_1", "object": "payment_intent", "amount": 500}},
    }
).encode()


def test_a_correctly_signed_event_verifies() -> None:
    header = sign_test_payload(PAYLOAD, SECRET, SIGNED_AT)

    event = verify_event(PAYLOAD, header, SECRET, now=SIGNED_AT + 10)

    assert (event.id, event.type) == ("evt_test_1", "payment_intent.succeeded")
    assert event.data.object.id == "pi_test_1"


def test_the_header_is_built_the_way_the_sdk_builds_it() -> None:
    ours = sign_test_payload(PAYLOAD, SECRET, SIGNED_AT)
    sdks = stripe.WebhookSignature.generate_signature_header(PAYLOAD.decode(), SECRET, SIGNED_AT)
    assert ours == sdks


def test_verification_uses_the_wall_clock_by_default() -> None:
    now = int(time.time())
    assert verify_event(PAYLOAD, sign_test_payload(PAYLOAD, SECRET, now), SECRET).id


@pytest.mark.parametrize(
    ("payload", "header", "secret", "now"),
    [
        pytest.param(
            PAYLOAD.replace(b"500", b"5"),
            sign_test_payload(PAYLOAD, SECRET, SIGNED_AT),
            SECRET,
            SIGNED_AT,
            id="tampered-payload",
        ),
        pytest.param(
            PAYLOAD,
            sign_test_payload(PAYLOAD, "whsec_attacker", SIGNED_AT),
            SECRET,
            SIGNED_AT,
            id="forged-with-another-secret",
        ),
        pytest.param(
            PAYLOAD,
            sign_test_payload(PAYLOAD, SECRET, SIGNED_AT),
            "whsec_rotated",
            SIGNED_AT,
            id="wrong-secret",
        ),
        pytest.param(
            PAYLOAD,
            sign_test_payload(PAYLOAD, SECRET, SIGNED_AT),
            SECRET,
            SIGNED_AT + 301,
            id="stale",
        ),
        pytest.param(
            PAYLOAD,
            sign_test_payload(PAYLOAD, SECRET, SIGNED_AT),
            SECRET,
            SIGNED_AT - 301,
            id="from-the-future",
        ),
        pytest.param(
            PAYLOAD,
            # Re-timestamped by a replayer who cannot re-sign: the signature covers t.
            sign_test_payload(PAYLOAD, SECRET, SIGNED_AT).replace(
                f"t={SIGNED_AT}", f"t={SIGNED_AT + 3600}"
            ),
            SECRET,
            SIGNED_AT + 3600,
            id="replayed-with-a-fresh-timestamp",
        ),
        pytest.param(PAYLOAD, "", SECRET, SIGNED_AT, id="no-header"),
        pytest.param(PAYLOAD, "garbage", SECRET, SIGNED_AT, id="garbage-header"),
        pytest.param(
            b"{not json",
            sign_test_payload(b"{not json", SECRET, SIGNED_AT),
            SECRET,
            SIGNED_AT,
            id="signed-but-malformed",
        ),
        pytest.param(
            b"\xff\xfe",
            f"t={SIGNED_AT},v1=00",
            SECRET,
            SIGNED_AT,
            id="undecodable-bytes",
        ),
    ],
)
def test_untrustworthy_deliveries_are_rejected(
    payload: bytes, header: str, secret: str, now: int
) -> None:
    with pytest.raises(WebhookRejected):
        verify_event(payload, header, secret, now=now)


def test_the_tolerance_window_is_inclusive() -> None:
    header = sign_test_payload(PAYLOAD, SECRET, SIGNED_AT)
    assert verify_event(PAYLOAD, header, SECRET, tolerance_s=300, now=SIGNED_AT + 300).id


def test_a_replayed_event_is_handled_once() -> None:
    seen_ids: set[str] = set()

    def seen(event_id: str) -> bool:
        already = event_id in seen_ids
        seen_ids.add(event_id)
        return already

    handled: list[str] = []
    header = sign_test_payload(PAYLOAD, SECRET, SIGNED_AT)

    for _ in range(3):  # Stripe's redelivery, or an attacker inside the tolerance window
        event = verify_event(PAYLOAD, header, SECRET, now=SIGNED_AT + 5)
        process_once(event, seen, lambda e: handled.append(e.id))

    assert handled == ["evt_test_1"]


def test_a_failed_handler_leaves_the_event_to_be_handled_on_redelivery() -> None:
    # The documented contract, with a real transactional store: claim the id and handle the
    # event in one transaction, so a failure rolls the claim back.
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("CREATE TABLE stripe_event (id TEXT PRIMARY KEY)")

    def seen(event_id: str) -> bool:
        cursor = db.execute("INSERT OR IGNORE INTO stripe_event VALUES (?)", (event_id,))
        return cursor.rowcount == 0

    def deliver(handle: Callable[[stripe.Event], object]) -> bool:
        event = verify_event(
            PAYLOAD, sign_test_payload(PAYLOAD, SECRET, SIGNED_AT), SECRET, now=SIGNED_AT
        )
        db.execute("BEGIN")
        try:
            ran = process_once(event, seen, handle)
        except RuntimeError:
            db.execute("ROLLBACK")
            return False
        db.execute("COMMIT")
        return ran

    def crash(event: stripe.Event) -> None:
        raise RuntimeError("database went away")

    handled: list[str] = []
    assert not deliver(crash)
    assert deliver(lambda e: handled.append(e.id))
    assert not deliver(lambda e: handled.append(e.id))
    assert handled == ["evt_test_1"]


class _WebhookSink(BaseHTTPRequestHandler):
    deliveries: queue.Queue[tuple[bytes, str]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.deliveries.put((body, self.headers.get("Stripe-Signature", "")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def webhook_sink() -> Iterator[tuple[str, queue.Queue[tuple[bytes, str]]]]:
    deliveries: queue.Queue[tuple[bytes, str]] = queue.Queue()
    handler = type("Sink", (_WebhookSink,), {"deliveries": deliveries})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/stripe/webhook", deliveries
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.xdist_group("stripe")
def test_localstripe_deliveries_verify_and_are_handled_once(
    payments: StripePayments,
    localstripe_url: str,
    traveler: Traveler,
    webhook_sink: tuple[str, queue.Queue[tuple[bytes, str]]],
) -> None:
    sink_url, deliveries = webhook_sink
    secret = f"whsec_{uuid.uuid4().hex}"
    # localstripe's own configuration endpoint; the registration lasts for the session.
    httpx.post(
        f"{localstripe_url}/_config/webhooks/wayra-test-{uuid.uuid4().hex[:8]}",
        json={"url": sink_url, "secret": secret, "events": ["payment_intent.succeeded"]},
        trust_env=False,
    ).raise_for_status()
    held = payments.authorize(
        3_000, "EUR", traveler.customer_id, traveler.payment_method_id, uuid.uuid4().hex
    )
    payments.capture(held.payment_intent_id, uuid.uuid4().hex)

    deadline = time.monotonic() + 15
    while True:  # other tests' captures may be delivered here too; wait for ours
        body, header = deliveries.get(timeout=max(0.1, deadline - time.monotonic()))
        event = verify_event(body, header, secret)
        if event.data.object.id == held.payment_intent_id:
            break

    assert event.type == "payment_intent.succeeded"
    seen_ids: set[str] = set()

    def seen(event_id: str) -> bool:
        already = event_id in seen_ids
        seen_ids.add(event_id)
        return already

    handled: list[str] = []
    assert process_once(event, seen, lambda e: handled.append(e.id))
    assert not process_once(verify_event(body, header, secret), seen, handled.append)
    assert handled == [event.id]
