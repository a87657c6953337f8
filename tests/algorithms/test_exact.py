"""The exact MILP (HiGHS) as a yardstick for the heuristic on tiny graphs."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gridplanner.algorithms import metrics
from gridplanner.algorithms.adjacency import UnitGraph, build_adjacency
from gridplanner.algorithms.exact import exact_partition, optimality_gap
from gridplanner.algorithms.partition import BalancedPartitioner

pytest.importorskip("highspy")


def grid_graph(rows: int, cols: int) -> UnitGraph:
    return build_adjacency([
        shapely.box(c, r, c + 1, r + 1) for r in range(rows) for c in range(cols)
    ])


def test_exact_solves_a_tiny_grid_optimally() -> None:
    g = grid_graph(3, 3)
    w = np.array([5, 9, 1, 7, 3, 5, 4, 6, 5])  # every row sums to 15
    res = exact_partition(g, w, n_parts=3, time_limit=20)
    assert res.optimal
    assert all(metrics.part_contiguity(g, res.labels, 3))
    h = metrics.part_households(res.labels, w, 3)
    assert res.max_deviation == pytest.approx(np.abs(h - 15).max() / 15)
    assert res.max_deviation == pytest.approx(0.0)
    assert res.gap == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_heuristic_matches_exact_on_tiny_graphs(seed: int) -> None:
    g = grid_graph(3, 4)
    w = np.random.default_rng(seed).integers(5, 40, size=12)
    res = exact_partition(g, w, n_parts=3, time_limit=20)
    assert res.optimal
    solver = BalancedPartitioner(g, w, n_parts=3, seed=seed, strict=False)
    solver.solve()
    assert solver.report_ is not None
    heuristic = solver.report_.max_abs_deviation
    assert heuristic >= res.lower_bound - 1e-9
    # the heuristic is close to optimal (either inside the band or within 3 points)
    assert heuristic <= max(0.05, res.max_deviation + 0.03)
    assert optimality_gap(heuristic, res) == pytest.approx(
        max(heuristic - res.lower_bound, 0.0)
    )


def test_exact_honours_locks_capacities_and_warm_start() -> None:
    g = grid_graph(2, 4)
    w = np.full(8, 10)
    res = exact_partition(g, w, capacities=[1.0, 3.0], locked={0: 1, 7: 0}, time_limit=20)
    assert res.labels[0] == 1 and res.labels[7] == 0
    assert metrics.part_households(res.labels, w, 2).tolist() == [20.0, 60.0]
    warm = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    res2 = exact_partition(g, w, n_parts=2, initial_labels=warm, time_limit=20)
    assert res2.max_deviation == pytest.approx(0.0)


def test_exact_refuses_large_graphs() -> None:
    g = UnitGraph.from_edges(100, [(i, i + 1) for i in range(99)])
    with pytest.raises(ValueError):
        exact_partition(g, np.ones(100), n_parts=2)
