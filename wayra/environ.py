"""Environment variables set for a block of work and put back afterwards.

Some settings reach their readers only through the process environment: dbt's profile, and the
Dagster resources, which build ``Settings()`` from ``WAYRA_*`` variables as a deployment's do.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def environ(overrides: Mapping[str, str], also_restore: Iterable[str] = ()) -> Iterator[None]:
    """Set ``overrides`` for the block; afterwards every variable in them and in
    ``also_restore`` (ones the block itself may set) is as it was before, unset if it was."""
    saved = {key: os.environ.get(key) for key in [*overrides, *also_restore]}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
