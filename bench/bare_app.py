"""The serving benchmark's baseline: a FastAPI app with one trivial endpoint.

Run by uvicorn with exactly the options of the real app (``bench.serving``), so the difference
between the two is the real endpoint's own work (authentication, queries, serialisation,
middleware), not the HTTP server, event loop or framework. It deliberately imports nothing
from Wayra.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(title="bare baseline")


# A plain ``def``, like the real handlers: FastAPI runs both in its thread pool, so the
# baseline pays the same thread hop and only the handler's own work differs.
@app.get("/ping")
def ping() -> dict[str, str]:
    return {"status": "ok"}
