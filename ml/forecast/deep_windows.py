"""Panel -> daily grid -> pytorch-forecasting windows, for the deep forecaster in ``deep.py``.

Each series becomes a gap-free daily grid: missing days carry the last price forward (flagged
``observed = 0``), the start is padded back with the first price so even a series' first day
has a full encoder window, and for prediction the end is extended with ``HORIZONS`` future days
whose covariates are known (days to departure, weekday) and whose target is only a placeholder
(the last price; forecasts never read it). Every
value on a grid day comes from that day or earlier, so a window ending at an origin sees nothing
after it.
"""

from __future__ import annotations

from datetime import date
from functools import partial

import numpy as np
import pandas as pd
import polars as pl
import torch
from pytorch_forecasting import TimeSeriesDataSet
from pytorch_forecasting.data.encoders import EncoderNormalizer
from torch.utils.data import DataLoader

from ml.forecast.base import HORIZONS, sort_panel

PREDICTION_LENGTH = max(HORIZONS)
EPOCH = date(1970, 1, 1)

# Grid column names, shared by the dataset definition and predict()'s join back to the panel.
TIME_IDX = "day_number"  # days since EPOCH, so every series shares one time axis
TARGET = "log_price"
OBSERVED = "observed"  # 1.0 on a day the panel has a price; also the loss weight


class OriginRelativeNormalizer(EncoderNormalizer):
    """Scales each window by its own origin: ``(log_price - log_price[origin]) / unit``.

    The encoder's last value is the origin, so inputs and outputs are log-returns from the last
    known price: series in any currency or at any level share one model, and nothing after the
    origin is used. A fixed ``unit`` instead of the encoder's spread keeps flat stretches (common
    in fares) from dividing by ~0.
    """

    def __init__(self, unit: float = 0.1):
        super().__init__(method="standard", center=True)
        self.unit = unit

    @property
    def min_length(self) -> int:
        return 1

    def _set_parameters(self, y_center, y_scale) -> None:
        values = torch.as_tensor(np.asarray(y_center, dtype=np.float32))
        self.center_ = values[..., -1]
        self.scale_ = torch.full_like(self.center_, self.unit)


def daily_grid(panel: pl.DataFrame, encoder_length: int, future_days: int) -> pd.DataFrame:
    """One row per series and day, from ``encoder_length - 1`` days before its first observation
    to ``future_days`` after its last, as the pandas frame TimeSeriesDataSet reads."""
    panel = sort_panel(panel)
    spans = panel.group_by("series_id").agg(
        (pl.col("observed_on").min() - pl.duration(days=encoder_length - 1)).alias("start"),
        (pl.col("observed_on").max() + pl.duration(days=future_days)).alias("end"),
    )
    days = spans.select(
        "series_id", pl.date_ranges("start", "end", interval="1d").alias("observed_on")
    ).explode("observed_on")
    observed = panel.select("series_id", "observed_on", "departure_date", "price").with_columns(
        pl.lit(1.0).alias(OBSERVED)
    )
    grid = (
        days.join(observed, on=["series_id", "observed_on"], how="left")
        .sort("series_id", "observed_on")
        .with_columns(
            # forward fill carries the last known price; the backward fill only reaches the
            # padding before the first observation, which takes the first price
            pl.col("price", "departure_date").forward_fill().backward_fill().over("series_id"),
            pl.col(OBSERVED).fill_null(0.0),
        )
    )
    grid = grid.select(
        pl.col("series_id"),
        (pl.col("observed_on") - pl.lit(EPOCH)).dt.total_days().alias(TIME_IDX),
        pl.col("price").log().alias(TARGET),
        pl.col(OBSERVED),
        (pl.col("departure_date") - pl.col("observed_on"))
        .dt.total_days()
        .cast(pl.Float64)
        .alias("days_to_departure"),
        pl.col("observed_on").dt.weekday().cast(pl.Utf8).alias("weekday"),
    )
    return grid.to_pandas()


def training_windows(grid: pd.DataFrame, encoder_length: int, unit: float) -> TimeSeriesDataSet:
    """Every (encoder_length + PREDICTION_LENGTH)-day window of the grid; fits the covariate
    scalers and encoders that the prediction windows reuse."""
    spans = grid.groupby("series_id")[TIME_IDX].agg(lambda days: days.max() - days.min() + 1)
    if (spans < encoder_length + PREDICTION_LENGTH).all():
        raise ValueError(
            f"no series spans the {PREDICTION_LENGTH + 1} days needed for one training window"
        )
    return TimeSeriesDataSet(
        grid,
        time_idx=TIME_IDX,
        target=TARGET,
        group_ids=["series_id"],
        weight=OBSERVED,  # forward-filled days are not real prices: no loss on them
        max_encoder_length=encoder_length,
        min_encoder_length=encoder_length,  # N-HiTS needs fixed lengths; padding allows it
        max_prediction_length=PREDICTION_LENGTH,
        min_prediction_length=PREDICTION_LENGTH,
        time_varying_known_reals=["days_to_departure"],
        time_varying_known_categoricals=["weekday"],
        time_varying_unknown_reals=[TARGET, OBSERVED],
        target_normalizer=OriginRelativeNormalizer(unit),
        add_relative_time_idx=False,
        add_target_scales=False,  # the origin's price level would tie the model to currencies
        add_encoder_length=False,
        randomize_length=None,
    )


def origin_windows(dataset_parameters: dict, grid: pd.DataFrame) -> TimeSeriesDataSet:
    """One window per observed grid day as origin, with the training scalers and encoders."""
    dataset = TimeSeriesDataSet.from_parameters(
        dataset_parameters, grid, stop_randomization=True, predict=False
    )
    observed_days = grid.loc[grid[OBSERVED] > 0, ["series_id", TIME_IDX]]

    def ends_on_observed_day(index: pd.DataFrame) -> np.ndarray:
        origins = pd.DataFrame(
            {
                "series_id": index["series_id"].to_numpy(),
                TIME_IDX: index["time_idx_first_prediction"].to_numpy().astype(np.int64) - 1,
            }
        )
        matched = origins.merge(
            observed_days, on=["series_id", TIME_IDX], how="left", indicator=True
        )
        return (matched["_merge"] == "both").to_numpy()

    return dataset.filter(ends_on_observed_day)


Batch = tuple[dict[str, torch.Tensor], tuple[torch.Tensor, torch.Tensor | None]]


def collate_all(dataset: TimeSeriesDataSet) -> Batch:
    """Every window of ``dataset`` as one batch, in index order.

    pytorch-forecasting assembles each window in Python (most of a training epoch's time);
    our windows have fixed lengths and no randomisation, so building them once and slicing
    batches out of the result gives the same samples for a fraction of the cost.
    """
    loader = dataset.to_dataloader(train=False, batch_size=len(dataset), num_workers=0)
    return next(iter(loader))


def batches(windows: Batch, batch_size: int, shuffle: bool) -> DataLoader:
    """Mini-batches of collated windows, in the (x, (target, weight)) shape models expect."""
    n_windows = len(windows[0]["encoder_lengths"])
    return DataLoader(
        range(n_windows),
        batch_size=batch_size,
        shuffle=shuffle,  # torch's global generator, seeded by the caller
        collate_fn=partial(_take_rows, windows),
    )


def _take_rows(windows: Batch, rows: list[int]) -> Batch:
    x, (target, weight) = windows
    index = torch.as_tensor(rows)
    return (
        {name: values[index] for name, values in x.items()},
        (target[index], None if weight is None else weight[index]),
    )
