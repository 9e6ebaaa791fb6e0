"""`wayra quotes` against the loopback Amadeus and the simulated providers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from wayra.cli.main import app

from ..loopback.amadeus_server import CLIENT_ID, CLIENT_SECRET
from .conftest import fixture, minor

ARGS = ["quotes", "--origin", "SYD", "--destination", "BKK", "--date", "2026-12-01"]


@pytest.fixture
def env(server, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("WAYRA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WAYRA_AMADEUS_BASE_URL", server.base_url)
    monkeypatch.setenv("WAYRA_AMADEUS_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("WAYRA_AMADEUS_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("WAYRA_PROVIDER_TIMEOUT_SECONDS", "2")
    return server


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_json_prints_one_object_per_offer(env):
    result = run(*ARGS, "--provider", "amadeus", "--json")
    assert result.exit_code == 0, result.output
    offers = fixture("flight_search_offer_response_ok.json")["data"]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(offers)
    for line, offer in zip(lines, offers, strict=True):
        price = offer["price"]
        assert line["provider"] == "amadeus_flights"
        assert line["offer_id"].startswith("amadeus_flights:")
        assert line["total_minor"] == minor(price["grandTotal"], price["currency"])
        assert line["currency"] == price["currency"]
        assert line["stops"] == len(offer["itineraries"][0]["segments"]) - 1
        assert line["direction"] == "outbound"
        for key in ("departure_at", "arrival_at"):
            assert dt.datetime.fromisoformat(line[key]).utcoffset() == dt.timedelta(0)
    (search,) = env.api_requests("/v2/shopping/flight-offers")
    assert search.query["originLocationCode"] == ["SYD"]


def test_return_date_searches_both_legs(env):
    result = run(*ARGS, "--provider", "amadeus", "--json", "--return-date", "2026-12-10")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["direction"] for line in lines] == ["outbound"] * 2 + ["return"] * 2
    legs = [
        (r.query["originLocationCode"][0], r.query["departureDate"][0])
        for r in env.api_requests("/v2/shopping/flight-offers")
    ]
    assert legs == [("SYD", "2026-12-01"), ("BKK", "2026-12-10")]


def test_table_output(env, monkeypatch):
    monkeypatch.setenv("COLUMNS", "220")
    result = run(*ARGS, "--provider", "amadeus")
    assert result.exit_code == 0, result.output
    assert "amadeus_flights quotes" in result.stdout
    assert "3,842.10 USD" in result.stdout
    assert "2020-08-02 00:50Z" in result.stdout


def test_provider_failure_exits_1(env):
    env.fail_next(503)
    result = run(*ARGS, "--provider", "amadeus", "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "HTTP 503" in result.stderr


def test_amadeus_error_text_survives_rich_markup(env):
    env.fail_next(
        400,
        body={
            "errors": [
                {"code": 425, "title": "INVALID DATE", "source": {"parameter": "departureDate"}}
            ]
        },
    )
    result = run(*ARGS, "--provider", "amadeus")
    assert result.exit_code == 1
    assert "INVALID DATE [departureDate]" in result.stderr


def test_unknown_provider_exits_2(env):
    result = run(*ARGS, "--provider", "nope")
    assert result.exit_code == 2
    assert "unknown flight provider 'nope'" in result.stderr


def test_unconfigured_provider_exits_2(env, monkeypatch):
    monkeypatch.delenv("WAYRA_AMADEUS_CLIENT_ID")
    result = run(*ARGS, "--provider", "amadeus")
    assert result.exit_code == 2
    assert "not configured" in result.stderr


def test_simulated_provider(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WAYRA_DATA_DIR", str(tmp_path / "data"))
    date = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date().isoformat()
    result = run(
        "quotes",
        "--provider",
        "sim_flight_gds",
        "--origin",
        "LHR",
        "--destination",
        "JFK",
        "--date",
        date,
        "--json",
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows
    for row in rows:
        assert row["provider"] == "sim_flight_gds"
        assert (row["origin"], row["destination"]) == ("LHR", "JFK")
