"""The bookability classifier on a generated frame shaped like fct_offer_reprice_outcomes, where
whether a quote holds its price depends on seats/rooms left, days to departure and promotions:
it ranks well above chance on later days, learns nothing from shuffled labels, and its
calibrated probabilities beat the constant base rate."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import roc_auc_score

from ml.bookability import FEATURES, predict_bookable, train_bookability

FIRST_DAY = dt.date(2026, 9, 1)
DAYS = 30
QUOTES_PER_DAY = 400
PROVIDERS = {"flight": ("sim_flight_gds", "sim_flight_ota"), "hotel": ("sim_hotel_direct", "sim_hotel_ota")}  # fmt: skip
FARE_BUCKETS = ("Y", "M", "K", "Q")


def true_bookable_probability(frame: pl.DataFrame) -> np.ndarray:
    """The generating model: little inventory, a near departure or an ending promotion make the
    price likely to rise (or the offer to go) before the next collection."""
    inventory = frame.get_column("inventory_left").fill_null(5).to_numpy()
    days = frame.get_column("days_to_departure").to_numpy()
    promotion = frame.get_column("is_promotion").fill_null(False).to_numpy()
    logit = (
        -3.5
        + 1.4 * np.log1p(inventory)
        + 0.05 * np.minimum(days, 60)
        - 1.2 * promotion
        + 0.6 * (frame.get_column("quote_kind").to_numpy() == "hotel")
    )
    return 1.0 / (1.0 + np.exp(-logit))


def reprice_frame(seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = DAYS * QUOTES_PER_DAY
    day_offset = np.repeat(np.arange(DAYS), QUOTES_PER_DAY)
    observed_on = [FIRST_DAY + dt.timedelta(days=int(d)) for d in day_offset]
    is_flight = rng.random(n) < 0.6
    kind = np.where(is_flight, "flight", "hotel")
    provider = np.where(
        is_flight,
        np.where(rng.random(n) < 0.5, *PROVIDERS["flight"]),
        np.where(rng.random(n) < 0.5, *PROVIDERS["hotel"]),
    )
    days_to_departure = rng.integers(1, 120, n)
    inventory = np.where(is_flight, rng.integers(1, 10, n), rng.integers(0, 21, n))
    inventory_known = rng.random(n) > 0.1  # some feeds do not say
    price = rng.integers(5_000, 90_000, n)
    frame = pl.DataFrame(
        {
            "quote_kind": kind,
            "provider": provider,
            "observed_on": observed_on,
            "repriced_at": [
                dt.datetime.combine(day + dt.timedelta(days=1), dt.time(6), tzinfo=dt.UTC)
                for day in observed_on
            ],
            "days_to_departure": days_to_departure.astype(np.int32),
            "inventory_left": pl.Series(inventory.astype(np.int32)).scatter(
                np.flatnonzero(~inventory_known), None
            ),
            "fare_bucket": pl.Series(rng.choice(FARE_BUCKETS, n)).scatter(
                np.flatnonzero(~is_flight), None
            ),
            "is_promotion": pl.Series(rng.random(n) < 0.15).scatter(
                np.flatnonzero(~is_flight), None
            ),
            "is_refundable": pl.Series(rng.random(n) < 0.5).scatter(
                np.flatnonzero(is_flight), None
            ),
            "stops": pl.Series(rng.integers(0, 3, n).astype(np.int32)).scatter(
                np.flatnonzero(~is_flight), None
            ),
            "price_eur_minor": price,
            "price_vs_series_min_7d": 1.0 + rng.exponential(0.1, n),
            "observation_weekday": np.array([d.isoweekday() for d in observed_on], np.int32),
            "departure_weekday": rng.integers(1, 8, n).astype(np.int32),
            "is_departure_holiday": rng.random(n) < 0.05,
        }
    )
    probability = true_bookable_probability(frame)
    return frame.with_columns(
        still_bookable_at_price=pl.Series(rng.random(n) < probability),
        true_probability=pl.Series(probability),
    )


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return reprice_frame()


@pytest.fixture(scope="module")
def trained(frame):
    return train_bookability(frame)


def test_ranks_later_days_well_above_chance(frame, trained):
    _, report = trained
    holdout = frame.filter(pl.col("observed_on") >= report.holdout_days[0])
    oracle = roc_auc_score(
        holdout.get_column("still_bookable_at_price").to_numpy(),
        holdout.get_column("true_probability").to_numpy(),
    )
    assert report.roc_auc > 0.75
    # Close to what knowing the generating probabilities would give.
    assert report.roc_auc > oracle - 0.05, (report.roc_auc, oracle)


def test_split_is_chronological_and_purges_labels_seen_in_the_holdout(frame, trained):
    _, report = trained
    assert report.holdout_days == (
        FIRST_DAY + dt.timedelta(days=21),
        FIRST_DAY + dt.timedelta(days=29),
    )
    # The last training day's quotes are re-priced on the first holdout day: left out.
    assert report.train_days[1] == report.holdout_days[0] - dt.timedelta(days=2)
    assert report.purged_rows == QUOTES_PER_DAY
    assert report.train_rows + report.purged_rows + report.holdout_rows == frame.height
    assert report.holdout_rows == 9 * QUOTES_PER_DAY


def test_calibrated_probabilities_beat_the_base_rate(frame, trained):
    model, report = trained
    assert report.calibration_method == "isotonic"
    assert report.brier < report.base_rate_brier
    assert report.brier_skill > 0.1
    table = report.reliability
    assert sum(b.count for b in table) == report.holdout_rows
    assert all(b.lower <= b.mean_predicted <= b.upper for b in table)
    # Expected calibration error: predictions match observed rates within a few points.
    ece = sum(b.count * abs(b.observed_rate - b.mean_predicted) for b in table) / sum(
        b.count for b in table
    )
    assert ece < 0.05, table

    probabilities = predict_bookable(model, frame)
    assert probabilities.shape == (frame.height,)
    assert ((probabilities >= 0) & (probabilities <= 1)).all()


def test_shuffled_labels_leave_nothing_to_learn(frame):
    rng = np.random.default_rng(3)
    labels = frame.get_column("still_bookable_at_price").to_numpy()
    shuffled = frame.with_columns(still_bookable_at_price=pl.Series(rng.permutation(labels)))
    _, report = train_bookability(shuffled)
    assert abs(report.roc_auc - 0.5) < 0.05, report.roc_auc
    # Nothing to learn, so calibration can at best match the base rate.
    assert report.brier > report.base_rate_brier - 0.005


def test_is_deterministic_and_copes_with_unseen_categories(frame, trained):
    model, report = trained
    _, again = train_bookability(frame)
    assert again == report
    unseen = frame.head(5).with_columns(provider=pl.lit("brand_new_provider"))
    assert np.isfinite(predict_bookable(model, unseen)).all()


def test_rejects_frames_it_cannot_learn_from(frame):
    with pytest.raises(ValueError, match="lacks column"):
        train_bookability(frame.drop("inventory_left"))
    with pytest.raises(ValueError, match="only one label"):
        train_bookability(frame.with_columns(still_bookable_at_price=pl.lit(True)))
    with pytest.raises(ValueError, match="two observation days"):
        train_bookability(frame.filter(pl.col("observed_on") == FIRST_DAY))
    assert set(FEATURES) <= set(frame.columns)


@pytest.mark.xdist_group("mlflow")
def test_training_run_is_logged_and_registered_in_mlflow(tmp_path, frame):
    from mlflow import MlflowClient

    from ml.bookability_tracking import MODEL_NAME, train_and_log_bookability

    uri = f"sqlite:///{tmp_path / 'mlflow.sqlite'}"
    run_id, version, report = train_and_log_bookability(frame, tracking_uri=uri)
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(run_id)
    assert run.data.metrics["roc_auc"] == pytest.approx(report.roc_auc)
    assert run.data.metrics["brier"] < run.data.metrics["base_rate_brier"]
    artifacts = {a.path for a in client.list_artifacts(run_id, "evaluation")}
    assert {"evaluation/reliability.json", "evaluation/reliability.png"} <= artifacts
    assert int(client.get_model_version_by_alias(MODEL_NAME, "challenger").version) == version
