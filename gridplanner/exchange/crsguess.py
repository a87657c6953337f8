"""Which CRS a planner's coordinates are probably in, read from the numbers themselves.

Chinese survey data is mostly CGCS2000 Gauss–Krüger in metres: 3° zones with the
zone number prefixed to the easting (41 500 000 m → zone 41, central meridian
123°E, EPSG:4513 + zone − 25 = EPSG:4529), 3° zones without the prefix (easting
around 500 000 m; EPSG:4534 + (CM − 75) / 3, Dalian's 123°E → EPSG:4550) or, less
often, 6° zones with the prefix (13–23, EPSG:4491 + zone − 13). The central meridian
of a zone-less file is not in its numbers: the project's own zone is named when it
is known. A file that says "degrees" (a GeoJSON, a geographic ``.prj``) while its
numbers are metres is refused with the same guess.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Transformer

from gridplanner.exchange.problems import Problem

# CGCS2000 3° zones 25–45 with prefix, CM-only 75°E–135°E, 6° zones 13–23 with prefix.
_FIRST_3DEG_PREFIXED = 4513  # zone 25
_FIRST_3DEG_CM = 4534  # CM 75°E
_FIRST_6DEG_PREFIXED = 4491  # zone 13
# Northings of China (3°N … 54°N) with a margin, in metres.
_NORTHING = (300_000.0, 6_100_000.0)
_CHINA = (73.0, 3.0, 136.0, 54.0)
HOW = "state it with --crs EPSG:N, or add a .prj file beside a Shapefile"


def zone_of_epsg(epsg: int | None) -> int | None:
    """The central meridian (°E) of a CGCS2000 3° zone-less Gauss–Krüger EPSG code."""
    if epsg is not None and _FIRST_3DEG_CM <= epsg <= _FIRST_3DEG_CM + 20:
        return 75 + 3 * (epsg - _FIRST_3DEG_CM)
    return None


def projected_guess(
    bounds: tuple[float, float, float, float], zone_epsg: int | None = None
) -> str | None:
    """ "they look like …: pass --crs EPSG:N" for Gauss–Krüger metres, else None."""
    minx, miny, maxx, maxy = bounds
    if not (np.isfinite(bounds).all() and _NORTHING[0] <= miny <= maxy <= _NORTHING[1]):
        return None
    zone = int(minx // 1_000_000)
    if int(maxx // 1_000_000) == zone and 100_000 <= minx - zone * 1_000_000 <= 900_000:
        if 25 <= zone <= 45:
            epsg = _FIRST_3DEG_PREFIXED + zone - 25
            what = f"CGCS2000 3° Gauss–Krüger metres with zone prefix {zone}"
            cm = 3 * zone
        elif 13 <= zone <= 23:
            epsg = _FIRST_6DEG_PREFIXED + zone - 13
            what = f"CGCS2000 6° Gauss–Krüger metres with zone prefix {zone}"
            cm = 6 * zone - 3
        elif zone == 0:
            return _zoneless(bounds, zone_epsg)
        else:
            return None
        if not _lands_in_china(bounds, epsg):
            return None
        return f"they look like {what} (central meridian {cm}°E): pass --crs EPSG:{epsg}"
    return None


def _zoneless(bounds: tuple[float, float, float, float], zone_epsg: int | None) -> str:
    what = "they look like CGCS2000 3° Gauss–Krüger metres without a zone prefix"
    cm = zone_of_epsg(zone_epsg)
    if cm is not None and zone_epsg is not None and _lands_in_china(bounds, zone_epsg):
        return f"{what}; the project lies at central meridian {cm}°E: pass --crs EPSG:{zone_epsg}"
    return (
        f"{what}, whose central meridian CM is not in the numbers: pass --crs "
        "EPSG:(4534 + (CM − 75) / 3) for the zone of your area, e.g. --crs EPSG:4550 "
        "for 123°E (Dalian)"
    )


def _lands_in_china(bounds: tuple[float, float, float, float], epsg: int) -> bool:
    transformer = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4490", always_xy=True)
    xs, ys = transformer.transform([bounds[0], bounds[2]], [bounds[1], bounds[3]])
    x0, y0, x1, y1 = _CHINA
    return bool(np.all((x0 <= np.asarray(xs)) & (np.asarray(xs) <= x1))) and bool(
        np.all((y0 <= np.asarray(ys)) & (np.asarray(ys) <= y1))
    )


def crs_hint(geometry: np.ndarray, zone_epsg: int | None = None) -> str:
    """How to state the CRS of a file without one, with a guess from its coordinates."""
    present = geometry[~shapely.is_missing(geometry)]
    if not len(present):
        return HOW
    minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(present))
    if 73 <= minx <= maxx <= 136 and 3 <= miny <= maxy <= 54:
        return f"the coordinates look like longitude/latitude: {HOW} (EPSG:4490 for CGCS2000)"
    guess = projected_guess((minx, miny, maxx, maxy), zone_epsg)
    return f"the coordinates are metres: {guess}" if guess else HOW


def metres_in_degrees(
    file: str,
    labels: list[str],
    geometry: np.ndarray,
    crs: CRS,
    stated: str | None,
    zone_epsg: int | None = None,
) -> Problem | None:
    """The problem of a file whose CRS says degrees while its numbers are metres (the
    first such feature named), or None."""
    if not crs.is_geographic or not len(geometry):
        return None
    bounds = shapely.bounds(geometry)
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(
            (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1)
            | (np.abs(bounds[:, [1, 3]]) > 90).any(axis=1)
        )
    if not len(bad):
        return None
    first = int(bad[0])
    x, y = float(bounds[first, 0]), float(bounds[first, 1])
    rows = bounds[bad]
    total = (
        float(np.nanmin(rows[:, 0])),
        float(np.nanmin(rows[:, 1])),
        float(np.nanmax(rows[:, 2])),
        float(np.nanmax(rows[:, 3])),
    )
    said = f"--crs {stated} says" if stated else "the file says"
    if not stated and file.lower().endswith((".geojson", ".json")):
        said = "GeoJSON is"
    guess = projected_guess(total, zone_epsg) or HOW
    many = f"; {len(bad)} features like this" if len(bad) > 1 else ""
    return Problem(
        file,
        f"coordinates are metres, not degrees (x {x:,.0f}, y {y:,.0f}{many}), but {said} "
        f"longitude/latitude ({crs.to_string()}): {guess}",
        labels[first],
    )
