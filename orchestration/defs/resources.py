"""Typed resources. Each one resolves its configuration through the one ``Settings`` object
(``WAYRA_*`` environment variables); a field set here overrides the environment."""

from __future__ import annotations

from contextlib import contextmanager

from dagster import ConfigurableResource

from wayra.settings import Settings
from wayra.warehouse import Warehouse


class WayraSettingsResource(ConfigurableResource):
    data_dir: str | None = None

    def settings(self) -> Settings:
        overrides = {"data_dir": self.data_dir} if self.data_dir else {}
        return Settings(**overrides)


class WarehouseResource(WayraSettingsResource):
    def warehouse(self) -> Warehouse:
        return Warehouse(self.settings())


class OperationalStoreResource(WayraSettingsResource):
    @contextmanager
    def session_factory(self):
        """A session factory on a fresh engine, disposed on exit: for work that commits in
        several transactions (outboxes, the booking saga)."""
        from wayra.opstore.db import make_engine, make_session_factory

        engine = make_engine(self.settings())
        try:
            yield make_session_factory(engine)
        finally:
            engine.dispose()

    @contextmanager
    def session(self):
        with self.session_factory() as factory, factory() as session:
            yield session


class ProvidersResource(WayraSettingsResource):
    """The simulated providers plus every real connector whose credentials are configured."""

    simulated: bool = True

    def provider_set(self):
        from wayra.providers.registry import configured_providers

        return configured_providers(self.settings(), simulated=self.simulated)


class PaymentsResource(WayraSettingsResource):
    """Stripe as configured by ``WAYRA_STRIPE_API_KEY`` / ``WAYRA_STRIPE_API_BASE`` (an emulator
    such as localstripe in development); ``payments()`` is None when no key is set."""

    def payments(self):
        from booking.payments import StripePayments

        settings = self.settings()
        return None if settings.stripe_api_key is None else StripePayments.from_settings(settings)


class MlflowResource(WayraSettingsResource):
    """The MLflow tracking and registry store; unset = ``Settings.mlflow_uri``
    (``WAYRA_MLFLOW_TRACKING_URI``, or a SQLite file in the data directory)."""

    tracking_uri: str | None = None

    def uri(self) -> str:
        return self.tracking_uri or self.settings().mlflow_uri
