"""Statistical disclosure control for the cockpit's tables: primary and secondary
suppression on a grid of counts with totals.

Pure numpy, no Django. A measure's counts form an N-dimensional grid; along each axis the
last entry is the total of the others (the jobcenter's total over its teams, all benefit
types, all months, all categories). A cell built on fewer than ``threshold`` (5)
citizens is hidden (*primary* suppression; a true 0 is shown: it discloses nobody).
Then, so that no hidden cell can be recovered by subtracting the visible ones from a
total, every line of the grid along every axis (an entry for each value of that axis,
the others held fixed, its total included) must hide either no entry or at least two:
a line that hides exactly one gets its cheapest other entry hidden too (*secondary*
suppression), and that is repeated until nothing changes.

"Cheapest" prefers, in order: an entry the pages never show anyway (the pool of teams
too small to be shown alone), the smallest non-zero count, a zero, and a total last.
"""

from __future__ import annotations

import numpy as np

__all__ = ["THRESHOLD", "suppression_mask"]

#: A cell built on fewer citizens than this is shown as "<5".
THRESHOLD = 5

_ZERO_COST = 1e12
_TOTAL_COST = 1e15
_UNSHOWN_COST = -1.0


def suppression_mask(
    counts: np.ndarray,
    *,
    threshold: int = THRESHOLD,
    unshown: np.ndarray | None = None,
    max_rounds: int = 100,
) -> np.ndarray:
    """Which entries of ``counts`` to hide. ``counts`` is an integer grid in which the
    last entry along every axis is the total of the others; ``unshown`` (same shape,
    optional) marks entries no page displays (they still count as hidden in a line only
    when they are hidden by the rules, and are the first choice to hide alongside
    another). Returns a boolean grid of the same shape."""
    counts = np.asarray(counts, dtype=np.int64)
    if counts.size == 0:
        return np.zeros(counts.shape, dtype=bool)
    mask = (counts > 0) & (counts < threshold)
    cost = counts.astype(np.float64)
    cost[counts == 0] = _ZERO_COST
    for axis in range(counts.ndim):
        index = [slice(None)] * counts.ndim
        index[axis] = -1
        cost[tuple(index)] = _TOTAL_COST
    if unshown is not None:
        cost[np.asarray(unshown, dtype=bool)] = _UNSHOWN_COST
    for _ in range(max_rounds):
        changed = False
        for axis in range(counts.ndim):
            if counts.shape[axis] < 2:
                continue
            lonely = mask.sum(axis=axis) == 1
            if not lonely.any():
                continue
            candidates = np.where(mask, np.inf, cost)
            choice = np.expand_dims(np.argmin(candidates, axis=axis), axis)
            chosen_cost = np.take_along_axis(candidates, choice, axis=axis)
            fixable = np.expand_dims(lonely, axis) & np.isfinite(chosen_cost)
            if not fixable.any():
                continue
            add = np.zeros_like(mask)
            np.put_along_axis(add, choice, fixable, axis=axis)
            mask |= add
            changed = True
        if not changed:
            return mask
    return mask
