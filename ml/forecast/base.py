"""The contract every forecaster meets, so the harness, the policy and MLflow treat them alike.

A *panel* is a polars DataFrame with one row per (series, observation day):
``series_id`` (str), ``observed_on`` (date), ``departure_date`` (date), ``price`` (float, > 0,
the series' own currency) and ``currency`` (ISO code), sorted by series and day, unique on
(series_id, observed_on). A forecast made at an *origin* row uses that row and earlier rows of
the same series only; ``predict`` returns one for every origin row at once, which is what makes
a backtest over thousands of simulated days cheap and look-ahead impossible by construction.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import polars as pl

QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9)
HORIZONS: tuple[int, ...] = tuple(range(1, 15))  # days ahead

PANEL_COLUMNS = ("series_id", "observed_on", "departure_date", "price", "currency")


def quantile_column(q: float) -> str:
    """``0.1`` -> ``"p10"``."""
    return f"p{round(q * 100):02d}"


QUANTILE_COLUMNS: tuple[str, ...] = tuple(quantile_column(q) for q in QUANTILES)

# predict() returns: series_id, observed_on (the origin), horizon (int, days), target_on (date)
# and one float column per quantile (p10, p50, p90), in the series' price units, with
# p10 <= p50 <= p90. Horizons past the series' departure are still returned; callers drop them.
FORECAST_KEY = ("series_id", "observed_on", "horizon")


@runtime_checkable
class Forecaster(Protocol):
    name: str

    def fit(self, panel: pl.DataFrame) -> Forecaster:
        """Learn from every row of ``panel`` (targets come from later rows of the same series)."""
        ...

    def predict(self, panel: pl.DataFrame) -> pl.DataFrame:
        """Quantile forecasts for every row of ``panel`` as origin, for every horizon."""
        ...

    def params(self) -> dict[str, object]:
        """Hyper-parameters, logged to MLflow."""
        ...


def sort_panel(panel: pl.DataFrame) -> pl.DataFrame:
    return panel.sort("series_id", "observed_on")


def monotone_quantiles(frame: pl.DataFrame) -> pl.DataFrame:
    """Quantile models fit separately can cross; sort each row's quantiles so p10<=p50<=p90."""
    cols = list(QUANTILE_COLUMNS)
    return (
        frame.with_columns(pl.concat_list(cols).list.sort().list.to_struct(fields=cols).alias("_q"))
        .drop(cols)
        .unnest("_q")
    )
