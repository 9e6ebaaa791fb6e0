"""The whole spine: watches -> simulated providers -> Dagster ingestion -> warehouse -> dbt ->
published recommendation -> serving API, on the embedded stores and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from fastapi.testclient import TestClient

from wayra.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("dbt_manifest")]

TODAY = dt.datetime.now(dt.UTC).date()
# LON is a metro city code: the watch covers Heathrow and Gatwick.
ROUTES = [("LON", "JFK", "GBP"), ("CDG", "BCN", "EUR"), ("HND", "SIN", "JPY")]


@pytest.fixture(autouse=True)
def isolated_environment(data_dir, monkeypatch):
    """The pipeline sets DAGSTER_HOME and dbt's WAYRA_* variables; restore them afterwards."""
    saved = dict(os.environ)
    monkeypatch.setenv("DAGSTER_HOME", str(data_dir / "dagster"))
    yield
    os.environ.clear()
    os.environ.update(saved)


def seed_traveller_and_watches(settings: Settings):
    from wayra.opstore.db import make_engine, make_session_factory, migrate
    from wayra.opstore.models import Watch
    from wayra.opstore.users import create_user

    migrate(settings)
    engine = make_engine(settings)
    with make_session_factory(engine)() as session:
        owner, owner_key = create_user(session, "owner@example.com", "Owner")
        _, stranger_key = create_user(session, "stranger@example.com", "Stranger")
        watch_ids = []
        for i, (origin, destination, currency) in enumerate(ROUTES):
            watch = Watch(
                user_id=owner.id,
                origins=[origin],
                destinations=[destination],
                depart_from=TODAY + dt.timedelta(days=30 + i),
                depart_to=TODAY + dt.timedelta(days=32 + i),
                nights_min=3,
                nights_max=4,
                adults=2,
                cabin="ECONOMY",
                max_stops=1,
                budget_minor=500_000 if currency != "JPY" else 50_000_000,
                currency=currency,
                status="active",
            )
            session.add(watch)
            session.flush()
            watch_ids.append(watch.id)
        session.commit()
    engine.dispose()
    return watch_ids, owner_key, stranger_key


def raw_counts(settings: Settings) -> dict[str, int]:
    from wayra.warehouse import Warehouse

    store = Warehouse(settings)
    return {
        table: store.scalar(f"SELECT count(*) FROM {store.raw(table)}")
        for table in ("flight_quotes", "hotel_quotes", "provider_requests", "quote_quarantine")
    }


def assert_quarantine_never_reaches_models(settings: Settings) -> None:
    """The simulated providers' malformed rows are all quarantined with a reason, and none of
    them reaches dbt: staging (every model's only way in) holds no quarantined payload, and
    the mart prices nothing that is not a positive amount in a known currency."""
    from wayra.money import MINOR_UNIT_EXPONENTS
    from wayra.warehouse import Warehouse

    store = Warehouse(settings)
    models = settings.warehouse_schema
    quarantine = store.raw("quote_quarantine")
    assert store.scalar(f"SELECT count(*) FROM {quarantine}") > 0
    assert store.scalar(f"SELECT count(*) FROM {quarantine} WHERE rule = '' OR reason = ''") == 0
    for model in ("stg_providers__flight_quotes", "stg_providers__hotel_quotes"):
        leaked = store.scalar(
            f"SELECT count(*) FROM {models}.{model} m JOIN {quarantine} q "
            "ON q.provider = m.provider AND q.payload_hash = m.payload_hash "
            "AND q.observed_at = m.observed_at"
        )
        assert leaked == 0, model
    known = ", ".join(f"'{c}'" for c in MINOR_UNIT_EXPONENTS)
    for leg in ("outbound", "inbound", "hotel"):
        bad = store.scalar(
            f"SELECT count(*) FROM {models}.fct_best_current_packages "
            f"WHERE {leg}_total_minor <= 0 OR {leg}_currency NOT IN ({known})"
        )
        assert bad == 0, leg


def assert_explained_package(package, origin: str, destination: str, currency: str) -> None:
    from wayra.collection.watches import airports_for

    assert isinstance(package["total_minor"], int) and package["total_minor"] > 0
    assert package["currency"] == currency
    kinds = [leg["kind"] for leg in package["legs"]]
    assert kinds[:2] == ["outbound", "inbound"] and set(kinds[2:]) == {"hotel"}
    assert package["total_minor"] == sum(leg["converted_minor"] for leg in package["legs"])
    outbound, inbound = package["legs"][:2]
    assert outbound["origin"] in airports_for(origin)
    assert outbound["destination"] in airports_for(destination)
    assert (inbound["origin"], inbound["destination"]) == (
        outbound["destination"],
        outbound["origin"],
    )
    assert package["explanation"]["headline"] and package["explanation"]["reasons"]
    assert 0 <= package["risk"]["score"] <= 100 and package["risk"]["level"]
    assert package["saving_vs_first_minor"] is not None


def run_spine_and_read_api(settings: Settings, days: list[dt.date]):
    from serving.app import create_app
    from wayra.cli.pipeline import materialize_graph

    watch_ids, owner_key, stranger_key = seed_traveller_and_watches(settings)
    published = materialize_graph(settings, days)
    assert published["watches"] == len(ROUTES)
    assert published["packages"] >= len(ROUTES)
    counts = raw_counts(settings)
    assert counts["flight_quotes"] > 0 and counts["hotel_quotes"] > 0
    assert_quarantine_never_reaches_models(settings)

    with TestClient(create_app(settings)) as client:
        for watch_id, (origin, destination, currency) in zip(watch_ids, ROUTES, strict=True):
            response = client.get(
                f"/v1/watches/{watch_id}/recommendations",
                headers={"Authorization": f"Bearer {owner_key}"},
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["status"] in {"optimal", "best_found", "over_budget"}
            assert body["model_versions"]["optimizer"].startswith("ortools")
            assert body["pareto_front"], "every watch with packages has a price/convenience front"
            assert [p["rank"] for p in body["packages"]] == list(
                range(1, len(body["packages"]) + 1)
            )
            for package in body["packages"]:
                assert_explained_package(package, origin, destination, currency)
                # The package was priced from the latest observation day.
                assert package["observed_on"] == days[-1].isoformat()
            headline = body["packages"][0]["explanation"]["headline"]
            assert headline.startswith("Best overall"), headline

            prices = client.get(
                f"/v1/watches/{watch_id}/prices",
                headers={"Authorization": f"Bearer {owner_key}"},
            )
            assert prices.status_code == 200, prices.text
            points = prices.json()["points"]
            assert points and all(isinstance(p["total_minor"], int) for p in points)

            foreign = client.get(
                f"/v1/watches/{watch_id}/recommendations",
                headers={"Authorization": f"Bearer {stranger_key}"},
            )
            assert foreign.status_code == 404
    return counts


def test_spine_on_embedded_stores_then_rerun_partition_without_duplicates(data_dir):
    settings = Settings()
    days = [TODAY - dt.timedelta(days=2), TODAY - dt.timedelta(days=1), TODAY]
    counts = run_spine_and_read_api(settings, days)

    from wayra.cli.pipeline import materialize_graph

    # Re-running the middle partition (and everything downstream) replaces, never duplicates.
    materialize_graph(settings, days[1:2])
    assert raw_counts(settings) == counts

    assert_usage_kpis_after_api_reads(settings)
    assert_readers_never_see_a_half_published_version(settings)


def assert_readers_never_see_a_half_published_version(settings: Settings) -> None:
    """While the publish asset runs again and again, a reader polling the API only ever sees
    a version whole: each response has exactly the packages and summary that version stored."""
    import threading

    from sqlalchemy import func, select

    from serving.app import create_app
    from wayra.cli.pipeline import republish_recommendations
    from wayra.opstore.db import make_engine, make_session_factory
    from wayra.opstore.models import Recommendation, User, Watch

    engine = make_engine(settings)
    factory = make_session_factory(engine)
    with factory() as session:
        owner = session.scalar(select(User).where(User.email == "owner@example.com"))
        watch_ids = [w.id for w in session.scalars(select(Watch).where(Watch.user_id == owner.id))]
    _, api_key = _rotate_key(settings, owner.id)
    seen: list[tuple[int, str, int, str | None]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            with TestClient(create_app(settings)) as client:
                while not stop.is_set():
                    for watch_id in watch_ids:
                        body = client.get(
                            f"/v1/watches/{watch_id}/recommendations",
                            headers={"Authorization": f"Bearer {api_key}"},
                        ).json()
                        seen.append(
                            (body["version"], watch_id, len(body["packages"]), body["status"])
                        )
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(3):
            republish_recommendations(settings)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not errors, errors
    assert len({version for version, *_ in seen}) >= 2, "the reader saw no new version"
    with factory() as session:
        stored = {
            (version, watch_id): count
            for version, watch_id, count in session.execute(
                select(Recommendation.version, Recommendation.watch_id, func.count()).group_by(
                    Recommendation.version, Recommendation.watch_id
                )
            )
        }
    torn = [s for s in seen if stored.get((s[0], s[1]), 0) != s[2] or s[3] is None]
    assert torn == []
    engine.dispose()


def _rotate_key(settings: Settings, user_id: str):
    from wayra.opstore.db import make_engine, make_session_factory
    from wayra.opstore.models import User
    from wayra.opstore.users import rotate_api_key

    engine = make_engine(settings)
    with make_session_factory(engine)() as session:
        user = session.get_one(User, user_id)
        key = rotate_api_key(session, user)
        session.commit()
    engine.dispose()
    return user_id, key


def assert_usage_kpis_after_api_reads(settings: Settings) -> None:
    """The API reads above recorded usage events; the incremental extract lands each once,
    and the KPI marts see the reading user and the plans."""
    from wayra.cli.pipeline import refresh_usage_kpis
    from wayra.warehouse import Warehouse

    store = Warehouse(settings)
    models = settings.warehouse_schema
    events = store.raw("operational_api_usage_events")
    refresh_usage_kpis(settings)
    landed = store.scalar(f"SELECT count(*) FROM {events}")
    # Per watch: the owner reads recommendations and prices, the stranger gets a 404; each
    # landed once (whether by the partition re-run above or by this refresh).
    assert landed == 3 * len(ROUTES)
    routes = store.query_arrow(f"SELECT DISTINCT route FROM {events}").column("route")
    assert set(routes.to_pylist()) == {
        "/v1/watches/{watch_id}/recommendations",
        "/v1/watches/{watch_id}/prices",
    }
    refresh_usage_kpis(settings)  # incremental by id watermark: nothing lands twice
    assert store.scalar(f"SELECT count(*) FROM {events}") == landed
    # No PII or secrets in the warehouse.
    user_columns = set(
        store.query_arrow(f"SELECT * FROM {store.raw('operational_users')}").column_names
    )
    assert user_columns == {"user_id", "plan", "created_at", "extracted_at"}

    engaged = store.scalar(
        f"SELECT max(users_who_viewed_watches) FROM {models}.fct_weekly_engagement"
    )
    assert engaged is not None and engaged >= 1
    assert store.scalar(f"SELECT count(*) FROM {models}.fct_mrr_by_plan") > 0
    # Both seeded users are on the free plan.
    assert (
        store.scalar(
            f"SELECT sum(subscribers) FROM {models}.fct_mrr_by_plan WHERE plan = 'free' "
            f"AND month_start = (SELECT max(month_start) FROM {models}.fct_mrr_by_plan)"
        )
        == 2
    )


def test_spine_on_postgresql(data_dir, postgres_database, monkeypatch):
    """The production path for real: migrations, COPY ingestion, dbt's postgres target, publish."""
    monkeypatch.setenv("WAYRA_WAREHOUSE_URL", postgres_database)
    monkeypatch.setenv("WAYRA_OPERATIONAL_URL", postgres_database)
    settings = Settings()
    assert settings.warehouse_backend == "postgres"
    assert settings.operational_store_url.startswith("postgresql+psycopg://")
    run_spine_and_read_api(settings, [TODAY - dt.timedelta(days=1), TODAY])
