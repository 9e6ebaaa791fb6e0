from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.payments.amounts import (
    MAX_STRIPE_AMOUNT,
    UnrepresentableAmountError,
    from_stripe_amount,
    stripe_currency,
    to_stripe_amount,
)
from wayra.money import MINOR_UNIT_EXPONENTS, UnknownCurrencyError

WAYRA_CURRENCIES = sorted(MINOR_UNIT_EXPONENTS)


@pytest.mark.parametrize(
    ("amount_minor", "currency", "stripe_amount"),
    [
        (123_456, "EUR", 123_456),  # €1,234.56 is 123456 cents on both sides
        (99_999, "USD", 99_999),
        (4_321, "GBP", 4_321),
        (123_456, "JPY", 123_456),  # zero-decimal: ¥123,456
        (50_000, "KRW", 50_000),
        (5, "ISK", 500),  # zero-decimal in ISO, two-decimal "00" at Stripe
        (1_045, "HUF", 1_045),  # HUF charges are two-decimal; whole units only for payouts
        (1_234, "eur", 1_234),
    ],
)
def test_known_conversions(amount_minor: int, currency: str, stripe_amount: int) -> None:
    assert to_stripe_amount(amount_minor, currency) == stripe_amount
    assert from_stripe_amount(stripe_amount, currency.lower()) == amount_minor


def test_stripe_gets_lowercase_codes() -> None:
    assert stripe_currency("JPY") == "jpy"
    with pytest.raises(UnknownCurrencyError):
        stripe_currency("BHD")  # no ECB rate: Wayra cannot price it


def _max_wayra_amount(currency: str) -> int:
    return from_stripe_amount(MAX_STRIPE_AMOUNT - MAX_STRIPE_AMOUNT % 100, currency)


@st.composite
def wayra_amounts(draw: st.DrawFn) -> tuple[int, str]:
    currency = draw(st.sampled_from(WAYRA_CURRENCIES))
    return draw(st.integers(0, _max_wayra_amount(currency))), currency


@given(wayra_amounts())
def test_wayra_amounts_round_trip_exactly(amount_and_currency: tuple[int, str]) -> None:
    amount_minor, currency = amount_and_currency
    stripe_amount = to_stripe_amount(amount_minor, currency)
    assert from_stripe_amount(stripe_amount, currency.lower()) == amount_minor


@given(st.sampled_from(WAYRA_CURRENCIES), st.integers(0, MAX_STRIPE_AMOUNT // 100))
def test_stripe_amounts_on_the_grid_round_trip_exactly(currency: str, whole: int) -> None:
    # Multiples of 100 are valid Stripe amounts in every currency, ISK included.
    stripe_amount = whole * 100
    assert to_stripe_amount(from_stripe_amount(stripe_amount, currency), currency) == stripe_amount


def test_fractional_isk_from_stripe_is_refused_not_rounded() -> None:
    with pytest.raises(UnrepresentableAmountError, match="whole ISK"):
        from_stripe_amount(4_010, "isk")  # ISK 40.10, a pre-2023 charge


@pytest.mark.parametrize(
    ("amount_minor", "currency"),
    [
        (MAX_STRIPE_AMOUNT + 1, "EUR"),
        (10**10, "ISK"),  # 10^12 once scaled to Stripe's two decimals
        (-1, "USD"),
    ],
)
def test_amounts_stripe_cannot_hold_are_refused(amount_minor: int, currency: str) -> None:
    with pytest.raises(UnrepresentableAmountError):
        to_stripe_amount(amount_minor, currency)


@pytest.mark.parametrize("not_minor_units", [12.5, True, "100"])
def test_only_integers_are_amounts(not_minor_units: object) -> None:
    with pytest.raises(TypeError):
        to_stripe_amount(not_minor_units, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        from_stripe_amount(not_minor_units, "eur")  # type: ignore[arg-type]


def test_unknown_currencies_are_refused() -> None:
    with pytest.raises(UnknownCurrencyError):
        to_stripe_amount(100, "XXX")
    with pytest.raises(UnknownCurrencyError):
        from_stripe_amount(100, "kwd")
