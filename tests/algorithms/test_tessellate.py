"""Enclosures, tessellation and grouping: hand-built cases with exact expectations."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, box

from gridplanner.algorithms import enclosures
from gridplanner.algorithms.tessellate import atom_graph, group_polygons, seeds_for
from gridplanner.algorithms.unit_grouping import (
    Border,
    components,
    merge_small,
    split_by_households,
)
from gridplanner.algorithms.unit_layout import lay_out_units

SQUARE = box(0, 0, 1000, 1000)
CROSS_X = LineString([(500, -50), (500, 1050)])  # crosses the whole square
CROSS_Y = LineString([(-50, 500), (1050, 500)])


def lines(*geoms: object) -> np.ndarray:
    return np.array(geoms, dtype=object)


def test_a_cross_of_roads_cuts_four_blocks_that_tile_the_area() -> None:
    pieces, hard = enclosures.cut(SQUARE, lines(CROSS_X), lines(CROSS_Y))
    assert len(pieces) == 4
    assert sorted(round(p.area) for p in pieces) == [250_000] * 4
    assert shapely.union_all(pieces).equals(SQUARE)
    # the hard line inside (less the metre along the edge), carried onto the edge
    assert abs(shapely.intersection(shapely.union_all(hard), SQUARE).length - 1000.0) < 1e-9


def test_a_road_along_the_boundary_leaves_no_sliver_and_a_short_gap_is_joined() -> None:
    along = LineString([(0.4, 0), (0.4, 1000)])  # 0.4 m inside the western edge
    stub = LineString([(500, 1000), (500, 510)])  # stops 10 m short of the cross road
    pieces, _ = enclosures.cut(SQUARE, lines(), lines(along, stub, CROSS_Y))
    # the boundary road adds nothing; the stub is joined to the cross road: 3 blocks
    assert len(pieces) == 3
    assert min(p.area for p in pieces) > 200_000
    far = LineString([(500, 1000), (500, 600)])  # 100 m short: a dead end, not a block
    assert len(enclosures.cut(SQUARE, lines(), lines(far, CROSS_Y))[0]) == 2


def test_split_by_households_keeps_groups_connected_and_within_the_limit() -> None:
    xs, ys = np.meshgrid(np.arange(10.0), np.arange(6.0))
    xy = np.column_stack([xs.ravel(), ys.ravel()])
    n = len(xy)
    pairs = np.array(
        [(i, j) for i in range(n) for j in range(i + 1, n) if np.hypot(*(xy[i] - xy[j])) == 1.0]
    )
    weights = np.full(n, 10.0)
    weights[0] = 400.0  # one building over the limit
    labels = split_by_households(xy, weights, pairs, 150.0)
    for group in np.unique(labels):
        members = np.flatnonzero(labels == group)
        assert len(components(pairs, members, n)) == 1
        assert weights[members].sum() <= 150.0 or len(members) == 1
    assert np.sum(labels == labels[0]) == 1  # the big building is alone
    expected = int(np.ceil((weights.sum() - 400) / 150))
    assert expected <= len(np.unique(labels)) - 1 <= expected + 2


def test_merge_small_crosses_only_crossable_borders_and_stays_within_the_limit() -> None:
    weights = np.array([5.0, 100.0, 10.0, 140.0])
    borders = [
        Border(0, 1, 50.0, crossable=False),  # a major road between 0 and 1
        Border(0, 2, 10.0, crossable=True),
        Border(2, 3, 80.0, crossable=True),
    ]
    roots = merge_small(weights, borders, 20.0, 150.0)
    # 0 can only join 2 (across a minor road); 0+2 = 15 is still small, and 15 + 140
    # would pass 150, so it stays: two units under the limit remain apart from 1 and 3
    assert roots[0] == roots[2]
    assert len({roots[0], roots[1], roots[3]}) == 3


def test_tessellation_of_footprints_gives_each_building_the_space_around_it() -> None:
    block = box(0, 0, 100, 40)
    footprints = np.array([box(10, 10, 30, 30), box(60, 5, 90, 35)], dtype=object)
    xy = shapely.get_coordinates(shapely.centroid(footprints))
    seeds = seeds_for(xy, footprints)
    assert set(seeds.atom.tolist()) == {0, 1} and len(seeds.xy) > 20
    assert atom_graph(seeds, 2, block).tolist() == [[0, 1]]
    cells = group_polygons(seeds, np.array([0, 1]), 2, block)
    assert abs(shapely.union_all(cells).area - block.area) < 1e-6
    assert abs(sum(c.area for c in cells) - block.area) < 1e-6
    for cell, footprint in zip(cells, footprints, strict=True):
        assert cell.contains(footprint.buffer(-0.5))


@pytest.mark.parametrize("cut_between", [False, True])
def test_lay_out_units_tiles_the_area_and_never_spans_a_hard_line(cut_between: bool) -> None:
    rng = np.random.default_rng(1)
    xy = rng.uniform(20, 980, (300, 2))
    households = rng.integers(1, 6, 300).astype(float)
    hard = lines(CROSS_X) if cut_between else lines()
    soft = lines(CROSS_Y)
    result = lay_out_units(SQUARE, xy, households, hard, soft, 150.0, 20.0)
    areas = shapely.area(np.array(result.polygons, dtype=object))
    assert abs(areas.sum() - SQUARE.area) < 1e-3  # no overlap ...
    assert abs(shapely.union_all(result.polygons).area - SQUARE.area) < 1e-3  # ... no gap
    assert all(shapely.is_valid(np.array(result.polygons, dtype=object)))
    placed = np.concatenate(result.atoms)
    assert sorted(placed.tolist()) == list(range(300))  # every building exactly once
    assert max(result.households) <= 150
    core = shapely.buffer(np.array(result.polygons, dtype=object), -0.5)
    assert not shapely.intersects(core, CROSS_X).any() if cut_between else True
    for polygon, atoms in zip(result.polygons, result.atoms, strict=True):
        assert shapely.contains_xy(polygon, xy[atoms, 0], xy[atoms, 1]).all()
