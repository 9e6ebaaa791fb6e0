"""The one settings object. Environment variables with a ``WAYRA_`` prefix pick the stores.

Embedded default: everything lives under one data directory (``.wayra/``): a DuckDB warehouse
file, a SQLite operational store and MLflow with a SQLite backend. Production: set
``WAYRA_WAREHOUSE_URL`` and ``WAYRA_OPERATIONAL_URL`` to PostgreSQL URLs. No code path asks
"are we testing?"; tests simply point ``WAYRA_DATA_DIR`` somewhere temporary.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from wayra.collection.limits import ProviderLimits

WarehouseBackend = Literal["duckdb", "postgres"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WAYRA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path(".wayra"), description="Root of every embedded store.")
    warehouse_url: str | None = Field(
        default=None,
        description="postgresql://user:pass@host:port/db for production; unset = DuckDB file.",
    )
    warehouse_schema: str = Field(default="main", description="dbt target schema for models.")
    raw_schema: str = Field(default="raw", description="Schema of the append-only raw tables.")
    operational_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the operational store; unset = SQLite file."
    )
    mlflow_tracking_uri: str | None = None
    simulator_seed: int = 20261124
    history_start: str = Field(
        default="2025-01-01", description="First daily partition of the quote history (UTC)."
    )

    # --- real providers (unset credentials = connector not configured) ---------------------
    amadeus_client_id: str | None = None
    amadeus_client_secret: SecretStr | None = None
    # The SDK's test host by default; an http://127.0.0.1:PORT value points the real SDK at a
    # local server (tests, recorded responses).
    amadeus_base_url: str = "https://test.api.amadeus.com"
    duffel_access_token: SecretStr | None = None
    duffel_base_url: str = "https://api.duffel.com"
    hotelbeds_api_key: str | None = None
    hotelbeds_secret: SecretStr | None = None
    hotelbeds_base_url: str = "https://api.test.hotelbeds.com"
    provider_timeout_seconds: float = 20.0
    # Per-provider overrides of wayra.collection.limits.DEFAULT_LIMITS, as JSON, e.g.
    # WAYRA_PROVIDER_LIMITS='{"amadeus_flights": {"requests_per_second": 5}}'.
    provider_limits: dict[str, ProviderLimits] = Field(default_factory=dict)

    # --- notifications (unset = channel not configured) --------------------------------------
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "Wayra <alerts@wayra.example>"
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    # Twilio's API by default; http://127.0.0.1:PORT points the real SDK at a local server.
    twilio_base_url: str = "https://api.twilio.com"
    # Signs the one-click links in alerts and the webhooks Wayra sends (set it in production;
    # the default only keeps the embedded demo working).
    signing_secret: SecretStr = SecretStr("wayra-embedded-demo-secret")
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="Where links in alerts point (the API)."
    )

    # --- payments ------------------------------------------------------------------------------
    stripe_api_key: SecretStr | None = None
    # Stripe's API by default; http://127.0.0.1:PORT points the SDK at an emulator (localstripe).
    stripe_api_base: str = "https://api.stripe.com"
    stripe_webhook_secret: SecretStr | None = None

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    # --- warehouse -------------------------------------------------------------------------
    @property
    def warehouse_backend(self) -> WarehouseBackend:
        return "postgres" if self.warehouse_url else "duckdb"

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def dbt_target(self) -> str:
        return self.warehouse_backend

    @cached_property
    def _pg(self):
        if not self.warehouse_url:
            raise ValueError("warehouse_url is not set")
        return urlsplit(self.warehouse_url.replace("postgresql+psycopg://", "postgresql://"))

    def dbt_env(self) -> dict[str, str]:
        """Environment variables read by dbt_project/profiles.yml for the chosen target."""
        env = {
            "WAYRA_DBT_TARGET": self.dbt_target,
            "WAYRA_DBT_SCHEMA": self.warehouse_schema,
            "WAYRA_RAW_SCHEMA": self.raw_schema,
            "WAYRA_DUCKDB_PATH": str(self.duckdb_path),
        }
        if self.warehouse_url:
            pg = self._pg
            env |= {
                "WAYRA_PG_HOST": pg.hostname or "127.0.0.1",
                "WAYRA_PG_PORT": str(pg.port or 5432),
                "WAYRA_PG_USER": unquote(pg.username or "postgres"),
                "WAYRA_PG_PASSWORD": unquote(pg.password or ""),
                "WAYRA_PG_DBNAME": pg.path.lstrip("/") or "postgres",
            }
        return env

    def warehouse_psycopg_dsn(self) -> str:
        if not self.warehouse_url:
            raise ValueError("warehouse_url is not set")
        return self.warehouse_url.replace("postgresql+psycopg://", "postgresql://")

    # --- operational store -----------------------------------------------------------------
    @property
    def operational_store_url(self) -> str:
        if self.operational_url:
            url = self.operational_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{self.data_dir / 'operational.sqlite'}"

    # --- ML tracking -----------------------------------------------------------------------
    @property
    def mlflow_uri(self) -> str:
        return self.mlflow_tracking_uri or f"sqlite:///{self.data_dir / 'mlflow.sqlite'}"

    @property
    def mlflow_artifacts_dir(self) -> Path:
        return self.data_dir / "mlartifacts"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster"

    def ensure_dagster_home(self) -> Path:
        """The embedded Dagster instance: default storage in this directory, no telemetry
        (the embedded stores are local by design)."""
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        config = self.dagster_home / "dagster.yaml"
        if not config.exists():
            config.write_text("telemetry:\n  enabled: false\n")
        return self.dagster_home

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir


def get_settings() -> Settings:
    """Fresh settings from the environment (cheap; callers that need one snapshot keep it)."""
    return Settings()
