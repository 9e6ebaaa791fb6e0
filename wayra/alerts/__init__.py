"""Alerts on the operational side: turning rule firings (``ml.alerts``) into stored alerts and
an outbox of per-channel deliveries, and delivering them (``wayra.notifications``)."""
