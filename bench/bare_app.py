"""The serving benchmark's baseline: a FastAPI app with one trivial endpoint.

Run by uvicorn with exactly the options of the real app (``bench.serving``), so the difference
between the two is the real endpoint's own work (authentication, queries, serialisation,
middleware), not the HTTP server, event loop or framework. It deliberately imports nothing
from Wayra.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(title="bare baseline")


# ``async def``: the cheapest endpoint FastAPI has. A plain ``def`` would add a thread-pool hop
# per request, which on the 2-core machine costs about 0.1 ms of server CPU and roughly 10 ms of
# p99 at 32 clients (p99 30 ms against 17 ms in trials): a floor that the real endpoint's
# cache hits, answered on the event loop, beat.
@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}
