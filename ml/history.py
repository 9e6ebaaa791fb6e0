"""Price history in and out of files, checked row by row, and the start days a backtest asks about.

A history *file* (Parquet or CSV) has one row per series and observation day: ``series_id``,
``observed_at``, ``departure_date``, ``price`` and ``currency``; other columns are ignored.
:func:`load_history` checks every row and returns the *panel* of :mod:`ml.forecast.base`
(``observed_at`` becomes ``observed_on``). A bad file is rejected as a whole, naming the first
bad row and why, so nobody trains or backtests on half a file without noticing.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl

from ml.forecast.base import PANEL_COLUMNS, sort_panel

FILE_COLUMNS = ("series_id", "observed_at", "departure_date", "price", "currency")
REQUEST_COLUMNS = ("series_id", "start_date")
PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv",)
SUPPORTED_FORMATS = ".parquet, .pq or .csv"

_ROW = "_row"  # 1-based data row number, carried through every check


class HistoryError(ValueError):
    """A history (or requests) file that cannot be used, with the first offending row."""

    def __init__(
        self, reason: str, row: int | None = None, *, more: int = 0, source: str = "history"
    ):
        self.reason = reason
        self.row = row  # 1-based data row (the header is not a row); None: the whole file
        self.more = more  # further invalid rows found besides this one
        self.source = source
        where = f"{source} row {row}" if row is not None else source
        message = f"{where}: {reason}"
        if more:
            message += f" (and {more} more invalid row{'s' if more > 1 else ''})"
        super().__init__(message)


# --- reading and writing files ----------------------------------------------------------------
def history_format(path: str | Path, source: str = "history") -> str:
    """``"parquet"`` or ``"csv"`` by the file's extension; anything else is refused."""
    suffix = Path(path).suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in CSV_SUFFIXES:
        return "csv"
    raise HistoryError(
        f"unsupported file format {Path(path).name!r}: use {SUPPORTED_FORMATS}", source=source
    )


def _read_table(path: str | Path, source: str) -> pl.DataFrame:
    """Every column of a CSV stays text, so each value is parsed (and reported) by our rules."""
    file_format = history_format(path, source)
    try:
        if file_format == "parquet":
            return pl.read_parquet(path)
        return pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise HistoryError(f"cannot read {path}: {exc}", source=source) from None


def write_history(panel: pl.DataFrame, path: str | Path) -> Path:
    """Write a panel (or a frame already in the file format) as a history file, by extension."""
    file_format = history_format(path)
    frame = panel.rename({"observed_on": "observed_at"}, strict=False).select(FILE_COLUMNS)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if file_format == "parquet":
        frame.write_parquet(path)
    else:
        frame.write_csv(path)
    return path


# --- parsing values -----------------------------------------------------------------------------
def _as_text(column: pl.Series) -> pl.Series:
    """Stripped text, with blank cells as nulls (a CSV's empty field means "no value")."""
    text = column.cast(pl.String, strict=False).str.strip_chars()
    return text.set(text == "", None)


def _iso_day(text: str | None) -> dt.date | None:
    """An ISO datetime string's UTC date (naive times are taken as UTC); None if not ISO."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.date()


def _as_day(column: pl.Series) -> pl.Series:
    """Dates from a date, datetime or ISO text column; null where a value is not a date."""
    if column.dtype == pl.Date:
        return column
    if isinstance(column.dtype, pl.Datetime):
        if column.dtype.time_zone is not None:  # naive datetimes are taken as UTC already
            column = column.dt.convert_time_zone("UTC")
        return column.dt.date()
    text = _as_text(column)
    days = text.str.to_date("%Y-%m-%d", strict=False)
    # Plain dates take the vectorised path above; only datetimes with a time part (and junk)
    # fall back to Python's ISO parser, one value at a time.
    retry = days.is_null() & text.is_not_null()
    if retry.any():
        parsed = [_iso_day(t) for t in text.filter(retry).to_list()]
        days = days.scatter(retry.arg_true(), pl.Series(parsed, dtype=pl.Date))
    return days


def _as_price(column: pl.Series) -> pl.Series:
    if column.dtype.is_numeric():
        return column.cast(pl.Float64)
    return _as_text(column).cast(pl.Float64, strict=False)


def _first_reason(*checks: tuple[pl.Expr, pl.Expr]) -> pl.Expr:
    """The reason of the first failing check per row, or null when every check passes."""
    (condition, reason), *rest = checks
    chain = pl.when(condition).then(reason)
    for condition, reason in rest:
        chain = chain.when(condition).then(reason)
    return chain.otherwise(None)


def _got(column: str) -> pl.Expr:
    return pl.format("(got '{}')", pl.col(column))


def _raise_first(errors: pl.DataFrame, source: str) -> None:
    """``errors`` has ``_row`` and ``reason``; raise for the first row, counting the rest."""
    if errors.is_empty():
        return
    per_row = errors.sort(_ROW, maintain_order=True).unique(_ROW, keep="first", maintain_order=True)
    first = per_row.row(0, named=True)
    raise HistoryError(first["reason"], first[_ROW], more=per_row.height - 1, source=source)


def _require_columns(frame: pl.DataFrame, required: tuple[str, ...], source: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise HistoryError(f"missing required column(s): {', '.join(missing)}", source=source)
    if frame.is_empty():
        raise HistoryError("no data rows", source=source)


# --- history ------------------------------------------------------------------------------------
def load_history(path: str | Path) -> pl.DataFrame:
    """Read and check a history file; return it as a panel (see :mod:`ml.forecast.base`)."""
    return history_panel(_read_table(path, "history"))


def history_panel(frame: pl.DataFrame) -> pl.DataFrame:
    """Check a frame in the history file format and return it as a panel.

    Raises :class:`HistoryError` for the first invalid row (rows count from 1, as in the file).
    """
    _require_columns(frame, FILE_COLUMNS, "history")
    parsed = _parse_history_rows(frame)
    row_errors = parsed.filter(pl.col("reason").is_not_null()).select(_ROW, "reason")
    valid = parsed.filter(pl.col("reason").is_null()).drop("reason")
    # The same observation written twice is harmless; keep the first.
    valid = valid.unique(subset=list(FILE_COLUMNS), keep="first", maintain_order=True)
    errors = pl.concat([row_errors, *_consistency_errors(valid)])
    _raise_first(errors, "history")
    panel = valid.select(
        "series_id",
        pl.col("observed_at").alias("observed_on"),
        "departure_date",
        "price",
        "currency",
    )
    return sort_panel(panel.select(PANEL_COLUMNS))


def _parse_history_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Parsed values plus ``reason``: why the row is invalid on its own, or null."""
    raw = frame.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(_ROW),
        *(pl.col(c).alias(f"raw_{c}") for c in FILE_COLUMNS),
    )
    parsed = raw.with_columns(
        _as_text(raw["raw_series_id"]).alias("series_id"),
        _as_day(raw["raw_observed_at"]).alias("observed_at"),
        _as_day(raw["raw_departure_date"]).alias("departure_date"),
        _as_price(raw["raw_price"]).alias("price"),
        _as_text(raw["raw_currency"]).str.to_uppercase().alias("currency"),
        *(_as_text(raw[f"raw_{c}"]).alias(f"text_{c}") for c in FILE_COLUMNS),
    )
    missing = [(pl.col(f"text_{c}").is_null(), pl.lit(f"{c} is empty")) for c in FILE_COLUMNS]
    price = pl.col("price")
    reason = _first_reason(
        *missing,
        *(
            (pl.col(c).is_null(), pl.format(f"{c} is not a date {{}}", _got(f"text_{c}")))
            for c in ("observed_at", "departure_date")
        ),
        (price.is_null(), pl.format("price is not a number {}", _got("text_price"))),
        (~price.is_finite(), pl.format("price must be finite (got {})", price)),
        (price <= 0, pl.format("price must be positive (got {})", price)),
        (
            ~pl.col("currency").str.contains(r"^[A-Z]{3}$"),
            pl.format("currency must be a 3-letter ISO 4217 code {}", _got("text_currency")),
        ),
        (
            pl.col("departure_date") < pl.col("observed_at"),
            pl.format(
                "departure_date {} is before observed_at {}",
                "departure_date",
                "observed_at",
            ),
        ),
    )
    return parsed.select(_ROW, *FILE_COLUMNS, reason.alias("reason"))


def _consistency_errors(valid: pl.DataFrame) -> list[pl.DataFrame]:
    """Rows that disagree with an earlier row: a second price for the same observation, or a
    second departure date or currency for the same series (a series is one trip)."""
    errors = []
    disagreements = (
        (("series_id", "observed_at"), "price", "series {} observed on {} costs {} here but {} at row {}"),
        (("series_id",), "departure_date", "series {} departs {} here but {} at row {}"),
        (("series_id",), "currency", "series {} is priced in {} here but in {} at row {}"),
    )  # fmt: skip
    for key, value, template in disagreements:
        first = valid.group_by(key, maintain_order=True).agg(
            pl.col(value).first().alias("first_value"), pl.col(_ROW).first().alias("first_row")
        )
        clash = valid.join(first, on=list(key)).filter(pl.col(value) != pl.col("first_value"))
        reason = pl.format(template, *key, value, "first_value", "first_row")
        errors.append(clash.select(_ROW, reason.alias("reason")))
    return errors


# --- backtest requests ----------------------------------------------------------------------
def _series_spans(panel: pl.DataFrame) -> pl.DataFrame:
    return panel.group_by("series_id").agg(
        pl.col("observed_on").min().alias("first_on"),
        pl.col("observed_on").max().alias("last_on"),
    )


def load_requests(path: str | Path, panel: pl.DataFrame) -> pl.DataFrame:
    """Read backtest requests (``series_id``, ``start_date``), each checked against ``panel``:
    the series must exist and the start must lie within its observed days."""
    frame = _read_table(path, "requests")
    _require_columns(frame, REQUEST_COLUMNS, "requests")
    parsed = frame.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(_ROW),
        _as_text(frame["series_id"]).alias("series_id"),
        _as_text(frame["start_date"]).alias("text_start_date"),
        _as_day(frame["start_date"]).alias("start_date"),
    ).join(_series_spans(panel), on="series_id", how="left", maintain_order="left")
    reason = _first_reason(
        (pl.col("series_id").is_null(), pl.lit("series_id is empty")),
        (pl.col("text_start_date").is_null(), pl.lit("start_date is empty")),
        (
            pl.col("start_date").is_null(),
            pl.format("start_date is not a date {}", _got("text_start_date")),
        ),
        (pl.col("first_on").is_null(), pl.format("unknown series '{}'", "series_id")),
        (
            pl.col("start_date") < pl.col("first_on"),
            pl.format(
                "start_date {} is before the first observation of series {} ({})",
                "start_date",
                "series_id",
                "first_on",
            ),
        ),
        (
            pl.col("start_date") > pl.col("last_on"),
            pl.format(
                "start_date {} is after the last observation of series {} ({})",
                "start_date",
                "series_id",
                "last_on",
            ),
        ),
    )
    checked = parsed.with_columns(reason.alias("reason"))
    _raise_first(checked.filter(pl.col("reason").is_not_null()), "requests")
    return checked.select(REQUEST_COLUMNS)


def draw_requests(
    panel: pl.DataFrame,
    seed: int = 0,
    min_days: int = 14,
    max_days: int = 90,
    per_series: int = 1,
) -> pl.DataFrame:
    """Up to ``per_series`` distinct start days per series, drawn uniformly (seeded) among
    observed days ``min_days``..``max_days`` before departure. A series' last observation is
    never a start: there would be no later day to wait for."""
    if not 0 <= min_days <= max_days:
        raise ValueError(f"need 0 <= min_days <= max_days, got {min_days} and {max_days}")
    if per_series < 1:
        raise ValueError(f"per_series must be at least 1, got {per_series}")
    days_out = (pl.col("departure_date") - pl.col("observed_on")).dt.total_days()
    eligible = sort_panel(panel).filter(
        days_out.is_between(min_days, max_days),
        pl.col("observed_on") < pl.col("observed_on").max().over("series_id"),
    )
    # Ranking i.i.d. uniform keys within a series is uniform sampling without replacement.
    keys = np.random.default_rng(seed).random(eligible.height)
    drawn = eligible.with_columns(pl.Series("key", keys)).filter(
        pl.col("key").rank("ordinal").over("series_id") <= per_series
    )
    return drawn.select("series_id", pl.col("observed_on").alias("start_date")).sort(
        REQUEST_COLUMNS
    )


# --- train/test split -----------------------------------------------------------------------
def split_by_departure(
    panel: pl.DataFrame, train_until: dt.date | None = None, train_share: float = 0.7
) -> tuple[pl.DataFrame, pl.DataFrame, dt.date]:
    """Train on series departing on or before ``train_until``, test on the later ones, so no
    test trip's outcome was known when training ended. Without ``train_until``, the departure
    date of the series at ``train_share`` (chronologically) is used."""
    if train_until is None:
        if not 0 < train_share < 1:
            raise ValueError(f"train_share must be between 0 and 1, got {train_share}")
        departures = panel.group_by("series_id").agg(pl.col("departure_date").first())
        ordered = departures["departure_date"].sort()
        if ordered.is_empty():
            raise HistoryError("the panel has no series to split")
        # The last series of the training share; others departing that same day train too.
        train_until = ordered[max(0, math.ceil(train_share * len(ordered)) - 1)]
    train = panel.filter(pl.col("departure_date") <= train_until)
    test = panel.filter(pl.col("departure_date") > train_until)
    if train.is_empty():
        raise HistoryError(f"no series departs on or before {train_until}: nothing to train on")
    if test.is_empty():
        raise HistoryError(f"no series departs after {train_until}: nothing to test on")
    return sort_panel(train), sort_panel(test), train_until
