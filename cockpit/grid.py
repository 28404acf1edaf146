"""From rows of facts to a measure's grid of counts with totals, and back to cells.

Pure pandas and numpy, no Django. A *fact* is one row: a team id, a benefit type, a
month (first day, a ``datetime.date``), a category, and the values ``n`` (1 per citizen,
judgement or event), ``k`` and ``s``. :func:`measure_grid` sums the facts into a dense
grid team x benefit type x month x category with a total at the end of every axis, and
marks what to hide (``cockpit.suppression``); :meth:`MeasureGrid.cells` lists the
entries a page may show.

Teams: a team is shown on its own only when it has at least ``MIN_TEAM_CASEWORKERS``
caseworkers; the others form a *pool* that appears only inside the jobcenter's total.
When the pool itself would hold only one or two caseworkers, the smallest shown team
joins it, so that subtracting the shown teams from the total never isolates one or two
people (:func:`team_scopes`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cockpit.suppression import THRESHOLD, suppression_mask

__all__ = ["MIN_TEAM_CASEWORKERS", "POOL", "MeasureGrid", "measure_grid", "team_scopes"]

MIN_TEAM_CASEWORKERS = 3
POOL = "pool"
TOTAL = "total"


def team_scopes(caseworkers: Mapping[int, int]) -> tuple[list[int], list[int]]:
    """``(shown, pooled)`` team ids from each team's number of caseworkers."""
    shown = sorted(t for t, n in caseworkers.items() if n >= MIN_TEAM_CASEWORKERS)
    pooled = sorted(t for t in caseworkers if t not in shown)
    while shown and 0 < sum(caseworkers[t] for t in pooled) < MIN_TEAM_CASEWORKERS:
        smallest = min(shown, key=lambda t: (caseworkers[t], t))
        shown.remove(smallest)
        pooled.append(smallest)
    return shown, sorted(pooled)


@dataclass
class MeasureGrid:
    measure: str
    teams: list  # shown team ids, then POOL, then TOTAL
    benefits: list  # benefit types, then "" (all)
    months: list  # dates, then None (all months)
    categories: list  # categories, then "" (total)
    n: np.ndarray
    k: np.ndarray
    s: np.ndarray
    hidden: np.ndarray

    def cells(self) -> list[dict]:
        """Every entry a page may show (not the pool's), except visible zeros."""
        rows = []
        pool = self.teams.index(POOL)
        for index in zip(*np.nonzero((self.n > 0) | self.hidden), strict=True):
            t, b, m, c = (int(i) for i in index)
            team = self.teams[t]
            rows.append(
                {
                    "measure": self.measure,
                    "scope": "pool" if t == pool else ("total" if team == TOTAL else "team"),
                    "team_id": None if t == pool or team == TOTAL else team,
                    "benefit_type": self.benefits[b],
                    "month": self.months[m],
                    "category": self.categories[c],
                    "n": int(self.n[index]),
                    "k": int(self.k[index]),
                    "s": float(self.s[index]),
                    "hidden": bool(self.hidden[index]),
                }
            )
        return rows


def _with_totals(grid: np.ndarray) -> np.ndarray:
    for axis in range(grid.ndim):
        if grid.shape[axis] < 2:  # not split this way: the one entry is the total
            continue
        index = [slice(None)] * grid.ndim
        index[axis] = -1
        rest = [slice(None)] * grid.ndim
        rest[axis] = slice(0, -1)
        grid[tuple(index)] = grid[tuple(rest)].sum(axis=axis)
    return grid


def measure_grid(
    measure: str,
    facts: pd.DataFrame,
    *,
    shown_teams: Sequence[int],
    benefits: Sequence[str] | None,
    months: Sequence[datetime.date] | None,
    categories: Sequence[str] | None,
    threshold: int = THRESHOLD,
) -> MeasureGrid:
    """The grid of ``facts`` (columns ``team``, ``benefit``, ``month``, ``category``,
    ``n`` and optionally ``k`` and ``s``). ``benefits``, ``months`` or ``categories``
    given as ``None`` mean the measure is not split that way (only the total). A fact
    whose team is not shown counts in the pool."""
    teams = [*shown_teams, POOL, TOTAL]
    benefit_axis = [*(benefits or []), ""]
    month_axis = [*(months or []), None]
    category_axis = [*(categories or []), ""]
    shape = (len(teams), len(benefit_axis), len(month_axis), len(category_axis))
    n = np.zeros(shape, dtype=np.int64)
    k = np.zeros(shape, dtype=np.int64)
    s = np.zeros(shape, dtype=np.float64)
    if len(facts):
        team_index = {team: i for i, team in enumerate(shown_teams)}
        t = facts["team"].map(team_index).fillna(len(shown_teams)).to_numpy(dtype=np.int64)
        b = _positions(facts, "benefit", benefits, benefit_axis)
        m = _positions(facts, "month", months, month_axis)
        c = _positions(facts, "category", categories, category_axis)
        keep = (b >= 0) & (m >= 0) & (c >= 0)
        where = (t[keep], b[keep], m[keep], c[keep])
        np.add.at(n, where, facts["n"].fillna(0).to_numpy(dtype=np.int64)[keep])
        if "k" in facts:
            np.add.at(k, where, facts["k"].fillna(0).to_numpy(dtype=np.int64)[keep])
        if "s" in facts:
            np.add.at(s, where, facts["s"].fillna(0).to_numpy(dtype=np.float64)[keep])
    n, k, s = _with_totals(n), _with_totals(k), _with_totals(s)
    unshown = np.zeros(shape, dtype=bool)
    unshown[len(shown_teams)] = True
    hidden = suppression_mask(n, threshold=threshold, unshown=unshown)
    return MeasureGrid(measure, teams, benefit_axis, month_axis, category_axis, n, k, s, hidden)


def _positions(facts: pd.DataFrame, column: str, axis_values, axis: list) -> np.ndarray:
    """Each fact's index on the axis; 0 (the total) where the measure is not split by
    it; -1 for a value the axis does not have (left out)."""
    if axis_values is None:
        return np.zeros(len(facts), dtype=np.int64)
    index = {value: i for i, value in enumerate(axis[:-1])}
    return facts[column].map(index).fillna(-1).to_numpy(dtype=np.int64)
