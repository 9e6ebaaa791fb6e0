"""Regenerate the dbt seeds the price-history marts join to, from the simulator's geography.

    .venv/bin/python dbt_project/scripts/make_holidays_seed.py

- ``seeds/public_holidays.csv``: national public holidays (``holidays`` package) of every
  simulated airport's country, 2025-2027. A seed rather than a raw table: holidays are
  reference data that change with a library release, not with a collection run, so they are
  reviewed and committed as CSV (a diff shows exactly which days moved).
- ``seeds/airports.csv``: the simulated airports' city, country and coordinates, so dbt can
  attach countries to routes and compute their great-circle distance without Python.

Both files are committed; rerun this script (and ``dbt build --full-refresh``) when the
geography or the ``holidays`` release changes.
"""

from __future__ import annotations

import csv
from pathlib import Path

import holidays

from wayra.simulator.geography import SIMULATED_AIRPORTS

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"
YEARS = range(2025, 2028)


def holiday_rows() -> list[dict]:
    countries = sorted({a.country for a in SIMULATED_AIRPORTS.values()})
    rows = []
    for country in countries:
        # National holidays only: a subdivision's holiday does not move a whole market.
        calendar = holidays.country_holidays(country, years=YEARS, language="en_US")
        for day, name in sorted(calendar.items()):
            rows.append({"country": country, "holiday_date": day.isoformat(), "holiday_name": name})
    return rows


def airport_rows() -> list[dict]:
    return [
        {
            "iata": a.iata,
            "city_code": a.city_code,
            "country": a.country,
            # 4 decimals (~10 m) keeps the CSV stable across airportsdata releases' noise.
            "latitude": f"{a.latitude:.4f}",
            "longitude": f"{a.longitude:.4f}",
        }
        for a in sorted(SIMULATED_AIRPORTS.values(), key=lambda a: a.iata)
    ]


def _write(name: str, rows: list[dict]) -> None:
    with (SEEDS_DIR / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    _write("public_holidays.csv", holiday_rows())
    _write("airports.csv", airport_rows())


if __name__ == "__main__":
    main()
