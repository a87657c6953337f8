"""Snapping, and drawing a new unit that fits seamlessly between its neighbours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.ops import nearest_points

from gridplanner.editing.assign import require
from gridplanner.editing.draft import Draft
from gridplanner.editing.edit import Edit, EditError
from gridplanner.editing.geo import area_m2, distances_m, polygon_parts, tolerance_deg
from gridplanner.editing.split import MIN_PIECE_M2
from gridplanner.editing.topology import seal, units_near
from gridplanner.levels import Level
from gridplanner.model import Project

VERTEX = "vertex"
EDGE = "edge"
NONE = "none"


@dataclass(frozen=True)
class Snap:
    """Where a pointer position snapped: to a unit ``vertex``, an ``edge``, or ``none``."""

    point: Point
    kind: str
    node_id: int | None = None
    distance_m: float = 0.0

    @property
    def snapped(self) -> bool:
        """True when the point moved onto a vertex or an edge."""
        return self.kind != NONE


def snap(
    project: Project,
    point: Point,
    tolerance_m: float,
    *,
    exclude: Iterable[int] = (),
    vertices: bool = True,
    edges: bool = True,
) -> Snap:
    """The nearest unit vertex within ``tolerance_m`` metres, else the nearest point on a
    unit edge, else ``point`` itself (vertices win over edges; either can be off)."""
    skip = set(exclude)
    tol = tolerance_deg(tolerance_m, point.y)
    nodes = project.nodes
    cands = [u for u in units_near(project, point, tol) if u not in skip]
    best: Snap | None = None
    for unit in cands if vertices else ():
        coords = shapely.get_coordinates(nodes.at[unit, "geometry"])
        dist = distances_m(coords, point.x, point.y)
        k = int(np.argmin(dist))
        if dist[k] <= tolerance_m and (best is None or dist[k] < best.distance_m):
            best = Snap(Point(coords[k]), VERTEX, unit, float(dist[k]))
    if best is not None:
        return best
    for unit in cands if edges else ():
        on = nearest_points(nodes.at[unit, "geometry"].boundary, point)[0]
        metres = float(distances_m(np.array([[on.x, on.y]]), point.x, point.y)[0])
        if metres <= tolerance_m and (best is None or metres < best.distance_m):
            best = Snap(on, EDGE, unit, metres)
    return best if best is not None else Snap(point, NONE)


def draw_unit(
    project: Project,
    grid_id: int,
    polygon: Polygon,
    *,
    tolerance_m: float = 1.0,
    name: str | None = None,
) -> Edit:
    """A new unit in ``grid_id``: the drawn polygon's corners snapped to neighbours'
    vertices and edges within ``tolerance_m``, then clipped so it overlaps no unit.
    Loose buildings inside it join it."""
    draft = Draft(project, "")
    grid_code = require(draft, int(grid_id), Level.GRID)
    if not isinstance(polygon, Polygon) or polygon.is_empty or len(polygon.exterior.coords) < 4:
        raise EditError("draw a polygon of at least three corners")
    corners = [snap(project, Point(c), tolerance_m).point for c in polygon.exterior.coords[:-1]]
    snapped = Polygon([(p.x, p.y) for p in corners])
    if not snapped.is_valid or snapped.area <= 0:
        raise EditError("the drawn polygon crosses itself (after snapping); draw it again")
    occupied = [g for u in units_near(project, snapped) if (g := draft.geometry(u)) is not None]
    shape = snapped.difference(shapely.union_all(occupied)) if occupied else snapped
    pieces = [p for p in polygon_parts(shape) if area_m2(p) >= MIN_PIECE_M2]
    if not pieces:
        raise EditError(
            f"the drawn polygon lies inside existing grid units; nothing left for grid {grid_code}"
        )
    if len(pieces) > 1:
        raise EditError(
            f"clipped to the free space, the drawn polygon falls into {len(pieces)} pieces; "
            "draw one piece at a time"
        )
    unit_shape = pieces[0]
    code = draft.free_code(int(grid_id), Level.GRID_UNIT)
    label = name or f"新网格单元{int(code[-3:])}"
    new = draft.new_node(Level.GRID_UNIT, code, label, int(grid_id), unit_shape)
    buildings = project.buildings
    if not buildings.empty:
        hits = np.sort(buildings.sindex.query(unit_shape, predicate="covers"))
        loose = buildings["unit_id"].isna().to_numpy()[hits]
        for pos in hits[loose].tolist():
            draft.set_building_unit(int(buildings.index[pos]), new)
    corners_now = {tuple(c) for c in shapely.get_coordinates(unit_shape).tolist()}
    seal(draft, project, [new], corners_now)  # type: ignore[arg-type]
    draft.label = f"绘制网格单元 {draft.named(new)}"
    return draft.finish()
