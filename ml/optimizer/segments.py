"""Stay segments: runs of consecutive nights in one room offer, priced from nightly rates.

A stay is one segment [check-in, check-out) or two meeting on a switch day. Every segment any
valid stay could use is priced here for every allowed room offer at once, from prefix sums of
the nightly prices (all rooms needed, ``ceil(travelers / max_occupancy)``); a night without a
rate, or with fewer rooms left than needed, makes the segment unavailable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.optimizer.criteria import CRITERIA, stay_criteria
from ml.optimizer.trip import MINUTES_PER_DAY, HotelRoomOffer, Offers, TripRequest

NO_RATE = np.iinfo(np.int64).max // 4  # price of an unavailable night; never summed into a choice


def hotel_allowed(offer: HotelRoomOffer, request: TripRequest) -> bool:
    return offer.stars >= request.min_hotel_stars and (
        offer.refundable or not request.refundable_only
    )


@dataclass(frozen=True)
class SegmentTable:
    """Every stay segment [start, end) the trip could use, for every allowed room offer.

    Offers are ordered by hotel so that ``hotel_starts`` splits them into hotels.
    """

    offers: tuple[HotelRoomOffer, ...]
    hotel: np.ndarray  # [offers] hotel index
    hotel_starts: np.ndarray  # first offer of each hotel
    latest_check_in: np.ndarray  # [offers]
    starts: np.ndarray  # [pairs] ordinal of the first night
    ends: np.ndarray  # [pairs] ordinal of the check-out day
    available: np.ndarray  # [pairs, offers] bool: rates and rooms on every night
    values: np.ndarray  # [pairs, offers, criteria] int64


def segment_pairs(request: TripRequest, check_ins, check_outs) -> list[tuple[int, int]]:
    """[start, end) of every segment of a valid stay: a whole stay [c, e), or either part of a
    split at a day s with c < s < e."""
    pairs: set[tuple[int, int]] = set()
    outs = {int(e) for e in check_outs}
    for c in {int(c) for c in check_ins}:
        for e in range(c + request.min_nights, c + request.max_nights + 1):
            if e not in outs:
                continue
            pairs.add((c, e))
            pairs.update((c, s) for s in range(c + 1, e))
            pairs.update((s, e) for s in range(c + 1, e))
    return sorted(pairs)


def segment_table(
    request: TripRequest, offers: Offers, pairs: list[tuple[int, int]]
) -> SegmentTable:
    allowed = sorted(
        (o for o in offers.hotels if hotel_allowed(o, request)), key=lambda o: o.hotel_id
    )
    first = min((s for s, _ in pairs), default=0)
    span = max((e for _, e in pairs), default=first) - first
    # Per offer and night: the price of all rooms needed, NO_RATE where it cannot be had.
    nightly = np.full((len(allowed), span), NO_RATE, dtype=np.int64)
    for i, offer in enumerate(allowed):
        rooms = offer.rooms_for(request.travelers)
        for rate in offer.nights:
            night = rate.night.toordinal() - first
            if 0 <= night < span and rate.rooms_left >= rooms:
                nightly[i, night] = rooms * rate.price_minor
    missing = np.concatenate(
        [np.zeros((len(allowed), 1), np.int64), np.cumsum(nightly == NO_RATE, axis=1)], axis=1
    )
    priced = np.concatenate(
        [
            np.zeros((len(allowed), 1), np.int64),
            np.cumsum(np.where(nightly == NO_RATE, 0, nightly), axis=1),
        ],
        axis=1,
    )
    starts = np.array([s for s, _ in pairs], dtype=np.int64)
    ends = np.array([e for _, e in pairs], dtype=np.int64)
    lo, hi = starts - first, ends - first
    available = (missing[:, hi] - missing[:, lo]).T == 0
    for i, offer in enumerate(allowed):
        if offer.sold_as_whole_stay and offer.nights:
            nights = [rate.night.toordinal() for rate in offer.nights]
            available[:, i] &= (starts == min(nights)) & (ends == max(nights) + 1)
    prices = (priced[:, hi] - priced[:, lo]).T

    # Everything but price is per night or per stay: one stay's criteria times nights.
    def criteria_of(nights: int) -> np.ndarray:
        rows = [stay_criteria(o, nights, 0, request.point_of_interest) for o in allowed]
        return np.array([c.as_array() for c in rows], np.int64).reshape(len(allowed), len(CRITERIA))

    per_stay = criteria_of(0)
    per_night = criteria_of(1) - per_stay
    values = per_night[None] * (ends - starts)[:, None, None] + per_stay[None]
    values[..., CRITERIA.index("price_minor")] = prices
    hotel_ids = [o.hotel_id for o in allowed]
    hotel = (
        np.unique(hotel_ids, return_inverse=True)[1].astype(np.int64)
        if allowed
        else np.zeros(0, np.int64)
    )
    return SegmentTable(
        offers=tuple(allowed),
        hotel=hotel,
        hotel_starts=np.flatnonzero(np.diff(hotel, prepend=-1)),
        latest_check_in=np.array(
            [min(o.latest_check_in_minute, MINUTES_PER_DAY) for o in allowed], dtype=np.int64
        ),
        starts=starts,
        ends=ends,
        available=available,
        values=values,
    )
