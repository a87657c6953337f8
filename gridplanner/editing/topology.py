"""Shared pieces of geometric editing: finding units near a point, keeping shared
boundaries vertex-for-vertex, refusing overlaps, re-homing buildings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridplanner.editing.draft import Draft, as_id
from gridplanner.editing.edit import EditError
from gridplanner.editing.geo import area_m2, tolerance_deg
from gridplanner.editing.rings import insert_vertex
from gridplanner.levels import Level
from gridplanner.model import Project

#: Two vertices closer than this (metres) are the same vertex.
SAME_VERTEX_M = 0.01
#: An overlap smaller than this (m²) is floating-point noise, not an overlap.
OVERLAP_M2 = 0.01


def units_near(project: Project, geometry: BaseGeometry, pad_deg: float = 0.0) -> list[int]:
    """Ids of grid units whose bounding box meets ``geometry`` (padded)."""
    nodes = project.nodes
    query = geometry.buffer(pad_deg, quad_segs=1) if pad_deg > 0 else geometry
    hits = np.sort(nodes.sindex.query(query))
    levels = nodes["level"].to_numpy()[hits]
    has_geom = nodes.geometry.to_numpy()[hits]
    return [
        int(nodes.index[p])
        for p, lv, g in zip(hits.tolist(), levels.tolist(), has_geom.tolist(), strict=True)
        if lv == Level.GRID_UNIT.value and g is not None
    ]


def seal(
    draft: Draft, project: Project, skip: Iterable[int], points: Iterable[tuple[float, float]]
) -> None:
    """Insert ``points`` into every other unit whose edge passes through them."""
    pts = list(points)
    if not pts:
        return
    skipped = set(skip)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    tol = tolerance_deg(SAME_VERTEX_M, float(np.mean(ys)))
    area = shapely.box(min(xs), min(ys), max(xs), max(ys))
    for unit in units_near(project, area, tol):
        if unit in skipped or not draft.exists(unit):
            continue
        geom = draft.geometry(unit)
        if geom is None:
            continue
        changed = geom
        for x, y in pts:
            if changed.boundary.distance(shapely.Point(x, y)) > tol:
                continue
            inserted = insert_vertex(changed, x, y, tol)
            if inserted is not None:
                changed = inserted
        if changed is not geom:
            draft.set(unit, "geometry", changed)


def check_shapes(draft: Draft, project: Project, changed: Iterable[int], what: str) -> None:
    """Refuse invalid polygons and overlaps between changed units and their neighbours."""
    ids = list(changed)
    for unit in ids:
        geom = draft.geometry(unit)
        code = draft.code(unit)
        if geom is None or geom.is_empty or geom.area <= 0:
            raise EditError(f"{what} would collapse grid unit {code}")
        if not geom.is_valid:
            raise EditError(f"{what} would make grid unit {code} cross itself")
    done: set[tuple[int, int]] = set()
    for unit in ids:
        geom = draft.geometry(unit)
        assert geom is not None
        for other in units_near(project, geom):
            key = (min(unit, other), max(unit, other))
            if other == unit or key in done or not draft.exists(other):
                continue
            done.add(key)
            theirs = draft.geometry(other)
            if theirs is None or not geom.intersects(theirs):
                continue
            overlap = area_m2(geom.intersection(theirs))
            if overlap > OVERLAP_M2:
                raise EditError(
                    f"{what} would make grid unit {draft.code(unit)} overlap grid unit "
                    f"{draft.code(other)} by {overlap:.2f} m²"
                )


def rehome_buildings(
    draft: Draft, project: Project, before: Mapping[int, BaseGeometry | None]
) -> None:
    """Buildings of reshaped units (and loose ones nearby) to the unit now covering them.

    ``before`` maps each reshaped unit to its old polygon. A building no longer
    covered by any reshaped unit is left without a unit (the edit warns).
    """
    shapes = {u: draft.geometry(u) for u in before}
    boxes = [g for g in [*before.values(), *shapes.values()] if g is not None]
    if not boxes:
        return
    buildings = project.buildings
    if buildings.empty:
        return
    region = shapely.box(*shapely.union_all([shapely.envelope(g) for g in boxes]).bounds)
    hits = np.sort(buildings.sindex.query(region))
    if len(hits) == 0:
        return
    units = buildings["unit_id"].to_numpy(dtype=object, na_value=None)[hits]
    pts = buildings.geometry.to_numpy()[hits]
    pending = draft.pending_buildings()
    ids = buildings.index.to_numpy()[hits]
    current = [
        pending.get(int(b), as_id(u)) if int(b) in pending else as_id(u)
        for b, u in zip(ids, units, strict=True)
    ]
    relevant = np.array([c is None or c in shapes for c in current])
    if not relevant.any():
        return
    order = sorted(shapes)
    covered = np.zeros((len(order), len(hits)), dtype=bool)
    for k, unit in enumerate(order):
        shape = shapes[unit]
        if shape is not None:
            covered[k] = shapely.covers(shape, pts)
    for j in np.flatnonzero(relevant).tolist():
        now = current[j]
        if now is not None and covered[order.index(now), j]:
            continue
        homes = np.flatnonzero(covered[:, j])
        target = order[int(homes[0])] if len(homes) else None
        if target != now:
            draft.set_building_unit(int(ids[j]), target)
