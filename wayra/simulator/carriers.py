"""Airlines flying the simulated network: legacy carriers at their home hubs, low-cost
carriers on short-haul, and the fare level each one charges relative to the market."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Carrier:
    code: str
    name: str
    countries: tuple[str, ...]  # where it has hubs (nonstops from/to there)
    low_cost: bool
    fare_factor: float


CARRIERS: dict[str, Carrier] = {
    c.code: c
    for c in (
        Carrier("BA", "British Airways", ("GB",), False, 1.10),
        Carrier("VS", "Virgin Atlantic", ("GB",), False, 1.05),
        Carrier("AF", "Air France", ("FR",), False, 1.05),
        Carrier("LH", "Lufthansa", ("DE",), False, 1.10),
        Carrier("KL", "KLM", ("NL",), False, 1.00),
        Carrier("IB", "Iberia", ("ES",), False, 0.95),
        Carrier("AZ", "ITA Airways", ("IT",), False, 0.95),
        Carrier("TP", "TAP Air Portugal", ("PT",), False, 0.92),
        Carrier("EI", "Aer Lingus", ("IE",), False, 0.95),
        Carrier("OS", "Austrian Airlines", ("AT",), False, 1.00),
        Carrier("LX", "Swiss", ("CH",), False, 1.15),
        Carrier("SK", "SAS", ("DK", "SE", "NO"), False, 1.00),
        Carrier("OK", "Czech Airlines", ("CZ",), False, 0.90),
        Carrier("LO", "LOT Polish Airlines", ("PL",), False, 0.90),
        Carrier("A3", "Aegean Airlines", ("GR",), False, 0.92),
        Carrier("AA", "American Airlines", ("US",), False, 1.00),
        Carrier("UA", "United Airlines", ("US",), False, 1.00),
        Carrier("DL", "Delta Air Lines", ("US",), False, 1.05),
        Carrier("AC", "Air Canada", ("CA",), False, 1.00),
        Carrier("JL", "Japan Airlines", ("JP",), False, 1.10),
        Carrier("NH", "All Nippon Airways", ("JP",), False, 1.10),
        Carrier("SQ", "Singapore Airlines", ("SG",), False, 1.20),
        Carrier("CX", "Cathay Pacific", ("HK",), False, 1.15),
        Carrier("QF", "Qantas", ("AU",), False, 1.10),
        Carrier("U2", "easyJet", ("GB", "FR", "CH"), True, 0.62),
        Carrier("FR", "Ryanair", ("IE", "IT", "ES", "PL"), True, 0.55),
        Carrier("W6", "Wizz Air", ("HU", "PL", "CZ"), True, 0.52),
        Carrier("VY", "Vueling", ("ES",), True, 0.62),
        Carrier("EW", "Eurowings", ("DE", "AT"), True, 0.68),
        Carrier("DY", "Norwegian", ("NO", "SE", "DK"), True, 0.65),
        Carrier("B6", "JetBlue", ("US",), True, 0.75),
        Carrier("NK", "Spirit Airlines", ("US",), True, 0.60),
    )
}

EUROPE = frozenset(
    {"GB", "FR", "DE", "NL", "ES", "IT", "PT", "IE", "AT", "CH", "DK", "SE", "NO", "CZ",
     "PL", "HU", "GR"}
)  # fmt: skip
NORTH_AMERICA = frozenset({"US", "CA"})


def region(country: str) -> str:
    if country in EUROPE:
        return "europe"
    if country in NORTH_AMERICA:
        return "north_america"
    return "asia_pacific"
