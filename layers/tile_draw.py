"""Draw a basemap's tiles where they belong on the Gauss–Krüger map.

The map is drawn in a projected CRS (the CGCS2000 3° Gauss–Krüger zone of the
data); tiles are squares in their own CRS — lon/lat degrees for EPSG:4490, Web
Mercator metres for XYZ — so on the map each one is a slightly curved
quadrilateral. Every tile corner is carried exactly (tile CRS → lon/lat → GCJ-02
back to CGCS2000 when the source is marked so → Gauss–Krüger → view pixels) and
the tile image is warped onto the four corners with a projective transform
(``QTransform.quadToQuad``). Inside the tile the transform is only an
approximation of the true mapping; its error is largest at the centre, where it
is measured against the true position of the tile's centre, and where it exceeds
:data:`MAX_RESIDUAL_PX` the tiles are cut into 2×2, 4×4 or 8×8 pieces, each warped
on its own exact corners (docs/basemaps.md gives the numbers).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QPolygonF, QTransform

from gridplanner.exchange.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02
from gridplanner.layers.snapshot import MapData
from gridplanner.layers.tile_grid import MAX_TILES, TileGrid, TileMatrix
from gridplanner.layers.view import MapView

if TYPE_CHECKING:
    from gridplanner.layers.basemap import TileSource

#: Largest tolerated distance (pixels) between a warped tile's centre and its true place.
MAX_RESIDUAL_PX = 0.25
MAX_PIECES = 8
BORDER_SAMPLES = 9


def draw_basemap(painter: QPainter, source: TileSource, data: MapData, view: MapView) -> int:
    """Draw the tiles covering ``view`` (in the painter's current coordinates, which are
    the view's pixels); returns how many were drawn."""
    source.prepare()
    grid = source.grid
    if grid is None or not grid.matrices:
        return 0
    chosen = choose_tiles(grid, data, view, source.gcj02)
    if chosen is None:
        return 0
    index, cols, rows = chosen
    matrix = grid.matrices[index]
    pieces = pieces_needed(grid, matrix, cols, rows, data, view, source.gcj02)
    xs, ys = lattice(matrix, cols, rows, pieces)
    px, py = to_pixels(grid, data, view, source.gcj02, xs, ys)
    base = painter.transform()
    drawn = 0
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    for i, col in enumerate(cols):
        for j, row in enumerate(rows):
            image = source.tile(index, col, row)
            if image is None:
                continue
            w, h = image.width() / pieces, image.height() / pieces
            for a in range(pieces):
                for b in range(pieces):
                    gi, gj = i * pieces + a, j * pieces + b
                    target = QPolygonF(
                        [
                            QPointF(px[gj, gi], py[gj, gi]),
                            QPointF(px[gj, gi + 1], py[gj, gi + 1]),
                            QPointF(px[gj + 1, gi + 1], py[gj + 1, gi + 1]),
                            QPointF(px[gj + 1, gi], py[gj + 1, gi]),
                        ]
                    )
                    piece = QRectF(a * w, b * h, w, h)
                    warp = QTransform()
                    if not QTransform.quadToQuad(QPolygonF(piece), target, warp):
                        continue
                    painter.setTransform(warp * base)
                    painter.drawImage(piece, image, piece)
            drawn += 1
    painter.restore()
    return drawn


def choose_tiles(
    grid: TileGrid, data: MapData, view: MapView, gcj02: bool
) -> tuple[int, range, range] | None:
    """The matrix whose pixels best fit the view's and the tiles of it that the view
    shows (a coarser matrix when the fitting one would need over MAX_TILES tiles)."""
    n = BORDER_SAMPLES
    t = np.linspace(0.0, 1.0, n)
    bx = np.concatenate([t, np.ones(n), t[::-1], np.zeros(n)]) * view.width
    by = np.concatenate([np.zeros(n), t, np.ones(n), t[::-1]]) * view.height
    mx = view.cx + (bx - view.width / 2) * view.mpp
    my = view.cy - (by - view.height / 2) * view.mpp
    lon, lat = data.to_lonlat_arrays(mx, my)
    if gcj02:
        lon, lat = wgs84_to_gcj02(lon, lat)
    gx, gy = grid.from_lonlat(lon, lat)
    box = (float(gx.min()), float(gy.min()), float(gx.max()), float(gy.max()))
    index = grid.best_matrix(view.mpp, metres_per_unit(grid, data, view))
    while True:
        cols, rows = grid.matrices[index].tiles_covering(*box)
        if len(cols) * len(rows) <= MAX_TILES or index == 0:
            break
        index -= 1
    if not len(cols) or not len(rows) or len(cols) * len(rows) > MAX_TILES:
        return None
    return index, cols, rows


def metres_per_unit(grid: TileGrid, data: MapData, view: MapView) -> float:
    """Ground metres per grid CRS unit at the view's centre (geometric mean of x and y)."""
    lon, lat = data.to_lonlat(view.cx, view.cy)
    gx, gy = grid.from_lonlat(np.array([lon]), np.array([lat]))
    step = grid.matrices[-1].resolution * 16
    xs = np.array([gx[0], gx[0] + step, gx[0]])
    ys = np.array([gy[0], gy[0], gy[0] + step])
    lons, lats = grid.to_lonlat(xs, ys)
    x, y = data.from_lonlat(lons, lats)
    along_x = math.hypot(x[1] - x[0], y[1] - y[0])
    along_y = math.hypot(x[2] - x[0], y[2] - y[0])
    return math.sqrt(along_x * along_y) / step


def lattice(
    matrix: TileMatrix, cols: range, rows: range, pieces: int
) -> tuple[np.ndarray, np.ndarray]:
    """Grid CRS coordinates of the tile corners (and piece corners), shape (rows, cols)."""
    c = cols.start + np.arange(len(cols) * pieces + 1) / pieces
    r = rows.start + np.arange(len(rows) * pieces + 1) / pieces
    cc, rr = np.meshgrid(c, r)
    return matrix.left + cc * matrix.span_x, matrix.top - rr * matrix.span_y


def to_pixels(
    grid: TileGrid, data: MapData, view: MapView, gcj02: bool, xs: np.ndarray, ys: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Grid CRS coordinates → view pixels (through GCJ-02 → CGCS2000 when marked)."""
    lon, lat = grid.to_lonlat(xs.ravel(), ys.ravel())
    if gcj02:
        lon, lat = gcj02_to_wgs84(lon, lat)
    mx, my = data.from_lonlat(lon, lat)
    px = (mx - view.cx) / view.mpp + view.width / 2
    py = (view.cy - my) / view.mpp + view.height / 2
    return px.reshape(xs.shape), py.reshape(xs.shape)


def warp_residual(
    grid: TileGrid,
    matrix: TileMatrix,
    cols: range,
    rows: range,
    data: MapData,
    view: MapView,
    gcj02: bool,
    pieces: int = 1,
) -> float:
    """Largest distance (pixels) between where a projective warp on the corners puts the
    centre of a tile (or piece) and where the centre truly belongs."""
    xs, ys = lattice(matrix, cols, rows, pieces)
    px, py = to_pixels(grid, data, view, gcj02, xs, ys)
    cx = (xs[:-1, :-1] + xs[1:, 1:]) / 2
    cy = (ys[:-1, :-1] + ys[1:, 1:]) / 2
    tx, ty = to_pixels(grid, data, view, gcj02, cx, cy)
    # A projective map sends the square's centre to the crossing of the quad's diagonals.
    p0x, p0y, p2x, p2y = px[:-1, :-1], py[:-1, :-1], px[1:, 1:], py[1:, 1:]
    p1x, p1y, p3x, p3y = px[:-1, 1:], py[:-1, 1:], px[1:, :-1], py[1:, :-1]
    d1x, d1y, d2x, d2y = p2x - p0x, p2y - p0y, p3x - p1x, p3y - p1y
    denominator = d1x * d2y - d1y * d2x
    s = ((p1x - p0x) * d2y - (p1y - p0y) * d2x) / np.where(denominator == 0, 1, denominator)
    wx, wy = p0x + s * d1x, p0y + s * d1y
    return float(np.max(np.hypot(wx - tx, wy - ty)))


def pieces_needed(
    grid: TileGrid,
    matrix: TileMatrix,
    cols: range,
    rows: range,
    data: MapData,
    view: MapView,
    gcj02: bool,
) -> int:
    """1, 2, 4 or 8: how finely to cut each tile so the warp stays within MAX_RESIDUAL_PX."""
    pieces = 1
    while pieces < MAX_PIECES:
        if warp_residual(grid, matrix, cols, rows, data, view, gcj02, pieces) <= MAX_RESIDUAL_PX:
            break
        pieces *= 2
    return pieces
