"""GCJ-02 (the offset used by Chinese web maps) ↔ WGS84 / CGCS2000 longitude/latitude.

GCJ-02 is WGS84 shifted by a published, deterministic function of position
(hundreds of metres; e.g. +0.0062° east in Beijing). The forward function is the
public "eviltransform" formula; the inverse has no closed form and is solved by
fixed-point iteration to better than 1e-9° (≈0.1 mm). Outside China's bounding
box the offset is zero, as in every reference implementation.

CGCS2000 and WGS84 agree to a few centimetres, far below what planners draw, so
the same functions convert GCJ-02 to CGCS2000 (EPSG:4490).
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the formula uses
_EE = 0.00669342162296594323
_MAX_ITERATIONS = 30
_TOLERANCE_DEG = 1e-10


def out_of_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where a point lies outside the box in which GCJ-02 applies an offset."""
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (dlon, dlat) in degrees at WGS84 positions."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(
    lon: np.ndarray | float, lat: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 (or CGCS2000) lon/lat → GCJ-02 lon/lat (arrays or scalars)."""
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


def gcj02_to_wgs84(
    lon: np.ndarray | float, lat: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 lon/lat → WGS84 (≈ CGCS2000) lon/lat, exact to about 1e-9°."""
    g_lon = np.asarray(lon, dtype=float)
    g_lat = np.asarray(lat, dtype=float)
    w_lon = g_lon.copy()
    w_lat = g_lat.copy()
    for _ in range(_MAX_ITERATIONS):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon = f_lon - g_lon
        e_lat = f_lat - g_lat
        w_lon = w_lon - e_lon
        w_lat = w_lat - e_lat
        if np.all(np.abs(e_lon) < _TOLERANCE_DEG) and np.all(np.abs(e_lat) < _TOLERANCE_DEG):
            break
    return w_lon, w_lat


def _from_gcj02_coords(coords: np.ndarray) -> np.ndarray:
    lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def _to_gcj02_coords(coords: np.ndarray) -> np.ndarray:
    lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def geometries_from_gcj02(geoms: np.ndarray | BaseGeometry) -> np.ndarray:
    """Shapely geometries (an array or one) in GCJ-02 converted to WGS84/CGCS2000."""
    return shapely.transform(np.asarray(geoms, dtype=object), _from_gcj02_coords)


def geometries_to_gcj02(geoms: np.ndarray | BaseGeometry) -> np.ndarray:
    """Shapely geometries (an array or one) in WGS84/CGCS2000 converted to GCJ-02."""
    return shapely.transform(np.asarray(geoms, dtype=object), _to_gcj02_coords)
