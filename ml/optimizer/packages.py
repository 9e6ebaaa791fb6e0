"""What the optimizer answers: packages with their price, criteria and objective."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from ml.optimizer.candidates import local
from ml.optimizer.criteria import Criteria, ObjectiveScale
from ml.optimizer.model import Choice
from ml.optimizer.selection import Candidates
from ml.optimizer.trip import FlightOffer, HotelRoomOffer, TripRequest


@dataclass(frozen=True, slots=True)
class HotelStay:
    offer: HotelRoomOffer
    check_in: dt.date
    check_out: dt.date
    rooms: int
    price_minor: int

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days


@dataclass(frozen=True, slots=True)
class Package:
    outbound: FlightOffer
    inbound: FlightOffer
    stays: tuple[HotelStay, ...]  # one, or two for a split stay, in date order
    departure_date: dt.date  # the outbound's local departure date
    total_price_minor: int
    currency: str
    criteria: Criteria
    contributions: dict[str, Fraction]  # weight x value per criterion; they sum to objective
    objective: Fraction
    proven_optimal: bool  # False: the best found within the time limit, not proven

    @property
    def check_in(self) -> dt.date:
        return self.stays[0].check_in

    @property
    def check_out(self) -> dt.date:
        return self.stays[-1].check_out

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    @property
    def hotel_ids(self) -> frozenset[str]:
        return frozenset(stay.offer.hotel_id for stay in self.stays)

    @property
    def convenience(self) -> Fraction:
        """The objective without the price term: the other axis of the Pareto front."""
        return self.objective - self.contributions["price_minor"]

    def key(self) -> tuple[str, str, tuple[tuple[str, dt.date], ...]]:
        return (
            self.outbound.offer_id,
            self.inbound.offer_id,
            tuple((s.offer.offer_id, s.check_in) for s in self.stays),
        )


def decode(
    choice: Choice,
    candidates: Candidates,
    request: TripRequest,
    scale: ObjectiveScale,
    proven_optimal: bool,
) -> Package:
    segments = candidates.segments
    stays, criteria = [], Criteria()
    for s in choice.segments:
        offer = segments.offers[int(segments.offer[s])]
        values = Criteria.from_array(segments.values[s])
        stays.append(
            HotelStay(
                offer=offer,
                check_in=dt.date.fromordinal(int(segments.start[s])),
                check_out=dt.date.fromordinal(int(segments.end[s])),
                rooms=offer.rooms_for(request.travelers),
                price_minor=values.price_minor,
            )
        )
        criteria += values
    criteria += Criteria.from_array(candidates.outbound.values[choice.outbound])
    criteria += Criteria.from_array(candidates.inbound.values[choice.inbound])
    outbound = candidates.outbound.offers[choice.outbound]
    return Package(
        outbound=outbound,
        inbound=candidates.inbound.offers[choice.inbound],
        stays=tuple(stays),
        departure_date=local(outbound.departs_at, request.origin_timezone).date(),
        total_price_minor=criteria.price_minor,
        currency=request.currency,
        criteria=criteria,
        contributions=scale.contributions(criteria),
        objective=scale.objective(criteria),
        proven_optimal=proven_optimal,
    )
