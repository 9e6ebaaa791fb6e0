"""A small hand-built warehouse for the dbt tests: three active watches in EUR, GBP and JPY, a
paused one and one without hotels, quotes in four currencies with traps (wrong cabin, too many
stops, too few seats, sold-out rooms, wrong party size, a cheaper stale partition), plus what
makes every other mart non-empty (request log, a cross-provider anomaly, users and API usage)."""

from __future__ import annotations

import datetime as dt
import zlib
from decimal import ROUND_HALF_EVEN, Decimal

import pyarrow as pa

from tests.dbt.alert_fixture_data import ALERT_INTERACTIONS, ALERTS
from tests.dbt.booking_fixture_data import (
    BOOKING_DECISIONS,
    BOOKING_LEGS,
    BOOKING_PAYMENTS,
    BOOKINGS,
    PROPOSALS,
    with_automation_modes,
)
from wayra.warehouse import RAW_TABLES, Warehouse

OBSERVED_ON = dt.date(2025, 6, 1)
STALE_DAY = dt.date(2025, 5, 31)
RATE_DATE = dt.date(2025, 5, 30)

# units per EUR and minor-unit exponent, as the ECB feed lands them.
RATES: dict[str, tuple[str, int]] = {
    "EUR": ("1", 2),
    "GBP": ("0.8575", 2),
    "JPY": ("163.09", 0),
    "USD": ("1.1347", 2),
}


def convert_minor(amount_minor: int, source: str, target: str) -> int:
    """Independent reference: Decimal through EUR, rounded half to even once."""
    source_rate, source_exp = RATES[source]
    target_rate, target_exp = RATES[target]
    major = Decimal(amount_minor).scaleb(-source_exp)
    converted = major / Decimal(source_rate) * Decimal(target_rate)
    return int(converted.scaleb(target_exp).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _ts(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def _watch(watch_id, currency, routes, depart_from, depart_to, nights, adults, cabin, max_stops,
           budget_minor, status="active", **preferences):  # fmt: skip
    """A watch row plus its ``routes``: (origin, destination, destination city) triples."""
    return {
        "watch_id": watch_id,
        "user_id": f"user-{watch_id}",
        "routes": routes,
        "depart_from": depart_from,
        "depart_to": depart_to,
        "nights_min": nights[0],
        "nights_max": nights[1],
        "adults": adults,
        "children": 0,
        "cabin": cabin,
        "max_stops": max_stops,
        "preferred_airlines": None,
        "excluded_airlines": None,
        "hotel_min_stars": None,
        "hotel_max_distance_km": None,
        "hotel_point_latitude": None,
        "hotel_point_longitude": None,
        "hotel_refundable_only": False,
        "budget_minor": budget_minor,
        "currency": currency,
        "automation_mode": "off",
        "timezone": "UTC",
        "status": status,
        "created_at": _ts(dt.date(2025, 5, 1), 9),
        "extracted_at": _ts(OBSERVED_ON, 0),
    } | preferences


def _flight(offer_id, origin, destination, day, total_minor, currency, *, cabin="ECONOMY",
            adults=1, stops=0, seats_left=9, partition=OBSERVED_ON, carrier="WY"):  # fmt: skip
    return {
        "partition_date": partition,
        "provider": "skyprov",
        "request_id": f"req-{offer_id}",
        "observed_at": _ts(partition, 6),
        "offer_id": offer_id,
        "payload_hash": f"hash-{offer_id}",
        "origin": origin,
        "destination": destination,
        "departure_date": day,
        "carrier": carrier,
        "flight_number": f"{carrier}{zlib.crc32(offer_id.encode()) % 9000 + 100}",
        "stops": stops,
        "cabin": cabin,
        "adults": adults,
        "departure_at": _ts(day, 8),
        "arrival_at": _ts(day, 12),
        "duration_minutes": 240,
        "fare_bucket": "Y",
        "seats_left": seats_left,
        "promotion": False,
        "total_minor": total_minor,
        "currency": currency,
    }


def _hotel(offer_id, city, check_in, nights, total_minor, currency, *, adults=1, rooms_left=5,
           partition=OBSERVED_ON, stars=4, latitude=48.85, refundable=True):  # fmt: skip
    return {
        "partition_date": partition,
        "provider": "staysim",
        "request_id": f"req-{offer_id}",
        "observed_at": _ts(partition, 7),
        "offer_id": offer_id,
        "payload_hash": f"hash-{offer_id}",
        "city_code": city,
        "hotel_id": f"hotel-{offer_id}",
        "hotel_name": f"Hotel {offer_id.upper()}",
        "stars": stars,
        "latitude": latitude,
        "longitude": 2.35,
        "distance_km": 1.5,
        "check_in": check_in,
        "check_out": check_in + dt.timedelta(days=nights),
        "nights": nights,
        "adults": adults,
        "room_type": "double",
        "refundable": refundable,
        "rooms_left": rooms_left,
        "total_minor": total_minor,
        "currency": currency,
    }


D = dt.date

WATCHES = [
    _watch("w-eur", "EUR", [("LIS", "CDG", "PAR")], D(2025, 7, 1), D(2025, 7, 2), (2, 3), 2, "ECONOMY", 1, 100_000),
    _watch("w-gbp", "GBP", [("LHR", "NRT", "TYO")], D(2025, 7, 10), D(2025, 7, 10), (5, 5), 1, "BUSINESS", None, 500_000),
    _watch("w-jpy", "JPY", [("NRT", "LIS", "LIS")], D(2025, 8, 1), D(2025, 8, 1), (4, 4), 1, "ECONOMY", None, 200_000),
    _watch("w-paused", "EUR", [("LIS", "CDG", "PAR")], D(2025, 7, 1), D(2025, 7, 2), (2, 3), 2, "ECONOMY", 1, 100_000, status="paused"),
    _watch("w-nohotel", "EUR", [("LIS", "CDG", "XXX")], D(2025, 7, 1), D(2025, 7, 1), (2, 2), 2, "ECONOMY", 1, 100_000),
    # Two origins to Paris, with every hotel constraint and an excluded airline; 1.3 km from
    # the point (48.86, 2.34) is near enough, 11 km is not.
    _watch("w-multi", "EUR", [("LIS", "CDG", "PAR"), ("MAD", "CDG", "PAR")], D(2025, 7, 1), D(2025, 7, 1), (2, 2), 3, "ECONOMY", 1, 100_000,
           excluded_airlines="XX,ZZ", preferred_airlines="WY", hotel_min_stars=3, hotel_refundable_only=True,
           hotel_max_distance_km=2.0, hotel_point_latitude=48.86, hotel_point_longitude=2.34),
]  # fmt: skip

FLIGHTS = [
    # w-eur outbound LIS->CDG, 2 adults, economy, <= 1 stop
    _flight("e-out-0701-usd", "LIS", "CDG", D(2025, 7, 1), 30_000, "USD", adults=2),
    _flight("e-out-0701-biz", "LIS", "CDG", D(2025, 7, 1), 10_000, "EUR", adults=2, cabin="BUSINESS"),
    _flight("e-out-0701-stale", "LIS", "CDG", D(2025, 7, 1), 100, "EUR", adults=2, partition=STALE_DAY),
    _flight("e-out-0702-2stops", "LIS", "CDG", D(2025, 7, 2), 12_000, "EUR", adults=2, stops=2),
    _flight("e-out-0702-gbp", "LIS", "CDG", D(2025, 7, 2), 22_000, "GBP", adults=2, stops=1, seats_left=2),
    _flight("e-out-0702-soldout", "LIS", "CDG", D(2025, 7, 2), 1_000, "EUR", adults=2, seats_left=1),
    _flight("e-out-0702-1adult", "LIS", "CDG", D(2025, 7, 2), 900, "EUR", adults=1),
    # w-eur inbound CDG->LIS
    _flight("e-in-0703", "CDG", "LIS", D(2025, 7, 3), 20_000, "EUR", adults=2),
    _flight("e-in-0704", "CDG", "LIS", D(2025, 7, 4), 18_000, "EUR", adults=2, seats_left=None),
    _flight("e-in-0705-jpy", "CDG", "LIS", D(2025, 7, 5), 3_000_000, "JPY", adults=2),
    # w-gbp LHR<->NRT business, any stops
    _flight("g-out-eur", "LHR", "NRT", D(2025, 7, 10), 150_000, "EUR", cabin="BUSINESS", stops=2),
    _flight("g-out-jpy", "LHR", "NRT", D(2025, 7, 10), 250_000, "JPY", cabin="BUSINESS"),
    _flight("g-out-eco", "LHR", "NRT", D(2025, 7, 10), 50_000, "GBP"),
    _flight("g-in-jpy", "NRT", "LHR", D(2025, 7, 15), 260_000, "JPY", cabin="BUSINESS"),
    _flight("g-in-usd-2ad", "NRT", "LHR", D(2025, 7, 15), 1_000, "USD", cabin="BUSINESS", adults=2),
    _flight("g-in-usd", "NRT", "LHR", D(2025, 7, 15), 199_999, "USD", cabin="BUSINESS"),
    # w-jpy NRT<->LIS economy
    _flight("j-out-eur", "NRT", "LIS", D(2025, 8, 1), 65_432, "EUR"),
    _flight("j-out-usd", "NRT", "LIS", D(2025, 8, 1), 70_000, "USD"),
    _flight("j-in-gbp", "LIS", "NRT", D(2025, 8, 5), 55_555, "GBP"),
    # w-nohotel shares w-eur's flights but no hotel exists in XXX
    # w-multi (3 adults): MAD is the cheaper origin once the excluded XX flight is out
    _flight("m-out-lis", "LIS", "CDG", D(2025, 7, 1), 10_000, "EUR", adults=3),
    _flight("m-in-lis", "CDG", "LIS", D(2025, 7, 3), 30_000, "EUR", adults=3),
    _flight("m-out-mad", "MAD", "CDG", D(2025, 7, 1), 15_000, "EUR", adults=3),
    _flight("m-out-mad-xx", "MAD", "CDG", D(2025, 7, 1), 5_000, "EUR", adults=3, carrier="XX"),
    _flight("m-in-mad", "CDG", "MAD", D(2025, 7, 3), 16_000, "EUR", adults=3),
]  # fmt: skip

HOTELS = [
    _hotel("h-par-0701-2n", "PAR", D(2025, 7, 1), 2, 40_000, "EUR", adults=2),
    _hotel("h-par-0701-3n", "PAR", D(2025, 7, 1), 3, 52_000, "EUR", adults=2),
    _hotel("h-par-0702-2n-gbp", "PAR", D(2025, 7, 2), 2, 30_000, "GBP", adults=2),
    _hotel("h-par-0702-2n-1ad", "PAR", D(2025, 7, 2), 2, 5_000, "EUR", adults=1),
    _hotel("h-par-0702-3n-full", "PAR", D(2025, 7, 2), 3, 6_000, "EUR", adults=2, rooms_left=0),
    _hotel("h-par-0702-3n", "PAR", D(2025, 7, 2), 3, 61_000, "EUR", adults=2),
    _hotel("h-tyo-jpy", "TYO", D(2025, 7, 10), 5, 120_000, "JPY"),
    _hotel("h-tyo-eur", "TYO", D(2025, 7, 10), 5, 70_000, "EUR"),
    _hotel("h-lis-eur", "LIS", D(2025, 8, 1), 4, 48_000, "EUR"),
    _hotel("h-lis-usd", "LIS", D(2025, 8, 1), 4, 50_000, "USD", rooms_left=None),
    # w-multi: only the dearest Paris stay meets its stars, refundability and distance
    _hotel("m-hotel-ok", "PAR", D(2025, 7, 1), 2, 45_000, "EUR", adults=3),
    _hotel("m-hotel-far", "PAR", D(2025, 7, 1), 2, 20_000, "EUR", adults=3, latitude=48.95),
    _hotel("m-hotel-2star", "PAR", D(2025, 7, 1), 2, 15_000, "EUR", adults=3, stars=2),
    _hotel("m-hotel-nonref", "PAR", D(2025, 7, 1), 2, 16_000, "EUR", adults=3, refundable=False),
]  # fmt: skip


ROUTES = [
    {
        "watch_id": w["watch_id"],
        "origin": origin,
        "destination": destination,
        "destination_city_code": city,
        "extracted_at": w["extracted_at"],
    }
    for w in WATCHES
    for origin, destination, city in w["routes"]
]


def ecb_rows() -> list[dict]:
    return [
        {
            "partition_date": day,
            "currency": currency,
            "units_per_eur": float(rate),
            "rate_date": RATE_DATE,
            "minor_unit_exponent": exponent,
        }
        for day in (STALE_DAY, OBSERVED_ON)
        for currency, (rate, exponent) in RATES.items()
    ]


def _table(name: str, rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=RAW_TABLES[name])


# The rest of the whole-project fixture, so that EVERY mart has rows (test_dbt_build compares
# each one across the two adapters): w-gbp was also quoted the day before, dearer (a first
# observed package to save against; held and rose re-price outcomes), and three providers quote
# one flight on a route no watch covers, one of them +49% (a cross-provider anomaly).
EXTRA_FLIGHTS = [
    _flight("g-out-eur", "LHR", "NRT", D(2025, 7, 10), 160_000, "EUR", cabin="BUSINESS", stops=2, partition=STALE_DAY),
    _flight("g-in-jpy", "NRT", "LHR", D(2025, 7, 15), 250_000, "JPY", cabin="BUSINESS", partition=STALE_DAY),
    _flight("x-lis-mad", "LIS", "MAD", D(2025, 7, 10), 10_000, "EUR") | {"flight_number": "WY777"},
    _flight("x-lis-mad", "LIS", "MAD", D(2025, 7, 10), 10_100, "EUR") | {"flight_number": "WY777", "provider": "cloudprov"},
    _flight("x-lis-mad", "LIS", "MAD", D(2025, 7, 10), 14_900, "EUR") | {"flight_number": "WY777", "provider": "jetprov"},
]  # fmt: skip
EXTRA_HOTELS = [
    _hotel("h-tyo-eur", "TYO", D(2025, 7, 10), 5, 75_000, "EUR", partition=STALE_DAY),
]
# Sign-ups in two months on every plan; the extract ran on OBSERVED_ON.
USERS = [
    {"user_id": w["user_id"], "plan": plan, "created_at": _ts(day, 9), "extracted_at": _ts(OBSERVED_ON, 12)}
    for w, plan, day in zip(
        WATCHES,
        ["monitoring", "optimization", "automation", "free", "free", "automation"],
        [D(2025, 5, 1), D(2025, 5, 1), D(2025, 5, 14), D(2025, 5, 20), OBSERVED_ON, OBSERVED_ON],
        strict=True,
    )
]  # fmt: skip
# Watch reads in the week of May 26 (a 404, a POST and a deleted user's read do not count).
API_USAGE_EVENTS = [
    {"event_id": n, "user_id": user, "method": method, "route": route, "status_code": status,
     "occurred_at": _ts(day, 10 + n), "extracted_at": _ts(OBSERVED_ON, 12)}
    for n, (user, method, route, status, day) in enumerate([
        ("user-w-eur", "GET", "/v1/watches", 200, STALE_DAY),
        ("user-w-eur", "GET", "/v1/watches/{watch_id}/recommendations", 200, OBSERVED_ON),
        ("user-w-gbp", "GET", "/v1/watches/{watch_id}", 200, OBSERVED_ON),
        ("user-w-jpy", "GET", "/v1/watches/{watch_id}", 404, OBSERVED_ON),
        ("user-w-multi", "POST", "/v1/watches", 201, OBSERVED_ON),
        (None, "GET", "/v1/watches", 200, OBSERVED_ON),
        ("user-w-gbp", "GET", "/v1/watches", 200, D(2025, 5, 20)),
    ], start=1)
]  # fmt: skip


def _search_key(row: dict) -> str:
    if "cabin" in row:
        return (f"flight:{row['origin']}-{row['destination']}:{row['departure_date']}:"
                f"{row['adults']}:{row['cabin']}")  # fmt: skip
    return f"hotel:{row['city_code']}:{row['check_in']}+{row['nights']}:{row['adults']}"


def _one_request_per_search(rows: list[dict]) -> list[dict]:
    """A provider answers a search with one response: its quotes share the request id."""
    return [
        row | {"request_id": f"req-{row['provider']}-{_search_key(row)}-{row['partition_date']}"}
        for row in rows
    ]


def fixture_requests(quotes: list[dict]) -> list[dict]:
    """The request log behind ``quotes`` (all ok), plus a failed and a budget-skipped request of
    skyprov on OBSERVED_ON: its data uptime that day is below its success rate."""
    rows = {}
    for quote in quotes:
        rows[quote["request_id"]] = {
            "partition_date": quote["partition_date"],
            "provider": quote["provider"],
            "category": "flight" if "cabin" in quote else "hotel",
            "request_id": quote["request_id"],
            "requested_at": quote["observed_at"],
            "search_key": _search_key(quote),
            "status": "ok",
            "error": None,
            "latency_ms": float(100 + _wobble(quote["request_id"]) % 900),
            "attempts": 1,
            "quotes_returned": sum(q["request_id"] == quote["request_id"] for q in quotes),
            "watches_served": 1,
        }
    for status, search in (("error", "flight:LIS-FAO:2025-07-01:1:ECONOMY"),
                           ("skipped_budget", "flight:LIS-OPO:2025-07-01:1:ECONOMY")):  # fmt: skip
        rows[status] = {
            "partition_date": OBSERVED_ON, "provider": "skyprov", "category": "flight",
            "request_id": f"req-skyprov-{status}", "requested_at": _ts(OBSERVED_ON, 6),
            "search_key": search, "status": status, "error": status if status == "error" else None,
            "latency_ms": 2500.0 if status == "error" else 0.0,
            "attempts": 3 if status == "error" else 0, "quotes_returned": 0, "watches_served": 1,
        }  # fmt: skip
    return list(rows.values())


def land_fixture(warehouse: Warehouse) -> None:
    warehouse.ensure_raw_tables()
    days = [STALE_DAY, OBSERVED_ON]
    flights = _one_request_per_search(FLIGHTS + EXTRA_FLIGHTS)
    hotels = _one_request_per_search(HOTELS + EXTRA_HOTELS)
    warehouse.replace_partitions_of(
        {
            "flight_quotes": _table("flight_quotes", flights),
            "hotel_quotes": _table("hotel_quotes", hotels),
            "provider_requests": _table("provider_requests", fixture_requests(flights + hotels)),
            "ecb_rates": _table("ecb_rates", ecb_rows()),
        },
        days,
    )
    warehouse.replace_tables(
        {
            "operational_watches": _table("operational_watches", with_automation_modes(WATCHES)),
            "operational_watch_routes": _table("operational_watch_routes", ROUTES),
            "operational_users": _table("operational_users", USERS),
            "operational_api_usage_events": _table(
                "operational_api_usage_events", API_USAGE_EVENTS
            ),
            "operational_alerts": _table("operational_alerts", ALERTS),
            "operational_alert_interactions": _table(
                "operational_alert_interactions", ALERT_INTERACTIONS
            ),
            "operational_proposals": _table("operational_proposals", PROPOSALS),
            "operational_bookings": _table("operational_bookings", BOOKINGS),
            "operational_booking_payments": _table(
                "operational_booking_payments", BOOKING_PAYMENTS
            ),
            "operational_booking_legs": _table("operational_booking_legs", BOOKING_LEGS),
            "operational_booking_decisions": _table(
                "operational_booking_decisions", BOOKING_DECISIONS
            ),
        }
    )


# --- Price history (tests/dbt/test_price_history.py) -------------------------------------------
# Three weeks of daily observations of a few flight and hotel series, two providers each, in four
# currencies, with days missing per provider and per series (so calendar-day lags matter).

HISTORY_START = dt.date(2025, 6, 1)
HISTORY_DAYS = [HISTORY_START + dt.timedelta(days=n) for n in range(21)]

# (origin, destination, departure date, cabin, adults)
HISTORY_FLIGHT_SERIES = [
    ("LIS", "CDG", D(2025, 7, 1), "ECONOMY", 1),
    ("LHR", "NRT", D(2025, 7, 10), "BUSINESS", 1),
    ("MAD", "JFK", D(2025, 6, 19), "ECONOMY", 2),  # departs inside the history window
]
# (city, check-in, nights, adults)
HISTORY_HOTEL_SERIES = [
    ("PAR", D(2025, 7, 1), 2, 2),
    ("TYO", D(2025, 7, 10), 5, 1),
]
# provider -> quote currency
HISTORY_FLIGHT_PROVIDERS = {"skyprov": "GBP", "jetprov": "JPY"}
HISTORY_HOTEL_PROVIDERS = {"staysim": "EUR", "bedprov": "USD"}


def _wobble(*parts: object) -> int:
    """A deterministic pseudo-random integer from the parts (stable across runs/processes)."""
    return zlib.crc32("|".join(map(str, parts)).encode())


def _observed(row: dict, provider: str, day: dt.date, hour: int) -> dict:
    return row | {
        "provider": provider,
        "request_id": f"req-{provider}-{day}",
        "observed_at": _ts(day, hour),
    }


def history_flights(days: list[dt.date] = HISTORY_DAYS) -> list[dict]:
    rows = []
    for s, (origin, destination, departure, cabin, adults) in enumerate(HISTORY_FLIGHT_SERIES):
        for day in days:
            if day > departure:
                continue
            for provider, currency in HISTORY_FLIGHT_PROVIDERS.items():
                # ~1 in 5 (series, provider, day) unobserved; whole series days go missing too.
                if _wobble(s, provider, day) % 5 == 0 or _wobble(s, day) % 7 == 0:
                    continue
                for k in range(2):  # two fares per provider: the daily minimum must pick one
                    base = 20_000 + 10_000 * s + _wobble(s, provider, day, k) % 9_000
                    amount = base if currency != "JPY" else base * 2
                    offer = f"{provider}-f{s}-{k}"
                    row = _flight(offer, origin, destination, departure, amount, currency,
                                  cabin=cabin, adults=adults, partition=day,
                                  seats_left=None if k else _wobble(offer, day) % 9 + 1)  # fmt: skip
                    row["promotion"] = _wobble(offer, day, "promo") % 6 == 0
                    rows.append(_observed(row, provider, day, 6))
    return rows


def history_hotels(days: list[dt.date] = HISTORY_DAYS) -> list[dict]:
    rows = []
    for s, (city, check_in, nights, adults) in enumerate(HISTORY_HOTEL_SERIES):
        for day in days:
            for provider, currency in HISTORY_HOTEL_PROVIDERS.items():
                if _wobble("h", s, provider, day) % 4 == 0:
                    continue
                offer = f"{provider}-h{s}"
                amount = 30_000 + 5_000 * s + _wobble(offer, day) % 12_000
                row = _hotel(offer, city, check_in, nights, amount, currency, adults=adults,
                             partition=day, rooms_left=_wobble(offer, day, "r") % 4)  # fmt: skip
                rows.append(_observed(row, provider, day, 7))
    return rows


def history_ecb_rows(days: list[dt.date] = HISTORY_DAYS) -> list[dict]:
    return [
        {
            "partition_date": day,
            "currency": currency,
            "units_per_eur": float(rate),
            "rate_date": day - dt.timedelta(days=1),
            "minor_unit_exponent": exponent,
        }
        for day in days
        for currency, (rate, exponent) in RATES.items()
    ]


def land_history(
    warehouse: Warehouse, flights: list[dict], hotels: list[dict], days: list[dt.date]
) -> None:
    """Replace ``days`` of the quote and rate tables with the rows of those days."""
    warehouse.ensure_raw_tables()
    in_days = set(days)
    warehouse.replace_partitions_of(
        {
            "flight_quotes": _table("flight_quotes", [r for r in flights if r["partition_date"] in in_days]),
            "hotel_quotes": _table("hotel_quotes", [r for r in hotels if r["partition_date"] in in_days]),
            "ecb_rates": _table("ecb_rates", history_ecb_rows(sorted(in_days))),
        },
        sorted(in_days),
    )  # fmt: skip


# --- Cross-provider validation (tests/dbt/test_cross_provider.py) ------------------------------
# Four days; the same flights (same carrier + flight number) and rooms (same hotel id) quoted by
# up to four providers in different currencies. Honest providers stay within +-2% of a base
# price; "delta" quotes +50% on some items; "charlie" never updates its hotel prices (stale).

CROSS_DAYS = [dt.date(2025, 6, 1) + dt.timedelta(days=n) for n in range(4)]
CROSS_PROVIDERS = {"alpha": "EUR", "bravo": "GBP", "charlie": "USD", "delta": "EUR"}
CROSS_OFF_PROVIDER = "delta"
# (origin, destination, departure, carrier, flight number, base EUR cents, providers)
CROSS_FLIGHTS = [
    ("LIS", "CDG", D(2025, 7, 1), "WY", "WY101", 20_000, list(CROSS_PROVIDERS)),
    ("LHR", "NRT", D(2025, 7, 10), "WY", "WY202", 90_000, list(CROSS_PROVIDERS)),
    ("MAD", "JFK", D(2025, 7, 5), "ZZ", "ZZ303", 45_000, list(CROSS_PROVIDERS)),
    ("LIS", "MAD", D(2025, 7, 2), "WY", "WY404", 8_000, ["alpha", "bravo"]),  # two, honest
    ("LIS", "LHR", D(2025, 7, 3), "WY", "WY505", 9_000, ["alpha"]),  # one: never compared
]
# (city, hotel id, check-in, nights, base EUR cents, providers)
CROSS_HOTELS = [
    ("PAR", "hotel-par-1", D(2025, 7, 1), 2, 40_000, list(CROSS_PROVIDERS)),
    ("TYO", "hotel-tyo-1", D(2025, 7, 10), 5, 120_000, list(CROSS_PROVIDERS)),
]


def cross_is_off(kind: str, index: int, day: dt.date, provider: str) -> bool:
    """Whether ``provider`` deliberately quotes +50% on this item and day."""
    return provider == CROSS_OFF_PROVIDER and (index + day.toordinal()) % 2 == 0


def _cross_amount(kind: str, index: int, day: dt.date, provider: str, base: int) -> tuple[int, str]:
    stale = provider == "charlie" and kind == "hotel"
    wobble = _wobble("x", kind, index, provider, None if stale else day) % 401 - 200  # +-2%
    eur_cents = base * (10_000 + wobble) // 10_000
    if cross_is_off(kind, index, day, provider):
        eur_cents = eur_cents * 3 // 2
    currency = CROSS_PROVIDERS[provider]
    rate, exponent = RATES[currency]
    amount = int((Decimal(eur_cents) / 100 * Decimal(rate)).scaleb(exponent).quantize(Decimal(1)))
    return amount, currency


def cross_flights() -> list[dict]:
    rows = []
    for i, (origin, destination, departure, carrier, number, base, providers) in enumerate(
        CROSS_FLIGHTS
    ):
        for day in CROSS_DAYS:
            for provider in providers:
                amount, currency = _cross_amount("flight", i, day, provider, base)
                row = _flight(f"{provider}-x{i}", origin, destination, departure, amount,
                              currency, partition=day, carrier=carrier)  # fmt: skip
                row["flight_number"] = number
                rows.append(_observed(row, provider, day, 6))
    return rows


def cross_hotels() -> list[dict]:
    rows = []
    for i, (city, hotel_id, check_in, nights, base, providers) in enumerate(CROSS_HOTELS):
        for day in CROSS_DAYS:
            for provider in providers:
                amount, currency = _cross_amount("hotel", i, day, provider, base)
                row = _hotel(f"{provider}-y{i}", city, check_in, nights, amount, currency,
                             partition=day)  # fmt: skip
                row["hotel_id"] = hotel_id
                rows.append(_observed(row, provider, day, 7))
    return rows


# Per provider and day: (ok, error, skipped_budget, skipped_circuit_open) request counts.
def cross_request_counts(provider: str, day: dt.date) -> tuple[int, int, int, int]:
    n = _wobble("req", provider, day)
    return 3 + n % 4, (n >> 3) % 3, (n >> 5) % 3, (n >> 7) % 2


def cross_requests() -> list[dict]:
    rows = []
    for provider in CROSS_PROVIDERS:
        for day in CROSS_DAYS:
            counts = cross_request_counts(provider, day)
            statuses = ["ok", "error", "skipped_budget", "skipped_circuit_open"]
            k = 0
            for status, count in zip(statuses, counts, strict=True):
                for _ in range(count):
                    k += 1
                    sent = not status.startswith("skipped")
                    rows.append({
                        "partition_date": day,
                        "provider": provider,
                        "category": "flights",
                        "request_id": f"req-{provider}-{day}-{k}",
                        "requested_at": _ts(day, 6),
                        "search_key": f"search-{k}",
                        "status": status,
                        "error": None if status == "ok" else status,
                        "latency_ms": float(_wobble("lat", provider, day, k) % 3000) if sent else 0.0,
                        "attempts": 1 + _wobble("att", provider, day, k) % 3 if sent else 0,
                        "quotes_returned": 2 if status == "ok" else 0,
                        "watches_served": 1,
                    })  # fmt: skip
    return rows


def land_cross_provider(warehouse: Warehouse) -> None:
    warehouse.ensure_raw_tables()
    warehouse.replace_partitions_of(
        {
            "flight_quotes": _table("flight_quotes", cross_flights()),
            "hotel_quotes": _table("hotel_quotes", cross_hotels()),
            "ecb_rates": _table("ecb_rates", history_ecb_rows(CROSS_DAYS)),
            "provider_requests": _table("provider_requests", cross_requests()),
        },
        CROSS_DAYS,
    )
