"""Shared borders by matching identical segments give the graph the overlay gives."""

from __future__ import annotations

import numpy as np
import shapely

from gridplanner.algorithms import build_adjacency
from gridplanner.algorithms.shared_edges import matched_shared_lengths


def edges(g: object) -> dict[tuple[int, int], float]:
    return {
        (int(i), int(j)): float(ln)
        for i, j, ln in zip(g.i, g.j, g.shared_length, strict=True)  # type: ignore[attr-defined]
    }


def same_graph(geoms: list[shapely.Geometry]) -> None:
    fast = edges(build_adjacency(geoms, match_segments=True))
    slow = edges(build_adjacency(geoms))
    assert fast.keys() == slow.keys()
    for key, length in slow.items():
        assert abs(fast[key] - length) <= 1e-9 * max(length, 1.0)


def test_a_coverage_with_holes_islands_and_t_junctions() -> None:
    rng = np.random.default_rng(3)
    xs = np.cumsum(rng.uniform(0.5, 2.0, 9))
    ys = np.cumsum(rng.uniform(0.5, 2.0, 7))
    cells = [shapely.box(xs[c], ys[r], xs[c + 1], ys[r + 1]) for r in range(6) for c in range(8)]
    # a unit with a hole, the hole a unit of its own
    outer = shapely.box(30, 0, 36, 6)
    inner = shapely.box(32, 2, 34, 4)
    ring = outer.difference(inner)
    # T-junctions: one tall cell beside two short ones (its edge has no vertex where
    # theirs meet), and a two-piece unit touching both sides
    tall = shapely.box(40, 0, 41, 2)
    low, high = shapely.box(41, 0, 42, 1), shapely.box(41, 1, 42, 2)
    pieces = shapely.MultiPolygon([shapely.box(42, 0, 43, 1), shapely.box(39, 0, 40, 2)])
    geoms = [*cells, ring, inner, tall, low, high, pieces, shapely.box(50, 50, 51, 51)]
    matched = matched_shared_lengths(np.asarray(geoms, dtype=object), 1e-6)
    assert matched is not None
    i, j, length = matched
    found = dict(zip(zip(i.tolist(), j.tolist(), strict=True), length.tolist(), strict=True))
    n = len(cells)
    assert abs(found[(n, n + 1)] - 8.0) < 1e-9  # the hole's whole ring
    assert abs(found[(n + 2, n + 3)] - 1.0) < 1e-9  # T-junction: matched by GEOS
    assert abs(found[(n + 2, n + 5)] - 2.0) < 1e-9  # the far piece of the two-piece unit
    same_graph(geoms)


def test_point_contacts_are_not_neighbours() -> None:
    geoms = [shapely.box(0, 0, 1, 1), shapely.box(1, 1, 2, 2), shapely.box(1, 0, 2, 1)]
    fast = edges(build_adjacency(geoms, match_segments=True))
    assert set(fast) == {(0, 2), (1, 2)}
    same_graph(geoms)


def test_a_layer_that_is_not_a_coverage_falls_back_to_the_overlay() -> None:
    # every border digitised twice with different vertices: no segment has a twin
    rng = np.random.default_rng(0)
    geoms = []
    for c in range(5):
        up = [(c + 1, y) for y in sorted(rng.uniform(0, 1, 3))]
        down = [(c, y) for y in sorted(rng.uniform(0, 1, 3), reverse=True)]
        geoms.append(shapely.Polygon([(c, 0), (c + 1, 0), *up, (c + 1, 1), (c, 1), *down]))
    assert all(g.is_valid for g in geoms)
    assert matched_shared_lengths(np.asarray(geoms, dtype=object), 1e-6) is None
    same_graph(geoms)
    assert len(edges(build_adjacency(geoms, match_segments=True))) == 4
