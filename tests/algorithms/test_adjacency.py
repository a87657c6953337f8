"""Rook adjacency from polygons: exact on a grid of boxes, barriers, islands."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gridplanner.algorithms.adjacency import UnitGraph, build_adjacency


def grid_boxes(rows: int, cols: int, size: float = 100.0) -> list[shapely.Polygon]:
    """Row-major boxes: unit r*cols + c is the box at column c, row r."""
    return [
        shapely.box(c * size, r * size, (c + 1) * size, (r + 1) * size)
        for r in range(rows)
        for c in range(cols)
    ]


def expected_grid_edges(rows: int, cols: int) -> set[tuple[int, int]]:
    out = set()
    for r in range(rows):
        for c in range(cols):
            u = r * cols + c
            if c + 1 < cols:
                out.add((u, u + 1))
            if r + 1 < rows:
                out.add((u, u + cols))
    return out


def edge_set(g: UnitGraph) -> set[tuple[int, int]]:
    return set(zip(g.i.tolist(), g.j.tolist(), strict=True))


def test_grid_adjacency_is_exact_and_excludes_corners() -> None:
    g = build_adjacency(grid_boxes(6, 6))
    assert g.n == 36
    assert edge_set(g) == expected_grid_edges(6, 6)
    assert g.n_edges == 60
    assert (0, 7) not in edge_set(g)  # diagonal neighbours touch at a point only
    np.testing.assert_allclose(g.shared_length, 100.0)
    np.testing.assert_allclose(g.area, 10_000.0)
    np.testing.assert_allclose(g.perimeter, 400.0)
    assert sorted(g.neighbours(7).tolist()) == [1, 6, 8, 13]
    assert g.adjacency_lists[0] == [1, 6]


def test_numpy_array_input_and_tolerance() -> None:
    boxes = np.array(grid_boxes(2, 2), dtype=object)
    assert build_adjacency(boxes).n_edges == 4
    # a boundary shorter than the tolerance is not an edge
    assert build_adjacency(boxes, tolerance=150.0).n_edges == 0


def test_snap_joins_sliver_gaps() -> None:
    a = shapely.box(0, 0, 100, 100)
    b = shapely.box(100.05, 0, 200, 100)
    assert build_adjacency([a, b]).n_edges == 0
    g = build_adjacency([a, b], snap=0.1)
    assert g.n_edges == 1
    assert g.shared_length[0] == pytest.approx(100.0, rel=1e-3)


def test_forbidding_barrier_drops_crossing_edges() -> None:
    river = shapely.LineString([(300, -10), (300, 610)])
    g = build_adjacency(grid_boxes(6, 6), barriers=[river], barrier_mode="forbid")
    assert g.n_edges == 54
    for r in range(6):
        assert (r * 6 + 2, r * 6 + 3) not in edge_set(g)
    comps = g.components()
    assert len(comps) == 2
    assert sorted(len(c) for c in comps) == [18, 18]
    # severed boundaries are remembered for perimeters
    assert len(g.severed_i) == 6
    np.testing.assert_allclose(g.severed_length, 100.0)


def test_penalising_barrier_keeps_and_flags_edges() -> None:
    river = shapely.LineString([(300, -10), (300, 610)])
    g = build_adjacency(grid_boxes(6, 6), barriers=[river], barrier_mode="penalise",
                        barrier_penalty=3.0)
    assert g.n_edges == 60
    assert int(g.barrier.sum()) == 6
    cost = g.edge_cut_cost
    np.testing.assert_allclose(cost[g.barrier], -300.0)
    np.testing.assert_allclose(cost[~g.barrier], 100.0)
    assert len(g.components()) == 1


def test_islands_are_reported_as_components() -> None:
    boxes = [*grid_boxes(2, 2), shapely.box(1000, 1000, 1100, 1100)]
    g = build_adjacency(boxes)
    comps = g.components()
    assert [c.tolist() for c in comps] == [[0, 1, 2, 3], [4]]
    assert g.component_labels().tolist() == [0, 0, 0, 0, 1]


def test_subgraph_and_networkx() -> None:
    g = build_adjacency(grid_boxes(3, 3))
    sub = g.subgraph([4, 5, 8])
    assert sub.n == 3
    assert edge_set(sub) == {(0, 1), (1, 2)}
    nxg = g.to_networkx()
    assert nxg.number_of_nodes() == 9 and nxg.number_of_edges() == 12
    assert nxg.edges[0, 1]["shared_length"] == pytest.approx(100.0)


def test_from_edges_and_empty_input() -> None:
    g = UnitGraph.from_edges(3, [(1, 0), (0, 1), (2, 1)])
    assert edge_set(g) == {(0, 1), (1, 2)}
    assert build_adjacency([]).n == 0
    assert build_adjacency([shapely.box(0, 0, 1, 1)]).n_edges == 0
    with pytest.raises(ValueError):
        build_adjacency(grid_boxes(1, 2), barrier_mode="bogus")  # type: ignore[arg-type]


def test_voronoi_adjacency_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    pts = shapely.multipoints(rng.uniform(0, 1000, size=(80, 2)))
    box = shapely.box(0, 0, 1000, 1000)
    polys = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box)), box
    )
    g = build_adjacency(polys)
    brute = set()
    for a in range(len(polys)):
        for b in range(a + 1, len(polys)):
            shared = polys[a].boundary.intersection(polys[b].boundary)
            if shared.length > 1e-6:
                brute.add((a, b))
    assert edge_set(g) == brute
    assert len(g.components()) == 1
