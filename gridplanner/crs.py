"""Coordinate reference systems: store in CGCS2000, measure in a Gauss–Krüger zone.

Exchange and storage use CGCS2000 geographic coordinates (EPSG:4490). Areas and
lengths are measured in the CGCS2000 3-degree Gauss–Krüger zone whose central
meridian is nearest the data (EPSG:4534 = CM 75°E … EPSG:4554 = CM 135°E;
Dalian → CM 123°E → EPSG:4550).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pyproj import CRS

from gridplanner.errors import CRSError

STORAGE_EPSG = 4490
STORAGE_CRS = f"EPSG:{STORAGE_EPSG}"
_FIRST_GK_EPSG = 4534  # CGCS2000 / 3-degree Gauss-Kruger CM 75E
_FIRST_CM = 75
_LAST_CM = 135

HOW_TO_STATE_CRS = (
    "state it with --crs EPSG:4490 (CGCS2000 longitude/latitude) or the projected "
    "EPSG code of the data, or add a .prj file beside a Shapefile"
)


def central_meridian(longitude: float) -> int:
    """The nearest 3-degree central meridian to ``longitude``."""
    cm = int(3 * round(longitude / 3.0))
    if not _FIRST_CM <= cm <= _LAST_CM:
        raise CRSError(
            f"longitude {longitude:.3f}° is outside China's CGCS2000 Gauss–Krüger zones "
            f"(central meridians {_FIRST_CM}°E–{_LAST_CM}°E); are the coordinates swapped "
            "or already projected?"
        )
    return cm


def gauss_kruger_epsg(longitude: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss–Krüger zone (no zone prefix) for a longitude."""
    return _FIRST_GK_EPSG + (central_meridian(longitude) - _FIRST_CM) // 3


def measuring_epsg(bounds: tuple[float, float, float, float] | np.ndarray) -> int:
    """The zone chosen from data in CGCS2000 lon/lat: the one at the bounds' centre."""
    minx, _, maxx, _ = (float(v) for v in bounds)
    if not np.isfinite([minx, maxx]).all():
        raise CRSError("cannot choose a measuring zone for empty data")
    return gauss_kruger_epsg((minx + maxx) / 2.0)


def require_crs(crs: Any, source: str) -> CRS:
    """The data's CRS as a pyproj CRS; data without one is refused with how to state it."""
    if crs is None:
        raise CRSError(f"{source} has no coordinate reference system; {HOW_TO_STATE_CRS}")
    try:
        return CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError subclasses and others
        raise CRSError(f"{source} has an unreadable coordinate reference system ({exc})") from exc


def is_storage_crs(crs: Any) -> bool:
    """True when ``crs`` is CGCS2000 geographic (EPSG:4490)."""
    return crs is not None and CRS.from_user_input(crs).to_epsg() == STORAGE_EPSG
