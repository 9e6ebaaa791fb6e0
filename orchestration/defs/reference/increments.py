"""Reading append-only operational tables into the warehouse incrementally, late commits included.

An extract reads the ids above the warehouse's highest one (its watermark). On PostgreSQL ids
are handed out when rows are inserted but become visible when their transaction commits, so a
row can appear *after* a row with a higher id was already extracted; reading strictly above the
watermark would skip it forever. Each extract therefore also re-reads the contiguous id range
written in the last :data:`LATE_COMMIT_WINDOW` (found through the table's time index); the
warehouse's increment replaces every row at or above the lowest id read, so re-read rows land
once and stragglers land at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wayra.warehouse import Warehouse

# Far longer than any transaction that writes these rows (a usage flush, an API request).
LATE_COMMIT_WINDOW = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Increment:
    rows: list[Any]  # ORM rows, by id
    watermark: int  # the warehouse's highest id before this read
    new: int  # rows above the watermark (the rest were re-read)


def warehouse_watermark(store: Warehouse, table: str, key: str) -> int:
    value = store.scalar(f"SELECT max({key}) FROM {store.raw(table)}")
    return int(value) if value is not None else 0


def read_increment(
    session: Session, model: Any, time_column: Any, watermark: int, now: dt.datetime
) -> Increment:
    """``model`` rows above ``watermark``, and every row from the lowest id written within
    :data:`LATE_COMMIT_WINDOW` of ``now`` (a contiguous range, so the increment can replace it)."""
    recent = session.scalar(
        select(func.min(model.id)).where(time_column >= now - LATE_COMMIT_WINDOW)
    )
    lower = watermark if recent is None else min(watermark, recent - 1)
    rows = list(session.scalars(select(model).where(model.id > lower).order_by(model.id)))
    return Increment(rows, watermark, sum(1 for row in rows if row.id > watermark))
