"""A global deep quantile forecaster: N-HiTS from pytorch-forecasting, trained on every series.

One network learns from all series at once (windows of log-price relative to the origin, so
currencies and price levels do not matter) and outputs the 10/50/90 % quantiles of the next
``HORIZONS`` days with a quantile loss. Sized to train on a CPU in well under a minute for a
few hundred series. Windowing and normalisation live in ``deep_windows.py``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import polars as pl
import torch
from lightning.pytorch import Trainer, seed_everything
from pytorch_forecasting import NHiTS
from pytorch_forecasting.metrics import QuantileLoss

from ml.forecast.base import HORIZONS, QUANTILE_COLUMNS, QUANTILES, monotone_quantiles
from ml.forecast.deep_windows import (
    PREDICTION_LENGTH,
    TIME_IDX,
    batches,
    collate_all,
    daily_grid,
    origin_windows,
    training_windows,
)

_LIGHTNING_LOGGERS = ("lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning")


@contextmanager
def _quiet_single_threaded_torch() -> Iterator[None]:
    """Run torch on one thread, without Lightning's chatter, restoring both afterwards.

    The network is tiny, so intra-op threads buy nothing, and when the cores are shared their
    spin-waits made a training step ~100x slower on a busy 2-core machine. Lightning announces
    devices and warns about dataloader workers on every fit: noise in the pipeline's logs.
    """
    threads = torch.get_num_threads()
    levels = {name: logging.getLogger(name).level for name in _LIGHTNING_LOGGERS}
    torch.set_num_threads(1)
    for name in _LIGHTNING_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*does not have many workers.*")
            warnings.filterwarnings("ignore", message=".*is an instance of `nn.Module`.*")
            warnings.filterwarnings("ignore", message=".*no `val_dataloader`.*")
            warnings.filterwarnings("ignore", message=".*LeafSpec.*is deprecated.*")
            # pytorch-forecasting always adds a plateau scheduler on val_loss (patience=None
            # breaks configure_optimizers in 1.8); with no validation set it never steps.
            warnings.filterwarnings("ignore", message=".*conditioned on metric val_loss.*")
            yield
    finally:
        torch.set_num_threads(threads)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


class DeepQuantileForecaster:
    """N-HiTS with a quantile loss over all series; see the module docstring."""

    name = "nhits"

    def __init__(
        self,
        *,
        encoder_length: int = 28,
        hidden_size: int = 64,
        n_layers: int = 2,
        max_epochs: int = 8,
        batch_size: int = 128,
        learning_rate: float = 3e-3,
        weight_decay: float = 1e-3,
        dropout: float = 0.0,
        unit: float = 0.1,
        seed: int = 0,
    ):
        self.encoder_length = encoder_length
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.unit = unit  # log-price change that the network sees as 1.0
        self.seed = seed
        self.model_: NHiTS | None = None

    def params(self) -> dict[str, object]:
        return {
            "encoder_length": self.encoder_length,
            "prediction_length": PREDICTION_LENGTH,
            "hidden_size": self.hidden_size,
            "n_layers": self.n_layers,
            "max_epochs": self.max_epochs,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "weight_decay": self.weight_decay,
            "dropout": self.dropout,
            "unit": self.unit,
            "seed": self.seed,
        }

    def fit(self, panel: pl.DataFrame) -> DeepQuantileForecaster:
        grid = daily_grid(panel, self.encoder_length, future_days=0)
        with _quiet_single_threaded_torch():
            training = training_windows(grid, self.encoder_length, self.unit)
            seed_everything(self.seed, verbose=False)  # weights and batch order
            model = NHiTS.from_dataset(
                training,
                loss=QuantileLoss(list(QUANTILES)),
                hidden_size=self.hidden_size,
                n_layers=self.n_layers,
                dropout=self.dropout,
                learning_rate=self.learning_rate,
                weight_decay=self.weight_decay,
                logging_metrics=torch.nn.ModuleList(),  # nothing logs them; skip the cost
            )
            trainer = Trainer(
                accelerator="cpu",
                max_epochs=self.max_epochs,
                gradient_clip_val=1.0,
                enable_progress_bar=False,
                logger=False,
                enable_checkpointing=False,
                enable_model_summary=False,
            )
            loader = batches(collate_all(training), self.batch_size, shuffle=True)
            trainer.fit(model, train_dataloaders=loader)
        model.trainer = None  # the trainer holds the training windows; predict needs neither
        model.eval()
        self.model_ = model
        return self

    def __getstate__(self) -> dict[str, object]:
        # pytorch-forecasting caches a class defined inside a function on the model at its first
        # forward pass; pickle cannot store it, and the next forward pass rebuilds it.
        if self.model_ is not None:
            self.model_.__dict__.pop("_output_class", None)
        return self.__dict__

    def predict(self, panel: pl.DataFrame) -> pl.DataFrame:
        if self.model_ is None:
            raise RuntimeError("DeepQuantileForecaster.predict called before fit")
        if panel.is_empty():
            no_windows = np.empty((0, PREDICTION_LENGTH, len(QUANTILES)))
            return self._forecast_frame(panel, np.empty(0), np.empty(0, np.int64), no_windows)
        # The grid pads every series back to a full encoder window, so the network forecasts
        # every origin, even a series' first day: no fallback model is needed.
        grid = daily_grid(panel, self.encoder_length, future_days=PREDICTION_LENGTH)
        windows = origin_windows(self.model_.dataset_parameters, grid)
        x, y = collate_all(windows)
        index = windows.x_to_index(x)  # series and first forecast day of each window
        with _quiet_single_threaded_torch(), torch.no_grad():
            log_quantiles = np.concatenate(
                [
                    self.model_.to_quantiles(self.model_(batch)).numpy()
                    for batch, _ in batches((x, y), batch_size=2048, shuffle=False)
                ]
            )  # (windows, horizons, quantiles)
        return self._forecast_frame(
            panel,
            index["series_id"].to_numpy(),
            index[TIME_IDX].to_numpy() - 1,  # the origin is the day before the first forecast
            log_quantiles,
        )

    @staticmethod
    def _forecast_frame(
        panel: pl.DataFrame,
        series_ids: np.ndarray,
        origin_days: np.ndarray,
        log_quantiles: np.ndarray,
    ) -> pl.DataFrame:
        """Long format, one row per (origin, horizon), for exactly the panel's rows."""
        n_windows, n_horizons, _ = log_quantiles.shape
        prices = np.exp(log_quantiles.astype(np.float64)).reshape(-1, len(QUANTILE_COLUMNS))
        forecasts = pl.DataFrame(
            {
                "series_id": np.repeat(series_ids, n_horizons).astype(str),
                "observed_on": pl.Series(np.repeat(origin_days, n_horizons), dtype=pl.Int32).cast(
                    pl.Date
                ),
                "horizon": np.tile(np.asarray(HORIZONS, dtype=np.int64), n_windows),
                **{col: prices[:, i] for i, col in enumerate(QUANTILE_COLUMNS)},
            }
        )
        origins = panel.select("series_id", "observed_on")
        result = origins.join(forecasts, on=["series_id", "observed_on"], how="left")
        if result["horizon"].null_count():
            raise RuntimeError("deep forecaster produced no forecast for some panel rows")
        result = result.with_columns(
            (pl.col("observed_on") + pl.duration(days=pl.col("horizon"))).alias("target_on")
        ).select("series_id", "observed_on", "horizon", "target_on", *QUANTILE_COLUMNS)
        return monotone_quantiles(result).sort("series_id", "observed_on", "horizon")
