"""The multilevel path: METIS start, worst-first balancing, Polsby-Popper polish;
invalid polygons repaired to their polygonal parts; islands joined and reported."""

from __future__ import annotations

import random

import numpy as np
import shapely

from gridplanner.algorithms import BalancedPartitioner, build_adjacency
from gridplanner.algorithms.adjacency import attach_islands, repair_polygons
from gridplanner.algorithms.local_search import MoveState
from gridplanner.algorithms.metis_start import metis_labels
from gridplanner.algorithms.metrics import part_contiguity, polsby_popper
from gridplanner.algorithms.objective import Objective


def lattice(rows: int, cols: int) -> list[shapely.Polygon]:
    return [shapely.box(c, r, c + 1, r + 1) for r in range(rows) for c in range(cols)]


def test_shape_term_incremental_equals_full() -> None:
    rng = random.Random(4)
    g = build_adjacency(lattice(6, 7))
    w = np.array([rng.randint(1, 9) for _ in range(g.n)], dtype=float)
    obj = Objective(g, w, [w.sum() / 3] * 3, band=0.05, w_shape=2.0)
    labels = [0 if u % 7 < 2 else 1 if u % 7 < 5 else 2 for u in range(g.n)]
    state = MoveState(obj, labels)
    for _ in range(200):
        u = rng.randrange(g.n)
        b = rng.randrange(3)
        if b == state.labels[u]:
            continue
        before = obj.full(state.labels)
        delta = state.delta(u, b)
        state.apply(u, b)
        assert abs(obj.full(state.labels) - before - delta) < 1e-9
        area, perim = obj.shape_state(state.labels)  # type: ignore[misc]
        assert np.allclose(area, state.shape[0]) and np.allclose(perim, state.shape[1])


def test_metis_start_is_compact_and_the_balance_reaches_one_percent() -> None:
    g = build_adjacency(lattice(24, 24))
    rng = np.random.default_rng(2)
    w = rng.integers(20, 60, g.n).astype(float)
    start = metis_labels(g, w, range(g.n), range(8), [w.sum() / 8] * 8, seed=0)
    assert start is not None and set(start.tolist()) == set(range(8))
    tree = BalancedPartitioner(g, w, n_parts=8, band=0.01, seed=0, strict=False)
    multi = BalancedPartitioner(
        g, w, n_parts=8, band=0.01, seed=0, strict=False, start="metis", w_shape=3.0
    )
    a, b = tree.solve(), multi.solve()
    assert multi.report_ is not None and tree.report_ is not None
    assert multi.report_.max_abs_deviation <= 0.01 + 1e-9
    assert all(part_contiguity(g, b, 8))
    assert polsby_popper(g, b, 8).mean() > polsby_popper(g, a, 8).mean()


def test_a_bowtie_is_repaired_not_made_an_island() -> None:
    bowtie = shapely.Polygon([(1, 0), (2, 1), (2, 0), (1, 1), (1, 0)])  # self-intersecting
    left = shapely.box(0, 0, 1, 1)
    assert not bowtie.is_valid
    repaired = repair_polygons([left, bowtie])
    assert repaired[1].geom_type in ("Polygon", "MultiPolygon") and repaired[1].is_valid
    g = build_adjacency([left, bowtie])
    assert g.n_edges == 1  # still the left square's neighbour


def test_islands_are_joined_to_their_nearest_unit_and_reported() -> None:
    mainland = lattice(3, 3)
    islands = [shapely.box(5, 0, 6, 1), shapely.box(6, 0, 7, 1), shapely.box(0, 9, 1, 10)]
    geoms = mainland + islands
    g = build_adjacency(geoms)
    assert len(g.components()) == 3
    joined, attachments = attach_islands(g, geoms)
    assert len(joined.components()) == 1
    assert sorted(a.units for a in attachments) == [(9, 10), (11,)]
    near = {a.units: (a.unit, a.to, round(a.distance, 6)) for a in attachments}
    assert near[(9, 10)] == (9, 2, 2.0)  # from the nearer island square to the mainland
    assert near[(11,)][1] == 6 and near[(11,)][2] == 6.0
    assert joined.shared_length[-1] == 0.0  # a virtual edge is never boundary
    w = np.ones(len(geoms))
    solver = BalancedPartitioner(joined, w, n_parts=3, band=0.1, strict=False, start="metis")
    labels = solver.solve()
    assert all(part_contiguity(joined, labels, 3))
