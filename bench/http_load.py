"""A lean HTTP/1.1 load generator connection: one kept-alive connection, GET only.

The serving benchmark's 32 closed-loop clients share the 2-core machine with the server. A
general client (httpx) spends about 0.5 ms of CPU per request on the client side, more than the
server spends answering a cached recommendation, so it and not the server set the pace. This
speaks just enough of the protocol for the benchmark (a GET with fixed headers, a response
with Content-Length), like wrk or hey, at a fraction of that cost.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


class KeepAliveConnection:
    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        fixed = {"Host": f"{self.host}:{self.port}", **headers}
        self._head = "".join(f"{k}: {v}\r\n" for k, v in fixed.items()).encode() + b"\r\n"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> KeepAliveConnection:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *_exc) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()

    async def get(self, path: str) -> tuple[int, bytes]:
        """Send a GET and read the whole response; returns (status, body)."""
        assert self._reader is not None and self._writer is not None
        self._writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self._head)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
                break
        if length is None:
            raise RuntimeError(f"GET {path}: the response has no Content-Length")
        return status, await self._reader.readexactly(length)
