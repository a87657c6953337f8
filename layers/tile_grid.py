"""Where a basemap's tiles lie: tile matrices in a geographic or a Web-Mercator CRS (Qt-free).

A :class:`TileGrid` is the list of zoom levels (:class:`TileMatrix`) of one tile
source. Inside it coordinates are always ``(x east, y north)``: longitude/latitude
in degrees for geographic sets (EPSG:4490 CGCS2000 — Tianditu's ``c`` sets and
intranet GeoServer gridsets — or EPSG:4326 / CRS84), metres for Web Mercator
(EPSG:3857 / 900913, GoogleMapsCompatible, every XYZ server). Axis order as a
capabilities document writes it is sorted out once, when the document is read
(:mod:`gridplanner.layers.wmts`); from here on nothing is ambiguous.

Both kinds convert to and from longitude/latitude in closed form (no pyproj), so
the render thread can place tiles without building a coordinate transformer.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

GEOGRAPHIC = "geographic"
MERCATOR = "mercator"
#: Semi-major axis of WGS84 and CGCS2000 (the two agree to 0.1 mm).
EARTH_RADIUS = 6378137.0
#: Half the width of the Web-Mercator world in metres (20,037,508.34 m).
MERCATOR_HALF = math.pi * EARTH_RADIUS
#: Web Mercator stops at ±85.0511° so that the world is square.
MERCATOR_MAX_LAT = 85.0511287798066
#: Metres per degree along the equator (the OGC WMTS convention for geographic sets).
METRES_PER_DEGREE = 2 * math.pi * EARTH_RADIUS / 360.0
#: How many tiles one draw may ask for before a coarser matrix is used instead.
MAX_TILES = 80


@dataclass(frozen=True)
class TileMatrix:
    """One zoom level: a ``matrix_width × matrix_height`` lattice of tiles whose top-left
    corner is ``(left, top)`` and whose pixels are ``resolution`` CRS units wide."""

    identifier: str
    resolution: float
    left: float
    top: float
    matrix_width: int
    matrix_height: int
    tile_width: int = 256
    tile_height: int = 256
    #: (min_row, max_row, min_col, max_col) the server has tiles for (TileMatrixSetLimits).
    limits: tuple[int, int, int, int] | None = None

    @property
    def span_x(self) -> float:
        """Width of one tile in CRS units."""
        return self.tile_width * self.resolution

    @property
    def span_y(self) -> float:
        """Height of one tile in CRS units."""
        return self.tile_height * self.resolution

    def corner(self, col: float, row: float) -> tuple[float, float]:
        """CRS coordinates of the point ``col`` tiles right and ``row`` tiles down."""
        return self.left + col * self.span_x, self.top - row * self.span_y

    def tiles_covering(self, x0: float, y0: float, x1: float, y1: float) -> tuple[range, range]:
        """Columns and rows of the tiles that meet the box (clipped to the matrix)."""
        min_row, max_row, min_col, max_col = self.limits or (
            0,
            self.matrix_height - 1,
            0,
            self.matrix_width - 1,
        )
        c0 = max(math.floor((x0 - self.left) / self.span_x), min_col)
        c1 = min(math.floor((x1 - self.left) / self.span_x), max_col)
        r0 = max(math.floor((self.top - y1) / self.span_y), min_row)
        r1 = min(math.floor((self.top - y0) / self.span_y), max_row)
        return range(c0, c1 + 1), range(r0, r1 + 1)


@dataclass(frozen=True)
class TileGrid:
    """The zoom levels of one tile source, finest last, in one CRS kind."""

    kind: str  # GEOGRAPHIC or MERCATOR
    matrices: tuple[TileMatrix, ...]
    crs: str = ""  # as declared (for messages)

    def to_lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Grid CRS coordinates → longitude/latitude (degrees)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if self.kind == GEOGRAPHIC:
            return x, y
        lon = np.degrees(x / EARTH_RADIUS)
        lat = np.degrees(np.arctan(np.sinh(y / EARTH_RADIUS)))
        return lon, lat

    def from_lonlat(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Longitude/latitude (degrees) → grid CRS coordinates."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        if self.kind == GEOGRAPHIC:
            return lon, lat
        lat = np.clip(lat, -MERCATOR_MAX_LAT, MERCATOR_MAX_LAT)
        x = EARTH_RADIUS * np.radians(lon)
        y = EARTH_RADIUS * np.arcsinh(np.tan(np.radians(lat)))
        return x, y

    def best_matrix(self, ground_mpp: float, metres_per_unit: float) -> int:
        """Index of the matrix whose pixels are nearest (on a log scale) to ``ground_mpp``
        metres, given how many ground metres one CRS unit is where the view is."""
        best, best_misfit = 0, math.inf
        for index, matrix in enumerate(self.matrices):
            misfit = abs(math.log(matrix.resolution * metres_per_unit / ground_mpp))
            if misfit < best_misfit - 1e-9:  # ties: the coarser, as XYZ's round() does
                best, best_misfit = index, misfit
        return best


@functools.lru_cache(maxsize=8)
def web_mercator_xyz(max_zoom: int = 18) -> TileGrid:
    """The XYZ (Google / OSM / Gaode) tiling: zoom z has 2^z × 2^z 256-pixel tiles."""
    matrices = tuple(
        TileMatrix(
            identifier=str(z),
            resolution=2 * MERCATOR_HALF / 256 / (1 << z),
            left=-MERCATOR_HALF,
            top=MERCATOR_HALF,
            matrix_width=1 << z,
            matrix_height=1 << z,
        )
        for z in range(max_zoom + 1)
    )
    return TileGrid(MERCATOR, matrices, "EPSG:3857")
