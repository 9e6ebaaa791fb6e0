"""Engine, sessions and migrations for the operational store (SQLite embedded, PostgreSQL prod)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from wayra.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# How long a SQLite writer waits for another writer's lock before failing. The API and the
# publisher write concurrently; without it the loser fails immediately with "database is
# locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _url_of(target: Settings | str) -> str:
    return target.operational_store_url if isinstance(target, Settings) else target


def make_engine(settings: Settings | str | None = None, **kwargs: Any) -> Engine:
    """An engine for the operational store; creating it opens no connection."""
    if settings is None:
        settings = Settings()
    url = make_url(_url_of(settings))
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # A connection per API worker thread (anyio's pool runs up to 40): SQLite connections are
    # cheap, and a thread waiting for one would add its whole wait to the request's latency.
    kwargs = {"pool_size": 40, "max_overflow": 10} | kwargs
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            # WAL lets the API read while a publication is being written; SQLite leaves
            # foreign keys off unless asked, per connection.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Objects stay usable after commit (API handlers serialise them after committing).
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation treats "%" specially (URL-encoded passwords).
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(target: Settings | str | None = None, revision: str = "head") -> None:
    """``alembic upgrade <revision>`` against the operational store, programmatically."""
    engine = make_engine(target)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            # Sharing our connection means the SQLite pragmas apply during migrations too.
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def downgrade(target: Settings | str | None, revision: str) -> None:
    engine = make_engine(target)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()
