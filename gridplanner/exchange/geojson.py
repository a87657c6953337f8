"""GeoJSON as RFC 7946 §3.1.6 wants it: exterior rings counter-clockwise, holes clockwise.

Every GeoJSON gridplanner writes goes through these helpers (the package's
``nodes.geojson``, the per-level files, a projected GeoJSON with its ``crs`` member,
the audit report's geometries and map, the partition output), so a platform that
trusts the winding order — d3, Mapbox, some PostGIS imports — fills the right side.
GDAL's own RFC 7946 mode orients too, but shapely's ``mapping()`` and geopandas'
``to_json()`` write rings as they are stored (often clockwise after a union).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry


def oriented(geometry: Any) -> Any:
    """``geometry`` (one, or an array) with exteriors counter-clockwise and holes clockwise;
    None and non-polygonal geometries pass unchanged."""
    if geometry is None:
        return None
    return shapely.orient_polygons(geometry, exterior_cw=False)


def geometry_object(geometry: BaseGeometry | None, precision: float | None = None) -> Any:
    """A GeoJSON geometry object (dict) with RFC 7946 winding; ``precision`` snaps
    coordinates to a grid first (e.g. 1e-7° ≈ 1 cm)."""
    if geometry is None:
        return None
    if precision is not None:
        geometry = shapely.set_precision(geometry, precision)
    return mapping(oriented(geometry))


def oriented_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``frame`` whose polygons have RFC 7946 winding (before GDAL or
    geopandas writes it as GeoJSON)."""
    out = frame.copy()
    geoms = np.asarray(out.geometry.to_numpy(), dtype=object)
    has = np.array([g is not None for g in geoms], dtype=bool)
    if has.any():
        geoms[has] = oriented(geoms[has])
    out[out.geometry.name] = gpd.GeoSeries(geoms, index=out.index, crs=out.crs)
    return out
