"""Pre-validation: re-price every leg of a package through its provider before money moves.

A leg is invalid when its provider is unknown, the offer is gone (sold out, departed, ...) or
its price rose by more than the traveler's tolerance. Rises are measured in the provider's
own currency, so exchange-rate moves alone never invalidate a proposal; price drops always
pass. Each valid leg is converted into the package currency at the ECB rate in force on the
validation day, and those amounts (which sum to the total) are what the traveler is charged.
Every leg's outcome, with what it saw, goes to the decision log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from booking.services import BookingProvider
from wayra.money import Money, convert, ecb_rate
from wayra.opstore.booking_models import BookingDecision
from wayra.providers.base import ProviderError

BPS = 10_000


class ValidationUnavailable(Exception):
    """A provider could not answer right now (retryable): nothing is decided, try again."""


@dataclass(frozen=True, slots=True)
class LegCheck:
    position: int
    kind: str
    provider: str
    offer_id: str
    valid: bool
    reason: str | None
    provider_currency: str
    quoted_minor: int  # in the currency the proposal's leg was quoted in
    repriced_minor: int | None  # in provider_currency
    moved_bps: int | None
    remaining: int | None
    charge_minor: int | None  # in the package currency, at the validation day's ECB rate


@dataclass(frozen=True, slots=True)
class Validation:
    legs: tuple[LegCheck, ...]
    currency: str
    tolerance_bps: int
    fx_rate_date: dt.date
    validated_at: dt.datetime

    @property
    def valid(self) -> bool:
        return all(leg.valid for leg in self.legs)

    @property
    def reason(self) -> str | None:
        reasons = [leg.reason for leg in self.legs if not leg.valid and leg.reason]
        return "; ".join(reasons) or None

    @property
    def total_minor(self) -> int:
        return sum(leg.charge_minor or 0 for leg in self.legs)

    def as_json(self) -> list[dict[str, Any]]:
        return [asdict(leg) for leg in self.legs]


def validate_package(
    legs: Sequence[Mapping[str, Any]],
    currency: str,
    tolerance_bps: int,
    providers: Mapping[str, BookingProvider],
    at: dt.datetime,
) -> Validation:
    """Re-price ``legs`` (published leg dicts) at ``at``; raises ``ValidationUnavailable``
    when a provider fails with a retryable error."""
    checks: list[LegCheck] = []
    rate_dates = [ecb_rate(currency, at.date()).rate_date]
    for position, leg in enumerate(legs):
        check, rate_date = _check_leg(position, leg, currency, tolerance_bps, providers, at)
        checks.append(check)
        if rate_date is not None:
            rate_dates.append(rate_date)
    return Validation(tuple(checks), currency, tolerance_bps, min(rate_dates), at)


def _check_leg(
    position: int,
    leg: Mapping[str, Any],
    currency: str,
    tolerance_bps: int,
    providers: Mapping[str, BookingProvider],
    at: dt.datetime,
) -> tuple[LegCheck, dt.date | None]:
    kind, name, offer_id = leg["kind"], leg["provider"], leg.get("offer_id") or ""
    quoted, quoted_currency = int(leg["price_minor"]), leg["currency"]
    # provider_currency: what the provider prices in now (its bill); quoted in the leg's.
    seen: dict[str, Any] = {
        "provider_currency": quoted_currency,
        "repriced_minor": None,
        "moved_bps": None,
        "remaining": None,
    }

    def outcome(reason: str | None, charge_minor: int | None = None) -> LegCheck:
        return LegCheck(
            position=position,
            kind=kind,
            provider=name,
            offer_id=offer_id,
            valid=reason is None,
            reason=reason,
            quoted_minor=quoted,
            charge_minor=charge_minor,
            **seen,
        )

    provider = providers.get(name)
    if provider is None or not offer_id:
        return outcome(f"{kind}: provider {name} cannot book this offer"), None
    try:
        quote = provider.reprice(offer_id, at)
    except ProviderError as exc:
        if exc.retryable:
            raise ValidationUnavailable(f"{kind}: {name} unavailable: {exc}") from exc
        return outcome(f"{kind}: {name} refused to re-price: {exc}"), None
    seen["remaining"] = quote.remaining
    if not quote.available or quote.total_minor is None or quote.currency is None:
        return outcome(f"{kind}: {quote.reason or 'unavailable'}"), None

    # Compare like with like: in the provider's currency while it still quotes in it.
    charge, source, target = convert(Money(quote.total_minor, quote.currency), currency, at.date())
    if quote.currency == quoted_currency:
        moved_bps = (quote.total_minor - quoted) * BPS // quoted
    else:
        then = int(leg["converted_minor"])
        moved_bps = (charge.amount_minor - then) * BPS // then
    seen |= {
        "provider_currency": quote.currency,
        "repriced_minor": quote.total_minor,
        "moved_bps": moved_bps,
    }
    if moved_bps > tolerance_bps:
        reason = f"{kind}: price rose {moved_bps / 100:.2f}% (tolerance {tolerance_bps / 100:.2f}%)"
        return outcome(reason), None
    return outcome(None, charge.amount_minor), min(source.rate_date, target.rate_date)


def record_validation(
    session: Session,
    validation: Validation,
    *,
    proposal_id: str,
    booking_id: str | None = None,
    purpose: str,
) -> None:
    """One decision row per leg and one for the whole package (``purpose``: "proposal" when
    the proposal is created, "approval" when it is approved)."""
    for leg in validation.legs:
        session.add(
            BookingDecision(
                proposal_id=proposal_id,
                booking_id=booking_id,
                decision="leg_validation",
                subject=leg.kind,
                outcome="valid" if leg.valid else "invalid",
                conditions={
                    "purpose": purpose,
                    "provider": leg.provider,
                    "offer_id": leg.offer_id,
                    "quoted_minor": leg.quoted_minor,
                    "repriced_minor": leg.repriced_minor,
                    "provider_currency": leg.provider_currency,
                    "moved_bps": leg.moved_bps,
                    "tolerance_bps": validation.tolerance_bps,
                    "remaining": leg.remaining,
                    "at": validation.validated_at.isoformat(),
                },
                reasons=[leg.reason] if leg.reason else ["price within tolerance and available"],
                decided_at=validation.validated_at,
            )
        )
    session.add(
        BookingDecision(
            proposal_id=proposal_id,
            booking_id=booking_id,
            decision="package_validation",
            subject=purpose,
            outcome="valid" if validation.valid else "invalid",
            conditions={
                "currency": validation.currency,
                "total_minor": validation.total_minor if validation.valid else None,
                "fx_rate_date": validation.fx_rate_date.isoformat(),
            },
            reasons=[validation.reason] if validation.reason else ["every leg is bookable"],
            decided_at=validation.validated_at,
        )
    )
