"""The candidates one solve needs: the allowed offers minus those dominance rules out.

What may be dropped depends on what is asked (see ``ml.optimizer.dominance``): the keys are
price (when a price cap applies), the offer's share of the objective being minimized and, for
outbound flights and first stay segments, how late the traveler reaches the hotel against how
late it still checks in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.optimizer.bounds import OfferBounds
from ml.optimizer.candidates import AllowedOffers, FlightTable
from ml.optimizer.criteria import PRICE
from ml.optimizer.dominance import keep_undominated, keep_undominated_by_group
from ml.optimizer.segments import SegmentTable
from ml.optimizer.trip import MINUTES_PER_DAY, HotelRoomOffer


@dataclass(frozen=True)
class Segments:
    """Kept stay segments, flat: segment i is ``offers[offer[i]]`` for nights [start, end)."""

    offers: tuple[HotelRoomOffer, ...]
    offer: np.ndarray
    hotel: np.ndarray
    start: np.ndarray
    end: np.ndarray
    latest_check_in: np.ndarray
    values: np.ndarray  # [segments, criteria]


@dataclass(frozen=True)
class Candidates:
    outbound: FlightTable
    inbound: FlightTable
    segments: Segments
    outbound_index: np.ndarray  # position of each outbound in AllowedOffers.outbound
    inbound_index: np.ndarray

    def counts(self) -> dict[str, int]:
        return {
            "outbound": len(self.outbound.offers),
            "inbound": len(self.inbound.offers),
            "segments": len(self.segments.offer),
        }


def _late_arrival(out: FlightTable, seg: SegmentTable) -> np.ndarray:
    """When the traveler reaches the hotel, where it matters: 0 when every hotel that day
    still checks in by then."""
    closes = np.where(seg.available, seg.latest_check_in[None, :], MINUTES_PER_DAY).min(axis=1)
    earliest_close: dict[int, int] = {}
    for start, close in zip(seg.starts.tolist(), closes.tolist(), strict=True):
        earliest_close[start] = min(earliest_close.get(start, MINUTES_PER_DAY), close)
    close = np.array([earliest_close.get(d, MINUTES_PER_DAY) for d in out.day.tolist()])
    return np.where(out.ready_minute <= close, 0, out.ready_minute)


def select(
    allowed: AllowedOffers,
    coefficients: np.ndarray,
    *,
    price_cap: int | None,
    price_key: bool,
    flight_threshold: int,
    segment_threshold: int,
    bounds: OfferBounds | None = None,
    objective_cap: int | None = None,
    price_bounds: OfferBounds | None = None,
) -> Candidates:
    """Candidates for minimizing ``values @ coefficients`` with total price <= ``price_cap``
    (``price_key``: price counts in dominance, as it must whenever some price cap applies),
    leaving out offers whose ``bounds`` exceed ``objective_cap`` (they can only be in
    packages worse than that) and whose ``price_bounds`` exceed ``price_cap``."""
    out, inb, seg = allowed.outbound, allowed.inbound, allowed.segments
    keep_out = np.ones(len(out.offers), dtype=bool)
    keep_in = np.ones(len(inb.offers), dtype=bool)
    keep_seg = seg.available.copy()
    # An offer whose every package is worse than the objective cap, or dearer than the price
    # cap, goes. Dominating offers share the rest of each bound, so they stay whenever x does.
    for limit, bound in ((objective_cap, bounds), (price_cap, price_bounds)):
        if limit is not None and bound is not None:
            keep_out &= bound.outbound <= limit
            keep_in &= bound.inbound <= limit
            keep_seg &= bound.segments <= limit

    def keys(values: np.ndarray, *extra: np.ndarray) -> np.ndarray:
        columns = [values @ coefficients, *extra]
        if price_key:
            columns.append(values[..., PRICE])
        return np.stack(columns, axis=-1)

    out_keep_idx = np.flatnonzero(keep_out)
    keep_out[out_keep_idx] = keep_undominated_by_group(
        out.day[out_keep_idx],
        keys(out.values[out_keep_idx], _late_arrival(out, seg)[out_keep_idx]),
        flight_threshold,
    )
    in_keep_idx = np.flatnonzero(keep_in)
    keep_in[in_keep_idx] = keep_undominated_by_group(
        inb.day[in_keep_idx], keys(inb.values[in_keep_idx]), flight_threshold
    )
    outbound, inbound = out.subset(keep_out), inb.subset(keep_in)

    # How late a first segment still checks in matters only below the latest arrival that day.
    latest_ready = {
        int(d): int(outbound.ready_minute[outbound.day == d].max()) for d in np.unique(outbound.day)
    }
    ready_that_day = np.array([latest_ready.get(int(s), -1) for s in seg.starts], dtype=np.int64)
    binding = seg.latest_check_in[None, :] < ready_that_day[:, None]
    late_check_in = np.where(binding, -seg.latest_check_in[None, :], -MINUTES_PER_DAY)
    keep_seg = keep_undominated(
        keys(seg.values, late_check_in), keep_seg, segment_threshold, seg.hotel
    )
    pair, offer = np.nonzero(keep_seg)
    segments = Segments(
        offers=seg.offers,
        offer=offer,
        hotel=seg.hotel[offer],
        start=seg.starts[pair],
        end=seg.ends[pair],
        latest_check_in=seg.latest_check_in[offer],
        values=seg.values[pair, offer],
    )
    return Candidates(
        outbound, inbound, segments, np.flatnonzero(keep_out), np.flatnonzero(keep_in)
    )
