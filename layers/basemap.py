"""Optional basemaps: XYZ tiles, OGC WMTS (KVP or REST) or an offline MBTiles file.

Each source has a :class:`~gridplanner.layers.tile_grid.TileGrid` — Web Mercator
for XYZ and MBTiles, whatever the capabilities say for WMTS (CGCS2000 lon/lat as
Tianditu's ``c`` sets, or Web Mercator) — and answers ``tile(index, col, row)`` with
an image or None. :func:`~gridplanner.layers.tile_draw.draw_basemap` warps each tile
onto the Gauss–Krüger map. Sources never block a render: online ones answer from
their disk cache and fetch what is missing in the background
(:class:`~gridplanner.layers.tile_fetch.TileFetcher`), calling ``on_tile`` when
something arrived so the canvas can redraw. Nothing is fetched unless a URL is
configured. A source marked ``gcj02`` serves tiles in the GCJ-02 offset of Chinese
web maps (Gaode/Amap); they are drawn shifted back to their true positions.
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from PySide6.QtGui import QImage

from gridplanner.errors import Words
from gridplanner.layers.tile_cache import DEFAULT_MAX_BYTES, TileCache, source_digest
from gridplanner.layers.tile_fetch import (
    MASK,
    REST_SECONDS,
    BasemapError,
    TileFetcher,
    failure_words,
    redact,
    split_token,
)
from gridplanner.layers.tile_grid import TileGrid, web_mercator_xyz
from gridplanner.layers.wmts import (
    AUTO,
    Capabilities,
    WmtsEndpoint,
    is_url,
    load_capabilities,
)

TILE = 256
MEMORY_TILES = 256
ErrorCallback = Callable[[BasemapError], None]


class TileSource(ABC):
    """Base: ``tile(index, col, row)`` returns a QImage or None (not available yet / never);
    ``index`` counts the matrices of :attr:`grid` (for XYZ it is the zoom)."""

    max_zoom = 18
    #: True when the tiles are in GCJ-02 (Gaode/Amap-style); drawn shifted into place.
    gcj02 = False

    def __init__(self) -> None:
        self._memory: OrderedDict[tuple[int, int, int], QImage] = OrderedDict()
        self._memory_lock = threading.Lock()

    @property
    def grid(self) -> TileGrid | None:
        """Where the tiles lie (None while a WMTS document is still being read)."""
        return web_mercator_xyz(self.max_zoom)

    def prepare(self) -> None:  # noqa: B027 (an optional hook: XYZ/MBTiles need none)
        """Start whatever must happen before tiles can be asked for (never blocks)."""

    def tile(self, z: int, x: int, y: int) -> QImage | None:
        """The tile's image, or None when it is not (yet) available."""
        key = (z, x, y)
        with self._memory_lock:
            image = self._memory.get(key)
            if image is not None:
                self._memory.move_to_end(key)
                return image
        body = self.tile_bytes(z, x, y)
        if body is None:
            return None
        image = QImage()
        image.loadFromData(body)
        if image.isNull():
            return None
        with self._memory_lock:
            self._memory[key] = image
            while len(self._memory) > MEMORY_TILES:
                self._memory.popitem(last=False)
        return image

    @abstractmethod
    def tile_bytes(self, z: int, x: int, y: int) -> bytes | None:
        """The encoded tile (PNG/JPEG…), or None."""

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Wait until no download is under way (tests, print jobs); False on timeout."""
        return True

    def close(self) -> None:  # noqa: B027 (an optional hook: nothing to release)
        """Release threads and files."""


class XYZSource(TileSource):
    """URL template with ``{z} {x} {y}``, optional ``{s}`` (subdomain 0–7) and ``{key}``
    (the token, filled in only when a request is made)."""

    def __init__(
        self,
        template: str,
        cache_dir: str | Path,
        key: str = "",
        on_tile: Callable[[], None] | None = None,
        max_zoom: int = 18,
        timeout: float = 8.0,
        gcj02: bool = False,
        on_error: ErrorCallback | None = None,
        token_param: str = "tk",
        cache_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        super().__init__()
        self.template, pasted = split_token(template, token_param)
        self.max_zoom = max_zoom
        self.gcj02 = gcj02
        cache = TileCache(cache_dir, source_digest("xyz", self.template), cache_bytes)
        self.fetcher = TileFetcher(
            cache, key or pasted, token_param, on_tile, on_error, timeout=timeout
        )

    def url(self, z: int, x: int, y: int) -> str:
        """The tile's URL without the token (``{key}`` stays a placeholder)."""
        return self.template.format(z=z, x=x, y=y, s=(x + y) % 8, key="{key}")

    def tile_bytes(self, z: int, x: int, y: int) -> bytes | None:
        path = self.fetcher.cache.tile_path(str(z), x, y)
        return self.fetcher.cached_or_fetch(path, self.url(z, x, y))

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        return self.fetcher.wait_idle(timeout_s)

    def close(self) -> None:
        self.fetcher.close()


class WMTSSource(TileSource):
    """One layer of an OGC WMTS: the capabilities document (an http(s) URL or a local
    file) is read in the background on first use and kept in the cache, so later
    starts need no network for it; tiles are asked for by KVP or REST."""

    def __init__(
        self,
        capabilities: str,
        cache_dir: str | Path,
        layer: str,
        matrix_set: str = "",
        style: str = "",
        fmt: str = "",
        kind: str = AUTO,
        token: str = "",
        token_param: str = "tk",
        on_tile: Callable[[], None] | None = None,
        on_error: ErrorCallback | None = None,
        gcj02: bool = False,
        timeout: float = 8.0,
        cache_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        super().__init__()
        self.capabilities, pasted = split_token(capabilities, token_param)
        self.choice = (layer, matrix_set, style, fmt, kind)
        self.gcj02 = gcj02
        self.cache_dir = Path(cache_dir)
        digest = source_digest("wmts", self.capabilities, layer, matrix_set, style, fmt)
        cache = TileCache(cache_dir, digest, cache_bytes)
        self.fetcher = TileFetcher(
            cache, token or pasted, token_param, on_tile, on_error, timeout=timeout
        )
        self.endpoint: WmtsEndpoint | None = None
        self.error: BasemapError | None = None
        self._started = False
        self._retry_at = math.inf
        self._lock = threading.Lock()

    @property
    def grid(self) -> TileGrid | None:
        endpoint = self.endpoint
        return endpoint.grid if endpoint is not None else None

    def prepare(self) -> None:
        with self._lock:
            if self._started and time.monotonic() < self._retry_at:
                return
            self._started = True
            self._retry_at = math.inf
        self.fetcher.submit(self._load)

    def _load(self) -> None:
        try:
            self.endpoint = self.load_endpoint()
        except BasemapError as error:
            self.error = error
            self.fetcher.last_error = error
            if self.fetcher.on_error is not None:
                self.fetcher.on_error(error)
            return
        except Exception as exc:  # network: one message naming the masked URL, a retry later
            self.fetcher.report(self.capabilities, exc, CAPABILITIES_WORDS)
            self.error = self.fetcher.last_error
            self._retry_at = time.monotonic() + REST_SECONDS
            return
        if self.fetcher.on_tile is not None:
            self.fetcher.on_tile()

    def load_endpoint(self) -> WmtsEndpoint:
        """Read the document (cached copy first) and resolve the chosen layer (blocking)."""
        source = self.fetcher.public(self.capabilities)
        if not is_url(self.capabilities):  # a local file is read as it is now
            capabilities, _ = load_capabilities(self.capabilities, self.fetcher.get, source)
        elif (cached := capabilities_cache_path(self.cache_dir, self.capabilities)).exists():
            capabilities, _ = load_capabilities(str(cached), self.fetcher.get, source)
        else:
            capabilities, body = load_capabilities(self.capabilities, self.fetcher.get, source)
            keep_capabilities(cached, body, self.fetcher.token)
        layer, matrix_set, style, fmt, kind = self.choice
        return capabilities.endpoint(layer, matrix_set, style, fmt, kind)

    def tile_bytes(self, z: int, x: int, y: int) -> bytes | None:
        endpoint = self.endpoint
        if endpoint is None:
            return None
        path = self.fetcher.cache.tile_path(endpoint.grid.matrices[z].identifier, x, y)
        return self.fetcher.cached_or_fetch(path, endpoint.tile_url(z, x, y))

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        return self.fetcher.wait_idle(timeout_s)

    def close(self) -> None:
        self.fetcher.close()


CAPABILITIES_WORDS = Words("WMTS 能力文档", "WMTS capabilities")


def capabilities_cache_path(cache_dir: str | Path, location: str) -> Path:
    """Where the copy of a capabilities document is kept (named without any token)."""
    return Path(cache_dir) / "capabilities" / f"{source_digest(redact(location))}.xml"


def fetch_capabilities(
    location: str,
    cache_dir: str | Path,
    token: str = "",
    token_param: str = "tk",
    timeout: float = 15.0,
) -> Capabilities:
    """Read a capabilities document now (blocking: background tasks only), fresh from the
    server, and keep the copy the sources start from; errors name the masked URL."""
    location, pasted = split_token(location, token_param)
    fetcher = TileFetcher(
        TileCache(cache_dir, "capabilities"),
        token or pasted,
        token_param,
        timeout=timeout,
        workers=1,
    )
    try:
        capabilities, body = load_capabilities(location, fetcher.get, fetcher.public(location))
    except BasemapError:
        raise
    except Exception as exc:
        raise BasemapError(
            failure_words(fetcher.public(location), exc, CAPABILITIES_WORDS)
        ) from exc
    finally:
        fetcher.close()
    if is_url(location):
        keep_capabilities(capabilities_cache_path(cache_dir, location), body, fetcher.token)
    return capabilities


def keep_capabilities(path: Path, body: bytes, token: str) -> None:
    """Cache a capabilities document, the token masked where the server echoed it (the
    token goes back into each request URL when it is made)."""
    if token:
        for form in {token, quote(token, safe="")}:
            body = body.replace(form.encode("utf-8"), MASK.encode("ascii"))
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".part")
    temp.write_bytes(body)
    temp.replace(path)


class MBTilesSource(TileSource):
    """An offline MBTiles file (SQLite, TMS row order)."""

    def __init__(self, path: str | Path, gcj02: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self.gcj02 = gcj02
        self._lock = threading.Lock()
        try:
            self._connection = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, check_same_thread=False
            )
            row = self._connection.execute("SELECT MAX(zoom_level) FROM tiles").fetchone()
        except sqlite3.Error as exc:
            raise BasemapError(
                Words(
                    f"无法打开 MBTiles 文件 {self.path}：{exc}",
                    f"cannot open the MBTiles file {self.path}: {exc}",
                )
            ) from exc
        self.max_zoom = int(row[0]) if row and row[0] is not None else 18

    def tile_bytes(self, z: int, x: int, y: int) -> bytes | None:
        with self._lock, contextlib.suppress(sqlite3.ProgrammingError):  # closed: nothing
            row = self._connection.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (z, x, (1 << z) - 1 - y),
            ).fetchone()
            return None if row is None else bytes(row[0])
        return None

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def _tile_xy(lon: float, lat: float, z: int) -> tuple[float, float]:
    """XYZ tile coordinates (fractional) of a lon/lat at zoom ``z``."""
    n = 1 << z
    lat = max(min(lat, 85.05), -85.05)
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return x, y


from gridplanner.layers.tile_draw import draw_basemap  # noqa: E402  (re-exported)

__all__ = [
    "BasemapError",
    "MBTilesSource",
    "TileSource",
    "WMTSSource",
    "XYZSource",
    "capabilities_cache_path",
    "draw_basemap",
    "fetch_capabilities",
]
