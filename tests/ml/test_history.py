"""History files in and out: every rejection names its row and reason; requests and splits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from ml.forecast.base import PANEL_COLUMNS
from ml.history import (
    HistoryError,
    draw_requests,
    load_history,
    load_requests,
    split_by_departure,
    write_history,
)

HEADER = "series_id,observed_at,departure_date,price,currency"
D = dt.date


def write_csv(tmp_path: Path, *lines: str, header: str = HEADER, name: str = "h.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def make_panel(departures: dict[str, dt.date], days: int = 10) -> pl.DataFrame:
    """Each series observed daily for ``days`` days up to the day before its departure."""
    rows = [
        {
            "series_id": sid,
            "observed_on": dep - dt.timedelta(days=back),
            "departure_date": dep,
            "price": 100.0 + back,
            "currency": "EUR",
        }
        for sid, dep in departures.items()
        for back in range(days, 0, -1)
    ]
    return pl.DataFrame(rows).sort("series_id", "observed_on")


# --- load_history: valid files ----------------------------------------------------------------
def test_load_csv_returns_sorted_panel_and_ignores_other_columns(tmp_path):
    path = write_csv(
        tmp_path,
        "b,2026-05-02,2026-06-01,120.5,eur,x",
        "a,2026-05-02,2026-06-01,99,usd,y",
        "b,2026-05-01,2026-06-01,110,EUR,z",
        header=HEADER + ",note",
    )
    panel = load_history(path)
    assert panel.columns == list(PANEL_COLUMNS)
    assert panel.schema == pl.Schema(
        {
            "series_id": pl.String,
            "observed_on": pl.Date,
            "departure_date": pl.Date,
            "price": pl.Float64,
            "currency": pl.String,
        }
    )
    assert panel.rows() == [
        ("a", D(2026, 5, 2), D(2026, 6, 1), 99.0, "USD"),
        ("b", D(2026, 5, 1), D(2026, 6, 1), 110.0, "EUR"),
        ("b", D(2026, 5, 2), D(2026, 6, 1), 120.5, "EUR"),
    ]


def test_exact_duplicates_are_dropped(tmp_path):
    path = write_csv(
        tmp_path,
        "a,2026-05-01,2026-06-01,100,EUR",
        "a,2026-05-01,2026-06-01,100.0,eur",  # same observation, spelled differently
        "a,2026-05-02,2026-06-01,101,EUR",
    )
    assert load_history(path)["price"].to_list() == [100.0, 101.0]


def test_datetimes_are_truncated_to_the_utc_date(tmp_path):
    path = write_csv(
        tmp_path,
        "a,2026-05-01T23:30:00-05:00,2026-06-01,100,EUR",  # 04:30 UTC on 2 May
        "a,2026-05-03T06:00:00Z,2026-06-01,101,EUR",
        "a,2026-05-04 12:00:00,2026-06-01,102,EUR",  # naive: taken as UTC
    )
    assert load_history(path)["observed_on"].to_list() == [
        D(2026, 5, 2),
        D(2026, 5, 3),
        D(2026, 5, 4),
    ]


def test_parquet_datetime_columns_are_truncated_to_the_utc_date(tmp_path):
    at = [dt.datetime(2026, 5, 1, 22, 0), dt.datetime(2026, 5, 2, 22, 0)]
    frame = pl.DataFrame(
        {
            "series_id": ["a", "a"],
            "observed_at": pl.Series(at).dt.replace_time_zone("America/New_York"),
            "departure_date": [D(2026, 6, 1)] * 2,
            "price": [100, 101],  # integers are fine
            "currency": ["EUR", "EUR"],
        }
    )
    frame.write_parquet(tmp_path / "h.parquet")
    panel = load_history(tmp_path / "h.parquet")
    assert panel["observed_on"].to_list() == [D(2026, 5, 2), D(2026, 5, 3)]
    assert panel["price"].dtype == pl.Float64


@pytest.mark.parametrize("name", ["h.csv", "h.parquet", "h.pq"])
def test_write_then_load_round_trips(tmp_path, name):
    panel = make_panel({"F|LHR|JFK|2026-07-03": D(2026, 7, 3), "H|PAR|2026-07-05|3": D(2026, 7, 5)})
    write_history(panel, tmp_path / "sub" / name)
    assert load_history(tmp_path / "sub" / name).equals(panel)


def test_written_file_uses_observed_at(tmp_path):
    write_history(make_panel({"a": D(2026, 7, 3)}, days=2), tmp_path / "h.csv")
    assert (tmp_path / "h.csv").read_text().splitlines()[0] == HEADER


# --- load_history: rejections -------------------------------------------------------------------
GOOD = "a,2026-05-01,2026-06-01,100,EUR"


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("a,2026-13-01,2026-06-01,100,EUR", "observed_at is not a date (got '2026-13-01')"),
        ("a,2026-05-02,soon,100,EUR", "departure_date is not a date (got 'soon')"),
        (",2026-05-02,2026-06-01,100,EUR", "series_id is empty"),
        ("a,,2026-06-01,100,EUR", "observed_at is empty"),
        ("a,2026-05-02,,100,EUR", "departure_date is empty"),
        ("a,2026-05-02,2026-06-01,,EUR", "price is empty"),
        ("a,2026-05-02,2026-06-01,100,", "currency is empty"),
        ("a,2026-05-02,2026-06-01,cheap,EUR", "price is not a number (got 'cheap')"),
        ("a,2026-05-02,2026-06-01,-3,EUR", "price must be positive (got -3.0)"),
        ("a,2026-05-02,2026-06-01,0,EUR", "price must be positive (got 0.0)"),
        ("a,2026-05-02,2026-06-01,inf,EUR", "price must be finite (got inf)"),
        ("a,2026-05-02,2026-06-01,NaN,EUR", "price must be finite (got NaN)"),
        ("a,2026-05-02,2026-06-01,100,EURO", "currency must be a 3-letter ISO 4217 code"),
        ("a,2026-05-02,2026-06-01,100,E1R", "currency must be a 3-letter ISO 4217 code"),
        ("a,2026-06-02,2026-06-01,100,EUR", "departure_date 2026-06-01 is before observed_at"),
        (
            "a,2026-05-01,2026-06-01,101,EUR",
            "series a observed on 2026-05-01 costs 101.0 here but 100.0 at row 1",
        ),
        ("a,2026-05-02,2026-06-02,100,EUR", "series a departs 2026-06-02 here but 2026-06-01"),
        ("a,2026-05-02,2026-06-01,100,USD", "series a is priced in USD here but in EUR at row 1"),
    ],
)
def test_invalid_row_is_rejected_with_its_row_and_reason(tmp_path, bad, reason):
    path = write_csv(tmp_path, GOOD, bad)
    with pytest.raises(HistoryError) as caught:
        load_history(path)
    assert caught.value.row == 2
    assert reason in caught.value.reason
    assert str(caught.value).startswith("history row 2: ")
    assert "more invalid" not in str(caught.value)


def test_message_reads_as_documented(tmp_path):
    path = write_csv(tmp_path, GOOD, "a,2026-05-02,2026-06-01,-3.0,EUR")
    with pytest.raises(HistoryError, match=r"^history row 2: price must be positive \(got -3.0\)$"):
        load_history(path)


def test_first_invalid_row_is_raised_and_the_others_counted(tmp_path):
    path = write_csv(
        tmp_path,
        GOOD,
        "a,2026-05-02,2026-06-01,-1,EUR",
        "b,2026-05-02,2026-06-01,1,EUR",
        "a,2026-05-01,2026-06-01,105,EUR",  # conflicts with row 1
        "c,not-a-date,2026-06-01,1,EUR",
    )
    with pytest.raises(HistoryError) as caught:
        load_history(path)
    assert caught.value.row == 2
    assert caught.value.more == 2
    assert str(caught.value).endswith("(and 2 more invalid rows)")


def test_rows_in_a_parquet_file_are_numbered_too(tmp_path):
    frame = pl.DataFrame(
        {
            "series_id": ["a", "a", "a"],
            "observed_at": [D(2026, 5, 1), D(2026, 5, 2), D(2026, 5, 3)],
            "departure_date": [D(2026, 6, 1)] * 3,
            "price": [100.0, 101.0, float("-inf")],
            "currency": ["EUR"] * 3,
        }
    )
    frame.write_parquet(tmp_path / "h.parquet")
    with pytest.raises(HistoryError, match="history row 3: price must be finite"):
        load_history(tmp_path / "h.parquet")


def test_missing_columns_are_named(tmp_path):
    path = write_csv(tmp_path, "a,2026-05-01,100", header="series_id,observed_at,cost")
    with pytest.raises(HistoryError) as caught:
        load_history(path)
    assert caught.value.row is None
    assert caught.value.reason == "missing required column(s): departure_date, price, currency"


def test_unsupported_format_names_the_supported_ones(tmp_path):
    (tmp_path / "h.json").write_text("[]")
    with pytest.raises(HistoryError, match=r"\.parquet, \.pq or \.csv"):
        load_history(tmp_path / "h.json")
    with pytest.raises(HistoryError, match=r"\.parquet, \.pq or \.csv"):
        write_history(make_panel({"a": D(2026, 7, 3)}), tmp_path / "h.xlsx")


def test_file_without_rows_is_rejected(tmp_path):
    with pytest.raises(HistoryError, match="no data rows"):
        load_history(write_csv(tmp_path))


def test_missing_file_is_a_history_error(tmp_path):
    with pytest.raises(HistoryError, match="cannot read"):
        load_history(tmp_path / "absent.csv")


# --- requests -----------------------------------------------------------------------------------
PANEL = make_panel({"a": D(2026, 6, 1), "b": D(2026, 7, 1)}, days=30)  # a: 2 May .. 31 May


def test_load_requests_returns_dates_in_file_order(tmp_path):
    path = write_csv(
        tmp_path, "b,2026-06-10", "a,2026-05-02", "a,2026-05-31", header="series_id,start_date"
    )
    requests = load_requests(path, PANEL)
    assert requests.schema == pl.Schema({"series_id": pl.String, "start_date": pl.Date})
    assert requests.rows() == [("b", D(2026, 6, 10)), ("a", D(2026, 5, 2)), ("a", D(2026, 5, 31))]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("zz,2026-05-10", "unknown series 'zz'"),
        ("a,2026-05-01", "start_date 2026-05-01 is before the first observation of series a"),
        ("a,2026-06-01", "start_date 2026-06-01 is after the last observation of series a"),
        ("a,tomorrow", "start_date is not a date (got 'tomorrow')"),
        ("a,", "start_date is empty"),
    ],
)
def test_invalid_request_is_rejected_with_its_row(tmp_path, bad, reason):
    path = write_csv(tmp_path, "a,2026-05-10", bad, header="series_id,start_date")
    with pytest.raises(HistoryError) as caught:
        load_requests(path, PANEL)
    assert caught.value.row == 2
    assert reason in caught.value.reason
    assert str(caught.value).startswith("requests row 2: ")


def test_requests_need_both_columns(tmp_path):
    path = write_csv(tmp_path, "a", header="series_id")
    with pytest.raises(HistoryError, match=r"missing required column\(s\): start_date"):
        load_requests(path, PANEL)


def test_drawn_requests_respect_the_days_to_departure_window():
    panel = make_panel({f"s{i}": D(2026, 6, 1) + dt.timedelta(days=i) for i in range(20)}, 100)
    requests = draw_requests(panel, seed=1, min_days=20, max_days=40, per_series=3)
    days_out = requests.join(panel.select("series_id", "departure_date").unique(), on="series_id")
    days_out = (days_out["departure_date"] - days_out["start_date"]).dt.total_days()
    assert requests.height == 60
    assert days_out.min() >= 20
    assert days_out.max() <= 40
    # start dates are distinct within a series
    assert requests.unique().height == requests.height


def test_drawn_requests_are_deterministic_per_seed():
    panel = make_panel({f"s{i}": D(2026, 6, 1) + dt.timedelta(days=i) for i in range(20)}, 100)
    first = draw_requests(panel, seed=5)
    assert first.equals(draw_requests(panel, seed=5))
    assert not first.equals(draw_requests(panel, seed=6))
    assert first["series_id"].to_list() == sorted(f"s{i}" for i in range(20))


def test_series_without_eligible_days_get_no_request():
    # "short" is only observed 1..5 days out; "long" has exactly one eligible day, 20 days out,
    # and its last observation (also 20 days out in "edge") is never a start.
    panel = pl.concat(
        [
            make_panel({"short": D(2026, 6, 1)}, days=5),
            make_panel({"long": D(2026, 6, 1)}, days=20),
            make_panel({"edge": D(2026, 6, 1)}, days=30).filter(
                pl.col("observed_on") <= D(2026, 5, 12)
            ),
        ]
    ).sort("series_id", "observed_on")
    requests = draw_requests(panel, min_days=20, max_days=20, per_series=4)
    assert requests.rows() == [("long", D(2026, 5, 12))]


def test_draw_requests_rejects_an_empty_window():
    with pytest.raises(ValueError, match="min_days"):
        draw_requests(PANEL, min_days=30, max_days=10)


# --- split --------------------------------------------------------------------------------------
TEN = make_panel({f"s{i}": D(2026, 6, 1) + dt.timedelta(days=3 * i) for i in range(10)}, 5)


def test_split_at_an_explicit_date_keeps_whole_series_on_one_side():
    train, test, until = split_by_departure(TEN, train_until=D(2026, 6, 4))
    assert until == D(2026, 6, 4)
    assert sorted(train["series_id"].unique()) == ["s0", "s1"]
    assert train.height == 10
    assert test["series_id"].n_unique() == 8
    assert test["departure_date"].min() > until


def test_default_split_trains_on_the_earliest_seventy_percent():
    train, test, until = split_by_departure(TEN)
    assert until == D(2026, 6, 19)  # departure of s6, the 7th of 10
    assert sorted(train["series_id"].unique()) == [f"s{i}" for i in range(7)]
    assert sorted(test["series_id"].unique()) == ["s7", "s8", "s9"]
    assert train["departure_date"].max() <= until < test["departure_date"].min()


@pytest.mark.parametrize("until", [D(2026, 5, 31), D(2026, 7, 1)])
def test_split_with_an_empty_side_is_refused(until):
    with pytest.raises(HistoryError, match="nothing to"):
        split_by_departure(TEN, train_until=until)


def test_default_split_of_one_departure_day_is_refused():
    same_day = make_panel({"a": D(2026, 6, 1), "b": D(2026, 6, 1)}, 5)
    with pytest.raises(HistoryError, match="nothing to test on"):
        split_by_departure(same_day)
