"""The hot path's caches: immutable versions by LRU, everything else by a short TTL."""

from __future__ import annotations

from serving import recommendation_cache
from serving.recommendation_cache import RecommendationCache, TimedCache


def test_versions_are_kept_by_watch_and_version_least_recently_used_first_out() -> None:
    cache = RecommendationCache(max_entries=2)
    cache.put("w1", 1, b"v1")
    cache.put("w2", 1, b"w2")
    assert cache.get("w1", 1) == b"v1"  # now the most recently used
    cache.put("w1", 2, b"v2")
    assert (cache.get("w2", 1), cache.get("w1", 1), cache.get("w1", 2)) == (None, b"v1", b"v2")
    cache.put("w3", None, b"never")  # nothing published: nothing immutable to keep
    assert cache.get("w3", None) is None


def test_timed_entries_expire(monkeypatch) -> None:
    now = [100.0]
    monkeypatch.setattr(recommendation_cache.time, "monotonic", lambda: now[0])
    cache = TimedCache(ttl_s=5)
    cache.put("key", "user")
    now[0] = 104.9
    assert cache.get("key") == "user"
    now[0] = 105.1
    assert cache.get("key") is None
    cache.put("key", "user")
    cache.drop("key")
    assert cache.get("key") is None
