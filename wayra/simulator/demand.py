"""Calendar-driven demand shared by flights and hotels: seasonality, public holidays, and the
booking curve that turns a final load factor into "how full is it N days out"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np

# Northern-hemisphere travel demand by month (0 = average); peaks in summer and at Christmas.
_SEASON = (-0.35, -0.25, -0.05, 0.10, 0.15, 0.35, 0.55, 0.55, 0.15, 0.0, -0.30, 0.25)


def season_index(day: dt.date, southern: bool = False) -> float:
    month = (day.month - 1 + (6 if southern else 0)) % 12
    value = _SEASON[month]
    if (day.month == 12 and day.day >= 18) or (day.month == 1 and day.day <= 3):
        value += 0.35  # the Christmas/New-Year spike is global
    return value


@cache
def _holiday_dates(country: str, year: int) -> frozenset[dt.date]:
    import holidays

    try:
        return frozenset(holidays.country_holidays(country, years=year).keys())
    except NotImplementedError:
        return frozenset()


@cache
def near_holiday(country: str, day: dt.date, window: int = 2) -> bool:
    """Whether a public holiday in ``country`` falls within ``window`` days of ``day``
    (travellers leave a day or two before and return after)."""
    for offset in range(-window, window + 1):
        d = day + dt.timedelta(days=offset)
        if d in _holiday_dates(country, d.year):
            return True
    return False


@dataclass(frozen=True, slots=True)
class BookingCurves:
    """Per-unit (flight or hotel room type) booking curves, vectorised over units.

    Share booked ``d`` days before departure is a smooth decay ``exp(-(d/tau)^p)`` plus two
    seeded logistic steps (group bookings, demand shocks). Every term falls as ``d`` grows, so
    load only ever rises toward departure: something sold out stays sold out.
    """

    final: np.ndarray  # load reached at departure; > 1 means it sells out before that
    tau: np.ndarray
    power: np.ndarray
    bump_w: np.ndarray  # (n, 2)
    bump_c: np.ndarray
    bump_s: np.ndarray
    norm: np.ndarray

    @classmethod
    def draw(cls, rng: np.random.Generator, final: np.ndarray, tau: np.ndarray) -> BookingCurves:
        n = final.shape[0]
        power = rng.uniform(0.9, 1.5, n)
        bump_w = rng.uniform(0.0, 0.12, (n, 2))
        bump_c = rng.uniform(3.0, 120.0, (n, 2))
        bump_s = rng.uniform(1.5, 8.0, (n, 2))
        curves = cls(final, tau, power, bump_w, bump_c, bump_s, np.ones(n))
        return cls(final, tau, power, bump_w, bump_c, bump_s, curves._raw(np.zeros(n)))

    def _raw(self, days: np.ndarray) -> np.ndarray:
        d = np.maximum(days, 0.0)
        smooth = np.exp(-((d / self.tau) ** self.power))
        steps = 1.0 / (1.0 + np.exp((d[:, None] - self.bump_c) / self.bump_s))
        w = self.bump_w
        return (1.0 - w.sum(axis=1)) * smooth + (w * steps).sum(axis=1)

    def load(self, days: np.ndarray) -> np.ndarray:
        """Load factor ``days`` (float, per unit) before departure."""
        return self.final * self._raw(days) / self.norm
