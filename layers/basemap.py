"""Optional basemap: XYZ tiles (Tianditu or an intranet server) or an offline MBTiles file.

Tiles are Web-Mercator (EPSG:3857) 256-pixel squares. Each visible tile is warped
onto the Gauss–Krüger map with an affine transform from three of its corners
(exact enough at city scale). Sources never block a render: an XYZ source answers
from its disk cache and fetches missing tiles in the background, calling
``on_tile`` when one arrives so the canvas can redraw. Nothing is fetched unless a
URL template is configured.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import threading
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage, QPainter, QTransform

from gridplanner.layers.snapshot import MapData
from gridplanner.layers.view import MapView

TILE = 256
_EARTH = 156543.03392804097  # metres per pixel at zoom 0 on the equator
MAX_TILES = 80


class TileSource(ABC):
    """Base: ``tile(z, x, y)`` returns a QImage or None (not available yet / never)."""

    max_zoom = 18

    @abstractmethod
    def tile(self, z: int, x: int, y: int) -> QImage | None:
        """The tile's image, or None when it is not (yet) available."""


class XYZSource(TileSource):
    """URL template with ``{z} {x} {y}``, optional ``{s}`` (subdomain 0–7) and ``{key}``."""

    def __init__(
        self,
        template: str,
        cache_dir: str | Path,
        key: str = "",
        on_tile: Callable[[], None] | None = None,
        max_zoom: int = 18,
        timeout: float = 8.0,
    ) -> None:
        self.template = template
        self.key = key
        self.cache_dir = Path(cache_dir)
        self.on_tile = on_tile
        self.max_zoom = max_zoom
        self.timeout = timeout
        self._pending: set[tuple[int, int, int]] = set()
        self._failed: set[tuple[int, int, int]] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tiles")

    def url(self, z: int, x: int, y: int) -> str:
        return self.template.format(z=z, x=x, y=y, s=(x + y) % 8, key=self.key)

    def _cache_path(self, z: int, x: int, y: int) -> Path:
        digest = hashlib.sha1(self.template.encode("utf-8")).hexdigest()[:10]
        return self.cache_dir / digest / str(z) / str(x) / f"{y}.tile"

    def tile(self, z: int, x: int, y: int) -> QImage | None:
        path = self._cache_path(z, x, y)
        if path.exists():
            image = QImage(str(path))
            return None if image.isNull() else image
        key = (z, x, y)
        with self._lock:
            if key in self._pending or key in self._failed:
                return None
            self._pending.add(key)
        self._pool.submit(self._fetch, key, path)
        return None

    def _fetch(self, key: tuple[int, int, int], path: Path) -> None:
        try:
            request = urllib.request.Request(self.url(*key), headers={"User-Agent": "gridplanner"})
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                body = answer.read()
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_suffix(".part")
            temp.write_bytes(body)
            temp.replace(path)
        except Exception:
            with self._lock:
                self._failed.add(key)
            return
        finally:
            with self._lock:
                self._pending.discard(key)
        if self.on_tile is not None:
            self.on_tile()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class MBTilesSource(TileSource):
    """An offline MBTiles file (SQLite, TMS row order)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._connection = sqlite3.connect(
            f"file:{self.path}?mode=ro", uri=True, check_same_thread=False
        )
        self._lock = threading.Lock()
        with self._lock:
            row = self._connection.execute("SELECT MAX(zoom_level) FROM tiles").fetchone()
        self.max_zoom = int(row[0]) if row and row[0] is not None else 18

    def tile(self, z: int, x: int, y: int) -> QImage | None:
        with self._lock:
            row = self._connection.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (z, x, (1 << z) - 1 - y),
            ).fetchone()
        if row is None:
            return None
        image = QImage()
        image.loadFromData(bytes(row[0]))
        return None if image.isNull() else image

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def _tile_xy(lon: float, lat: float, z: int) -> tuple[float, float]:
    n = 1 << z
    lat = max(min(lat, 85.05), -85.05)
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return x, y


def _tile_lonlat(x: float, y: float, z: int) -> tuple[float, float]:
    n = 1 << z
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lon, lat


def draw_basemap(painter: QPainter, source: TileSource, data: MapData, view: MapView) -> int:
    """Draw the tiles covering ``view`` (in the painter's current coordinates, which are
    the view's pixels); returns how many were drawn."""
    base = painter.transform()
    x0, y0, x1, y1 = view.extent()
    lon, lat = data.to_lonlat_arrays(np.array([x0, x1, x0, x1]), np.array([y0, y0, y1, y1]))
    mid_lat = float(np.mean(lat))
    z = round(math.log2(_EARTH * math.cos(math.radians(mid_lat)) / view.mpp))
    z = max(0, min(z, source.max_zoom))
    tx0, ty0 = _tile_xy(float(np.min(lon)), float(np.max(lat)), z)
    tx1, ty1 = _tile_xy(float(np.max(lon)), float(np.min(lat)), z)
    columns = range(int(tx0), int(tx1) + 1)
    rows = range(int(ty0), int(ty1) + 1)
    if len(columns) * len(rows) > MAX_TILES:
        return 0
    drawn = 0
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    for tx in columns:
        for ty in rows:
            image = source.tile(z, tx, ty)
            if image is None:
                continue
            corners = [
                _tile_lonlat(tx, ty, z),
                _tile_lonlat(tx + 1, ty, z),
                _tile_lonlat(tx, ty + 1, z),
            ]
            mx, my = data.from_lonlat(
                np.array([c[0] for c in corners]), np.array([c[1] for c in corners])
            )
            p = [view.to_pixel(float(a), float(b)) for a, b in zip(mx, my, strict=True)]
            w, h = image.width(), image.height()
            painter.setTransform(
                QTransform(
                    (p[1][0] - p[0][0]) / w,
                    (p[1][1] - p[0][1]) / w,
                    (p[2][0] - p[0][0]) / h,
                    (p[2][1] - p[0][1]) / h,
                    p[0][0],
                    p[0][1],
                )
                * base
            )
            painter.drawImage(0, 0, image)
            drawn += 1
    painter.restore()
    return drawn
