"""Money as integer minor units plus an ISO 4217 code; conversions use dated ECB rates.

Amounts never travel as floats. Parsing a provider's decimal string ("3842.10") or converting
between currencies goes through ``Decimal`` and rounds half-even exactly once, at the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache

# ISO 4217 minor-unit exponents for the currencies the ECB publishes reference rates for
# (the only ones Wayra can convert). Anything else is rejected as unknown.
MINOR_UNIT_EXPONENTS: dict[str, int] = {
    "AUD": 2, "BGN": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2,
    "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "ISK": 0,
    "JPY": 0, "KRW": 0, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "PHP": 2, "PLN": 2,
    "RON": 2, "SEK": 2, "SGD": 2, "THB": 2, "TRY": 2, "USD": 2, "ZAR": 2,
}  # fmt: skip


class UnknownCurrencyError(ValueError):
    pass


def minor_unit_exponent(currency: str) -> int:
    try:
        return MINOR_UNIT_EXPONENTS[currency]
    except KeyError:
        raise UnknownCurrencyError(f"unknown or unsupported currency {currency!r}") from None


def is_known_currency(currency: str | None) -> bool:
    return currency in MINOR_UNIT_EXPONENTS


@dataclass(frozen=True, slots=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise TypeError("amount_minor must be an int (minor units)")
        minor_unit_exponent(self.currency)

    @classmethod
    def from_decimal(cls, amount: str | Decimal | int, currency: str) -> Money:
        """Parse a major-unit decimal ("3842.10") exactly; rejects sub-minor precision."""
        exponent = minor_unit_exponent(currency)
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            raise ValueError(f"not a decimal amount: {amount!r}") from None
        scaled = value.scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{amount} has more precision than {currency} minor units")
        return cls(int(scaled), currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.amount_minor).scaleb(-minor_unit_exponent(self.currency))

    def __str__(self) -> str:
        exponent = minor_unit_exponent(self.currency)
        return f"{self.to_decimal():,.{exponent}f} {self.currency}"

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount_minor + other.amount_minor, self.currency)


def to_model_float(amount_minor: int, currency: str) -> float:
    """Major units as a float, for models: they are scale-free, so no precision matters there."""
    return float(Money(amount_minor, currency).to_decimal())


def from_model_float(amount: float, currency: str) -> int:
    """A model's major-unit float back in minor units, rounded half to even."""
    exact = Decimal(repr(amount)).scaleb(minor_unit_exponent(currency))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def provider_price(amount: object, currency: object) -> tuple[int | None, str | None]:
    """A provider's decimal amount as exact minor units, leniently: an amount or currency that
    cannot be trusted becomes None, so the data contract quarantines that row with a reason
    instead of the whole search failing."""
    if not isinstance(currency, str):
        return None, None
    try:
        return Money.from_decimal(str(amount), currency).amount_minor, currency
    except (ValueError, TypeError):  # UnknownCurrencyError is a ValueError
        return None, currency


@dataclass(frozen=True, slots=True)
class EcbRate:
    """Units of ``currency`` per 1 EUR, as published by the ECB on ``rate_date``."""

    currency: str
    units_per_eur: Decimal
    rate_date: dt.date


@cache
def _converter():
    from currency_converter import CurrencyConverter

    # The package ships the ECB history; a date past its end falls back to the last
    # published rate, and that rate's own date is what we record.
    return CurrencyConverter(fallback_on_wrong_date=True, fallback_on_missing_rate=True)


def ecb_rate(currency: str, on: dt.date) -> EcbRate:
    """The ECB reference rate for ``currency`` in force on ``on`` (last published before it)."""
    minor_unit_exponent(currency)
    if currency == "EUR":
        return EcbRate("EUR", Decimal(1), on)
    conv = _converter()
    first, last = conv.bounds[currency]
    rate_date = min(max(on, first), last)
    rate = Decimal(str(conv.convert(1, "EUR", currency, date=rate_date)))
    return EcbRate(currency, rate, rate_date)


def convert(money: Money, to_currency: str, on: dt.date) -> tuple[Money, EcbRate, EcbRate]:
    """Convert through EUR with the rates in force on ``on``; returns the rates used."""
    source = ecb_rate(money.currency, on)
    target = ecb_rate(to_currency, on)
    amount = money.to_decimal() / source.units_per_eur * target.units_per_eur
    minor = amount.scaleb(minor_unit_exponent(to_currency)).quantize(
        Decimal(1), rounding=ROUND_HALF_EVEN
    )
    return Money(int(minor), to_currency), source, target
