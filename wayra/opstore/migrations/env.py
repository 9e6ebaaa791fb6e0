"""Alembic environment, configured programmatically by ``wayra.opstore.db`` (no alembic.ini).

The caller normally passes an open connection in ``config.attributes["connection"]``; the
``sqlalchemy.url`` main option (or the settings) is the fallback for plain ``alembic`` use.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from wayra.opstore.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    from wayra.settings import Settings

    url = config.get_main_option("sqlalchemy.url") or Settings().operational_store_url
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    from wayra.opstore.db import make_engine
    from wayra.settings import Settings

    engine = make_engine(config.get_main_option("sqlalchemy.url") or Settings())
    try:
        with engine.begin() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
