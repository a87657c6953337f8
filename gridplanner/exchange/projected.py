"""Projected exports: the CRS a GeoPackage, Shapefile or GeoJSON is written in.

CJ/T 349-2010 (6.1.2) wants grid data in the city's own surveying CRS, which in
China is usually a CGCS2000 3° Gauss–Krüger zone. ``--crs`` takes:

* ``gk`` — the zone of the data's centroid, eastings without a zone prefix
  (EPSG:4534 = CM 75°E … EPSG:4554 = CM 135°E; Dalian → EPSG:4550);
* ``gk-zone`` — the same zone with the zone number prefixed to the eastings
  (EPSG:4513 = zone 25 … EPSG:4533 = zone 45; Dalian → zone 41, EPSG:4529);
* ``EPSG:N`` — any CRS by its EPSG code (e.g. a neighbouring zone the city uses).

Without ``--crs`` everything stays CGCS2000 longitude/latitude (EPSG:4490).
"""

from __future__ import annotations

from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from gridplanner.crs import STORAGE_EPSG, central_meridian, gauss_kruger_epsg
from gridplanner.errors import CRSError
from gridplanner.levels import Level
from gridplanner.model import Project

#: CGCS2000 3-degree Gauss–Krüger with the zone number in the eastings: zone 25 → 4513.
FIRST_ZONE_EPSG = 4513
FIRST_ZONE = 25
CRS_CHOICES = ("gk", "gk-zone", "EPSG:N")


def zone_of(longitude: float) -> int:
    """The 3° zone number of a longitude (CM 123°E → zone 41)."""
    return central_meridian(longitude) // 3


def gauss_kruger_zone_epsg(longitude: float) -> int:
    """EPSG code of the zone-prefixed CGCS2000 3° Gauss–Krüger CRS for a longitude."""
    return FIRST_ZONE_EPSG + zone_of(longitude) - FIRST_ZONE


def data_longitude(project: Project) -> float:
    """The longitude of the data's centroid: the district's, else the middle of all
    nodes' extent (on the lon/lat plane, which is all the zone choice needs)."""
    nodes = project.nodes
    roots = nodes[(nodes["level"] == Level.DISTRICT.value) & nodes.geometry.notna()]
    if len(roots):
        return float(roots.geometry.iloc[0].centroid.x)
    if nodes.empty:
        raise CRSError("cannot choose a Gauss–Krüger zone: the plan has no geometry")
    minx, _, maxx, _ = nodes.total_bounds
    return float((minx + maxx) / 2)


def export_epsg(spec: str, project: Project) -> int | None:
    """The EPSG code ``spec`` names for ``project`` (None: stay in EPSG:4490)."""
    text = spec.strip()
    if text.lower() in ("gk", "gk-zone"):
        longitude = data_longitude(project)
        if text.lower() == "gk":
            return gauss_kruger_epsg(longitude)
        return gauss_kruger_zone_epsg(longitude)
    if not text.upper().startswith("EPSG:") or not text[5:].strip().isdigit():
        raise CRSError(
            f"--crs {spec!r}: expected gk (Gauss–Krüger zone of the data), gk-zone (with the "
            "zone number in the eastings) or EPSG:N"
        )
    code = int(text[5:])
    try:
        CRS.from_epsg(code)
    except ProjCRSError as exc:
        raise CRSError(f"--crs {spec!r}: EPSG:{code} is not a known coordinate system") from exc
    return None if code == STORAGE_EPSG else code
