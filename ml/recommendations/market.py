"""What the warehouse knows about the market around an offer, turned into its risk.

Route volatility comes from ``fct_route_price_trends`` (the latest day with a value, per
route key: ``ORIGIN-DESTINATION`` for flights, the city code for hotels) and provider
reliability from ``fct_provider_reliability_daily`` (the latest day's data uptime). The
bookability classifier's probability is optional: it is passed in per offer key when a
model is available, and unknown (a risk of its own) otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ml.recommendations.risk import OfferRisk, OfferRiskInputs, offer_risk

Row = Mapping[str, Any]


@dataclass(frozen=True)
class MarketContext:
    volatility: dict[tuple[str, str], float] = field(default_factory=dict)  # (kind, route key)
    provider_uptime: dict[str, float] = field(default_factory=dict)
    bookable: dict[tuple[str, str], float] = field(default_factory=dict)  # (provider, offer id)

    @classmethod
    def from_rows(
        cls,
        trends: Iterable[Row],
        reliability: Iterable[Row],
        bookable: Mapping[tuple[str, str], float] | None = None,
    ) -> MarketContext:
        """``trends``: series_kind, route_key, observed_on, log_return_volatility_14d;
        ``reliability``: provider, observed_on, data_uptime. The latest known value wins."""
        volatility: dict[tuple[str, str], tuple[Any, float]] = {}
        for row in trends:
            value = row["log_return_volatility_14d"]
            key = (row["series_kind"], row["route_key"])
            if value is not None and (
                key not in volatility or row["observed_on"] > volatility[key][0]
            ):
                volatility[key] = (row["observed_on"], float(value))
        uptime: dict[str, tuple[Any, float]] = {}
        for row in reliability:
            value, provider = row["data_uptime"], row["provider"]
            if value is not None and (
                provider not in uptime or row["observed_on"] > uptime[provider][0]
            ):
                uptime[provider] = (row["observed_on"], float(value))
        return cls(
            volatility={k: v for k, (_, v) in volatility.items()},
            provider_uptime={k: v for k, (_, v) in uptime.items()},
            bookable=dict(bookable or {}),
        )

    def risk_of(self, kind: str, row: Row, party_size: int = 1) -> OfferRisk:
        if kind == "flight":
            origin, destination = row["route_origin"], row["route_destination"]
            if row["direction"] == "inbound":
                origin, destination = destination, origin
            route_key, units_left, units_needed = (
                f"{origin}-{destination}",
                row["seats_left"],
                party_size,
            )
            refundable = None  # flight quotes do not say
        else:
            # A stay quote prices the party's rooms: one unit of what is left.
            route_key, units_left, units_needed = row["city_code"], row["rooms_left"], 1
            refundable = row["is_refundable"]
        return offer_risk(
            OfferRiskInputs(
                kind="flight" if kind == "flight" else "hotel",
                route_volatility=self.volatility.get((kind, route_key)),
                units_left=units_left,
                units_needed=units_needed,
                bookable_probability=self.bookable.get((row["provider"], row["offer_id"])),
                provider_uptime=self.provider_uptime.get(row["provider"]),
                refundable=refundable,
            )
        )
