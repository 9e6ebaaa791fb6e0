"""Money: exact minor units, ISO exponents, dated ECB conversion with the rate recorded."""

import datetime as dt
from decimal import Decimal

import pytest

from wayra.money import Money, UnknownCurrencyError, convert, ecb_rate, provider_price


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("3842.10", "EUR", 384210),
        ("0.01", "USD", 1),
        ("19.99", "GBP", 1999),
        ("125000", "JPY", 125000),
    ],
)
def test_decimal_strings_round_trip_exactly(text, currency, minor):
    money = Money.from_decimal(text, currency)
    assert money.amount_minor == minor
    assert money.to_decimal() == Decimal(text)


def test_precision_beyond_the_minor_unit_and_unknown_currencies_are_refused():
    with pytest.raises(ValueError, match="more precision"):
        Money.from_decimal("10.5", "JPY")
    with pytest.raises(UnknownCurrencyError):
        Money(100, "XXX")
    with pytest.raises(TypeError):
        Money(1.5, "EUR")  # type: ignore[arg-type]


def test_conversion_goes_through_eur_at_the_dated_rate_and_reports_it():
    day = dt.date(2024, 3, 5)
    converted, source, target = convert(Money(10_000, "USD"), "JPY", day)
    assert source.rate_date == target.rate_date == day
    expected = (Decimal(100) / source.units_per_eur * target.units_per_eur).quantize(Decimal(1))
    assert converted == Money(int(expected), "JPY")


def test_a_day_after_the_bundled_history_uses_and_records_the_last_published_rate():
    future = dt.date(2030, 1, 1)
    rate = ecb_rate("USD", future)
    assert rate.rate_date < future
    assert ecb_rate("EUR", future).units_per_eur == 1


def test_provider_prices_are_parsed_leniently_for_the_contract_to_judge():
    assert provider_price("3842.10", "EUR") == (384210, "EUR")
    assert provider_price(12.5, "GBP") == (1250, "GBP")
    assert provider_price("12.345", "GBP") == (None, "GBP")  # sub-penny: not trusted
    assert provider_price("12.00", "EURO") == (None, "EURO")  # the contract names the currency
    assert provider_price(None, "USD") == (None, "USD")
    assert provider_price("10", None) == (None, None)
