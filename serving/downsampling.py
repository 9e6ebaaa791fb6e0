"""Downsampling a price history for charts without losing its extremes.

The span is cut into equal time buckets and each keeps its lowest and its highest point (in
time order): a chart of the result has the same envelope as one of every point, which an
average or every-nth sample would flatten (the dip a traveler waited for is the point).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, TypeVar


class PricePoint(Protocol):
    observed_at: dt.datetime
    total_minor: int


P = TypeVar("P", bound=PricePoint)


def min_max_buckets(points: Sequence[P], max_points: int) -> list[P]:
    """At most ``max_points`` (>= 2) of ``points`` (sorted by time): all of them if they fit."""
    if len(points) <= max_points:
        return list(points)
    buckets = max_points // 2
    start, end = points[0].observed_at, points[-1].observed_at
    width = (end - start) / buckets
    grouped: list[list[P]] = [[] for _ in range(buckets)]
    for point in points:
        index = min(int((point.observed_at - start) / width), buckets - 1) if width else 0
        grouped[index].append(point)
    kept: list[P] = []
    for bucket in grouped:
        if not bucket:
            continue
        low = min(bucket, key=lambda p: p.total_minor)
        high = max(bucket, key=lambda p: p.total_minor)
        kept.extend(sorted({id(low): low, id(high): high}.values(), key=lambda p: p.observed_at))
    return kept
