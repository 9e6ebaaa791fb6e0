"""Buy now or wait: the champion buy/wait model's advice for one price series.

The model is loaded once, when the app starts (:func:`load_advice_model`, called by the
lifespan), from ``models:/wayra-buy-wait@champion``. Without a champion the API still serves
everything else, and this endpoint answers 503 until a restart finds one.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from itertools import pairwise
from typing import TYPE_CHECKING, Annotated, Literal

import polars as pl
from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from serving.deps import CurrentUser
from serving.schemas import CurrencyCode
from wayra.money import from_model_float, to_model_float
from wayra.settings import Settings

if TYPE_CHECKING:
    from ml.registry import ChampionModel

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/advice", tags=["advice"])

SERIES_ID = "request"
MAX_PRICES = 730  # two years of daily prices is more history than any trip is on sale


# --- the model ------------------------------------------------------------------------------------
def load_advice_model(settings: Settings) -> ChampionModel | None:
    """The champion, or None when the registry has none (or it cannot be loaded: the rest of the
    API must still start, so the reason is logged and the endpoint answers 503)."""
    # Imported here: MLflow and scikit-learn are heavy, and only this endpoint needs them.
    from ml.registry import NoChampionError, load_champion

    try:
        champion = load_champion(settings.mlflow_uri)
    except NoChampionError as exc:
        log.info("buy/wait advice is unavailable: %s", exc)
        return None
    except Exception:
        log.exception("could not load the champion buy/wait model; advice is unavailable")
        return None
    log.info("loaded %s version %s for buy/wait advice", champion.name, champion.version)
    return champion


def get_advice_model(request: Request) -> ChampionModel:
    champion = getattr(request.app.state, "advice_model", None)
    if champion is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "No champion model yet: buy/wait advice becomes available once a model has been "
            "trained and promoted, and the API restarted.",
        )
    return champion


AdviceModelDep = Annotated["ChampionModel", Depends(get_advice_model)]


# --- bodies ---------------------------------------------------------------------------------------
class PricePoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    observed_on: dt.date = Field(description="Day the price was seen.")
    price_minor: int = Field(description="The day's price in minor units of currency.")

    @field_validator("price_minor")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(f"price_minor must be positive (got {value})")
        return value


class AdviceRequest(BaseModel):
    """One trip's daily prices so far, oldest first; the advice is for the last day."""

    model_config = ConfigDict(extra="forbid")

    prices: list[PricePoint] = Field(min_length=1, max_length=MAX_PRICES)
    departure_date: dt.date = Field(description="Departure (flight) or check-in (hotel) day.")
    currency: CurrencyCode = Field(
        description="ISO 4217 code of the prices and the budget, e.g. EUR."
    )
    budget_minor: int | None = Field(
        default=None, gt=0, description="Optional budget in minor units of currency."
    )

    @field_validator("prices")
    @classmethod
    def _one_per_day_in_order(cls, value: list[PricePoint]) -> list[PricePoint]:
        for i, (before, after) in enumerate(pairwise(value), start=1):
            if after.observed_on == before.observed_on:
                raise ValueError(
                    f"observed_on {after.observed_on} appears twice (prices {i - 1} and {i})"
                )
            if after.observed_on < before.observed_on:
                raise ValueError(
                    f"prices must be sorted by observed_on: {after.observed_on} (price {i}) "
                    f"comes after {before.observed_on}"
                )
        return value

    @field_validator("departure_date")
    @classmethod
    def _not_before_last_price(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        prices = info.data.get("prices")
        if prices and value < prices[-1].observed_on:
            raise ValueError(
                f"departure_date {value} is before the last observation {prices[-1].observed_on}"
            )
        return value


class AdviceOut(BaseModel):
    observed_on: dt.date = Field(description="The day advised on: the last price's day.")
    action: Literal["BUY_NOW", "WAIT"]
    price_minor: int
    currency: str
    expected_saving_minor: int = Field(
        description="Expected saving from waiting, in minor units (negative: waiting is "
        "expected to cost more)."
    )
    expected_saving_pct: float = Field(description="The expected saving, % of today's price.")
    prob_above_budget: float | None = Field(
        description="Chance the price is or goes above the budget before departure; null "
        "without a budget."
    )
    book_by: dt.date = Field(description="Today for BUY_NOW; the last day to wait until for WAIT.")
    explanation: str
    model_name: str
    model_version: int


# --- the endpoint -------------------------------------------------------------------------------
@router.post("")
def advise(body: AdviceRequest, user: CurrentUser, champion: AdviceModelDep) -> AdviceOut:
    """Buy now or wait, on the last day of the prices sent, from the champion model."""
    panel = pl.DataFrame(
        {
            "series_id": SERIES_ID,
            "observed_on": [p.observed_on for p in body.prices],
            "departure_date": body.departure_date,
            "price": [to_model_float(p.price_minor, body.currency) for p in body.prices],
            "currency": body.currency,
        },
        schema={
            "series_id": pl.String,
            "observed_on": pl.Date,
            "departure_date": pl.Date,
            "price": pl.Float64,
            "currency": pl.String,
        },
    )
    budgets = None
    if body.budget_minor is not None:
        budgets = pl.DataFrame(
            {"series_id": [SERIES_ID], "budget": [to_model_float(body.budget_minor, body.currency)]}
        )
    today = champion.model.advise(panel, budgets).row(-1, named=True)
    saving = today["expected_saving"]
    if not math.isfinite(saving):
        raise RuntimeError(f"the model returned a non-finite expected saving: {saving}")
    return AdviceOut(
        observed_on=today["observed_on"],
        action=today["action"],
        price_minor=body.prices[-1].price_minor,
        currency=body.currency,
        expected_saving_minor=from_model_float(saving, body.currency),
        expected_saving_pct=round(100.0 * today["expected_saving_pct"], 2),
        prob_above_budget=today["prob_above_budget"],
        book_by=today["book_by"],
        explanation=today["explanation"],
        model_name=champion.name,
        model_version=champion.version,
    )
