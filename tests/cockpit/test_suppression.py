"""Primary and secondary suppression, and which teams are shown: pure functions, tried
the way someone would try to recover a hidden cell."""

import itertools

import numpy as np
import pandas as pd
import pytest

from cockpit.grid import POOL, measure_grid, team_scopes
from cockpit.suppression import suppression_mask


def with_totals(base: np.ndarray) -> np.ndarray:
    grid = np.zeros(tuple(n + 1 for n in base.shape), dtype=np.int64)
    grid[tuple(slice(0, n) for n in base.shape)] = base
    for axis in range(grid.ndim):
        index = [slice(None)] * grid.ndim
        index[axis] = -1
        rest = [slice(None)] * grid.ndim
        rest[axis] = slice(0, -1)
        grid[tuple(index)] = grid[tuple(rest)].sum(axis=axis)
    return grid


def recoverable(grid: np.ndarray, hidden: np.ndarray) -> list:
    """Every hidden entry that subtraction recovers: in some line (along any axis), it
    is the only hidden entry, so the total minus the visible entries gives it."""
    found = []
    for axis in range(grid.ndim):
        moved_hidden = np.moveaxis(hidden, axis, -1)
        for line in itertools.product(*(range(n) for n in moved_hidden.shape[:-1])):
            if moved_hidden[line].sum() == 1:
                found.append((axis, line))
    return found


def test_it_hides_small_cells_and_shows_zeros():
    grid = with_totals(np.array([[3, 10, 0], [12, 9, 20]]))
    hidden = suppression_mask(grid)
    assert hidden[0, 0]  # 3 citizens: primary
    assert not hidden[0, 2]  # a true 0 discloses nobody
    assert not hidden[1, 2]


def test_subtracting_from_the_total_never_recovers_a_hidden_cell():
    # Row 0: 3 + 10 + 0 = 13. Without a second hidden cell, 13 - 10 - 0 = 3.
    grid = with_totals(np.array([[3, 10, 0], [12, 9, 20]]))
    hidden = suppression_mask(grid)
    row_total = grid[0, -1]
    visible = [grid[0, j] for j in range(3) if not hidden[0, j]]
    assert hidden[0].sum() >= 2
    assert row_total - sum(visible) != grid[0, 0] or hidden[0, -1]
    assert recoverable(grid, hidden) == []


@pytest.mark.parametrize("seed", range(25))
def test_no_line_of_a_random_grid_hides_exactly_one_entry(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 5, size=3))
    base = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40], size=shape)
    grid = with_totals(base)
    hidden = suppression_mask(grid)
    assert recoverable(grid, hidden) == []
    assert hidden[(grid > 0) & (grid < 5)].all()  # every small cell is hidden


def test_teams_of_fewer_than_three_caseworkers_are_pooled_and_never_alone():
    assert team_scopes({1: 5, 2: 4, 3: 1, 4: 2}) == ([1, 2], [3, 4])  # pool of 3
    # A pool of one caseworker would be recovered by subtraction: the smallest team
    # joins it.
    assert team_scopes({1: 5, 2: 4, 3: 1}) == ([1], [2, 3])
    assert team_scopes({1: 3, 2: 3}) == ([1, 2], [])
    assert team_scopes({1: 2}) == ([], [1])


def test_a_pooled_team_is_in_the_total_but_never_a_cell_of_its_own():
    facts = pd.DataFrame(
        {
            "team": [1, 1, 2, 3],
            "benefit": ["a", "a", "a", "a"],
            "month": [None] * 4,
            "category": ["x", "x", "x", "x"],
            "n": [10, 5, 20, 7],
        }
    )
    grid = measure_grid(
        "m", facts, shown_teams=[1, 2], benefits=["a"], months=None, categories=["x"]
    )
    cells = grid.cells()
    total = next(
        c
        for c in cells
        if c["scope"] == "total" and c["category"] == "" and c["benefit_type"] == ""
    )
    assert total["n"] == 42
    assert {c["team_id"] for c in cells if c["scope"] == "team"} == {1, 2}
    assert grid.teams[2] == POOL
