"""What basemap the user configured, as ``basemap/…`` settings keys, and the source it makes.

The configuration lives in the user's application settings (QSettings), not in the
project: a tile server, its token and its cache belong to a machine and a person,
and a project file sent to the central platform or a colleague carries none of
them. The token is never a key here: it is kept in the system keyring (or
``GRIDPLANNER_BASEMAP_TOKEN``) and read when the source is made
(:mod:`gridplanner.layers.tile_fetch`). The default is no basemap: nothing is
fetched unless a URL is configured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from gridplanner.layers.basemap import (
    ErrorCallback,
    MBTilesSource,
    TileSource,
    WMTSSource,
    XYZSource,
)
from gridplanner.layers.tile_cache import DEFAULT_MAX_BYTES
from gridplanner.layers.tile_fetch import resolve_token
from gridplanner.layers.wmts import AUTO

NONE, XYZ, WMTS, MBTILES = "none", "xyz", "wmts", "mbtiles"
MODES = (NONE, XYZ, WMTS, MBTILES)
PREFIX = "basemap/"
#: A key that held the XYZ key in plain text before tokens went to the keyring.
LEGACY_KEY = "basemap/key"


@dataclass(frozen=True)
class BasemapConfig:
    mode: str = NONE
    template: str = ""  # XYZ URL template
    mbtiles: str = ""  # MBTiles file
    capabilities: str = ""  # WMTS GetCapabilities URL or local file
    layer: str = ""
    matrix_set: str = ""
    style: str = ""
    format: str = ""
    request: str = AUTO  # "auto", "kvp" or "rest"
    token_param: str = "tk"
    gcj02: bool = False
    max_zoom: int = 18
    cache_mb: int = DEFAULT_MAX_BYTES // (1024 * 1024)

    @property
    def url(self) -> str:
        """The URL the token belongs to (the XYZ template or the capabilities URL)."""
        return self.template if self.mode == XYZ else self.capabilities

    @property
    def configured(self) -> bool:
        """True when this configuration draws something."""
        wanted = {XYZ: self.template, WMTS: self.capabilities and self.layer, MBTILES: self.mbtiles}
        return bool(wanted.get(self.mode))

    def to_items(self) -> dict[str, object]:
        """The settings keys and values (``basemap/mode``, ``basemap/capabilities``, …)."""
        return {PREFIX + name: value for name, value in asdict(self).items()}

    @classmethod
    def from_items(cls, value: Callable[[str, object], object]) -> BasemapConfig:
        """Read back with ``value(key, default)`` (QSettings.value or dict.get)."""
        base = cls()
        read: dict[str, object] = {}
        for item in fields(cls):
            default = getattr(base, item.name)
            raw = value(PREFIX + item.name, default)
            if isinstance(default, bool):
                read[item.name] = raw in (True, "true", "1", 1)
            elif isinstance(default, int):
                try:
                    read[item.name] = int(str(raw))
                except ValueError:
                    read[item.name] = default
            else:
                read[item.name] = "" if raw is None else str(raw)
        if read["mode"] not in MODES:
            read["mode"] = NONE
        return cls(**read)  # type: ignore[arg-type]


def make_source(
    config: BasemapConfig,
    cache_dir: str | Path,
    on_tile: Callable[[], None] | None = None,
    on_error: ErrorCallback | None = None,
    legacy_key: str = "",
) -> TileSource | None:
    """The configured tile source, or None (no basemap, no network). Constructing one
    never touches the network; the first draw starts the background work."""
    if not config.configured:
        return None
    cache_bytes = max(config.cache_mb, 1) * 1024 * 1024
    if config.mode == MBTILES:
        return MBTilesSource(config.mbtiles, gcj02=config.gcj02)
    token = resolve_token(config.url) or legacy_key
    if config.mode == XYZ:
        return XYZSource(
            config.template,
            cache_dir,
            key=token,
            on_tile=on_tile,
            max_zoom=config.max_zoom,
            gcj02=config.gcj02,
            on_error=on_error,
            token_param=config.token_param,
            cache_bytes=cache_bytes,
        )
    return WMTSSource(
        config.capabilities,
        cache_dir,
        config.layer,
        config.matrix_set,
        config.style,
        config.format,
        config.request,
        token=token,
        token_param=config.token_param,
        on_tile=on_tile,
        on_error=on_error,
        gcj02=config.gcj02,
        cache_bytes=cache_bytes,
    )
