"""Lower bounds on the best package each offer can be part of.

Flights and hotels interact only through the dates (and the budget), so the cheapest way to
complete an offer into a package, ignoring the budget, reception hours and the two-hotels rule,
is a small calculation over days: the best outbound per check-in day, the best return per
check-out day and the best stay per (check-in, check-out), a stay being one segment or the best
two meeting on a switch day. An offer whose bound exceeds a package already found cannot be in
a better one, which lets the optimizer leave most offers out of the model and add them back
only if a solve comes out above the bound it was built for (see ``ml.optimizer.optimizer``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.optimizer.candidates import AllowedOffers

NONE = np.iinfo(np.int64).max // 8  # "no such offer": far above any objective; sums of a few fit


@dataclass(frozen=True)
class OfferBounds:
    outbound: np.ndarray  # [outbound flights]
    inbound: np.ndarray  # [return flights]
    segments: np.ndarray  # [pairs, room offers]; NONE where the segment cannot be had

    def least(self) -> int:
        """A lower bound of every package's objective (NONE: no package fits the dates)."""
        return int(min(self.outbound.min(initial=NONE), self.inbound.min(initial=NONE)))

    def largest(self) -> int:
        """The largest bound of an offer that is part of some date-consistent package."""
        parts = (self.outbound, self.inbound, self.segments.ravel())
        return max(int(p[p < NONE].max(initial=self.least())) for p in parts)


def _capped(values: list[int]) -> np.ndarray:
    return np.minimum(np.array([min(v, NONE) for v in values], dtype=np.int64), NONE)


def _best_by(days: np.ndarray, scores: np.ndarray) -> dict[int, int]:
    best: dict[int, int] = {}
    for day, score in zip(days.tolist(), scores.tolist(), strict=True):
        best[day] = min(score, best.get(day, NONE))
    return best


def offer_bounds(
    allowed: AllowedOffers, coefficients: np.ndarray, min_nights: int, max_nights: int
) -> OfferBounds:
    out, inb, seg = allowed.outbound, allowed.inbound, allowed.segments
    out_score, in_score = out.values @ coefficients, inb.values @ coefficients
    seg_score = np.where(seg.available, seg.values @ coefficients, NONE)
    best_out, best_in = _best_by(out.day, out_score), _best_by(inb.day, in_score)
    pair_best = seg_score.min(axis=1, initial=NONE)
    best_seg = {
        (a, b): int(v)
        for a, b, v in zip(seg.starts.tolist(), seg.ends.tolist(), pair_best, strict=False)
    }

    def stay(c: int, e: int) -> int:
        split = (best_seg.get((c, s), NONE) + best_seg.get((s, e), NONE) for s in range(c + 1, e))
        return min(best_seg.get((c, e), NONE), *split, NONE)

    trips = [(c, e) for c in best_out for e in best_in if min_nights <= e - c <= max_nights]
    stays = {(c, e): stay(c, e) for c, e in trips}
    # Best completion of each part: everything else at its best for the same days.
    after_out = {c: NONE for c in best_out}
    before_in = {e: NONE for e in best_in}
    for (c, e), s in stays.items():
        after_out[c] = min(after_out[c], s + best_in[e])
        before_in[e] = min(before_in[e], s + best_out[c])
    out_bound = out_score + _capped([after_out[d] for d in out.day.tolist()])
    in_bound = in_score + _capped([before_in[d] for d in inb.day.tolist()])

    # A segment [a, b) is a whole stay, the first part (then [b, e) follows) or the second part
    # (after [c, a)) of a split.
    rest = {}
    for a, b in zip(seg.starts.tolist(), seg.ends.tolist(), strict=True):
        best = NONE
        for c, e in trips:
            if (c, e) == (a, b):
                best = min(best, best_out[c] + best_in[e])
            elif c == a and b < e:
                best = min(best, best_out[c] + best_seg.get((b, e), NONE) + best_in[e])
            elif e == b and c < a:
                best = min(best, best_out[c] + best_seg.get((c, a), NONE) + best_in[e])
        rest[a, b] = best
    seg_rest = _capped(
        [rest[a, b] for a, b in zip(seg.starts.tolist(), seg.ends.tolist(), strict=True)]
    )
    seg_bound = np.where(seg.available, seg_score + seg_rest[:, None], NONE)
    return OfferBounds(
        np.minimum(out_bound, NONE), np.minimum(in_bound, NONE), np.minimum(seg_bound, NONE)
    )
