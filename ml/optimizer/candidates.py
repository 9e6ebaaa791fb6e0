"""From a request and its offers to the arrays the model is built on, applying every hard
constraint that concerns one offer alone.

Dates and times (all local, the hotel's timezone being the destination's):

- the traveler reaches the hotel at the outbound's arrival plus ``transfer_minutes``; the first
  night is the night of that day (``check_in``), and the traveler must get there no later than
  the first hotel's ``latest_check_in_minute``. Getting there before its check-in time is
  allowed: the traveler waits, bags stored, and that is not penalized;
- the traveler leaves the hotel ``transfer_minutes`` before the return departs; that day is the
  check-out day, so the return departs on (or, past midnight, just after) the check-out day and
  always after the traveler has checked out. Checking out early is always possible, so a
  morning flight is fine; what cannot happen is paying for a night the traveler is not there;
- nights = check-out - check-in, between the request's min and max; in a split stay the first
  hotel is checked out and the second checked in on the switch day.

Offer filters: fares need seats for every traveler, rooms need ``ceil(travelers /
max_occupancy)`` rooms left on every night used (``ml.optimizer.segments``), then max stops,
excluded airlines, min stars, refundable-only and the departure window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np

from ml.optimizer.criteria import CRITERIA, flight_criteria
from ml.optimizer.segments import SegmentTable, segment_pairs, segment_table
from ml.optimizer.trip import FlightOffer, Offers, TripRequest


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(moment: dt.datetime, timezone: str) -> dt.datetime:
    return moment.astimezone(_zone(timezone))


def minute_of_day(moment: dt.datetime) -> int:
    return moment.hour * 60 + moment.minute


def check_in_of(flight: FlightOffer, request: TripRequest) -> tuple[dt.date, int]:
    """The day and local minute the traveler reaches the hotel."""
    at_hotel = local(flight.arrives_at, request.destination_timezone)
    at_hotel += dt.timedelta(minutes=request.transfer_minutes)
    return at_hotel.date(), minute_of_day(at_hotel)


def check_out_of(flight: FlightOffer, request: TripRequest) -> dt.date:
    leaves = local(flight.departs_at, request.destination_timezone)
    return (leaves - dt.timedelta(minutes=request.transfer_minutes)).date()


def flight_allowed(flight: FlightOffer, request: TripRequest) -> bool:
    return (
        flight.stops <= request.max_stops
        and flight.carrier not in request.excluded_airlines
        and flight.seats_left >= request.travelers
        and (flight.refundable or not request.refundable_only)
    )


@dataclass(frozen=True)
class FlightTable:
    """Allowed flights of one direction. ``day``: check-in ordinal for outbounds, check-out
    ordinal for returns; ``ready_minute``: when the traveler reaches the hotel (outbound)."""

    offers: tuple[FlightOffer, ...]
    day: np.ndarray
    ready_minute: np.ndarray
    values: np.ndarray  # [flights, criteria] int64

    def subset(self, keep: np.ndarray) -> FlightTable:
        index = np.flatnonzero(keep)
        return FlightTable(
            tuple(self.offers[i] for i in index),
            self.day[index],
            self.ready_minute[index],
            self.values[index],
        )


def _table(offers: list[FlightOffer], days, ready, values) -> FlightTable:
    return FlightTable(
        tuple(offers),
        np.array(days, dtype=np.int64),
        np.array(ready, dtype=np.int64),
        np.array(values, dtype=np.int64).reshape(len(offers), len(CRITERIA)),
    )


def outbound_table(request: TripRequest, offers: Offers) -> FlightTable:
    kept, days, ready, values = [], [], [], []
    for flight in offers.outbound:
        departs = local(flight.departs_at, request.origin_timezone)
        in_window = request.earliest_departure <= departs.date() <= request.latest_departure
        if not (in_window and flight_allowed(flight, request)):
            continue
        day, minute = check_in_of(flight, request)
        criteria = flight_criteria(
            flight, request.travelers, minute_of_day(departs), request.preferred_departure_minutes
        )
        kept.append(flight)
        days.append(day.toordinal())
        ready.append(minute)
        values.append(criteria.as_array())
    return _table(kept, days, ready, values)


def inbound_table(request: TripRequest, offers: Offers, check_ins: np.ndarray) -> FlightTable:
    """Allowed returns whose check-out day is min..max nights after some check-in day."""
    possible = {
        int(c) + n for c in check_ins for n in range(request.min_nights, request.max_nights + 1)
    }
    kept, days, values = [], [], []
    for flight in offers.inbound:
        day = check_out_of(flight, request).toordinal()
        if day not in possible or not flight_allowed(flight, request):
            continue
        departs = local(flight.departs_at, request.destination_timezone)
        criteria = flight_criteria(
            flight, request.travelers, minute_of_day(departs), request.preferred_departure_minutes
        )
        kept.append(flight)
        days.append(day)
        values.append(criteria.as_array())
    return _table(kept, days, [0] * len(kept), values)


@dataclass(frozen=True)
class AllowedOffers:
    """The hard-filtered offers of a request, before any dominance (shared by several asks)."""

    outbound: FlightTable
    inbound: FlightTable
    segments: SegmentTable

    @classmethod
    def of(cls, request: TripRequest, offers: Offers) -> AllowedOffers:
        outbound = outbound_table(request, offers)
        inbound = inbound_table(request, offers, np.unique(outbound.day))
        pairs = segment_pairs(request, np.unique(outbound.day), np.unique(inbound.day))
        return cls(outbound, inbound, segment_table(request, offers, pairs))
