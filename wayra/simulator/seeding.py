"""Stable randomness: every draw is a pure function of the seed and a textual key.

Python's ``hash()`` is salted per process, so keys are hashed with blake2b instead; that keeps
histories identical across runs and independent of the order in which things are queried.
"""

from __future__ import annotations

import hashlib

import numpy as np

_MASK64 = (1 << 64) - 1


def stable_hash(*parts: object) -> int:
    key = "|".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")


def rng_for(seed: int, *parts: object) -> np.random.Generator:
    return np.random.default_rng([seed & _MASK64, stable_hash(*parts)])


def unit_floats(*parts: object, count: int = 2) -> list[float]:
    """A few uniforms in [0, 1) straight from a hash, for hot paths where a Generator is
    too expensive to build."""
    digest = hashlib.blake2b("|".join(str(p) for p in parts).encode(), digest_size=8 * count)
    raw = digest.digest()
    return [int.from_bytes(raw[8 * i : 8 * i + 8], "little") / 2**64 for i in range(count)]
