"""Wayra minor units <-> the integer ``amount`` Stripe expects, exactly or not at all.

Wayra keeps money as ISO 4217 minor units (``wayra.money``). Stripe's ``amount`` is the
currency's smallest unit *as Stripe defines it*, which is the ISO minor unit for most
currencies but not all (https://docs.stripe.com/currencies#special-cases):

* zero-decimal currencies (JPY, KRW, ...): ``amount=500`` is ¥500, as in ISO;
* ISK and UGX: zero-decimal in ISO and in fact, but Stripe keeps them two-decimal "for
  backward compatibility" with the fraction always ``00``: 5 ISK is ``amount=500``;
* HUF and TWD: Stripe treats them as zero-decimal for *payouts* only and documents that
  charges take two-decimal amounts, so charges, captures and refunds need no special case.

Three-decimal currencies (BHD, JOD, KWD, OMR, TND, whose last digit Stripe requires to be 0)
have no ECB reference rate, so ``wayra.money`` rejects them before they could reach here.
"""

from __future__ import annotations

from wayra.money import minor_unit_exponent

# Stripe's zero-decimal list, minus UGX: its special case (two-decimal on the wire) governs.
STRIPE_ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "VND", "VUV", "XAF",
     "XOF", "XPF"}
)  # fmt: skip
# Whole units only, written as two-decimal amounts ending in "00".
STRIPE_WHOLE_UNITS_AS_TWO_DECIMAL = frozenset({"ISK", "UGX"})
# The API's `amount` holds at most 12 digits (the card-payment limit; other methods allow less).
MAX_STRIPE_AMOUNT = 999_999_999_999


class UnrepresentableAmountError(ValueError):
    """The amount cannot be expressed exactly on the other side; nothing was rounded."""


def stripe_currency(currency: str) -> str:
    """The lowercase code Stripe requires, for a currency Wayra knows."""
    code = currency.upper()
    minor_unit_exponent(code)  # raises UnknownCurrencyError for anything Wayra cannot convert
    return code.lower()


def to_stripe_amount(amount_minor: int, currency: str) -> int:
    """Wayra minor units -> Stripe ``amount``; refuses what Stripe cannot charge exactly."""
    code = currency.upper()
    _require_non_negative_int(amount_minor, code)
    amount = _rescale(amount_minor, _stripe_exponent(code) - minor_unit_exponent(code), code)
    _require_stripe_granularity(amount, code)
    if amount > MAX_STRIPE_AMOUNT:
        raise UnrepresentableAmountError(
            f"{amount_minor} {code} minor units is {amount} in Stripe units, over Stripe's "
            f"12-digit limit {MAX_STRIPE_AMOUNT}"
        )
    return amount


def from_stripe_amount(amount: int, currency: str) -> int:
    """Stripe ``amount`` (``currency`` in either case) -> Wayra minor units, exactly."""
    code = currency.upper()
    _require_non_negative_int(amount, code)
    # A Stripe amount off the grid (a pre-2023 fractional ISK charge, say) has no exact Wayra
    # equivalent, and rounding it would make the books disagree with Stripe.
    _require_stripe_granularity(amount, code)
    return _rescale(amount, minor_unit_exponent(code) - _stripe_exponent(code), code)


def _stripe_exponent(code: str) -> int:
    return 0 if code in STRIPE_ZERO_DECIMAL else 2


def _rescale(amount: int, decimal_shift: int, code: str) -> int:
    if decimal_shift >= 0:
        return amount * 10**decimal_shift
    divisor = 10**-decimal_shift
    if amount % divisor:
        raise UnrepresentableAmountError(
            f"{amount} {code} has a fraction below the smallest unit on the other side"
        )
    return amount // divisor


def _require_stripe_granularity(amount: int, code: str) -> None:
    if code in STRIPE_WHOLE_UNITS_AS_TWO_DECIMAL and amount % 100:
        raise UnrepresentableAmountError(
            f"Stripe amount {amount} {code} is a fraction of a unit; Stripe takes whole "
            f"{code} only, written as multiples of 100"
        )


def _require_non_negative_int(value: object, code: str) -> None:
    # bool is an int subclass; a stray True would silently become one cent.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"amounts are integers of minor units, got {value!r} ({code})")
    if value < 0:
        raise UnrepresentableAmountError(f"amounts are never negative, got {value} {code}")
