"""Built-in defects on unit polygons: a gap and an overlap between sibling units."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Point


def sibling_pair(
    unit_grid: np.ndarray, neighbours: list[list[int]], skip: set[int], start: int
) -> tuple[int, int]:
    """Two neighbouring units of the same grid, not in ``skip``, searching from ``start``."""
    n = len(unit_grid)
    for offset in range(n):
        a = (start + offset) % n
        if a in skip:
            continue
        for b in neighbours[a]:
            if b not in skip and unit_grid[b] == unit_grid[a]:
                return a, b
    raise RuntimeError("no two neighbouring units share a grid")


def shared_midpoint(a: shapely.Geometry, b: shapely.Geometry) -> Point:
    """The middle of the boundary two polygons share."""
    shared = shapely.line_merge(shapely.intersection(a.boundary, b.boundary))
    if shared.geom_type == "MultiLineString":
        shared = max(shared.geoms, key=lambda g: g.length)
    return shared.interpolate(0.5, normalized=True)


def bite(cells: np.ndarray, a: int, b: int, radius: float) -> shapely.Geometry:
    """Cut a half-disc out of unit ``a`` where it meets ``b``: a gap. Returns the gap."""
    disc = shared_midpoint(cells[a], cells[b]).buffer(radius)
    gap = shapely.intersection(cells[a], disc)
    cells[a] = shapely.set_precision(shapely.difference(cells[a], disc), 0.01)
    return gap


def bulge(cells: np.ndarray, a: int, b: int, radius: float) -> shapely.Geometry:
    """Grow unit ``a`` into its neighbour ``b``: an overlap. Returns the overlap."""
    disc = shared_midpoint(cells[a], cells[b]).buffer(radius)
    overlap = shapely.intersection(cells[b], disc)
    cells[a] = shapely.set_precision(shapely.union(cells[a], overlap), 0.01)
    return shapely.intersection(cells[a], cells[b])


def move_points_out(
    x: np.ndarray,
    y: np.ndarray,
    selected: np.ndarray,
    area: shapely.Geometry,
    home: shapely.Geometry,
) -> None:
    """Move the selected points that fall in ``area`` to a point of ``home`` outside it."""
    inside = selected & shapely.contains_xy(area.buffer(0.5), x, y)
    if inside.any():
        spot = shapely.difference(home, area.buffer(1.0)).point_on_surface()
        x[inside] = spot.x
        y[inside] = spot.y
