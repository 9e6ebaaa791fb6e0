"""The bookings extract: proposals, bookings, payments and legs in the operational store ->
raw snapshots without Stripe ids, offer ids or free text, and the decision log appended once
per decision by id watermark -> fct_booking_funnel_weekly, fct_commission_revenue_monthly and
fct_automation_adoption, with the same numbers on DuckDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from dagster import AssetKey, AssetSelection, materialize
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestration.defs.reference.assets import (
    operational_bookings_extract,
    operational_watches_extract,
)
from orchestration.defs.resources import OperationalStoreResource, WarehouseResource
from tests.dbt.builds import dbt_build, duckdb_settings, sorted_rows
from tests.opstore.factories import make_watch
from wayra.opstore.booking_models import (
    Booking,
    BookingDecision,
    BookingLeg,
    BookingPayment,
    BookingProposal,
)
from wayra.opstore.db import make_engine, make_session_factory, migrate
from wayra.opstore.users import create_user
from wayra.settings import Settings
from wayra.warehouse import Warehouse
from wayra.warehouse.raw_tables import RAW_TABLES


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 6, day, hour, minute, tzinfo=dt.UTC)


# name -> (traveler, origin, status, created_at). Traveler "a" books in GBP, "b" in JPY. The
# week of June 2 has an approval confirmed, one failed, a decline and a proposal stored open
# whose expiry passed long ago (expired as of the extract); the week of June 9 a booking
# confirmed then cancelled, one in flight and one confirmed in JPY.
PROPOSALS = {
    "a-confirmed": ("a", "traveler", "approved", _at(3, 9)),
    "a-declined": ("a", "platform", "declined", _at(4, 9)),
    "a-lapsed": ("a", "traveler", "open", _at(4, 10)),
    "b-failed": ("b", "traveler", "approved", _at(5, 9)),
    "b-cancelled": ("b", "traveler", "approved", _at(10, 9)),
    "b-in-flight": ("b", "traveler", "approved", _at(11, 9)),
    "b-confirmed": ("b", "platform", "approved", _at(12, 9)),
}

# proposal -> (state, confirmed?, (captured, refunded), [(kind, charge_minor)]).
BOOKINGS = {
    "a-confirmed": ("confirmed", True, (200_000, 0),
                    [("outbound", 50_000), ("inbound", 50_000), ("hotel", 100_000)]),
    "b-failed": ("failed", False, (0, 0), [("outbound", 20_000), ("hotel", 10_000)]),
    "b-cancelled": ("cancelled", True, (40_000, 40_000), [("outbound", 20_000), ("hotel", 20_000)]),
    "b-in-flight": ("hotel_booked", False, (0, 0), [("outbound", 25_000), ("hotel", 5_000)]),
    # 1% of 17655 yen = 176.55 -> 177; 10% of 12345 yen = 1234.5, a tie -> 1234.
    "b-confirmed": ("confirmed", True, (30_000, 0), [("outbound", 17_655), ("hotel", 12_345)]),
}  # fmt: skip

EXPECTED_FUNNEL = [
    {"week_start": dt.date(2025, 6, 2), "proposals_created": 4, "platform_proposals": 1,
     "proposals_open": 0, "proposals_approved": 2, "proposals_declined": 1,
     "proposals_expired": 1, "proposals_invalidated": 0, "proposals_decided": 4,
     "proposal_acceptance_rate": Decimal("0.5"), "bookings_started": 2, "bookings_confirmed": 1,
     "bookings_failed": 1, "bookings_in_flight": 0, "booking_success_rate": Decimal("0.5"),
     "recommendation_to_booking_conversion": Decimal("0.25"), "funnel_settled": True},
    {"week_start": dt.date(2025, 6, 9), "proposals_created": 3, "platform_proposals": 1,
     "proposals_open": 0, "proposals_approved": 3, "proposals_declined": 0,
     "proposals_expired": 0, "proposals_invalidated": 0, "proposals_decided": 3,
     "proposal_acceptance_rate": Decimal("1"), "bookings_started": 3, "bookings_confirmed": 2,
     "bookings_failed": 0, "bookings_in_flight": 1, "booking_success_rate": Decimal("1"),
     "recommendation_to_booking_conversion": Decimal("0.6667"), "funnel_settled": False},
]  # fmt: skip

# No ECB rates are landed in this warehouse, so nothing converts to EUR.
EXPECTED_COMMISSION = [
    {"month_start": dt.date(2025, 6, 1), "currency": "GBP", "product": "flight",
     "confirmed_bookings": 1, "commission_bps": 100, "charged_minor": 100_000,
     "net_paid_minor": 100_000, "commission_minor": 1_000, "commission_eur_minor": None},
    {"month_start": dt.date(2025, 6, 1), "currency": "GBP", "product": "hotel",
     "confirmed_bookings": 1, "commission_bps": 1000, "charged_minor": 100_000,
     "net_paid_minor": 100_000, "commission_minor": 10_000, "commission_eur_minor": None},
    {"month_start": dt.date(2025, 6, 1), "currency": "JPY", "product": "flight",
     "confirmed_bookings": 1, "commission_bps": 100, "charged_minor": 17_655,
     "net_paid_minor": 17_655, "commission_minor": 177, "commission_eur_minor": None},
    {"month_start": dt.date(2025, 6, 1), "currency": "JPY", "product": "hotel",
     "confirmed_bookings": 1, "commission_bps": 1000, "charged_minor": 12_345,
     "net_paid_minor": 12_345, "commission_minor": 1_234, "commission_eur_minor": None},
]  # fmt: skip


def seed_bookings(factory: sessionmaker[Session]) -> dict[str, str]:
    """Two travelers with their watches (a: off and propose, b: auto and a paused propose
    watch), PROPOSALS and BOOKINGS with payments and legs; proposal name -> booking id."""
    booking_ids = {}
    with factory.begin() as session:
        users = {t: create_user(session, f"{t}@example.com", t.upper())[0] for t in ("a", "b")}
        make_watch(session, users["a"], automation_mode="off")
        watches = {
            "a": make_watch(session, users["a"], automation_mode="propose"),
            "b": make_watch(session, users["b"], currency="JPY", automation_mode="auto"),
        }
        make_watch(session, users["b"], automation_mode="propose", status="paused")
        for name, (traveler, origin, status, created_at) in PROPOSALS.items():
            watch = watches[traveler]
            legs = BOOKINGS.get(name, (None, None, None, [("hotel", 10_000)]))[3]
            total = sum(charge for _, charge in legs)
            proposal = BookingProposal(
                user_id=watch.user_id,
                watch_id=watch.id,
                recommendation_id=None,  # its publication pruned since: the FK is SET NULL
                origin=origin,
                status=status,
                legs=[{"kind": kind, "converted_minor": charge} for kind, charge in legs],
                total_minor=total,
                currency=watch.currency,
                departure_date=dt.date(2025, 9, 1),
                return_date=dt.date(2025, 9, 8),
                price_tolerance_bps=200,
                created_at=created_at,
                expires_at=created_at + dt.timedelta(minutes=30),
                decided_at=None if status == "open" else created_at + dt.timedelta(minutes=5),
                decline_reason="Too expensive" if status == "declined" else None,
            )
            session.add(proposal)
            session.flush()
            if name not in BOOKINGS:
                continue
            state, confirmed, (captured, refunded), _ = BOOKINGS[name]
            approved_at = proposal.decided_at
            booking = Booking(
                proposal_id=proposal.id,
                user_id=watch.user_id,
                state=state,
                total_minor=total,
                currency=watch.currency,
                fx_rate_date=dt.date(2025, 6, 2),
                price_tolerance_bps=200,
                failure_reason="hotel: sold_out" if state == "failed" else None,
                created_at=approved_at,
                updated_at=approved_at,
                confirmed_at=approved_at + dt.timedelta(minutes=2) if confirmed else None,
            )
            session.add(booking)
            session.flush()
            booking_ids[name] = booking.id
            session.add(
                BookingPayment(
                    booking_id=booking.id,
                    stripe_customer_id="cus_secret",
                    payment_method_id="pm_secret",
                    payment_intent_id=f"pi_{name}",
                    status="refunded" if refunded else ("captured" if captured else "authorized"),
                    amount_minor=total,
                    currency=watch.currency,
                    fx_rate_date=dt.date(2025, 6, 2),
                    captured_minor=captured,
                    refunded_minor=refunded,
                )
            )
            session.add_all(
                BookingLeg(
                    booking_id=booking.id,
                    position=position,
                    kind=kind,
                    step=f"book_{kind}",
                    provider="sim-air" if kind != "hotel" else "sim-stay",
                    offer_id=f"offer-{name}-{position}",
                    provider_currency="USD",
                    quoted_minor=charge,
                    validated_minor=charge,
                    charge_minor=charge,
                    status="booked",
                )
                for position, (kind, charge) in enumerate(BOOKINGS[name][3])
            )
    return booking_ids


def log_decisions(factory: sessionmaker[Session], booking_ids: dict[str, str], names) -> None:
    with factory.begin() as session:
        for name in names:
            session.add(
                BookingDecision(
                    booking_id=booking_ids[name],
                    decision="leg_validation",
                    subject="hotel",
                    outcome="valid",
                    conditions={"quoted_minor": 10_000},
                    reasons=["hotel: price held (free text stays in the store)"],
                    decided_at=_at(20, 12),
                )
            )


def run_extracts() -> dict[str, object]:
    result = materialize(
        [operational_watches_extract, operational_bookings_extract],
        resources={
            "warehouse": WarehouseResource(),
            "operational_store": OperationalStoreResource(),
        },
    )
    assert result.success
    return {
        key: value.value
        for materialization in result.asset_materializations_for_node(
            "operational_bookings_extract"
        )
        for key, value in materialization.metadata.items()
    }


def extract_twice_and_build(settings: Settings, work_dir: Path) -> dict[str, list[dict]]:
    """Seed, extract, log more decisions, extract again (and once more with nothing new), then
    build the marts; checks the raw tables on the way. Returns the marts' rows."""
    migrate(settings)
    engine = make_engine(settings)
    factory = make_session_factory(engine)
    try:
        booking_ids = seed_bookings(factory)
        log_decisions(factory, booking_ids, ["a-confirmed", "b-failed"])
        first = run_extracts()
        assert (first["proposals"], first["bookings"]) == (len(PROPOSALS), len(BOOKINGS))
        assert first["payments"] == len(BOOKINGS)
        assert first["legs"] == sum(len(legs) for *_, legs in BOOKINGS.values())
        assert (first["new_decisions"], first["watermark_before"]) == (2, 0)
        log_decisions(factory, booking_ids, ["b-confirmed"])
        second = run_extracts()
        assert second["new_decisions"] == 1 and second["watermark_before"] > 0
        assert run_extracts()["new_decisions"] == 0
        with factory() as session:
            store_ids = sorted(session.scalars(select(BookingDecision.id)))
    finally:
        engine.dispose()

    warehouse = Warehouse(settings)
    landed = warehouse.query_arrow(
        f"SELECT decision_id FROM {warehouse.raw('operational_booking_decisions')}"
    )
    # Every decision landed exactly once across the three runs.
    assert sorted(landed.column("decision_id").to_pylist()) == store_ids
    # Only the declared columns: no Stripe ids, offer ids, failure or reason text.
    for table in ("operational_proposals", "operational_bookings",
                  "operational_booking_payments", "operational_booking_legs",
                  "operational_booking_decisions"):  # fmt: skip
        landed_table = warehouse.query_arrow(f"SELECT * FROM {warehouse.raw(table)}")
        assert landed_table.column_names == RAW_TABLES[table].names
        text = repr(landed_table.to_pylist())
        for secret in ("cus_secret", "pm_secret", "pi_", "offer-", "sold_out", "free text",
                       "Too expensive"):  # fmt: skip
            assert secret not in text, (table, secret)

    # Cautious selection: the users relationship tests of other staging models stay out.
    dbt_build(
        settings,
        work_dir,
        "--select", "+fct_booking_funnel_weekly", "+fct_commission_revenue_monthly",
        "+fct_automation_adoption", "stg_operational__booking_decisions",
        "--indirect-selection", "cautious",
    )  # fmt: skip
    funnel = sorted_rows(settings, "fct_booking_funnel_weekly", "week_start")
    for row in funnel:
        row.pop("extracted_at")
    adoption = sorted_rows(settings, "fct_automation_adoption", "extracted_on")
    for row in adoption:
        assert row.pop("extracted_at").date() == row["extracted_on"]
        row.pop("extracted_on")
    return {
        "funnel": funnel,
        "commission": sorted_rows(
            settings, "fct_commission_revenue_monthly", "month_start, currency, product"
        ),
        "adoption": adoption,
    }


EXPECTED_ADOPTION = [
    {"active_watches": 3, "off_watches": 1, "propose_watches": 1, "auto_watches": 1,
     "adoption_rate": Decimal("0.6667"), "users_with_active_watches": 2,
     "users_with_automation": 2},
]  # fmt: skip


def _check(marts: dict[str, list[dict]]) -> None:
    assert marts["funnel"] == EXPECTED_FUNNEL
    assert marts["commission"] == EXPECTED_COMMISSION
    assert marts["adoption"] == EXPECTED_ADOPTION


def test_extract_lands_decisions_once_and_the_marts_count_bookings(data_dir, tmp_path, monkeypatch):
    settings = duckdb_settings(monkeypatch, tmp_path)
    assert settings.warehouse_backend == "duckdb"
    _check(extract_twice_and_build(settings, tmp_path))


@pytest.mark.postgres
def test_extract_and_marts_on_postgresql(data_dir, tmp_path, postgres_database, monkeypatch):
    """The production path: PostgreSQL operational store (BIGINT identity ids) and warehouse;
    the marts have the same rows as on DuckDB."""
    monkeypatch.setenv("WAYRA_WAREHOUSE_URL", postgres_database)
    monkeypatch.setenv("WAYRA_OPERATIONAL_URL", postgres_database)
    settings = Settings()
    assert settings.warehouse_backend == "postgres"
    _check(extract_twice_and_build(settings, tmp_path))


@pytest.mark.usefixtures("dbt_manifest")
def test_usage_kpi_refresh_includes_the_bookings_extract_and_marts():
    """`refresh_usage_kpis` (run after the demo's API activity) re-extracts the bookings and
    rebuilds the booking KPI marts."""
    from orchestration.definitions import defs
    from wayra.cli.pipeline import USAGE_EXTRACT_KEYS

    graph = defs.resolve_asset_graph()
    selected = AssetSelection.assets(*USAGE_EXTRACT_KEYS).downstream().resolve(graph)
    assert {
        AssetKey("raw_operational_proposals"),
        AssetKey("raw_operational_booking_decisions"),
        AssetKey("stg_operational__proposals"),
        AssetKey("stg_operational__booking_decisions"),
        AssetKey("fct_booking_funnel_weekly"),
        AssetKey("fct_commission_revenue_monthly"),
        AssetKey("fct_alert_action_rate"),
    } <= selected
