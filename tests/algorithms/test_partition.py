"""BalancedPartitioner on hand-built grids: balance, locks, min-change, errors."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gridplanner.algorithms import metrics
from gridplanner.algorithms.adjacency import UnitGraph, build_adjacency
from gridplanner.algorithms.errors import Cancelled, InfeasibleError
from gridplanner.algorithms.partition import BalancedPartitioner, balance


def grid_graph(rows: int, cols: int, extra: list[shapely.Polygon] | None = None) -> UnitGraph:
    boxes = [shapely.box(c, r, c + 1, r + 1) for r in range(rows) for c in range(cols)]
    return build_adjacency(boxes + (extra or []))


def assert_valid(g: UnitGraph, labels: np.ndarray, k: int) -> None:
    assert labels.shape == (g.n,)
    assert set(labels.tolist()) == set(range(k))
    assert all(metrics.part_contiguity(g, labels, k))


def test_uniform_grid_is_split_exactly() -> None:
    g = grid_graph(6, 6)
    w = np.full(36, 10)
    solver = BalancedPartitioner(g, w, n_parts=4, seed=0)
    labels = solver.solve()
    assert solver.labels_ is labels
    assert_valid(g, labels, 4)
    rep = solver.report_
    assert rep is not None
    assert [p.households for p in rep.parts] == [90.0] * 4
    assert rep.max_abs_deviation == 0.0 and rep.within_band and rep.all_contiguous
    assert rep.households_moved == 0.0
    assert rep.best_achievable_deviation == pytest.approx(0.0)
    d = rep.to_dict()
    assert d["parts"][0]["target"] == 90.0 and "seconds" in d


def test_fixed_seed_gives_exact_labels() -> None:
    g = grid_graph(3, 4)
    w = np.array([10, 20, 30, 40, 40, 30, 20, 10, 10, 20, 30, 40])
    first = BalancedPartitioner(g, w, n_parts=3, seed=7).solve()
    again = BalancedPartitioner(g, w, n_parts=3, seed=7).solve()
    assert first.tolist() == again.tolist()
    assert first.tolist() == EXPECTED_3X4
    assert metrics.part_households(first, w, 3).tolist() == [100.0, 100.0, 100.0]


# bottom row is one part; the two 2x2 blocks above are the others (100 each)
EXPECTED_3X4 = [1, 1, 1, 1, 0, 0, 2, 2, 0, 0, 2, 2]


def test_capacities_give_unequal_targets() -> None:
    g = grid_graph(5, 5)
    w = np.full(25, 12)
    labels, rep = balance(g, w, capacities=[1.0, 1.5, 2.5], target=60.0, seed=1)
    assert_valid(g, labels, 3)
    assert [p.target for p in rep.parts] == [60.0, 90.0, 150.0]
    assert rep.parts[0].households == 60.0
    assert sorted([rep.parts[1].households, rep.parts[2].households]) in (
        [84.0, 156.0], [96.0, 144.0]
    )
    assert rep.parts[2].ratio == pytest.approx(rep.parts[2].households / 2.5)
    assert rep.max_abs_deviation <= 0.0667


def test_locked_units_and_frozen_parts_are_kept() -> None:
    g = grid_graph(6, 6)
    w = np.full(36, 10)
    existing = np.repeat([0, 1, 2], 12)  # rows 0-1, 2-3, 4-5
    existing[0:6] = 3  # part 3 = bottom row, frozen
    locked = np.zeros(36, dtype=bool)
    locked[[35, 18]] = True  # unit 35 stays in part 2, unit 18 in part 1
    solver = BalancedPartitioner(g, w, n_parts=4, existing=existing, locked_units=locked,
                                 locked_parts=[3], seed=3)
    labels = solver.solve()
    assert_valid(g, labels, 4)
    assert labels[35] == 2 and labels[18] == 1
    assert (labels[0:6] == 3).all() and (labels == 3).sum() == 6
    rep = solver.report_
    assert rep is not None
    # the frozen part keeps its -33% deviation, which bounds what is achievable
    assert rep.best_achievable_deviation == pytest.approx(1 / 3)
    for k in range(3):
        assert rep.parts[k].households == pytest.approx(100.0, abs=10)


def test_min_change_on_a_balanced_plan_moves_nothing() -> None:
    g = grid_graph(6, 6)
    rng = np.random.default_rng(0)
    w = rng.integers(90, 110, size=36)
    existing = np.repeat([0, 1, 2, 3], 9)  # 1.5-row strips: contiguous
    tal = metrics.part_tallies(existing, w, [1] * 4, w.sum() / 4)
    assert np.abs(tal.deviation).max() <= 0.05
    solver = BalancedPartitioner(g, w, n_parts=4, existing=existing, min_change=True)
    labels = solver.solve()
    assert labels.tolist() == existing.tolist()
    assert solver.report_ is not None and solver.report_.households_moved == 0


def test_min_change_moves_fewer_households_than_from_scratch() -> None:
    g = grid_graph(8, 8)
    w = np.full(64, 10)
    existing = np.repeat([0, 1, 2, 3], 16)
    existing[16:20] = 0  # part 0 takes four units of part 1: +25% / -25%
    common = dict(n_parts=4, existing=existing, seed=5)
    lazy = BalancedPartitioner(g, w, min_change=True, **common)  # type: ignore[arg-type]
    lazy.solve()
    fresh = BalancedPartitioner(g, w, min_change=False, **common)  # type: ignore[arg-type]
    fresh.solve()
    assert lazy.report_ is not None and fresh.report_ is not None
    assert lazy.report_.within_band and lazy.report_.all_contiguous
    assert lazy.report_.households_moved == 40.0  # exactly the four units back
    assert lazy.report_.households_moved < fresh.report_.households_moved


def test_min_change_repairs_unassigned_and_disconnected_units() -> None:
    g = grid_graph(4, 4)
    w = np.full(16, 10)
    existing = np.repeat([0, 1], 8)
    existing[3] = 1  # stray piece of part 1 inside part 0's rows
    existing[12] = -1  # unassigned
    labels = BalancedPartitioner(g, w, n_parts=2, existing=existing, min_change=True).solve()
    assert_valid(g, labels, 2)
    assert metrics.part_households(labels, w, 2).tolist() == [80.0, 80.0]


def test_infeasible_unit_too_large() -> None:
    g = grid_graph(2, 3)
    w = np.array([10, 10, 10, 10, 10, 200])
    with pytest.raises(InfeasibleError) as err:
        BalancedPartitioner(g, w, n_parts=3).solve()
    assert err.value.reason_code == "unit_too_large" and err.value.units == (5,)
    assert "unit 5" in str(err.value)
    # non-strict: best effort plus an honest bound
    s = BalancedPartitioner(g, w, n_parts=3, strict=False)
    labels = s.solve()
    assert_valid(g, labels, 3)
    assert s.report_ is not None
    assert s.report_.best_achievable_deviation == pytest.approx(200 / 250 * 3 - 1)


def test_infeasible_too_many_parts() -> None:
    g = grid_graph(1, 3)
    with pytest.raises(InfeasibleError) as err:
        BalancedPartitioner(g, np.ones(3), n_parts=4).solve()
    assert err.value.reason_code == "too_many_parts"


def test_island_is_reported_not_merged() -> None:
    g = grid_graph(3, 3, extra=[shapely.box(10, 10, 11, 11)])
    w = np.full(10, 10)
    with pytest.raises(InfeasibleError) as err:
        BalancedPartitioner(g, w, n_parts=1).solve()
    assert err.value.reason_code == "island" and err.value.units == (9,)
    with pytest.raises(InfeasibleError) as err:
        BalancedPartitioner(g, w, n_parts=2).solve()  # island of 10 vs parts of 50
    assert err.value.reason_code == "island" and "units 9" in err.value.message
    w2 = np.array([10] * 9 + [90])  # an island that is a whole part is fine
    labels = BalancedPartitioner(g, w2, n_parts=2).solve()
    assert labels[9] != labels[0] and len(set(labels[:9].tolist())) == 1


def test_minimal_change_never_strands_an_island() -> None:
    """Today's parts all sit on the mainland (the island's unit had no part in this
    group): minimal change gives the island one of them instead of failing."""
    g = grid_graph(2, 4, extra=[shapely.box(10, 10, 11, 11)])
    w = np.array([10] * 8 + [30])
    existing = np.array([0, 0, 1, 1, 0, 0, 1, 1, -1])
    solver = BalancedPartitioner(g, w, n_parts=2, existing=existing, min_change=True,
                                 strict=False)  # fmt: skip
    labels = solver.solve()
    assert labels[8] not in set(labels[:8].tolist())  # the island is a part of its own
    assert solver.report_ is not None and solver.report_.all_contiguous


def test_locks_conflict() -> None:
    g = grid_graph(1, 5)
    w = np.full(5, 10)
    existing = np.array([0, 1, 0, 1, 1])
    with pytest.raises(InfeasibleError) as err:  # 0 and 2 separated by unit 1 locked to 1
        BalancedPartitioner(g, w, n_parts=2, existing=existing,
                            locked_units=[0, 1, 2]).solve()
    assert err.value.reason_code == "locks_conflict"
    assert set(err.value.units) == {0, 2} and err.value.parts == (0,)
    with pytest.raises(InfeasibleError) as err:
        BalancedPartitioner(g, w, n_parts=2, locked_units=[0]).solve()
    assert err.value.reason_code == "bad_input"


def test_choke_point_is_named() -> None:
    # two 3-unit arms joined through the hub unit 3: 2-1-0 — 3 — 4-5-6; an arm
    # (120) is a whole part and the other arm takes the hub (130): feasible
    g = UnitGraph.from_edges(7, [(0, 1), (1, 2), (0, 3), (3, 4), (4, 5), (5, 6)])
    w = np.array([40, 40, 40, 10, 40, 40, 40])
    labels, rep = balance(g, w, n_parts=2)
    assert rep.within_band and rep.all_contiguous and labels[3] in (labels[0], labels[4])
    star = UnitGraph.from_edges(4, [(0, 1), (0, 2), (0, 3)])
    with pytest.raises(InfeasibleError) as err:  # three 30-household leaves, one hub
        BalancedPartitioner(star, np.array([10, 30, 30, 30]), n_parts=2).solve()
    assert err.value.reason_code == "choke_point" and err.value.units == (0,)


def test_progress_and_cancel() -> None:
    g = grid_graph(5, 5)
    seen: list[tuple[float, str]] = []
    BalancedPartitioner(g, np.full(25, 4), n_parts=5,
                        progress=lambda f, m: seen.append((f, m))).solve()
    assert seen[0][0] == 0.0 and seen[-1] == (1.0, "done")
    assert all(0.0 <= f <= 1.0 for f, _ in seen)
    with pytest.raises(Cancelled):
        BalancedPartitioner(g, np.full(25, 4), n_parts=5, cancel=lambda: True).solve()


def test_bad_input_is_explained() -> None:
    g = grid_graph(2, 2)
    with pytest.raises(InfeasibleError, match="weights"):
        BalancedPartitioner(g, np.ones(3), n_parts=2).solve()
    with pytest.raises(InfeasibleError, match="n_parts or capacities"):
        BalancedPartitioner(g, np.ones(4)).solve()
    with pytest.raises(InfeasibleError, match="existing labels"):
        BalancedPartitioner(g, np.ones(4), n_parts=2, existing=[0, 5, 1, 1]).solve()
