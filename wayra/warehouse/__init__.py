"""The analytical warehouse: DuckDB embedded, PostgreSQL in production, same tables."""

from wayra.warehouse.connection import Warehouse
from wayra.warehouse.raw_tables import RAW_TABLES

__all__ = ["RAW_TABLES", "Warehouse"]
