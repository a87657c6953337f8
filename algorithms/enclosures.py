"""Enclosures: an area cut into the pieces its barrier lines close off.

An enclosure is what a planner calls a block (街区) or a compound between roads: a
polygon of the area bounded by the area's own boundary and by barrier lines
(roads of the classes that cut, rivers, railways, the coast). As momepy's
``enclosures`` does, the lines and the area's boundary are noded together and
polygonized; before that, a line running along the area's boundary (within
``snap`` metres) is taken as that boundary, a line ending within ``snap`` of it is
carried onto it, and a dangling end within ``join`` metres of another line is
joined to it (digitised roads rarely meet exactly). Metric coordinates throughout.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

#: A line within this many metres of the area's boundary runs along it.
SNAP_M = 1.0
#: Metres a connector reaches past the line it joins.
OVERSHOOT_M = 0.01
#: A dangling line end this close to another line is joined to it.
JOIN_M = 15.0


def inner_lines(lines: np.ndarray, area: BaseGeometry, snap: float = SNAP_M) -> np.ndarray:
    """The parts of ``lines`` inside ``area`` that do not run along its boundary."""
    if len(lines) == 0:
        return np.empty(0, dtype=object)
    hits = shapely.intersects(lines, area)
    inside = shapely.intersection(lines[hits], area)
    edge = shapely.buffer(area.boundary, snap, quad_segs=2)
    inner = shapely.difference(inside, edge)
    parts = shapely.get_parts(inner)
    keep = np.isin(shapely.get_type_id(parts), (1, 2)) & (shapely.length(parts) > 1e-9)
    return np.asarray(parts[keep], dtype=object)


def connectors(
    parts: np.ndarray, others: np.ndarray, area: BaseGeometry, snap: float, join: float
) -> np.ndarray:
    """Short segments carrying the dangling ends of ``parts`` onto the area's boundary
    (within ``snap`` + a hair) or onto the nearest line of ``others`` (within ``join``)."""
    if len(parts) == 0:
        return np.empty(0, dtype=object)
    boundary = area.boundary
    starts = shapely.get_point(parts, 0)
    ends = shapely.get_point(parts, -1)
    points = np.concatenate([starts, ends])
    owner = np.concatenate([np.arange(len(parts)), np.arange(len(parts))])
    closed = shapely.equals(starts, ends)
    out: list[BaseGeometry] = []
    to_edge = shapely.distance(points, boundary)
    everything = np.concatenate([parts, others]) if len(others) else parts
    tree = shapely.STRtree(everything)
    where, hit = tree.query(points, predicate="dwithin", distance=join)
    for i, point in enumerate(points.tolist()):
        if closed[owner[i]]:
            continue
        candidates = hit[where == i]
        candidates = candidates[candidates != owner[i]]
        gaps = shapely.distance(point, everything[candidates]) if len(candidates) else np.empty(0)
        if len(gaps) and gaps.min() <= 1e-9:
            continue  # already meets another line
        if to_edge[i] <= snap * 1.5 + 1e-6:
            out.append(_overshoot(shapely.shortest_line(point, boundary)))
        elif len(gaps):
            nearest = everything[candidates[int(np.argmin(gaps))]]
            out.append(_overshoot(shapely.shortest_line(point, nearest)))
    lines = np.asarray([line for line in out if line is not None], dtype=object)
    return lines


def _overshoot(line: BaseGeometry, by: float = OVERSHOOT_M) -> BaseGeometry | None:
    """The connector carried a hair past its target, so noding finds the crossing (a
    point computed onto a line lies beside it by a last digit)."""
    (x0, y0), (x1, y1) = shapely.get_coordinates(line)[[0, -1]]
    length = float(np.hypot(x1 - x0, y1 - y0))
    if length <= 1e-9:
        return None
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    return shapely.LineString([(x0, y0), (x1 + ux * by, y1 + uy * by)])


def cut(
    area: BaseGeometry,
    hard: np.ndarray,
    soft: np.ndarray,
    snap: float = SNAP_M,
    join: float = JOIN_M,
) -> tuple[np.ndarray, np.ndarray]:
    """Enclosures of ``area`` cut by ``hard`` and ``soft`` lines, and the hard lines
    used (with their connectors) — the ones a unit may never span.

    Returns (polygons, hard linework); the polygons tile ``area``."""
    hard_in = inner_lines(np.asarray(hard, dtype=object), area, snap)
    soft_in = inner_lines(np.asarray(soft, dtype=object), area, snap)
    hard_all = np.concatenate([hard_in, connectors(hard_in, soft_in, area, snap, join)])
    soft_all = np.concatenate([soft_in, connectors(soft_in, hard_in, area, snap, join)])
    if len(hard_all) == 0 and len(soft_all) == 0:
        return np.array(list(shapely.get_parts(area)), dtype=object), hard_all
    noded = shapely.union_all(np.concatenate([[area.boundary], hard_all, soft_all]))
    polygons = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    if len(polygons) == 0:
        return np.array(list(shapely.get_parts(area)), dtype=object), hard_all
    inside = shapely.contains(area, shapely.point_on_surface(polygons))
    return np.asarray(polygons[inside], dtype=object), hard_all
