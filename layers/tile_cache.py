"""The basemap's disk cache: one folder per tile source, capped in size (Qt-free).

A source's folder is named by a digest of what identifies it *without* its token
(the URL template, or the capabilities URL with layer, style, matrix set and
format), so a changed or renewed token keeps the cache and no file name ever
carries a secret. Tiles are ``<folder>/<matrix>/<col>/<row>.tile``; the
capabilities document of a WMTS source is kept beside them so an offline start
needs no network. When the cache grows past its cap the least recently used
tiles go first (reading a tile touches its modification time).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from pathlib import Path

#: The default cap: 500 MB is some 20,000 tiles, a county at every zoom.
DEFAULT_MAX_BYTES = 500 * 1024 * 1024


def source_digest(*identity: str) -> str:
    """A short stable folder name for a tile source (pass token-free strings only)."""
    return hashlib.sha1("\n".join(identity).encode("utf-8")).hexdigest()[:16]


class TileCache:
    """Tiles of one source under ``root/<digest>``; all sources share the cap on ``root``."""

    def __init__(self, root: str | Path, digest: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = Path(root)
        self.folder = self.root / digest
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._total: int | None = None  # bytes under root, counted on the first write

    def tile_path(self, matrix: str, col: int, row: int) -> Path:
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in matrix) or "_"
        return self.folder / safe / str(col) / f"{row}.tile"

    def read(self, path: Path) -> bytes | None:
        """The cached bytes, or None; a hit counts as a use for the eviction order."""
        try:
            body = path.read_bytes()
        except OSError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return body

    def write(self, path: Path, body: bytes) -> None:
        """Store ``body`` atomically (write beside, rename), then keep under the cap."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(path.name + f".{threading.get_ident()}.part")
        temp.write_bytes(body)
        old = path.stat().st_size if path.exists() else 0
        temp.replace(path)
        with self._lock:
            if self._total is None:
                self._total = self._measure()
            else:
                self._total += len(body) - old
            if self._total > self.max_bytes:
                self._total = self._evict(int(self.max_bytes * 0.9))

    def size(self) -> int:
        """Bytes under the cache root now."""
        with self._lock:
            self._total = self._measure()
            return self._total

    def _measure(self) -> int:
        total = 0
        for path in self.root.rglob("*.tile"):
            with contextlib.suppress(OSError):
                total += path.stat().st_size
        return total

    def _evict(self, target: int) -> int:
        """Delete the least recently used tiles until at most ``target`` bytes remain."""
        entries = []
        for path in self.root.rglob("*.tile"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        entries.sort()
        total = sum(size for _, size, _ in entries)
        for _, size, path in entries:
            if total <= target:
                break
            try:
                path.unlink()
                total -= size
            except OSError:
                pass
        return total
