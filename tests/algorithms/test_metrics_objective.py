"""Metric helpers, and the objective's incremental form against its full form."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridplanner.algorithms import metrics
from gridplanner.algorithms.adjacency import UnitGraph, build_adjacency
from gridplanner.algorithms.local_search import MoveState
from gridplanner.algorithms.objective import Objective


def grid_graph(rows: int, cols: int) -> UnitGraph:
    return build_adjacency([
        shapely.box(c, r, c + 1, r + 1) for r in range(rows) for c in range(cols)
    ])


def voronoi_graph(n: int, seed: int, barrier: bool = False) -> UnitGraph:
    rng = np.random.default_rng(seed)
    pts = shapely.multipoints(rng.uniform(0, 1000, size=(n, 2)))
    box = shapely.box(0, 0, 1000, 1000)
    polys = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box)), box
    )
    barriers = [shapely.LineString([(500, 0), (500, 1000)])] if barrier else None
    return build_adjacency(polys, barriers=barriers, barrier_mode="penalise")


def test_polsby_popper_of_squares_and_rectangles() -> None:
    g = grid_graph(2, 4)
    labels = np.array([0, 0, 1, 1, 0, 0, 1, 1])  # two 2x2 squares
    pp = metrics.polsby_popper(g, labels, 2)
    np.testing.assert_allclose(pp, math.pi / 4)
    area, perim = metrics.part_area_perimeter(g, labels, 2)
    np.testing.assert_allclose(area, [4, 4])
    np.testing.assert_allclose(perim, [8, 8])
    strip = np.array([0, 0, 0, 0, 1, 1, 1, 1])  # two 1x4 strips
    np.testing.assert_allclose(metrics.polsby_popper(g, strip, 2), 4 * math.pi * 4 / 100)


def test_perimeter_counts_boundaries_severed_by_a_barrier() -> None:
    boxes = [shapely.box(c, 0, c + 1, 1) for c in range(2)]
    g = build_adjacency(boxes, barriers=[shapely.LineString([(1, -1), (1, 2)])])
    assert g.n_edges == 0 and len(g.severed_i) == 1
    _, perim = metrics.part_area_perimeter(g, np.array([0, 0]), 1)
    assert perim[0] == pytest.approx(6.0)
    assert metrics.cut_length(g, np.array([0, 1])) == pytest.approx(1.0)


def test_tallies_cut_moved_and_contiguity() -> None:
    g = grid_graph(2, 3)
    w = np.array([100, 200, 300, 100, 200, 300])
    labels = np.array([0, 0, 1, 0, 0, 1])
    tal = metrics.part_tallies(labels, w, [1.0, 2.0], 300.0)
    np.testing.assert_allclose(tal.households, [600, 600])
    np.testing.assert_allclose(tal.target, [300, 600])
    np.testing.assert_allclose(tal.ratio, [600, 300])
    np.testing.assert_allclose(tal.deviation, [1.0, 0.0])
    assert metrics.cut_length(g, labels) == pytest.approx(2.0)
    assert metrics.households_moved(labels, [0, 0, 0, -1, 0, 1], w) == 300.0
    assert metrics.part_contiguity(g, labels, 3) == [True, True, False]
    split = np.array([0, 1, 0, 1, 1, 1])
    assert metrics.part_contiguity(g, split, 2) == [False, True]
    assert [p.tolist() for p in metrics.part_pieces(g, split, 0)] == [[0], [2]]


def random_moves_agree(graph: UnitGraph, seed: int, k: int, moves: int) -> None:
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 200, size=graph.n)
    existing = rng.integers(-1, k, size=graph.n)
    labels = rng.integers(0, k, size=graph.n)
    targets = rng.uniform(0.5, 1.5, size=k) * w.sum() / k
    obj = Objective(graph, w, targets, band=0.05, existing=existing, w_compactness=0.3,
                    w_disruption=0.7, frozen_parts=[k - 1] if k > 2 else [])
    state = MoveState(obj, labels.tolist())
    value = obj.full(state.labels)
    for _ in range(moves):
        u = int(rng.integers(graph.n))
        b = int(rng.integers(k))
        if b == state.labels[u]:
            continue
        terms0 = obj.terms(state.labels)
        a = state.labels[u]
        dv, db = obj.delta_balance(state.h, u, a, b)
        dc = obj.delta_compactness(state.labels, u, a, b)
        dd = obj.delta_disruption(u, a, b)
        d = obj.delta(state.labels, state.h, u, b)
        state.apply(u, b)
        terms1 = obj.terms(state.labels)
        assert dv == pytest.approx(terms1.band_violation - terms0.band_violation, abs=1e-9)
        assert db == pytest.approx(terms1.balance - terms0.balance, abs=1e-9)
        assert dc == pytest.approx(terms1.compactness - terms0.compactness, abs=1e-9)
        assert dd == pytest.approx(terms1.disruption - terms0.disruption, abs=1e-9)
        value += d
        assert value == pytest.approx(terms1.total, rel=1e-9, abs=1e-9)
    assert state.h == pytest.approx(
        metrics.part_households(state.labels, w, k).tolist(), abs=1e-6
    )


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(8, 40),
    seed=st.integers(0, 10_000),
    k=st.integers(2, 6),
    barrier=st.booleans(),
)
def test_incremental_objective_equals_full_after_random_moves(
    n: int, seed: int, k: int, barrier: bool
) -> None:
    random_moves_agree(voronoi_graph(n, seed, barrier), seed, k, moves=30)


def test_objective_terms_on_a_known_plan() -> None:
    g = grid_graph(2, 2)
    w = np.array([10, 10, 10, 30])
    obj = Objective(g, w, [30, 30], band=0.05, existing=[0, 0, 1, 1],
                    w_balance=1, w_compactness=1, w_disruption=1, band_penalty=10)
    t = obj.terms([0, 0, 0, 1])
    assert t.balance == pytest.approx(0.0)
    assert t.band_violation == pytest.approx(0.0)
    assert t.compactness == pytest.approx(0.5)  # 2 of 4 unit-length edges cut
    assert t.disruption == pytest.approx(10 / 60)
    assert t.total == pytest.approx(0.5 + 10 / 60)
