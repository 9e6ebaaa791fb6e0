"""Landing is bulk, idempotent per partition and atomic, on DuckDB and on PostgreSQL (COPY)."""

import datetime as dt

import pyarrow as pa
import pytest

from wayra.settings import Settings
from wayra.warehouse import Warehouse
from wayra.warehouse.raw_tables import ECB_RATE_SCHEMA

D1, D2 = dt.date(2026, 6, 1), dt.date(2026, 6, 2)


def rates(day: dt.date, usd: float) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "partition_date": day,
                "currency": "USD",
                "units_per_eur": usd,
                "rate_date": day,
                "minor_unit_exponent": 2,
            },
            {
                "partition_date": day,
                "currency": "JPY",
                "units_per_eur": 160.5,
                "rate_date": day,
                "minor_unit_exponent": 0,
            },
        ],
        schema=ECB_RATE_SCHEMA,
    )


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request, data_dir, monkeypatch) -> Warehouse:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_database")
        monkeypatch.setenv("WAYRA_WAREHOUSE_URL", url)
    store = Warehouse(Settings())
    assert store.backend == request.param
    store.ensure_raw_tables()
    return store


def test_rerunning_a_partition_replaces_it(warehouse):
    warehouse.replace_partitions("ecb_rates", rates(D1, 1.10), [D1])
    warehouse.replace_partitions("ecb_rates", rates(D2, 1.12), [D2])
    warehouse.replace_partitions("ecb_rates", rates(D1, 1.11), [D1])
    rows = warehouse.query_arrow(
        f"SELECT partition_date, units_per_eur FROM {warehouse.raw('ecb_rates')} "
        "WHERE currency = 'USD' ORDER BY partition_date"
    ).to_pylist()
    assert rows == [
        {"partition_date": D1, "units_per_eur": 1.11},
        {"partition_date": D2, "units_per_eur": 1.12},
    ]
    assert warehouse.scalar(f"SELECT count(*) FROM {warehouse.raw('ecb_rates')}") == 4


def test_a_failed_replace_leaves_the_old_partition_intact(warehouse):
    warehouse.replace_partitions("ecb_rates", rates(D1, 1.10), [D1])
    broken = rates(D1, 1.5).set_column(1, "currency", pa.array([None, None], pa.string()))
    with pytest.raises(Exception):  # noqa: B017 - NOT NULL violation, raised by either backend
        warehouse.replace_partitions_of({"ecb_rates": broken}, [D1])
    assert warehouse.scalar(f"SELECT count(*) FROM {warehouse.raw('ecb_rates')}") == 2
    assert (
        warehouse.scalar(
            f"SELECT max(units_per_eur) FROM {warehouse.raw('ecb_rates')} WHERE currency='USD'"
        )
        == 1.10
    )


def test_concatenated_batches_with_an_empty_chunk_land_intact(warehouse):
    """An empty polars-made chunk ahead of a full one (a day where one feed quarantined
    nothing) once made pyarrow's CSV writer emit NUL bytes, which broke COPY."""
    import polars as pl

    full = pl.from_arrow(rates(D1, 1.10))
    empty = full.filter(pl.col("currency") == "none")
    batch = pa.concat_tables([f.to_arrow().cast(ECB_RATE_SCHEMA) for f in (empty, full)])
    warehouse.replace_partitions("ecb_rates", batch, [D1])
    rows = warehouse.query_arrow(
        f"SELECT partition_date, currency FROM {warehouse.raw('ecb_rates')} ORDER BY currency"
    ).to_pylist()
    assert rows == [
        {"partition_date": D1, "currency": "JPY"},
        {"partition_date": D1, "currency": "USD"},
    ]


def test_raw_tables_evolve_additively(warehouse, monkeypatch):
    """A newer schema adds columns to an existing table, and a retired column stops blocking
    inserts; rows already landed stay."""
    from wayra.warehouse import raw_tables

    warehouse.replace_partitions("ecb_rates", rates(D1, 1.10), [D1])
    evolved = raw_tables.ECB_RATE_SCHEMA.remove(
        raw_tables.ECB_RATE_SCHEMA.get_field_index("rate_date")
    ).append(pa.field("source", pa.string()))
    monkeypatch.setitem(raw_tables.RAW_TABLES, "ecb_rates", evolved)
    warehouse.ensure_raw_tables()
    newer = pa.Table.from_pylist(
        [
            {
                "partition_date": D2,
                "currency": "USD",
                "units_per_eur": 1.2,
                "minor_unit_exponent": 2,
                "source": "ecb",
            }
        ],
        schema=evolved,
    )
    warehouse.replace_partitions("ecb_rates", newer, [D2])
    rows = warehouse.query_arrow(
        f"SELECT partition_date, source, rate_date FROM {warehouse.raw('ecb_rates')} "
        "WHERE currency = 'USD' ORDER BY partition_date"
    ).to_pylist()
    assert rows == [
        {"partition_date": D1, "source": None, "rate_date": D1},
        {"partition_date": D2, "source": "ecb", "rate_date": None},
    ]
