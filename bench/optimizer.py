"""The package optimizer on the acceptance instance: 300 outbound x 300 return flights x 400
hotel room offers x 7 departure days (``ml.optimizer.synthetic``), top 10 diverse packages.

The baseline, run in the same process, is exhaustive and vectorized in numpy: it prices every
flight pair and every stay (each room offer for the whole trip, and every split between two
hotels on every switch day) of every date pair, and keeps the best package within the budget
with a sort and a prefix minimum per date pair. It finds the best package only, not ten; the
optimizer's best must equal it on every instance it runs on.
"""

from __future__ import annotations

import time

import numpy as np

from bench.harness import BenchResult
from ml.optimizer import optimize, pareto_front
from ml.optimizer.candidates import AllowedOffers
from ml.optimizer.criteria import PRICE, ObjectiveScale
from ml.optimizer.synthetic import synthetic_instance
from ml.optimizer.trip import Offers, TripRequest

SEEDS = range(20)  # instances timed for the optimizer's p95
BASELINE_SEEDS = range(3)  # instances the brute force also runs on
K = 10


def brute_force_best(request: TripRequest, offers: Offers) -> int | None:
    """The least scaled objective of any valid package, by enumerating every package."""
    coefficients = ObjectiveScale.of(request.weights).coefficients
    allowed = AllowedOffers.of(request, offers)
    out, inb, seg = allowed.outbound, allowed.inbound, allowed.segments
    pair_of = {
        (int(a), int(b)): i for i, (a, b) in enumerate(zip(seg.starts, seg.ends, strict=True))
    }
    seg_score, seg_price = seg.values @ coefficients, seg.values[..., PRICE]
    budget = request.budget_minor
    best: int | None = None
    for c in np.unique(out.day):
        for e in np.unique(inb.day):
            if not request.min_nights <= e - c <= request.max_nights:
                continue
            stays = _stays(int(c), int(e), pair_of, seg, seg_score, seg_price)
            o, r = np.flatnonzero(out.day == c), np.flatnonzero(inb.day == e)
            flight_score = (out.values[o] @ coefficients)[:, None] + (inb.values[r] @ coefficients)
            flight_price = out.values[o, PRICE][:, None] + inb.values[r, PRICE]
            ready = np.broadcast_to(out.ready_minute[o][:, None], flight_score.shape)
            found = _best_combination(
                flight_score.ravel(), flight_price.ravel(), ready.ravel(), *stays, budget
            )
            if found is not None and (best is None or found < best):
                best = found
    return best


def _stays(c, e, pair_of, seg, seg_score, seg_price):
    """Score, price and reception closing time of every stay from c to e."""
    scores, prices, closes = [], [], []
    whole = pair_of[c, e]
    ok = seg.available[whole]
    scores.append(seg_score[whole, ok])
    prices.append(seg_price[whole, ok])
    closes.append(seg.latest_check_in[ok])
    for s in range(c + 1, e):
        first, second = pair_of[c, s], pair_of[s, e]
        a, b = np.flatnonzero(seg.available[first]), np.flatnonzero(seg.available[second])
        other_hotel = seg.hotel[a][:, None] != seg.hotel[b][None, :]
        scores.append((seg_score[first, a][:, None] + seg_score[second, b])[other_hotel])
        prices.append((seg_price[first, a][:, None] + seg_price[second, b])[other_hotel])
        closes.append(
            np.broadcast_to(seg.latest_check_in[a][:, None], other_hotel.shape)[other_hotel]
        )
    return np.concatenate(scores), np.concatenate(prices), np.concatenate(closes)


def _best_combination(f_score, f_price, f_ready, s_score, s_price, s_close, budget):
    best = None
    for close in np.unique(s_close):
        # Flights that reach the hotel by ``close`` may take any stay closing at or after it.
        flights = f_ready <= close
        if close != s_close.min():
            flights &= f_ready > s_close[s_close < close].max()
        stays = s_close >= close
        if not flights.any() or not stays.any():
            continue
        fs, fp, ss, sp = f_score[flights], f_price[flights], s_score[stays], s_price[stays]
        if budget is None:
            found = int(fs.min() + ss.min())
        else:
            order = np.argsort(sp, kind="stable")
            cheapest_first, best_so_far = sp[order], np.minimum.accumulate(ss[order])
            last = np.searchsorted(cheapest_first, budget - fp, side="right") - 1
            fits = last >= 0
            if not fits.any():
                continue
            found = int((fs[fits] + best_so_far[last[fits]]).min())
        best = found if best is None else min(best, found)
    return best


def run() -> list[BenchResult]:
    instances = [synthetic_instance(seed) for seed in SEEDS]
    optimize(*instances[0], k=K)  # warm-up: imports, CP-SAT's first load
    times, results = [], []
    for trip, offers in instances:
        started = time.perf_counter()
        results.append(optimize(trip, offers, k=K))
        times.append(time.perf_counter() - started)
    p95, median = float(np.percentile(times, 95)), float(np.median(times))

    baseline_times, agree = [], True
    for seed in BASELINE_SEEDS:
        trip, offers = instances[seed]
        started = time.perf_counter()
        best = brute_force_best(trip, offers)
        baseline_times.append(time.perf_counter() - started)
        scale = ObjectiveScale.of(trip.weights)
        found = results[seed].packages[0].objective * scale.denominator
        agree &= best is not None and found == best
    baseline_s = float(np.median(baseline_times))

    front_times = []
    for trip, offers in instances[:5]:
        started = time.perf_counter()
        front = pareto_front(trip, offers)
        front_times.append(time.perf_counter() - started)
    optimal = sum(r.status == "optimal" and len(r.packages) == K for r in results)
    sizes = results[0].candidates
    return [
        BenchResult(
            "optimizer 300x300x400x7: top 10, p95",
            f"{1000 * p95:.0f} ms (median {1000 * median:.0f} ms)",
            f"numpy brute force, best only: {baseline_s:.2f} s",
            p95 / baseline_s,
            f"{len(times)} instances, {optimal} with 10 proven-optimal packages; best equals "
            f"brute force on {len(BASELINE_SEEDS)}: {'yes' if agree else 'NO'}; model of "
            f"{sizes['outbound']}/{sizes['allowed_outbound']} outbound, "
            f"{sizes['inbound']}/{sizes['allowed_inbound']} return, "
            f"{sizes['segments']}/{sizes['allowed_segments']} stay segments",
        ),
        BenchResult(
            "optimizer: price/convenience Pareto front",
            f"{1000 * float(np.median(front_times)):.0f} ms median",
            f"numpy brute force, best only: {baseline_s:.2f} s",
            float(np.median(front_times)) / baseline_s,
            f"up to 20 points, {len(front.points)} on the last instance",
        ),
    ]
