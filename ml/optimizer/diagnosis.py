"""Why no package fits: which constraint binds, and by how much.

Each constraint the traveler set is relaxed alone, to the least it takes (the least extra
money, stops or stars): every relaxation that alone makes the request feasible is reported with
that amount. Budget: the cheapest package meeting every other constraint, minus the budget.
When no single relaxation is enough, all are relaxed together and the cheapest package then
says which of them it breaks (``jointly``); when even that finds nothing, the dates bind: no
outbound, return and hotel nights fit together for this many travelers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ml.optimizer.candidates import AllowedOffers
from ml.optimizer.model import SolveSettings
from ml.optimizer.packages import Package
from ml.optimizer.solving import cheapest
from ml.optimizer.trip import Offers, TripRequest


@dataclass(frozen=True)
class BindingConstraint:
    constraint: (
        str  # budget | max_stops | min_hotel_stars | refundable_only | excluded_airlines | dates
    )
    requested: object
    needed: object  # the least relaxed value that makes the request feasible
    by: int | None  # minor units over budget, stops over, stars under, airlines to allow
    jointly: bool  # True: enough only together with the other relaxations reported
    explanation: str


def binding_constraints(
    request: TripRequest, offers: Offers, settings: SolveSettings
) -> tuple[BindingConstraint, ...]:
    def fits(relaxed: TripRequest) -> Package | None:
        return cheapest(relaxed, offers, settings)[1]

    found: list[BindingConstraint] = []
    if request.budget_minor is not None and (best := fits(replace(request, budget_minor=None))):
        short = best.total_price_minor - request.budget_minor
        found.append(
            BindingConstraint(
                "budget",
                request.budget_minor,
                best.total_price_minor,
                short,
                False,
                f"the cheapest package meeting every other constraint costs {short} minor "
                f"units more than the budget",
            )
        )
    flights = (*offers.outbound, *offers.inbound)
    for stops in sorted({f.stops for f in flights if f.stops > request.max_stops}):
        if fits(replace(request, max_stops=stops)):
            found.append(
                BindingConstraint(
                    "max_stops",
                    request.max_stops,
                    stops,
                    stops - request.max_stops,
                    False,
                    f"a package fits with flights of up to {stops} stops",
                )
            )
            break
    lower = sorted({h.stars for h in offers.hotels if h.stars < request.min_hotel_stars})
    for stars in reversed(lower):
        if fits(replace(request, min_hotel_stars=stars)):
            found.append(
                BindingConstraint(
                    "min_hotel_stars",
                    request.min_hotel_stars,
                    stars,
                    request.min_hotel_stars - stars,
                    False,
                    f"a package fits with {stars}-star hotels",
                )
            )
            break
    if request.refundable_only and fits(replace(request, refundable_only=False)):
        found.append(
            BindingConstraint(
                "refundable_only",
                True,
                False,
                None,
                False,
                "a package fits only with a non-refundable flight or stay",
            )
        )
    found.extend(_airlines(request, fits))
    if found:
        return tuple(found)
    return _jointly(request, offers, fits)


def _airlines(request: TripRequest, fits) -> list[BindingConstraint]:
    excluded = request.excluded_airlines
    if not excluded:
        return []
    singles = sorted(
        a for a in excluded if fits(replace(request, excluded_airlines=excluded - {a}))
    )
    if singles:
        return [
            BindingConstraint(
                "excluded_airlines",
                excluded,
                frozenset(singles),
                1,
                False,
                f"a package fits when any one of {', '.join(singles)} is allowed",
            )
        ]
    best = fits(replace(request, excluded_airlines=frozenset()))
    if best is None:
        return []
    needed = frozenset({best.outbound.carrier, best.inbound.carrier} & excluded)
    return [
        BindingConstraint(
            "excluded_airlines",
            excluded,
            needed,
            len(needed),
            False,
            f"a package fits when {', '.join(sorted(needed))} are allowed together",
        )
    ]


def _jointly(request: TripRequest, offers: Offers, fits) -> tuple[BindingConstraint, ...]:
    relaxed = replace(
        request,
        budget_minor=None,
        max_stops=max((f.stops for f in (*offers.outbound, *offers.inbound)), default=0),
        min_hotel_stars=0,
        refundable_only=False,
        excluded_airlines=frozenset(),
    )
    best = fits(relaxed)
    if best is None:
        allowed = AllowedOffers.of(relaxed, offers)
        return (
            BindingConstraint(
                "dates",
                None,
                None,
                None,
                False,
                "no outbound, return and hotel nights fit together for "
                f"{request.travelers} traveler(s): {len(allowed.outbound.offers)} outbound "
                f"flights in the window, {len(allowed.inbound.offers)} returns "
                f"{request.min_nights}-{request.max_nights} nights later, "
                f"{int(allowed.segments.available.sum())} bookable hotel runs of nights",
            ),
        )
    stops = max(best.outbound.stops, best.inbound.stops)
    stars = min(s.offer.stars for s in best.stays)
    carriers = frozenset({best.outbound.carrier, best.inbound.carrier} & request.excluded_airlines)
    refundable = (
        best.outbound.refundable
        and best.inbound.refundable
        and all(s.offer.refundable for s in best.stays)
    )
    broken = []
    if request.budget_minor is not None and best.total_price_minor > request.budget_minor:
        broken.append(
            (
                "budget",
                request.budget_minor,
                best.total_price_minor,
                best.total_price_minor - request.budget_minor,
            )
        )
    if stops > request.max_stops:
        broken.append(("max_stops", request.max_stops, stops, stops - request.max_stops))
    if stars < request.min_hotel_stars:
        broken.append(
            ("min_hotel_stars", request.min_hotel_stars, stars, request.min_hotel_stars - stars)
        )
    if request.refundable_only and not refundable:
        broken.append(("refundable_only", True, False, None))
    if carriers:
        broken.append(("excluded_airlines", request.excluded_airlines, carriers, len(carriers)))
    return tuple(
        BindingConstraint(
            name,
            requested,
            needed,
            by,
            True,
            "no single relaxation is enough; the cheapest package with all of them relaxed "
            "needs these together",
        )
        for name, requested, needed, by in broken
    )
