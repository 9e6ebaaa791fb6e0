"""``GET /v1/watches/{id}/recommendations`` under 32 concurrent clients, against bare FastAPI.

Acceptance: p99 under 20 ms at 32 concurrent clients on the 2-core reference machine.

A temporary, migrated SQLite operational store gets one user with an API key, 200 watches and
one publication: five ranked, explained packages, a summary and a 90-day price history per
watch. The real app (``serving.app:create_app``) and the baseline (``bench.bare_app``: one
trivial endpoint) each run in their own uvicorn process with identical options. This process
is the load generator: 32 closed-loop clients per endpoint (each sends its next request when
its previous one has answered), each keeping one HTTP/1.1 connection (bench.http_load)
alive, spread over all the user's watches. After a warm-up of each, the two endpoints take
turns in alternating slices of the measured requests: only one is ever under load, so they
never compete for the two cores, and a burst of other work on the machine weighs on both.

Latency is measured by the client, from sending a request to having read its body, so it
includes the client's own event-loop queueing. With 32 requests always in flight, the mean
latency is 32 / throughput (Little's law): a p99 under 20 ms needs well over 1,600 requests a
second, for the server and the client together on two cores. The notes therefore report how
busy the client, the server and everything else on the machine were (CPU seconds over wall
seconds) and the server's CPU per request: a client near 100 % means the load generator, not
the server, set the pace (so far always the case for the bare app), and a busy machine
inflates every latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvloop
from sqlalchemy.orm import Session

from bench.harness import BenchResult
from bench.http_load import KeepAliveConnection
from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.opstore.models import Watch
from wayra.opstore.publication import (
    OPTIONAL_PACKAGE_KEYS,
    REQUIRED_PACKAGE_KEYS,
    SUMMARY_KEYS,
    publish_recommendations,
)
from wayra.opstore.users import create_user

WATCH_COUNT = 200
PACKAGES_PER_WATCH = 5
PRICE_POINTS = 90  # a chart's daily history per watch
CLIENTS = 32
WARMUP_REQUESTS = 1_000
MEASURED_REQUESTS = 4_000
SLICES = 4  # the measured requests of each endpoint, in this many alternating slices
P99_TARGET_MS = 20.0
# Both servers run with exactly these options. No access log: it is a per-request cost that a
# production deployment behind a proxy turns off, and it would only blur the comparison.
UVICORN_OPTIONS = (
    "--loop",
    "uvloop",
    "--http",
    "httptools",
    "--no-access-log",
    "--log-level",
    "warning",
)
REAL_APP = "serving.app:create_app"
BARE_APP = "bench.bare_app:app"
REPO_ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_S = 90.0


# --- the operational store ----------------------------------------------------------------
@dataclass(frozen=True)
class StoreFixture:
    api_key: str
    watch_ids: list[str]


def build_store(operational_url: str) -> StoreFixture:
    """Migrate the store at ``operational_url`` and fill it: one user, their watches, and one
    published version with ranked packages, a summary and a price history for every watch."""
    migrate(operational_url)
    engine = make_engine(operational_url)
    try:
        with make_session_factory(engine).begin() as session:
            user, api_key = create_user(session, "bench@example.com", "Bench")
            watches = [_watch(user.id, index) for index in range(WATCH_COUNT)]
            session.add_all(watches)
            session.flush()
            _publish(session, watches)
            return StoreFixture(api_key, [w.id for w in watches])
    finally:
        engine.dispose()


def _publish(session: Session, watches: list[Watch]) -> None:
    """The one call that depends on the publication contract (``wayra.opstore.publication``)."""
    first_observation = dt.datetime(2027, 1, 1, 6, tzinfo=dt.UTC)
    observed = [first_observation + dt.timedelta(days=day) for day in range(PRICE_POINTS)]
    publish_recommendations(
        session,
        [_package(w, rank) for w in watches for rank in range(1, PACKAGES_PER_WATCH + 1)],
        source_run_id="bench-serving",
        summaries=[_summary(w) for w in watches],
        price_points=[
            {
                "watch_id": w.id,
                "observed_at": at,
                "total_minor": 300_000 + 100 * day,
                "currency": "GBP",
            }
            for w in watches
            for day, at in enumerate(observed)
        ],
        as_of=observed[-1],
        model_versions={"wayra-buy-wait": 1},
    )


def _watch(user_id: str, index: int) -> Watch:
    return Watch(
        user_id=user_id,
        status="active",
        origins=["LHR"],
        destinations=[("JFK", "BOS", "EWR")[index % 3]],
        depart_from=dt.date(2027, 6, 1),
        depart_to=dt.date(2027, 6, 30),
        nights_min=5,
        nights_max=9,
        adults=2,
        cabin="ECONOMY",
        budget_minor=350_000,
        currency="GBP",
    )


def _package(watch: Watch, rank: int) -> dict[str, Any]:
    """One ranked package with every key the publisher accepts (None where this benchmark has
    no value), so the publisher's key check passes while the contract grows."""
    departure = dt.date(2027, 6, 1) + dt.timedelta(days=rank)
    nights = 5 + rank % 5
    back = departure + dt.timedelta(days=nights)
    flight_minor, hotel_minor = 90_000 + 1_000 * rank, 120_000
    total = 2 * flight_minor + hotel_minor
    origin, destination = watch.origins[0], watch.destinations[0]
    legs: list[dict[str, Any]] = [
        {
            "kind": kind,
            "origin": start,
            "destination": end,
            "provider": "sim-air",
            "offer_id": f"{kind[:2].upper()}-{rank}",
            "price_minor": flight_minor,
            "currency": "GBP",
            "converted_minor": flight_minor,
            "carrier": "BA",
            "flight_number": f"BA{110 + rank}",
            "departure_at": f"{day.isoformat()}T{8 + rank:02d}:00:00+00:00",
            "arrival_at": f"{day.isoformat()}T{16 + rank:02d}:00:00+00:00",
            "stops": rank % 2,
        }
        for kind, start, end, day in (
            ("outbound", origin, destination, departure),
            ("inbound", destination, origin, back),
        )
    ]
    legs.append(
        {
            "kind": "hotel",
            "provider": "sim-hotel",
            "offer_id": f"H-{rank}",
            "price_minor": hotel_minor,
            "currency": "GBP",
            "converted_minor": hotel_minor,
            "hotel_id": "NYC123",
            "hotel_name": "Hotel Example",
            "stars": 4,
            "refundable": rank % 2 == 0,
            "check_in": departure.isoformat(),
            "check_out": back.isoformat(),
        }
    )
    known = {
        "watch_id": watch.id,
        "user_id": watch.user_id,
        "rank": rank,
        "observed_on": dt.date(2027, 3, 1),
        "departure_date": departure,
        "return_date": back,
        "nights": nights,
        "total_minor": total,
        "currency": watch.currency,
        "budget_minor": watch.budget_minor,
        "within_budget": total <= watch.budget_minor,
        "fx_rate_date": dt.date(2027, 2, 27),
        "legs": legs,
        # The optimizer's explanation of the ranking, at a realistic size.
        "score": 1_000.0 + rank,
        "criteria": {"price_minor": total, "travel_minutes": 960, "stops": 2 * (rank % 2)},
        "explanation": {
            "headline": f"{rank * 10}.00 GBP cheaper than option {rank + 1}.",
            "reasons": [f"Reason {n}: one plain sentence about this package." for n in range(4)],
        },
        "risk_score": 20 + rank,
        "risk": {
            "score": 20 + rank,
            "level": "low",
            "components": {"volatility": 40, "scarcity": 30, "bookability": 60, "provider": 10},
            "reasons": ["Prices on this route are stable."],
        },
        "saving_vs_first_minor": 10_000,
        "saving_vs_typical_minor": 5_000,
        "proven_optimal": True,
    }
    return {key: known.get(key) for key in REQUIRED_PACKAGE_KEYS | OPTIONAL_PACKAGE_KEYS}


def _summary(watch: Watch) -> dict[str, Any]:
    known = {
        "watch_id": watch.id,
        "status": "optimal",
        "currency": watch.currency,
        "first_price_minor": 330_000,
        "typical_price_minor": 320_000,
        "advice": {
            "observed_on": "2027-03-01",
            "action": "WAIT",
            "expected_saving_minor": 4_000,
            "expected_saving_pct": 1.3,
            "prob_above_budget": 0.1,
            "book_by": "2027-04-15",
            "explanation": "Prices on this route usually fall in the next weeks.",
        },
        "pareto_front": [
            {
                "total_minor": 300_000 + 5_000 * n,
                "convenience": 10.0 - n,
                "departure_date": "2027-06-02",
                "nights": 7,
                "origin": watch.origins[0],
                "destination": watch.destinations[0],
                "within_budget": True,
            }
            for n in range(8)
        ],
        "binding": [],
    }
    return {key: known.get(key) for key in SUMMARY_KEYS}


# --- servers ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def uvicorn_server(
    target: str,
    env: dict[str, str],
    ready_path: str,
    workers: int = 1,
    app_root: Path = REPO_ROOT,
) -> Iterator[tuple[str, int]]:
    """Run ``target`` under uvicorn on a free local port; yields its base URL and pid.

    ``app_root`` is the working directory and first import path, so a modified copy of the
    code base can be measured with this same harness.
    """
    port = free_port()
    factory = ("--factory",) if target == REAL_APP else ()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        *factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        *UVICORN_OPTIONS,
    ]
    env = os.environ | env | {"PYTHONPATH": str(app_root)}
    process = subprocess.Popen(command, cwd=app_root, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(process, base_url + ready_path)
        yield base_url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode} before serving {url}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {STARTUP_TIMEOUT_S:.0f} s")


def process_tree_cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of ``pid`` and its direct children (uvicorn's workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # Fields after the parenthesised command name: state, ppid, ... utime (14), stime.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def machine_busy_cpu_seconds() -> float:
    """CPU seconds every process on the machine has used since boot (``/proc/stat``)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle, iowait = fields[3], fields[4]
    return (sum(fields[:8]) - idle - iowait) / os.sysconf("SC_CLK_TCK")


# --- load ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """One server under load and the requests its clients send."""

    base_url: str
    server_pid: int
    paths: Sequence[str]
    headers: dict[str, str]


@dataclass(frozen=True)
class LoadResult:
    latencies_s: np.ndarray
    wall_s: float
    client_cpu_s: float
    server_cpu_s: float
    # CPU used during the run by everything else on the machine: on a shared 2-core machine
    # another busy process inflates every latency, so the notes say how much there was.
    other_cpu_s: float

    @classmethod
    def combined(cls, slices: Sequence[LoadResult]) -> LoadResult:
        return cls(
            latencies_s=np.concatenate([part.latencies_s for part in slices]),
            wall_s=sum(part.wall_s for part in slices),
            client_cpu_s=sum(part.client_cpu_s for part in slices),
            server_cpu_s=sum(part.server_cpu_s for part in slices),
            other_cpu_s=sum(part.other_cpu_s for part in slices),
        )

    def percentile_ms(self, q: float) -> float:
        return 1000 * float(np.percentile(self.latencies_s, q))

    @property
    def requests_per_s(self) -> float:
        return len(self.latencies_s) / self.wall_s

    @property
    def server_cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / len(self.latencies_s)

    def describe(self) -> str:
        return (
            f"p99 {self.percentile_ms(99):.1f} ms (p50 {self.percentile_ms(50):.1f} ms, "
            f"{self.requests_per_s:.0f} req/s)"
        )

    def cpu_shares(self) -> str:
        def share(seconds: float) -> str:
            return f"{100 * seconds / self.wall_s:.0f} %"

        return (
            f"CPU: client {share(self.client_cpu_s)}, server {share(self.server_cpu_s)}, "
            f"other processes {share(self.other_cpu_s)} (of 100 % per core)"
        )


async def _closed_loop(
    clients: Sequence[KeepAliveConnection], paths: Sequence[str], total: int
) -> list[float]:
    """The ``clients`` share ``total`` requests; each sends its next one only when its
    previous one has answered. Returns every request's latency in seconds."""
    latencies: list[float] = []
    issued = 0

    async def drive(client: KeepAliveConnection) -> None:
        nonlocal issued
        while issued < total:
            path = paths[issued % len(paths)]
            issued += 1
            started = time.perf_counter()
            status, _ = await client.get(path)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")

    await asyncio.gather(*(drive(client) for client in clients))
    return latencies


async def _timed_slice(
    clients: Sequence[KeepAliveConnection], endpoint: Endpoint, requests: int
) -> LoadResult:
    machine_cpu = machine_busy_cpu_seconds()
    server_cpu = process_tree_cpu_seconds(endpoint.server_pid)
    client_cpu = time.process_time()
    started = time.perf_counter()
    latencies = await _closed_loop(clients, endpoint.paths, requests)
    wall_s = time.perf_counter() - started
    client_cpu_s = time.process_time() - client_cpu
    server_cpu_s = process_tree_cpu_seconds(endpoint.server_pid) - server_cpu
    machine_cpu_s = machine_busy_cpu_seconds() - machine_cpu
    return LoadResult(
        latencies_s=np.array(latencies),
        wall_s=wall_s,
        client_cpu_s=client_cpu_s,
        server_cpu_s=server_cpu_s,
        other_cpu_s=max(0.0, machine_cpu_s - client_cpu_s - server_cpu_s),
    )


async def _load(endpoints: Sequence[Endpoint], clients: int) -> list[LoadResult]:
    # One kept-alive HTTP/1.1 connection per simulated client: 32 per endpoint, through a lean
    # client (bench.http_load) so the load generator is not what sets the pace.
    async with contextlib.AsyncExitStack() as stack:
        pools = [
            [
                await stack.enter_async_context(
                    KeepAliveConnection(endpoint.base_url, endpoint.headers)
                )
                for _ in range(clients)
            ]
            for endpoint in endpoints
        ]
        # The warm-up also opens every connection, so no measured request pays a handshake.
        for pool, endpoint in zip(pools, endpoints, strict=True):
            await _closed_loop(pool, endpoint.paths, WARMUP_REQUESTS)
        # The endpoints take turns in short slices: whatever else the machine is doing then
        # weighs on both alike, instead of on whichever happened to run during it.
        slices: list[list[LoadResult]] = [[] for _ in endpoints]
        for _ in range(SLICES):
            for pool, endpoint, done in zip(pools, endpoints, slices, strict=True):
                done.append(await _timed_slice(pool, endpoint, MEASURED_REQUESTS // SLICES))
        return [LoadResult.combined(done) for done in slices]


def load(endpoints: Sequence[Endpoint], clients: int = CLIENTS) -> list[LoadResult]:
    """Measure each of ``endpoints`` under ``clients`` closed-loop clients, interleaved."""
    # uvloop on the client side too: the stock asyncio loop would make the load generator the
    # bottleneck sooner. The client's own garbage collections would pause all 32 clients at
    # once and show up in the p99 as server latency (a fifth to a quarter of the bare app's
    # p99 in trials), so they wait until the run is over.
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(_load(endpoints, clients))
    finally:
        gc.enable()
        gc.unfreeze()


# --- the benchmark ------------------------------------------------------------------------
@dataclass(frozen=True)
class ServingMeasurement:
    recommendations: LoadResult
    bare: LoadResult
    store: StoreFixture
    workers: int


def measure(workers: int = 1, app_root: Path = REPO_ROOT) -> ServingMeasurement:
    with tempfile.TemporaryDirectory(prefix="wayra-bench-serving-") as tmp:
        operational_url = f"sqlite:///{tmp}/operational.sqlite"
        store = build_store(operational_url)
        # The data directory also holds the (empty) MLflow registry: the app starts without a
        # buy/wait champion, which the recommendations endpoint does not need.
        env = {"WAYRA_DATA_DIR": tmp, "WAYRA_OPERATIONAL_URL": operational_url}
        headers = {"Authorization": f"Bearer {store.api_key}"}
        paths = [f"/v1/watches/{watch_id}/recommendations" for watch_id in store.watch_ids]
        # Both servers run throughout; the one not being measured is idle.
        with (
            uvicorn_server(BARE_APP, env, "/ping", workers, app_root) as (bare_url, bare_pid),
            uvicorn_server(REAL_APP, env, "/health", workers, app_root) as (real_url, real_pid),
        ):
            recommendations, bare = load(
                [
                    Endpoint(real_url, real_pid, paths, headers),
                    Endpoint(bare_url, bare_pid, ["/ping"], {}),
                ]
            )
        return ServingMeasurement(recommendations, bare, store, workers)


def run() -> list[BenchResult]:
    result = measure()
    real, bare = result.recommendations, result.bare
    p99_ms = real.percentile_ms(99)
    verdict = "yes" if p99_ms < P99_TARGET_MS else "NO"
    setup = (
        f"{CLIENTS} closed-loop clients, {MEASURED_REQUESTS} requests in {SLICES} slices "
        f"alternating with the bare app's, after {WARMUP_REQUESTS} warm-up; uvicorn --workers {result.workers} (uvloop, httptools)"
    )
    return [
        BenchResult(
            f"serving: GET /v1/watches/{{id}}/recommendations, {CLIENTS} clients",
            real.describe(),
            f"bare FastAPI: {bare.describe()}",
            p99_ms / bare.percentile_ms(99),
            f"p99 < {P99_TARGET_MS:.0f} ms: {verdict}; {len(result.store.watch_ids)} watches x "
            f"{PACKAGES_PER_WATCH} packages; {setup}; {real.cpu_shares()}",
        ),
        BenchResult(
            "serving: recommendations throughput",
            f"{real.requests_per_s:.0f} req/s, server CPU {real.server_cpu_ms_per_request:.2f} "
            "ms/request",
            f"bare FastAPI: {bare.requests_per_s:.0f} req/s, server CPU "
            f"{bare.server_cpu_ms_per_request:.2f} ms/request",
            real.requests_per_s / bare.requests_per_s,
            f"bare run: {bare.cpu_shares()} (a client near 100 % caps the bare figures)",
        ),
    ]
