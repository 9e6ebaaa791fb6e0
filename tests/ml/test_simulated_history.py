"""Simulated history: the market's own cheapest price per trip and day, deterministic by seed."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from typer.testing import CliRunner

from ml.history import history_panel, load_history
from ml.simulated_history import simulate_history
from wayra.cli.main import app
from wayra.domain import FlightSearch, HotelSearch
from wayra.simulator import MarketSimulator

FIRST = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def small() -> pl.DataFrame:
    return simulate_history(seed=3, series=20, days=30)


def test_same_seed_same_history_other_seed_other_history(small):
    assert small.equals(simulate_history(seed=3, series=20, days=30))
    assert not small.equals(simulate_history(seed=4, series=20, days=30))


def test_shape_ids_and_dates(small):
    assert small.schema == pl.Schema(
        {
            "series_id": pl.String,
            "observed_at": pl.Date,
            "departure_date": pl.Date,
            "price": pl.Float64,
            "currency": pl.String,
        }
    )
    ids = small["series_id"].unique()
    assert len(ids) == 20
    assert ids.str.contains(r"^F\|[A-Z]{3}\|[A-Z]{3}\|\d{4}-\d{2}-\d{2}$").sum() == 14
    assert ids.str.contains(r"^H\|[A-Z]{3}\|\d{4}-\d{2}-\d{2}\|3$").sum() == 6  # 30 % hotels
    # the id carries the departure date
    departure_in_id = small["series_id"].str.extract(r"(\d{4}-\d{2}-\d{2})").str.to_date()
    assert (departure_in_id == small["departure_date"]).all()
    assert small["departure_date"].min() >= FIRST
    assert small["departure_date"].max() < FIRST + dt.timedelta(days=120)
    # departures are spread out, not bunched on a few days
    assert small["departure_date"].n_unique() >= 10
    days_out = (small["departure_date"] - small["observed_at"]).dt.total_days()
    assert days_out.min() == 1
    assert days_out.max() == 30
    assert small.group_by("series_id").len()["len"].max() == 30
    assert (small["price"] > 0).all()


def test_output_is_a_valid_history(small):
    panel = history_panel(small)
    assert panel.height == small.height  # nothing rejected, nothing deduplicated


def test_prices_are_the_markets_cheapest_offer_in_major_units(small):
    market = MarketSimulator(3)
    flight = small.filter(pl.col("series_id").str.starts_with("F|")).row(0, named=True)
    _, origin, destination, day = flight["series_id"].split("|")
    at = dt.datetime.combine(flight["observed_at"], dt.time(6), dt.UTC)
    offers = market.flight_offers(FlightSearch(origin, destination, dt.date.fromisoformat(day)), at)
    assert flight["price"] == min(o.total_minor for o in offers) / 100
    assert flight["currency"] == "EUR"

    hotel = small.filter(pl.col("series_id").str.starts_with("H|")).row(0, named=True)
    _, city, check_in, nights = hotel["series_id"].split("|")
    at = dt.datetime.combine(hotel["observed_at"], dt.time(6), dt.UTC)
    search = HotelSearch(city, dt.date.fromisoformat(check_in), int(nights), 2)
    offers = market.hotel_offers(search, at)
    assert hotel["price"] == min(o.total_minor for o in offers) / 100


def test_prices_move_over_the_booking_window(small):
    # A flat series would teach a forecaster nothing.
    moving = small.group_by("series_id").agg(pl.col("price").n_unique() > 1)["price"]
    assert moving.all()


def test_without_promotions_the_same_trips_at_their_regular_fares(small):
    regular = simulate_history(seed=3, series=20, days=30, promotions=False)
    both = small.join(regular, on=["series_id", "observed_at"], suffix="_regular")
    # Promotions change prices only: the same trips, sold out on the same days.
    assert both.height == small.height == regular.height
    assert (both["price"] <= both["price_regular"]).all()
    flights = both.filter(pl.col("series_id").str.starts_with("F|"))
    promoted = flights.filter(pl.col("price") < pl.col("price_regular"))
    assert 0 < promoted.height < flights.height  # occasional, not every day
    hotels = both.filter(pl.col("series_id").str.starts_with("H|"))
    assert (hotels["price"] == hotels["price_regular"]).all()  # hotels run no promotions


def test_market_without_promotions_never_quotes_one():
    search = FlightSearch("CDG", "LHR", dt.date(2026, 9, 2))
    days = [dt.datetime(2026, 6, 1, 6, tzinfo=dt.UTC) + dt.timedelta(days=d) for d in range(90)]
    with_promotions, without = MarketSimulator(5), MarketSimulator(5, promotions=False)
    promoted = [o for at in days for o in with_promotions.flight_offers(search, at) if o.promotion]
    assert promoted  # the route runs promotions over these three months ...
    for at in days:  # ... which the same market without them never quotes
        regular = {o.flight_number: o for o in without.flight_offers(search, at)}
        for offer in with_promotions.flight_offers(search, at):
            twin = regular[offer.flight_number]
            assert not twin.promotion
            assert (twin.fare_bucket, twin.seats_left) == (offer.fare_bucket, offer.seats_left)
            assert twin.total_minor >= offer.total_minor


def test_kinds_choose_the_series_kind():
    hotels = simulate_history(seed=1, series=5, days=3, kinds=("hotel",))
    assert hotels["series_id"].str.starts_with("H|").all()
    flights = simulate_history(seed=1, series=5, days=3, kinds=("flight",))
    assert flights["series_id"].str.starts_with("F|").all()
    with pytest.raises(ValueError, match="kinds"):
        simulate_history(kinds=("train",))


def test_full_size_history_has_every_series_nearly_every_day():
    # Speed is measured in bench/, not asserted here.
    history = simulate_history()  # 300 series x 100 days
    assert history["series_id"].n_unique() == 300
    assert history.height > 0.95 * 300 * 100


def test_cli_writes_the_file_and_summarises_it(tmp_path):
    out = tmp_path / "history.parquet"
    args = ["history", "simulate", "--out", str(out), "--series", "6", "--days", "5", "--seed", "2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    panel = load_history(out)
    assert panel["series_id"].n_unique() == 6
    first, last = panel["observed_on"].min(), panel["observed_on"].max()
    assert f"6 series, {panel.height} rows (observed {first} .. {last})" in result.output
    assert panel.equals(history_panel(simulate_history(seed=2, series=6, days=5)))


def test_cli_refuses_an_unknown_extension(tmp_path):
    out = tmp_path / "history.json"
    result = CliRunner().invoke(app, ["history", "simulate", "--out", str(out)])
    assert result.exit_code == 2
    assert "unsupported file format" in result.output
    assert not out.exists()
