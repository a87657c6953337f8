"""Reshaping with topological editing: move, insert or delete one vertex of the unit
layer, changing every unit that shares it the same way, so a shared boundary stays
shared and no gap or overlap appears. Outlines above are re-dissolved."""

from __future__ import annotations

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from gridplanner.editing import rings
from gridplanner.editing.draft import Draft
from gridplanner.editing.edit import Edit, EditError
from gridplanner.editing.geo import tolerance_deg
from gridplanner.editing.topology import SAME_VERTEX_M, check_shapes, rehome_buildings, units_near
from gridplanner.model import Project

#: How far (metres) from a vertex or edge the pointer may be to pick it.
PICK_M = 0.5


def move_vertex(project: Project, at: Point, to: Point, *, tolerance_m: float = PICK_M) -> Edit:
    """Move the unit vertex nearest to ``at`` (within ``tolerance_m``) to ``to`` in every
    unit that has it; units whose edge runs through it get the vertex inserted first."""
    draft = Draft(project, "")
    vx, vy, cands = _pick_vertex(project, at, tolerance_m)
    eps = tolerance_deg(SAME_VERTEX_M, vy)
    before: dict[int, BaseGeometry | None] = {}
    for unit in cands:
        geom = draft.geometry(unit)
        assert geom is not None
        if not rings.has_vertex(geom, vx, vy, eps):
            if not rings.on_edge(geom, vx, vy, eps):
                continue
            inserted = rings.insert_vertex(geom, vx, vy, eps)
            if inserted is None:
                continue
            geom = inserted
        before[unit] = draft.geometry(unit)
        draft.set(unit, "geometry", rings.move_vertex(geom, vx, vy, (to.x, to.y), eps))
    return _finish(draft, project, before, "移动顶点")


def insert_vertex(
    project: Project, at: Point, to: Point | None = None, *, tolerance_m: float = PICK_M
) -> Edit:
    """Insert a vertex on the unit edge nearest to ``at`` (within ``tolerance_m``) into
    every unit sharing that edge, then move it to ``to`` if given (one gesture)."""
    draft = Draft(project, "")
    tol = tolerance_deg(tolerance_m, at.y)
    best: tuple[float, Point] | None = None
    for unit in units_near(project, at, tol):
        geom = draft.geometry(unit)
        assert geom is not None
        point = nearest_points(geom.boundary, at)[0]
        distance = point.distance(at)
        if distance <= tol and (best is None or distance < best[0]):
            best = (distance, point)
    if best is None:
        raise EditError(f"no grid-unit edge within {tolerance_m:g} m of the point")
    px, py = best[1].x, best[1].y
    eps = tolerance_deg(SAME_VERTEX_M, py)
    before: dict[int, BaseGeometry | None] = {}
    for unit in units_near(project, best[1], eps):
        geom = draft.geometry(unit)
        assert geom is not None
        if rings.has_vertex(geom, px, py, eps):
            raise EditError("there is already a vertex there; move it instead")
        if not rings.on_edge(geom, px, py, eps):
            continue
        inserted = rings.insert_vertex(geom, px, py, eps)
        if inserted is None:
            continue
        if to is not None:
            inserted = rings.move_vertex(inserted, px, py, (to.x, to.y), eps)
        before[unit] = geom
        draft.set(unit, "geometry", inserted)
    return _finish(draft, project, before, "插入顶点")


def delete_vertex(project: Project, at: Point, *, tolerance_m: float = PICK_M) -> Edit:
    """Delete the unit vertex nearest to ``at`` from every unit that has it.

    Only a vertex on a boundary between two units (or on the outer edge) can go:
    deleting a junction of three units would open a gap, so it is refused.
    """
    draft = Draft(project, "")
    vx, vy, cands = _pick_vertex(project, at, tolerance_m)
    eps = tolerance_deg(SAME_VERTEX_M, vy)
    owners, crossing = [], []
    shapes: dict[int, BaseGeometry] = {}
    for unit in cands:
        geom = draft.geometry(unit)
        assert geom is not None
        shapes[unit] = geom
        if rings.has_vertex(geom, vx, vy, eps):
            owners.append(unit)
        elif rings.on_edge(geom, vx, vy, eps):
            crossing.append(unit)
    if crossing:
        raise EditError(
            f"the vertex lies on the edge of grid unit {draft.code(crossing[0])}; deleting it "
            "would open a gap — move it instead"
        )
    sides = {s for u in owners for s in rings.neighbours_of_vertex(shapes[u], vx, vy, eps)}
    if len(sides) > 1:
        codes = ", ".join(draft.code(u) for u in owners)
        raise EditError(
            f"the vertex is a junction of grid units {codes}; deleting it would open a gap "
            "or an overlap — move it instead"
        )
    before: dict[int, BaseGeometry | None] = {}
    for unit in owners:
        geom = shapes[unit]
        if len(shapely.get_coordinates(geom)) <= 4 * len(rings.rings(geom)):
            raise EditError(f"grid unit {draft.code(unit)} would have fewer than three corners")
        before[unit] = geom
        draft.set(unit, "geometry", rings.delete_vertex(geom, vx, vy, eps))
    return _finish(draft, project, before, "删除顶点")


def _pick_vertex(project: Project, at: Point, tolerance_m: float) -> tuple[float, float, list[int]]:
    tol = tolerance_deg(tolerance_m, at.y)
    cands = units_near(project, at, tol)
    best: tuple[float, float, float] | None = None
    for unit in cands:
        vx, vy, dist = rings.nearest_vertex(project.nodes.at[unit, "geometry"], at.x, at.y)
        if dist <= tol and (best is None or dist < best[2]):
            best = (vx, vy, dist)
    if best is None:
        raise EditError(f"no grid-unit vertex within {tolerance_m:g} m of the point")
    eps = tolerance_deg(SAME_VERTEX_M, best[1])
    return best[0], best[1], units_near(project, Point(best[0], best[1]), eps)


def _finish(
    draft: Draft, project: Project, before: dict[int, BaseGeometry | None], what: str
) -> Edit:
    if not before:
        raise EditError(f"{what}: no grid unit has that vertex or edge")
    check_shapes(draft, project, before, what)
    rehome_buildings(draft, project, before)
    names = [str(draft.get(u, "name")) for u in sorted(before, key=draft.code)]
    draft.label = f"{what}（{'、'.join(names)}）"
    return draft.finish()
