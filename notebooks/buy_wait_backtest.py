# %% [markdown]
# # Buy or wait: backtest the policy, and how much any policy could capture
#
# A notebook in percent format: open it in VS Code or JupyterLab (with jupytext) and run the
# cells top to bottom, or run it whole with `.venv/bin/python notebooks/buy_wait_backtest.py`.
# It needs nothing from `make demo`: it simulates its own history. To use yours, set
# `HISTORY_FILE` to a Parquet or CSV file in the backtest's format (see the README).
#
# Figures are written to `OUT_DIR` (default `.wayra/notebooks/`).

# %%
import os
from pathlib import Path

import polars as pl

from ml.backtest import run_backtest
from ml.history import draw_requests, history_panel, load_history, split_by_departure
from ml.plots import capture_chart, fan_chart
from ml.policy_ceiling import information_ceiling
from ml.simulated_history import simulate_history

SERIES = int(os.environ.get("WAYRA_NOTEBOOK_SERIES", "300"))
DAYS = int(os.environ.get("WAYRA_NOTEBOOK_DAYS", "100"))
SEED = 7
HISTORY_FILE = os.environ.get("WAYRA_NOTEBOOK_HISTORY")  # None: simulate
OUT_DIR = Path(os.environ.get("WAYRA_NOTEBOOK_OUT", ".wayra/notebooks"))
OUT_DIR.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## The history
# One row per series and observation day. Series departing in the first 70% of departure dates
# train the models; travelers' requests are replayed on the rest, three start days per
# held-out series drawn 14–90 days before departure.

# %%
if HISTORY_FILE:
    panel = load_history(HISTORY_FILE)
else:
    panel = history_panel(simulate_history(seed=SEED, series=SERIES, days=DAYS))
train, test, train_until = split_by_departure(panel)
requests = draw_requests(test, seed=0, per_series=3)
print(
    f"{panel['series_id'].n_unique()} series, {panel.height:,} observations; "
    f"training on departures up to {train_until}, {requests.height} requests to replay"
)

# %% [markdown]
# ## Backtest
# The policy decides day by day from what it knew that day. Savings are in percent of each
# request's start price; the clairvoyant buys at the minimum and sets the bar.

# %%
result = run_backtest(panel, requests=requests, compare_forecasters=lambda: [])
strategies = pl.DataFrame(
    [
        {
            "strategy": name,
            "clairvoyant_capture_pct": round(100 * s.clairvoyant_capture, 1),
            "mean_saving_pct": round(s.mean_saving_pct, 2),
            "no_regret_pct": round(100 * s.no_regret_rate, 1),
        }
        for name, s in result.strategies.items()
    ]
)
forecasts = pl.DataFrame(
    [{"forecaster": name, **m.as_dict()} for name, m in result.forecasts.items()]
).sort("mase")
print(strategies)
print(forecasts.select("forecaster", "mase", "smape", "quantile_loss", "coverage_80"))

# %%
capture_chart(result.strategies).savefig(OUT_DIR / "clairvoyant_capture.png")
fan_chart(test, result.model.forecaster.predict(test)).savefig(OUT_DIR / "forecast_fans.png")

# %% [markdown]
# ## The information ceiling (simulated histories only)
# The same learner, also told each trip's fares ahead *without promotions* (when every fare
# bucket closes and every fence passes). What it captures is about the most any policy that
# sees past prices could: the rest of the clairvoyant's savings are promotions nobody can see
# coming. Its waiting margin is picked on these very requests, so the bound is generous.

# %%
if HISTORY_FILE:
    print("Your own history has no regular-fare path: the ceiling needs the simulator.")
else:
    regular = history_panel(
        simulate_history(seed=SEED, series=SERIES, days=DAYS, promotions=False)
    )
    ceiling = information_ceiling(panel, regular, requests=requests)
    policy = result.strategies["policy"]
    print(
        pl.DataFrame(
            [
                {
                    "learner": label,
                    "clairvoyant_capture_pct": round(100 * s.clairvoyant_capture, 1),
                    "no_regret_pct": round(100 * s.no_regret_rate, 1),
                }
                for label, s in (
                    ("knows the regular fares ahead", ceiling.ceiling.score),
                    ("same learner, past prices only", ceiling.price_only.score),
                    ("the shipped policy", policy),
                )
            ]
        )
    )

# %% [markdown]
# ## One traveler's decisions
# The policy's purchase for each request of one held-out series, next to the series itself.

# %%
from matplotlib.figure import Figure  # noqa: E402

decisions = result.decisions
series_id = decisions["series_id"].mode().sort()[0]
prices = test.filter(pl.col("series_id") == series_id).sort("observed_on")
bought = decisions.filter(pl.col("series_id") == series_id)
figure = Figure(figsize=(8, 3.5))
axes = figure.add_subplot()
axes.plot(prices["observed_on"].to_list(), prices["price"].to_list(), label="price")
axes.scatter(
    bought["buy_date"].to_list(), bought["price_paid"].to_list(), color="C3", label="bought"
)
axes.set_title(series_id)
axes.legend()
figure.autofmt_xdate()
figure.tight_layout()
figure.savefig(OUT_DIR / "decisions.png")
print(bought)
