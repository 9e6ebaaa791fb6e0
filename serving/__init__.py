"""Wayra's HTTP API (FastAPI) over the operational store."""
