"""Topological reshaping, snapping and drawing: shared boundaries stay shared."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from gridplanner.editing import (
    EditError,
    delete_vertex,
    draw_unit,
    insert_vertex,
    move_vertex,
    snap,
)
from gridplanner.editing.geo import metres_per_degree
from gridplanner.editing.sameness import copy_plan, plan_differences
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.store import load_project

X0, Y0, D = 122.97, 39.70, 0.001
GA, GB = "210283001001001001", "210283001001001002"
METRIC = "EPSG:4550"


@pytest.fixture(scope="module")
def street_plan(sample_street_path: Path) -> Project:
    return load_project(sample_street_path)


def _vertex_owners(project: Project) -> dict[tuple[float, float], set[int]]:
    units = project.level(Level.GRID_UNIT)
    owners: dict[tuple[float, float], set[int]] = defaultdict(set)
    for unit, geom in zip(units.index, units.geometry, strict=True):
        for xy in shapely.get_coordinates(geom).tolist():
            owners[(xy[0], xy[1])].add(int(unit))
    return owners


def _junctions(project: Project, count: int) -> list[tuple[tuple[float, float], set[int]]]:
    """Vertices shared by three units of at least two grids (away from the sample's defects)."""
    parent = project.nodes["parent_id"]
    found = []
    for xy, units in sorted(_vertex_owners(project).items()):
        if len(units) == 3 and len({int(parent.at[u]) for u in units}) >= 2:
            found.append((xy, units))
    step = max(1, len(found) // count)
    return found[::step][:count]


def _union_area(project: Project) -> float:
    units = project.level(Level.GRID_UNIT).geometry.to_crs(METRIC)
    return float(shapely.union_all(units.to_numpy()).area)


def _overlap_m2(project: Project, units: set[int]) -> float:
    frame = project.level(Level.GRID_UNIT).to_crs(METRIC)
    worst = 0.0
    for unit in units:
        geom = frame.at[unit, "geometry"]
        for other in frame.sindex.query(geom, predicate="intersects").tolist():
            other_id = int(frame.index[other])
            if other_id != unit:
                worst = max(worst, geom.intersection(frame.geometry.iloc[other]).area)
    return worst


@pytest.mark.parametrize("which", range(4))
def test_moving_a_shared_vertex_keeps_the_tiling(street_plan: Project, which: int) -> None:
    p = copy_plan(street_plan)
    original = copy_plan(p)
    (vx, vy), owners = _junctions(p, 4)[which]
    centre = p.nodes.at[min(owners), "geometry"].centroid
    to = Point(vx + 0.15 * (centre.x - vx), vy + 0.15 * (centre.y - vy))
    area = _union_area(p)
    edit = move_vertex(p, Point(vx + 1e-7, vy), to)
    assert set(edit.nodes["geometry"].ids) >= owners
    edit.apply(p)
    assert _union_area(p) == pytest.approx(area, rel=1e-6)
    assert _overlap_m2(p, owners) < 0.01
    for unit in owners:  # the boundary stays shared: every owner has the new vertex
        coords = shapely.get_coordinates(p.nodes.at[unit, "geometry"]).tolist()
        assert [to.x, to.y] in coords and [vx, vy] not in coords
    for grid in {int(p.nodes.at[u, "parent_id"]) for u in owners}:
        units = p.children(grid).geometry.to_numpy()
        assert p.nodes.at[grid, "geometry"].equals(shapely.union_all(units))
    edit.revert(p)
    assert plan_differences(original, p) == []


def test_inserting_a_vertex_on_a_shared_edge_changes_both_units(tiny_project: Project) -> None:
    p = tiny_project
    area = _union_area(p)
    edit = insert_vertex(p, Point(X0 + D + 1e-6, Y0 + 1.5 * D), Point(X0 + 1.2 * D, Y0 + 1.5 * D))
    a1, b1 = p.by_code(f"{GA}001"), p.by_code(f"{GB}001")
    assert set(edit.nodes["geometry"].ids) >= {a1, b1}
    edit.apply(p)
    assert _union_area(p) == pytest.approx(area, rel=1e-6)
    assert _overlap_m2(p, {a1, b1}) < 0.01
    # building 5 (x = 1.3 D) stays in B1, the grid outlines moved with the boundary
    assert p.nodes.at[p.by_code(GA), "geometry"].area > D * D * 2


def test_deleting_a_vertex_between_two_units(tiny_project: Project) -> None:
    p = tiny_project
    insert_vertex(p, Point(X0 + D, Y0 + 1.5 * D), Point(X0 + 1.2 * D, Y0 + 1.5 * D)).apply(p)
    area = _union_area(p)
    edit = delete_vertex(p, Point(X0 + 1.2 * D, Y0 + 1.5 * D))
    edit.apply(p)
    assert _union_area(p) == pytest.approx(area, rel=1e-6)
    a1 = p.by_code(f"{GA}001")
    assert p.nodes.at[a1, "geometry"].equals(box(X0, Y0 + D, X0 + D, Y0 + 2 * D))


def test_deleting_a_junction_is_refused(tiny_project: Project) -> None:
    with pytest.raises(EditError, match="junction of grid units"):
        delete_vertex(tiny_project, Point(X0 + D, Y0 + D))


def test_a_move_that_overlaps_a_neighbour_is_refused(tiny_project: Project) -> None:
    p = tiny_project
    with pytest.raises(EditError, match=r"cross itself|overlap"):
        move_vertex(p, Point(X0 + D, Y0 + 2 * D), Point(X0 + 0.5 * D, Y0 + 0.5 * D))


def test_nothing_to_pick(tiny_project: Project) -> None:
    with pytest.raises(EditError, match=r"no grid-unit vertex within 0\.5 m"):
        move_vertex(tiny_project, Point(X0 + 0.5 * D, Y0 + 0.5 * D), Point(X0, Y0))


def test_snap_prefers_vertices_then_edges(tiny_project: Project) -> None:
    p = tiny_project
    mx, my = metres_per_degree(Y0)
    near_corner = Point(X0 + D + 0.3 / mx, Y0 + D + 0.2 / my)
    hit = snap(p, near_corner, 1.0)
    assert hit.kind == "vertex" and (hit.point.x, hit.point.y) == (X0 + D, Y0 + D)
    assert hit.distance_m == pytest.approx(0.36, abs=0.01)
    near_edge = Point(X0 + D + 0.4 / mx, Y0 + 1.5 * D)
    hit = snap(p, near_edge, 1.0)
    assert hit.kind == "edge" and hit.point.x == pytest.approx(X0 + D, abs=1e-12)
    far = Point(X0 + 0.5 * D, Y0 + 0.5 * D)
    assert snap(p, far, 1.0).kind == "none" and snap(p, far, 1.0).point is far


def test_drawing_a_unit_snaps_and_clips_to_the_free_space(tiny_project: Project) -> None:
    p = tiny_project
    mx, my = metres_per_degree(Y0)
    loose = gpd.GeoDataFrame(
        {"name": ["7号楼"], "households": [40], "population": [90],
         "unit_id": pd.array([None], dtype="Int64")},
        index=pd.Index([p.new_ids(1)[0]], name="id"),
        geometry=[Point(X0 + 2.5 * D, Y0 + D)], crs=p.buildings.crs,
    )  # fmt: skip
    p.buildings = pd.concat([p.buildings, loose])  # type: ignore[assignment]
    drawn = Polygon(
        [
            (X0 + 2 * D + 0.4 / mx, Y0 + 2 * D - 0.3 / my),  # snaps to B1's north-east corner
            (X0 + 3 * D, Y0 + 2 * D),
            (X0 + 3 * D, Y0),
            (X0 + 1.5 * D, Y0),  # reaches into B2: clipped away
        ]
    )
    edit = draw_unit(p, p.by_code(GB), drawn, tolerance_m=1.0, name="新建小区")
    edit.apply(p)
    new = edit.added_ids[0]
    assert p.nodes.at[new, "code"] == f"{GB}003" and p.nodes.at[new, "name"] == "新建小区"
    shape = p.nodes.at[new, "geometry"]
    assert (X0 + 2 * D, Y0 + 2 * D) in shape.exterior.coords
    for code in (f"{GB}001", f"{GB}002"):
        assert shape.intersection(p.nodes.at[p.by_code(code), "geometry"]).area < 1e-15
    assert shape.area == pytest.approx(2 * D * D, rel=1e-6)
    assert p.buildings.at[loose.index[0], "unit_id"] == new
    assert p.nodes.at[p.by_code(GB), "geometry"].area == pytest.approx(4 * D * D, rel=1e-6)


def test_drawing_inside_existing_units_is_refused(tiny_project: Project) -> None:
    p = tiny_project
    inside = box(X0 + 0.2 * D, Y0 + 0.2 * D, X0 + 0.8 * D, Y0 + 0.8 * D)
    with pytest.raises(EditError, match="inside existing grid units"):
        draw_unit(p, p.by_code(GA), inside)
