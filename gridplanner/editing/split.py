"""Splitting a grid or a unit along a drawn line."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_geometry

from gridplanner.codes import reading_order_of
from gridplanner.editing.assign import require
from gridplanner.editing.draft import Draft, as_id
from gridplanner.editing.edit import Edit, EditError
from gridplanner.editing.geo import area_m2
from gridplanner.editing.topology import seal
from gridplanner.levels import Level
from gridplanner.model import Project

#: A cut that leaves a piece smaller than this (m²) only shaved a sliver off.
MIN_PIECE_M2 = 1.0


def split_grid(
    project: Project,
    grid_id: int,
    line: LineString,
    *,
    keep: Point | None = None,
    name: str | None = None,
    workers: Iterable[int] = (),
) -> Edit:
    """Split a grid in two along ``line``: each unit goes to the side its representative
    point is on. The side holding ``keep`` (default: the north-west side) keeps the
    grid; the other becomes a new grid with a fresh code and name, taking the listed
    ``workers`` (the rest stay)."""
    draft = Draft(project, "")
    code = require(draft, int(grid_id), Level.GRID)
    grid = int(grid_id)
    outline = draft.geometry(grid)
    if outline is None:
        raise EditError(f"grid {code} has no outline to split")
    pieces = _cut(outline, line)
    if len(pieces) < 2:
        raise EditError(f"the line does not cut grid {code} in two; draw it across the grid")
    sides = np.array([_side(line, p.representative_point()) for p in pieces])
    if len(set(sides.tolist())) < 2:
        raise EditError(f"the line does not separate grid {code} into two sides")
    units = draft.children(grid)
    points = [draft.geometry(u).representative_point() for u in units]  # type: ignore[union-attr]
    unit_side = np.array([_side_of(points[k], pieces, sides, line) for k in range(len(units))])
    keep_side = _keep_side(keep, pieces, sides, line, project.measuring_crs())
    leaving = [u for u, s in zip(units, unit_side.tolist(), strict=True) if s != keep_side]
    if not leaving or len(leaving) == len(units):
        raise EditError(
            f"the line leaves every unit of grid {code} on one side; a grid splits along "
            "unit boundaries, so draw it between units"
        )
    staff = [int(w) for w in workers]
    for worker in staff:
        if as_id(project.workers.at[worker, "grid_id"]) != grid:
            raise EditError(f"worker {project.workers.at[worker, 'name']} is not in grid {code}")
    comp = draft.parent(grid)
    assert comp is not None
    new_code = draft.free_code(comp, Level.GRID)
    new_name = name or f"{draft.get(grid, 'name')}(拆分)"
    new = draft.new_node(
        Level.GRID, new_code, new_name, comp, None,
        str(draft.get(grid, "kind")), draft.get(grid, "dedicated_type"),
    )  # fmt: skip
    draft.reparent(leaving, new)
    for worker in staff:
        draft.set_worker_grid(worker, new)
    draft.staffed_grids.update({grid, new})
    draft.label = f"拆分网格 {draft.named(grid)} → {draft.named(new)}"
    return draft.finish()


def split_unit(
    project: Project,
    unit_id: int,
    line: LineString,
    *,
    keep: Point | None = None,
    name: str | None = None,
) -> Edit:
    """Cut a unit in two along ``line``. The piece holding ``keep`` (default: the
    north-west piece) keeps the id and code; the other is a new unit with a new
    code; buildings follow their location. Neighbours get the cut's end points as
    vertices, so the shared boundary stays shared vertex for vertex."""
    draft = Draft(project, "")
    code = require(draft, int(unit_id), Level.GRID_UNIT)
    unit = int(unit_id)
    shape = draft.geometry(unit)
    if shape is None:
        raise EditError(f"grid unit {code} has no polygon to split")
    pieces = _cut(shape, line)
    if len(pieces) != 2:
        if len(pieces) < 2:
            raise EditError(
                f"the line does not cut grid unit {code} in two; draw it across the unit "
                "from edge to edge"
            )
        raise EditError(
            f"the line cuts grid unit {code} into {len(pieces)} pieces; draw a line that "
            "crosses it once"
        )
    small = min(area_m2(p) for p in pieces)
    if small < MIN_PIECE_M2:
        raise EditError(f"the line only shaves a {small:.2f} m² sliver off grid unit {code}")
    if keep is not None:
        first = 0 if pieces[0].distance(keep) <= pieces[1].distance(keep) else 1
    else:
        first = int(reading_order_of(pieces, project.measuring_crs())[0])
    kept, other = pieces[first], pieces[1 - first]
    grid = draft.parent(unit)
    assert grid is not None
    new_code = draft.free_code(grid, Level.GRID_UNIT)
    new = draft.new_node(
        Level.GRID_UNIT, new_code, name or f"{draft.get(unit, 'name')}(拆分)", grid, other,
        str(draft.get(unit, "kind")), draft.get(unit, "dedicated_type"),
    )  # fmt: skip
    draft.set(unit, "geometry", kept)
    _reassign(draft, project, unit, new, kept, other)
    known = {tuple(c) for c in shapely.get_coordinates(shape).tolist()}
    cut = {tuple(c) for p in pieces for c in shapely.get_coordinates(p).tolist()} - known
    seal(draft, project, [unit, new], cut)  # type: ignore[arg-type]
    draft.label = f"拆分网格单元 {draft.named(unit)} → {draft.named(new)}"
    return draft.finish()


def _cut(shape: BaseGeometry, line: LineString) -> list[BaseGeometry]:
    if not isinstance(line, LineString) or line.is_empty or len(line.coords) < 2:
        raise EditError("draw a line of at least two points to split along")
    parts = [g for g in split_geometry(shape, line).geoms if g.geom_type == "Polygon"]
    return [p for p in parts if not p.is_empty]


def _side(line: LineString, point: Point) -> int:
    """+1 left of the line, -1 right (from the nearest point's direction)."""
    at = line.project(point)
    eps = max(line.length * 1e-6, 1e-12)
    a = line.interpolate(max(at - eps, 0.0))
    b = line.interpolate(min(at + eps, line.length))
    cross = (b.x - a.x) * (point.y - a.y) - (b.y - a.y) * (point.x - a.x)
    return 1 if cross >= 0 else -1


def _side_of(point: Point, pieces: list[BaseGeometry], sides: np.ndarray, line: LineString) -> int:
    for piece, side in zip(pieces, sides.tolist(), strict=True):
        if piece.covers(point):
            return int(side)
    return _side(line, point)


def _keep_side(
    keep: Point | None,
    pieces: list[BaseGeometry],
    sides: np.ndarray,
    line: LineString,
    crs: str,
) -> int:
    if keep is not None:
        return _side_of(keep, pieces, sides, line)
    halves = [
        shapely.union_all([p for p, s in zip(pieces, sides, strict=False) if s == v])
        for v in (1, -1)
    ]
    return (1, -1)[int(reading_order_of(halves, crs)[0])]


def _reassign(
    draft: Draft, project: Project, unit: int, new: int, kept: BaseGeometry, other: BaseGeometry
) -> None:
    ids = draft.buildings_of(unit)
    if not ids:
        return
    pts = project.buildings.geometry.loc[ids].to_numpy()
    moves = shapely.covers(other, pts) & ~shapely.covers(kept, pts)
    for building, moved in zip(ids, moves.tolist(), strict=True):
        if moved:
            draft.set_building_unit(building, new)
