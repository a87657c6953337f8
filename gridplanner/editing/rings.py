"""Vertex surgery on (multi)polygons: find, move, insert and delete one vertex.

Tolerances are in degrees here (callers convert from metres); a vertex "matches"
when it lies within the tolerance of the point, and every matching coordinate of
every ring is changed the same way, so shared boundaries stay shared.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

Ring = np.ndarray  # closed ring coordinates, n×2, first == last
RingFn = Callable[[Ring], Ring]


def map_rings(geometry: BaseGeometry, fn: RingFn) -> BaseGeometry:
    """Apply ``fn`` to every ring of a (multi)polygon and rebuild it."""
    polys = list(shapely.get_parts(geometry))
    out = []
    for poly in polys:
        shell = fn(np.asarray(poly.exterior.coords)[:, :2])
        holes = [fn(np.asarray(r.coords)[:, :2]) for r in poly.interiors]
        out.append(Polygon(shell, holes))
    return out[0] if geometry.geom_type == "Polygon" else MultiPolygon(out)


def rings(geometry: BaseGeometry) -> list[Ring]:
    """Every ring's coordinates."""
    found = []
    for poly in shapely.get_parts(geometry):
        found.append(np.asarray(poly.exterior.coords)[:, :2])
        found.extend(np.asarray(r.coords)[:, :2] for r in poly.interiors)
    return found


def _near(ring: Ring, x: float, y: float, tol: float) -> np.ndarray:
    return np.hypot(ring[:, 0] - x, ring[:, 1] - y) <= tol


def has_vertex(geometry: BaseGeometry, x: float, y: float, tol: float) -> bool:
    """True when a vertex lies within ``tol`` of (x, y)."""
    coords = shapely.get_coordinates(geometry)
    return bool(_near(coords, x, y, tol).any())


def on_edge(geometry: BaseGeometry, x: float, y: float, tol: float) -> bool:
    """True when the boundary passes within ``tol`` of (x, y)."""
    return bool(geometry.boundary.distance(shapely.Point(x, y)) <= tol)


def move_vertex(
    geometry: BaseGeometry, x: float, y: float, to: tuple[float, float], tol: float
) -> BaseGeometry:
    """Every vertex within ``tol`` of (x, y) moved to ``to``."""

    def fn(ring: Ring) -> Ring:
        ring = ring.copy()
        ring[_near(ring, x, y, tol)] = to
        return _dedupe(ring)

    return map_rings(geometry, fn)


def insert_vertex(geometry: BaseGeometry, x: float, y: float, tol: float) -> BaseGeometry | None:
    """(x, y) inserted into every edge passing within ``tol`` of it (None: no such edge).

    A ring that already has a vertex there is left as it is.
    """
    changed = False

    def fn(ring: Ring) -> Ring:
        nonlocal changed
        if _near(ring, x, y, tol).any():
            return ring
        a, b = ring[:-1], ring[1:]
        ab = b - a
        length2 = (ab**2).sum(axis=1)
        t = np.clip(
            ((x - a[:, 0]) * ab[:, 0] + (y - a[:, 1]) * ab[:, 1])
            / np.where(length2 > 0, length2, 1),
            0,
            1,
        )
        px, py = a[:, 0] + t * ab[:, 0], a[:, 1] + t * ab[:, 1]
        dist = np.hypot(px - x, py - y)
        k = int(np.argmin(dist))
        if dist[k] > tol:
            return ring
        changed = True
        return np.insert(ring, k + 1, (x, y), axis=0)

    out = map_rings(geometry, fn)
    return out if changed else None


def delete_vertex(geometry: BaseGeometry, x: float, y: float, tol: float) -> BaseGeometry:
    """Every vertex within ``tol`` of (x, y) removed (rings stay closed)."""

    def fn(ring: Ring) -> Ring:
        open_ring = ring[:-1]
        keep = open_ring[~_near(open_ring, x, y, tol)]
        if len(keep) < 3:
            return ring  # the caller refuses: the ring would collapse
        return np.vstack([keep, keep[:1]])

    return map_rings(geometry, fn)


def neighbours_of_vertex(
    geometry: BaseGeometry, x: float, y: float, tol: float
) -> list[frozenset[tuple[float, float]]]:
    """For each occurrence of the vertex: the set of its previous and next vertices."""
    found = []
    for ring in rings(geometry):
        open_ring = ring[:-1]
        n = len(open_ring)
        for k in np.flatnonzero(_near(open_ring, x, y, tol)).tolist():
            prev = tuple(open_ring[(k - 1) % n].tolist())
            nxt = tuple(open_ring[(k + 1) % n].tolist())
            found.append(frozenset({prev, nxt}))
    return found


def nearest_vertex(geometry: BaseGeometry, x: float, y: float) -> tuple[float, float, float]:
    """(vx, vy, distance in degrees) of the vertex nearest to (x, y)."""
    coords = shapely.get_coordinates(geometry)
    dist = np.hypot(coords[:, 0] - x, coords[:, 1] - y)
    k = int(np.argmin(dist))
    return float(coords[k, 0]), float(coords[k, 1]), float(dist[k])


def _dedupe(ring: Ring) -> Ring:
    """Drop consecutive repeated coordinates (a vertex moved onto its neighbour)."""
    keep = np.ones(len(ring), dtype=bool)
    keep[1:] = np.any(ring[1:] != ring[:-1], axis=1)
    out = ring[keep]
    if len(out) < 2 or np.any(out[0] != out[-1]):
        out = np.vstack([out, out[:1]])
    return out
