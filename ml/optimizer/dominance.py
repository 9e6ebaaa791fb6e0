"""Dropping offers that cannot be in the answer, before the model is built.

An offer x is *dominated* by y when y is interchangeable with x in every constraint and no
worse on every key (price, the objective's share, and whatever constraint still depends on the
offer, like how late the traveler reaches the hotel); ties go to the lower index, so the
relation is a strict order. If x is dominated by ``threshold`` distinct offers (distinct
hotels, for stay segments), x can go: whatever package uses x, swapping x for one of those
offers that no earlier package used keeps the package feasible, no more expensive, no worse,
and at least as different from the earlier packages; if that offer was dropped too, repeat
(the order is strict, so this ends on a kept offer). Hence:

- the best package needs threshold 1 (2 for segments: the other part of a split stay may be at
  the dominating hotel);
- top K diverse packages need K for flights (K-1 earlier packages use at most K-1 of them)
  and K+1 for segments (at most K-1 hotel sets to avoid, plus the other part's hotel).
"""

from __future__ import annotations

import numpy as np

# Pairwise comparisons per chunk: groups x offers x offers x keys booleans.
CHUNK_ELEMENTS = 32_000_000


def keep_undominated(
    keys: np.ndarray, valid: np.ndarray, threshold: int, labels: np.ndarray | None = None
) -> np.ndarray:
    """Mask of valid entries dominated by fewer than ``threshold`` distinct labels.

    keys: [groups, n, k], lower is better; valid: [groups, n]; entries compete only within their
    group. labels: [n], nondecreasing (entries sorted by label); None: each entry its own label.
    """
    groups, n, k = keys.shape
    keep = np.zeros((groups, n), dtype=bool)
    sizes = valid.sum(axis=1)
    # Groups by size, largest first, in chunks padded only to their own largest group.
    by_size = np.argsort(-sizes, kind="stable")
    lo = 0
    while lo < groups and sizes[by_size[lo]] > 0:
        width = int(sizes[by_size[lo]])
        hi = min(groups, lo + max(1, CHUNK_ELEMENTS // (width * width * k)))
        chunk = by_size[lo:hi]
        keep[chunk] = _keep_in_chunk(keys[chunk], valid[chunk], width, threshold, labels)
        lo = hi
    return keep


def _keep_in_chunk(keys, valid, width, threshold, labels) -> np.ndarray:
    # Valid entries first, in their original order (which keeps labels sorted).
    order = np.argsort(~valid, axis=1, kind="stable")[:, :width]
    packed_keys = np.take_along_axis(keys, order[..., None], axis=1)
    packed_valid = np.take_along_axis(valid, order, axis=1)
    packed_labels = order if labels is None else np.where(packed_valid, labels[order], -1)
    earlier = np.tri(width, k=-1, dtype=bool).T  # earlier[y, x]: y comes first
    shape = (len(keys), width, width)
    no_worse, better = np.ones(shape, dtype=bool), np.zeros(shape, dtype=bool)
    for key in range(keys.shape[2]):  # key by key: no [g, y, x, k] temporaries
        y, x = packed_keys[:, :, None, key], packed_keys[:, None, :, key]
        no_worse &= y <= x
        better |= y < x
    dominates = no_worse & (better | earlier) & packed_valid[:, :, None]  # [g, y, x]
    count = _distinct_dominators(dominates, packed_labels)
    keep = np.zeros(valid.shape, dtype=bool)
    np.put_along_axis(keep, order, packed_valid & (count < threshold), axis=1)
    return keep


def _distinct_dominators(dominates: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per group and entry x, how many distinct labels dominate x. Labels come in runs (sorted
    within each group), so a run dominates x when any of its entries does."""
    g, width, _ = dominates.shape
    flat_labels = labels.ravel()
    new_run = np.ones(g * width, dtype=bool)
    new_run[1:] = flat_labels[1:] != flat_labels[:-1]
    new_run[::width] = True  # every group starts a run
    run_starts = np.flatnonzero(new_run)
    by_run = np.logical_or.reduceat(dominates.reshape(g * width, width), run_starts, axis=0)
    group_of_run = run_starts // width
    first_run = np.searchsorted(group_of_run, np.arange(g))
    return np.add.reduceat(by_run.astype(np.int32), first_run, axis=0)


def keep_undominated_by_group(group: np.ndarray, keys: np.ndarray, threshold: int) -> np.ndarray:
    """``keep_undominated`` for flat entries [n, k] that compete within equal ``group`` values."""
    if len(group) == 0:
        return np.zeros(0, dtype=bool)
    values, position = np.unique(group, return_inverse=True)
    slot = np.zeros(len(group), dtype=np.int64)
    for v in range(len(values)):  # rank within the group, in input order
        members = np.flatnonzero(position == v)
        slot[members] = np.arange(len(members))
    grid_keys = np.zeros((len(values), int(slot.max()) + 1, keys.shape[1]), dtype=keys.dtype)
    grid_valid = np.zeros(grid_keys.shape[:2], dtype=bool)
    grid_keys[position, slot] = keys
    grid_valid[position, slot] = True
    return keep_undominated(grid_keys, grid_valid, threshold)[position, slot]
