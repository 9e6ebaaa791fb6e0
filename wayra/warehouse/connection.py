"""Landing Arrow data in the warehouse: bulk, transactional, idempotent per partition.

DuckDB gets the Arrow table directly (zero-copy scan); PostgreSQL gets it through COPY as CSV.
Neither path inserts row by row. Replacing a partition deletes and inserts in one transaction,
so a re-run replaces rather than duplicates, and a crash leaves the old partition intact.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from wayra.settings import Settings
from wayra.warehouse.raw_tables import OBSERVATION_COLUMNS, RAW_TABLES, create_table_sql, sql_type


class Warehouse:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.backend = settings.warehouse_backend
        self.raw_schema = settings.raw_schema

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Warehouse:
        return cls(settings or Settings())

    # --- connections -----------------------------------------------------------------------
    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A short-lived connection: DuckDB allows one writer process at a time (dbt too)."""
        if self.backend == "duckdb":
            import duckdb

            self.settings.ensure_data_dir()
            con = duckdb.connect(str(self.settings.duckdb_path))
            try:
                yield con
            finally:
                con.close()
        else:
            import psycopg

            with psycopg.connect(self.settings.warehouse_psycopg_dsn()) as con:
                yield con

    def raw(self, table: str) -> str:
        return f"{self.raw_schema}.{table}"

    def ensure_raw_tables(self) -> None:
        """Create missing raw tables and evolve existing ones additively: new columns are added
        (nullable), columns the schema no longer has lose NOT NULL. History is never rewritten."""
        with self.connect() as con, self._transaction(con):
            self._execute(con, f"CREATE SCHEMA IF NOT EXISTS {self.raw_schema}")
            for name, schema in RAW_TABLES.items():
                self._execute(con, create_table_sql(self.raw(name), schema))
                existing = self._columns(con, name)
                for column in schema:
                    if column.name not in existing:
                        self._execute(
                            con,
                            f"ALTER TABLE {self.raw(name)} ADD COLUMN {column.name} "
                            f"{sql_type(column.type)}",
                        )
                for retired in existing - set(schema.names):
                    self._execute(
                        con, f"ALTER TABLE {self.raw(name)} ALTER COLUMN {retired} DROP NOT NULL"
                    )

    def _columns(self, con: Any, table: str) -> set[str]:
        sql = (
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = {p} AND table_name = {p}"
        ).format(p="?" if self.backend == "duckdb" else "%s")
        return {row[0] for row in con.execute(sql, [self.raw_schema, table]).fetchall()}

    # --- writes ----------------------------------------------------------------------------
    def replace_partitions(
        self,
        table: str,
        data: pa.Table,
        partitions: Sequence[dt.date],
        partition_column: str = "partition_date",
    ) -> int:
        """Atomically replace the given partitions of ``raw.<table>`` with ``data``."""
        return self.replace_partitions_of({table: data}, partitions, partition_column)[table]

    def replace_partitions_of(
        self,
        tables: dict[str, pa.Table],
        partitions: Sequence[dt.date],
        partition_column: str = "partition_date",
    ) -> dict[str, int]:
        """Replace the same partitions of several raw tables in ONE transaction, so a crash
        never leaves a day's quotes, quarantine and request log out of step."""
        placeholder = "?" if self.backend == "duckdb" else "%s"
        in_list = ", ".join([placeholder] * len(partitions))
        landed = {}
        with self.connect() as con, self._transaction(con):
            for table, data in tables.items():
                schema = RAW_TABLES[table]
                data = data.select(schema.names).cast(schema)
                if partitions:
                    self._execute(
                        con,
                        f"DELETE FROM {self.raw(table)} WHERE {partition_column} IN ({in_list})",
                        list(partitions),
                    )
                self._bulk_insert(con, self.raw(table), data)
                landed[table] = data.num_rows
        return landed

    def replace_observation(
        self, tables: dict[str, pa.Table], day: dt.date, observed_at: dt.datetime
    ) -> dict[str, int]:
        """Replace one collection run's rows (its day and observation instant) in several raw
        tables in ONE transaction: a re-run of the same instant replaces, a new instant in the
        same day (the 15-minute schedule) adds to the day's history."""
        placeholder = "?" if self.backend == "duckdb" else "%s"
        landed = {}
        with self.connect() as con, self._transaction(con):
            for table, data in tables.items():
                schema = RAW_TABLES[table]
                data = data.select(schema.names).cast(schema)
                instant = OBSERVATION_COLUMNS[table]
                self._execute(
                    con,
                    f"DELETE FROM {self.raw(table)} WHERE partition_date = {placeholder} "
                    f"AND {instant} = {placeholder}",
                    [day, observed_at],
                )
                self._bulk_insert(con, self.raw(table), data)
                landed[table] = data.num_rows
        return landed

    def replace_table(self, table: str, data: pa.Table) -> int:
        """Replace the whole table (snapshot extracts) in one transaction."""
        return self.replace_tables({table: data})[table]

    def replace_tables(
        self,
        tables: dict[str, pa.Table],
        increments: dict[str, tuple[str, pa.Table]] | None = None,
    ) -> dict[str, int]:
        """Replace several whole tables together, in one transaction; ``increments`` (table ->
        (key column, new rows)) are appended in the same transaction.

        An increment first deletes the rows whose key is at or above its smallest key, so
        landing the same increment twice (two extracts racing past one watermark) replaces
        rather than duplicates."""
        placeholder = "?" if self.backend == "duckdb" else "%s"
        landed = {}
        with self.connect() as con, self._transaction(con):
            for table, data in tables.items():
                schema = RAW_TABLES[table]
                data = data.select(schema.names).cast(schema)
                self._execute(con, f"DELETE FROM {self.raw(table)}")
                self._bulk_insert(con, self.raw(table), data)
                landed[table] = data.num_rows
            for table, (key, data) in (increments or {}).items():
                schema = RAW_TABLES[table]
                data = data.select(schema.names).cast(schema)
                if data.num_rows:
                    lowest = pc.min(data.column(key)).as_py()
                    self._execute(
                        con, f"DELETE FROM {self.raw(table)} WHERE {key} >= {placeholder}", [lowest]
                    )
                self._bulk_insert(con, self.raw(table), data)
                landed[table] = data.num_rows
        return landed

    def _bulk_insert(self, con: Any, qualified: str, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        columns = ", ".join(data.schema.names)
        if self.backend == "duckdb":
            con.register("_wayra_batch", data)
            try:
                con.execute(
                    f"INSERT INTO {qualified} ({columns}) SELECT {columns} FROM _wayra_batch"
                )
            finally:
                con.unregister("_wayra_batch")
            return
        buffer = io.BytesIO()
        # pyarrow's CSV writer emits NUL bytes for some multi-chunk date32 columns (seen with
        # concatenated polars output); one contiguous chunk per column writes correctly.
        pacsv.write_csv(data.combine_chunks(), buffer, pacsv.WriteOptions(include_header=False))
        with (
            con.cursor() as cur,
            cur.copy(f"COPY {qualified} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            copy.write(buffer.getvalue())

    # --- reads -----------------------------------------------------------------------------
    def query_arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a query; use ``?`` placeholders (translated for PostgreSQL)."""
        with self.connect() as con:
            if self.backend == "duckdb":
                return con.sql(sql, params=params or None).to_arrow_table()
            with con.cursor() as cur:
                cur.execute(sql.replace("?", "%s"), params or None)
                if cur.description is None:
                    return pa.table({})
                names = [c.name for c in cur.description]
                rows = cur.fetchall()
            return pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows])

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        table = self.query_arrow(sql, params)
        return table.column(0)[0].as_py() if table.num_rows else None

    # --- backend details -------------------------------------------------------------------
    def _execute(self, con: Any, sql: str, params: Sequence[Any] | None = None) -> None:
        if self.backend == "duckdb":
            con.execute(sql, params or [])
        else:
            con.execute(sql, params or None)

    @contextmanager
    def _transaction(self, con: Any) -> Iterator[None]:
        """Commit on success, roll back on any error (DuckDB needs an explicit BEGIN)."""
        if self.backend == "duckdb":
            con.execute("BEGIN TRANSACTION")
            try:
                yield
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        else:
            with con.transaction():
                yield
