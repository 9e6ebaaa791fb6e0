"""Dagster code location for Wayra: `dagster dev -m orchestration.definitions`."""
