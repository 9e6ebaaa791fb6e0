"""Serialized recommendation responses per (watch, publication version).

A published version never changes (``wayra.opstore.publication``), so a response built for
(watch, version) stays right for as long as that version is the latest: only "which version is
latest" has to be read per request (one indexed MAX). That keeps ``GET .../recommendations``
to three small queries (key, watch, latest version) instead of five plus serialization.
Least recently used entries go first once ``max_entries`` is reached.

``TimedCache`` keeps what the hot path would otherwise read per request for a few seconds:
which user an API key belongs to, who owns a watch, and which version is the latest. A cache
hit then needs no database at all. The price is bounded staleness: a rotated key keeps
working, and a new version shows, up to that many seconds later on other replicas (this
process drops a watch's entry itself when the watch changes).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class RecommendationCache:
    def __init__(self, max_entries: int = 20_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, watch_id: str, version: int | None) -> bytes | None:
        if version is None:
            return None
        with self._lock:
            body = self._entries.get((watch_id, version))
            if body is not None:
                self._entries.move_to_end((watch_id, version))
            return body

    def put(self, watch_id: str, version: int | None, body: bytes) -> None:
        if version is None:
            return  # nothing published yet: nothing immutable to keep
        with self._lock:
            self._entries[(watch_id, version)] = body
            self._entries.move_to_end((watch_id, version))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


class TimedCache:
    """A small thread-safe map whose entries expire ``ttl_s`` seconds after they were put."""

    def __init__(self, ttl_s: float, max_entries: int = 100_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[object, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: object) -> object | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: object, value: object) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # rare; cheaper than tracking order for a TTL cache
            self._entries[key] = (time.monotonic() + self.ttl_s, value)

    def drop(self, key: object) -> None:
        with self._lock:
            self._entries.pop(key, None)
