"""Splitting and merging grids and units, the warnings edits raise, comparing versions."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, Point, box

from gridplanner.editing import (
    EditError,
    assign_grids,
    assign_units,
    compare,
    insert_vertex,
    merge_grids,
    merge_units,
    split_grid,
    split_unit,
)
from gridplanner.editing.sameness import copy_plan
from gridplanner.levels import Level
from gridplanner.model import Project

X0, Y0, D = 122.97, 39.70, 0.001
COMP, GA, GB = "210283001001001", "210283001001001001", "210283001001001002"
A1, A2, B1, B2 = (f"{GA}001", f"{GA}002", f"{GB}001", f"{GB}002")
ACROSS = LineString([(X0 - D, Y0 + D), (X0 + 3 * D, Y0 + D)])  # west → east through the middle


def test_split_grid_sends_units_to_their_side(tiny_project: Project) -> None:
    p = tiny_project
    worker = int(p.workers.index[1])  # the part-timer of grid A goes with the new grid
    edit = split_grid(p, p.by_code(GA), ACROSS, name="幸福社区1-3网格", workers=[worker])
    edit.apply(p)
    new = edit.added_ids[0]
    assert p.nodes.at[new, "code"] == f"{COMP}003" and p.nodes.at[new, "name"] == "幸福社区1-3网格"
    assert p.nodes.at[new, "kind"] == "ordinary"
    # the north side keeps grid A and A1; A2 (south) moves, recoded under the new grid
    assert p.children(p.by_code(GA))["code"].tolist() == [A1]
    assert p.children(new)["code"].tolist() == [f"{COMP}003001"]
    assert p.nodes.at[new, "geometry"].equals(box(X0, Y0, X0 + D, Y0 + D))
    assert p.nodes.at[p.by_code(GA), "geometry"].equals(box(X0, Y0 + D, X0 + D, Y0 + 2 * D))
    assert p.workers.at[worker, "grid_id"] == new
    assert int((p.workers["grid_id"] == p.by_code(GA)).sum()) == 1
    assert A2 in p.retired_codes


def test_split_grid_keep_point_and_worker_warning(tiny_project: Project) -> None:
    p = tiny_project
    edit = split_grid(p, p.by_code(GA), ACROSS, keep=Point(X0 + 0.5 * D, Y0 + 0.5 * D))
    edit.apply(p)
    new = edit.added_ids[0]
    assert p.children(p.by_code(GA))["code"].tolist() == [A2]  # the south side kept the grid
    assert p.nodes.at[new, "name"] == "幸福社区1-1网格(拆分)"
    assert [(w.kind, w.node_id) for w in edit.warnings] == [("grid_without_worker", new)]


def test_split_grid_refusals(tiny_project: Project) -> None:
    p = tiny_project
    with pytest.raises(EditError, match=f"does not cut grid {GA} in two"):
        split_grid(p, p.by_code(GA), LineString([(X0 + 0.2 * D, Y0 + D), (X0 + 0.5 * D, Y0 + D)]))
    down = LineString([(X0 + 0.5 * D, Y0 - D), (X0 + 0.5 * D, Y0 + 3 * D)])
    with pytest.raises(EditError, match=f"every unit of grid {GA} on one side"):
        split_grid(p, p.by_code(GA), down)
    with pytest.raises(EditError, match=f"not in grid {GA}"):
        split_grid(p, p.by_code(GA), ACROSS, workers=[int(p.workers.index[2])])


def test_split_unit_cuts_the_polygon_and_moves_buildings(tiny_project: Project) -> None:
    p = tiny_project
    unit = p.by_code(A1)
    line = LineString([(X0 + 0.6 * D, Y0 + 0.5 * D), (X0 + 0.6 * D, Y0 + 2.5 * D)])
    edit = split_unit(p, unit, line)
    edit.apply(p)
    new = edit.added_ids[0]
    assert p.nodes.at[new, "code"] == f"{GA}003" and p.nodes.at[unit, "code"] == A1
    assert p.nodes.at[unit, "geometry"].area == pytest.approx(0.6 * D * D)
    assert p.nodes.at[new, "geometry"].area == pytest.approx(0.4 * D * D)
    moved = p.buildings.index[p.buildings["unit_id"] == new]
    assert p.buildings.loc[moved, "name"].tolist() == ["3号楼"]
    # the cut's end points became vertices of the neighbours on that edge: A2 to the south
    a2 = p.nodes.at[p.by_code(A2), "geometry"]
    assert (X0 + 0.6 * D, Y0 + D) in [tuple(c) for c in a2.exterior.coords]
    # grid A's outline is unchanged in shape
    assert p.nodes.at[p.by_code(GA), "geometry"].equals(box(X0, Y0, X0 + D, Y0 + 2 * D))


def test_split_unit_refuses_a_line_that_does_not_cut_it_in_two(tiny_project: Project) -> None:
    p = tiny_project
    unit = p.by_code(A1)
    short = LineString([(X0 + 0.5 * D, Y0 + 1.2 * D), (X0 + 0.5 * D, Y0 + 1.8 * D)])
    with pytest.raises(EditError, match=f"does not cut grid unit {A1} in two"):
        split_unit(p, unit, short)
    zigzag = LineString(
        [(X0 + 0.3 * D, Y0 + 0.5 * D), (X0 + 0.3 * D, Y0 + 2.5 * D), (X0 + 0.7 * D, Y0 + 2.5 * D),
         (X0 + 0.7 * D, Y0 + 0.5 * D)]
    )  # fmt: skip
    with pytest.raises(EditError, match="into 3 pieces"):
        split_unit(p, unit, zigzag)


def test_merge_grids_moves_units_and_workers(tiny_project: Project) -> None:
    p = tiny_project
    edit = merge_grids(p, [p.by_code(GB), p.by_code(GA)])
    edit.apply(p)
    grid = p.by_code(GA)
    assert edit.removed_ids == [p.retired_codes[GB]]
    assert sorted(p.children(grid)["code"]) == [A1, A2, f"{GA}003", f"{GA}004"]
    assert int((p.workers["grid_id"] == grid).sum()) == 3
    assert p.nodes.at[grid, "geometry"].equals(box(X0, Y0, X0 + 2 * D, Y0 + 2 * D))
    assert p.counts()["grid"] == 1


def test_merge_refusals(tiny_project: Project) -> None:
    p = tiny_project
    with pytest.raises(EditError, match="same grid"):
        merge_units(p, [p.by_code(A1), p.by_code(B1)])
    with pytest.raises(EditError, match="grid_unit"):
        merge_grids(p, [p.by_code(GA), p.by_code(A1)])
    assign_units(p, [p.by_code(B2)], p.by_code(GA)).apply(p)
    b2 = p.by_code(f"{GA}003")
    with pytest.raises(EditError, match="do not all touch"):
        merge_units(p, [p.by_code(A1), b2])  # diagonal neighbours meet at one point only


def test_merge_units_unions_and_moves_buildings(tiny_project: Project) -> None:
    p = tiny_project
    edit = merge_units(p, [p.by_code(A2), p.by_code(A1)])
    edit.apply(p)
    unit = p.by_code(A1)
    assert p.nodes.at[unit, "geometry"].equals(box(X0, Y0, X0 + D, Y0 + 2 * D))
    assert int((p.buildings["unit_id"] == unit).sum()) == 4
    assert A2 in p.retired_codes and p.counts()["grid_unit"] == 3


def test_warnings_for_a_grid_broken_in_two_or_emptied(tiny_project: Project) -> None:
    p = tiny_project
    # grid B keeps B1 (north-east) and gets A2 (south-west): they meet at a point only
    edit = assign_units(p, [p.by_code(A2)], p.by_code(GB))
    assert edit.warnings == ()
    edit.apply(p)
    edit = assign_units(p, [p.by_code(B2)], p.by_code(GA))
    kinds = {(w.kind, w.code) for w in edit.warnings}
    assert ("grid_split", GB) in kinds and ("grid_split", GA) in kinds
    assert "不再连成一片" in edit.warnings[0].message("zh")
    assert "no longer one piece" in edit.warnings[0].message("en")
    edit.apply(p)
    last = assign_units(p, [p.by_code(A1), p.by_code(f"{GA}003")], p.by_code(GB))
    assert ("grid_empty", GA) in {(w.kind, w.code) for w in last.warnings}


def test_compare_names_the_changed_grids(tiny_project: Project) -> None:
    p = tiny_project
    saved = copy_plan(p)
    assert compare(saved, p).grids == {}
    assign_units(p, [p.by_code(A2)], p.by_code(GB)).apply(p)
    result = compare(saved, p)
    ga, gb = p.by_code(GA), p.by_code(GB)
    assert result.changed_grid_ids == {ga, gb}
    unit = p.by_code(f"{GB}003")
    assert result.grids[ga].units_removed == (unit,) and result.grids[ga].geometry_changed
    assert result.grids[gb].units_added == (unit,) and not result.grids[gb].code_changed
    merge_grids(p, [ga, gb]).apply(p)
    result = compare(saved, p)
    assert result.grids[gb].status == "removed" and result.summary()["removed"] == 1


def test_compare_sees_reshaped_units_and_recoded_grids(tiny_project: Project) -> None:
    p = tiny_project
    saved = copy_plan(p)
    insert_vertex(p, Point(X0 + 0.5 * D, Y0 + D), Point(X0 + 0.5 * D, Y0 + 1.2 * D)).apply(p)
    ga, gb = saved.by_code(GA), saved.by_code(GB)
    result = compare(saved, p)
    assert set(result.changed_grid_ids) == {ga}  # a boundary inside grid A moved
    assert result.grids[ga].units_reshaped == (saved.by_code(A1), saved.by_code(A2))
    assert not result.grids[ga].geometry_changed  # the grid's outline is the same shape
    parent = int(p.nodes.at[p.by_code(COMP), "parent_id"])
    other = p.add_node(Level.COMPREHENSIVE_GRID, "210283001001002", "第2综合网格", None, parent)
    assign_grids(p, [gb], other).apply(p)
    result = compare(saved, p)
    assert result.grids[gb].code_changed
    assert result.grids[gb].code_after == "210283001001002001"
    assert set(result.changed_grid_ids) == {ga, gb}
