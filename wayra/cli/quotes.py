"""``wayra quotes``: one live flight search through one configured provider, for operators
checking a connector by hand (credentials, reachability, what the rows look like)."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wayra.settings import Settings

if TYPE_CHECKING:  # the providers pull in pyarrow; keep `wayra --help` quick
    from wayra.providers.base import FlightProvider

EXIT_USAGE = 2  # unknown or unconfigured provider, bad arguments
EXIT_PROVIDER = 1  # the provider was asked and failed

# Row key -> table header; short headers leave the offer id room in an 80-column terminal.
TABLE_COLUMNS = {
    "direction": "dir",
    "offer_id": "offer",
    "flight_number": "flight",
    "origin": "from",
    "destination": "to",
    "departure_at": "departs (UTC)",
    "arrival_at": "arrives (UTC)",
    "stops": "stops",
    "cabin": "cabin",
    "seats_left": "seats",
    "total": "total",
}


class ProviderLookupError(LookupError):
    pass


# Operator-friendly aliases for connector names.
ALIASES = {"amadeus": "amadeus_flights"}


def flight_provider(name: str, settings: Settings) -> FlightProvider:
    """Any flight provider the registry knows: the simulated ones, and each real connector
    whose credentials are configured."""
    from wayra.providers.registry import REAL_CONNECTORS, configured_providers

    name = ALIASES.get(name, name)
    providers = configured_providers(settings).flights
    if name in providers:
        return providers[name]
    real_names = {n for n, (category, _) in REAL_CONNECTORS.items() if category == "flight"}
    if name in real_names:
        raise ProviderLookupError(
            f"provider {name!r} is not configured: set its credentials (see README, Providers)"
        )
    known = ", ".join(sorted({*providers, *real_names, *ALIASES}))
    raise ProviderLookupError(f"unknown flight provider {name!r} (known: {known})")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%MZ")
    return str(value)


def _total(row: dict) -> str:
    from wayra.money import Money, is_known_currency

    if row.get("total_minor") is None or not is_known_currency(row.get("currency")):
        return f"{row.get('total_minor')} {row.get('currency')}"
    return str(Money(row["total_minor"], row["currency"]))


def _parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a YYYY-MM-DD date", param_hint=option) from None


def quotes(
    provider: Annotated[str, typer.Option(help="Provider name: amadeus, sim_flight_gds, ...")],
    origin: Annotated[str, typer.Option(help="Origin IATA code.")],
    destination: Annotated[str, typer.Option(help="Destination IATA code.")],
    date: Annotated[str, typer.Option(help="Departure date, YYYY-MM-DD.")],
    return_date: Annotated[
        str | None, typer.Option(help="Also search the return leg on this date.")
    ] = None,
    adults: Annotated[int, typer.Option(min=1, max=9)] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Run one live flight search through a configured provider and print its quotes."""
    from wayra.domain import FlightSearch
    from wayra.providers.base import ProviderError

    err = Console(stderr=True)
    departure = _parse_date(date, "--date")
    back = _parse_date(return_date, "--return-date") if return_date else None
    settings = Settings()
    try:
        source = flight_provider(provider, settings)
    except ProviderLookupError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from None

    legs = [("outbound", FlightSearch(origin.upper(), destination.upper(), departure, adults))]
    if back is not None:
        legs.append(("return", FlightSearch(destination.upper(), origin.upper(), back, adults)))

    table = Table(title=f"{source.name} quotes")
    for column, header in TABLE_COLUMNS.items():
        table.add_column(
            header,
            justify="right" if column in ("stops", "seats_left", "total") else "left",
            # Only the long offer id may wrap; it folds rather than cutting the id short.
            no_wrap=column != "offer_id",
            overflow="fold" if column == "offer_id" else "ellipsis",
            min_width=12 if column == "offer_id" else None,
        )
    count = 0
    for direction, search in legs:
        try:
            response = source.search_flights(search, dt.datetime.now(dt.UTC))
        except ProviderError as exc:
            err.print(f"[red]{direction} search failed:[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_PROVIDER) from None
        except KeyError as exc:  # a simulated provider asked about an airport it doesn't model
            err.print(f"[red]error:[/red] {source.name} does not know {escape(str(exc))}")
            raise typer.Exit(EXIT_USAGE) from None
        if response.status != "ok":
            err.print(f"[red]{direction} search failed:[/red] {escape(str(response.error))}")
            raise typer.Exit(EXIT_PROVIDER)
        for row in response.rows:
            count += 1
            if as_json:
                record = {"direction": direction, **row}
                typer.echo(json.dumps({k: _jsonable(v) for k, v in record.items()}))
            else:
                cells = {**row, "direction": direction, "total": _total(row)}
                # The title already names the provider; its prefix only eats table width.
                if isinstance(row.get("offer_id"), str):
                    cells["offer_id"] = row["offer_id"].removeprefix(f"{source.name}:")
                table.add_row(*(_cell(cells.get(c)) for c in TABLE_COLUMNS))
    if not as_json:
        Console().print(table)
        err.print(f"{count} quotes from {source.name}")
