"""Small metric helpers in EPSG:4490 (snapping tolerances are a few metres).

At that scale a local equirectangular scale is exact to well under a percent,
so snapping and vertex matching need no projection of whole layers.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

#: Metres per degree of latitude (mean; the ellipsoid's variation is < 0.6 %).
M_PER_DEG = 111_320.0


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(metres per degree of longitude, of latitude) at latitude ``lat``."""
    return M_PER_DEG * math.cos(math.radians(lat)), M_PER_DEG


def tolerance_deg(tolerance_m: float, lat: float) -> float:
    """A radius in degrees that covers ``tolerance_m`` metres in every direction."""
    mx, _ = metres_per_degree(lat)
    return tolerance_m / mx


def distances_m(coords: np.ndarray, x: float, y: float) -> np.ndarray:
    """Metric distances from (x, y) to each row of ``coords`` (n×2, degrees)."""
    mx, my = metres_per_degree(y)
    return np.hypot((coords[:, 0] - x) * mx, (coords[:, 1] - y) * my)


def area_m2(geometry: BaseGeometry | None) -> float:
    """Approximate area in square metres (local scale at the geometry's centre)."""
    if geometry is None or geometry.is_empty:
        return 0.0
    mx, my = metres_per_degree(shapely.centroid(geometry).y)
    return float(geometry.area) * mx * my


def polygonal(geometry: BaseGeometry | None) -> BaseGeometry | None:
    """Only the polygons of a geometry (a union can carry stray lines or points)."""
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def polygon_parts(geometry: BaseGeometry | None) -> list[BaseGeometry]:
    """The separate polygons of a (multi)polygon, none for empty."""
    shape = polygonal(geometry)
    if shape is None:
        return []
    return list(shapely.get_parts(shape))


def same_shape(a: BaseGeometry | None, b: BaseGeometry | None) -> bool:
    """True when both are missing or cover exactly the same area."""
    if a is None or b is None or a.is_empty or b.is_empty:
        return (a is None or a.is_empty) and (b is None or b.is_empty)
    if a is b or a.equals_exact(b, 0.0):
        return True
    try:
        return bool(a.equals(b))
    except shapely.errors.GEOSException:
        return False
