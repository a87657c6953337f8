"""OGC WMTS 1.0: read a GetCapabilities document and build GetTile URLs (Qt-free).

What is read: each layer's styles, formats, tile matrix set links (with their
limits), REST ``ResourceURL`` templates and dimensions; each tile matrix set's CRS
and matrices; the KVP GetTile address from ``OperationsMetadata``. Two things
real servers get wrong are repaired here, once, so drawing never guesses:

* **Axis order.** WMTS writes ``TopLeftCorner`` in the CRS's own axis order:
  latitude first for ``urn:ogc:def:crs:EPSG::4490`` and ``::4326`` (Tianditu's ``c``
  set writes ``90.0 -180.0``), longitude first for CRS84 and Web Mercator. Some
  servers write longitude first for EPSG:4490/4326 anyway; a "latitude" beyond ±90
  is taken as such a longitude and the pair is swapped. When both readings are
  possible (a longitude under 90°), the CRS's declared order wins.
* **Pixel size.** OGC defines the scale denominator with 0.28 mm pixels; Tianditu
  computes it with 96-dpi pixels (0.2646 mm), so its level 1 reads 0.744° instead
  of 0.703125° per pixel. A set whose matrices tile the whole world exactly at
  96 dpi, and not at 0.28 mm, is read at 96 dpi. Its ``w`` set also names the
  world's bottom-right (20037508, −20037508) as the top-left corner: a Web-Mercator
  corner on the world's edge is taken as the world's top-left.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from gridplanner.errors import Words
from gridplanner.layers.tile_fetch import BasemapError
from gridplanner.layers.tile_grid import (
    GEOGRAPHIC,
    MERCATOR,
    MERCATOR_HALF,
    METRES_PER_DEGREE,
    TileGrid,
    TileMatrix,
)

WMTS = "{http://www.opengis.net/wmts/1.0}"
OWS = "{http://www.opengis.net/ows/1.1}"
XLINK = "{http://www.w3.org/1999/xlink}"
OGC_PIXEL_M = 0.28e-3
DPI96_PIXEL_M = 0.0254 / 96
GEOGRAPHIC_CODES = {"4490", "4326"}
MERCATOR_CODES = {"3857", "900913", "102100", "102113", "3785"}
REST, KVP, AUTO = "rest", "kvp", "auto"
Limits = tuple[int, int, int, int]


@dataclass(frozen=True)
class WmtsLayer:
    identifier: str
    title: str
    styles: tuple[str, ...]
    default_style: str
    formats: tuple[str, ...]
    matrix_sets: tuple[str, ...]
    limits: dict[str, dict[str, Limits]] = field(default_factory=dict)
    resource_urls: dict[str, str] = field(default_factory=dict)  # format → template
    dimensions: dict[str, str] = field(default_factory=dict)  # name → default value


@dataclass(frozen=True)
class WmtsEndpoint:
    """A chosen layer/style/matrix set/format and how to ask for its tiles."""

    layer: str
    style: str
    matrix_set: str
    format: str
    kind: str  # REST or KVP
    url: str  # the ResourceURL template (REST) or the GetTile address (KVP)
    grid: TileGrid
    dimensions: dict[str, str] = field(default_factory=dict)

    def tile_url(self, index: int, col: int, row: int) -> str:
        """The token-free URL of one tile (``index`` into ``grid.matrices``)."""
        matrix = self.grid.matrices[index].identifier
        if self.kind == REST:
            values = {
                "tilematrixset": self.matrix_set,
                "tilematrix": matrix,
                "tilerow": str(row),
                "tilecol": str(col),
                "style": self.style,
                **{k.lower(): v for k, v in self.dimensions.items()},
            }
            return re.sub(
                r"\{([^{}]+)\}", lambda m: values.get(m.group(1).lower(), m.group(0)), self.url
            )
        query = {
            "SERVICE": "WMTS",
            "REQUEST": "GetTile",
            "VERSION": "1.0.0",
            "LAYER": self.layer,
            "STYLE": self.style,
            "TILEMATRIXSET": self.matrix_set,
            "TILEMATRIX": matrix,
            "TILEROW": str(row),
            "TILECOL": str(col),
            "FORMAT": self.format,
            **{k.upper(): v for k, v in self.dimensions.items()},
        }
        joiner = "" if self.url.endswith(("?", "&")) else ("&" if "?" in self.url else "?")
        return self.url + joiner + urlencode(query, safe=":/")


@dataclass(frozen=True)
class Capabilities:
    source: str  # the (masked) URL or path it was read from, for messages
    layers: dict[str, WmtsLayer]
    matrix_sets: dict[str, ET.Element]
    kvp_url: str | None

    def layer(self, identifier: str) -> WmtsLayer:
        if identifier in self.layers:
            return self.layers[identifier]
        known = "、".join(self.layers) or "—"
        raise BasemapError(
            Words(
                f"{self.source}：没有图层 {identifier!r}（有：{known}）",
                f"{self.source}: no layer {identifier!r} (there are: {known})",
            )
        )

    def crs_of(self, matrix_set: str) -> str:
        """The CRS a tile matrix set declares, short (``EPSG::4490``), for lists."""
        element = self.matrix_sets.get(matrix_set)
        crs = _text(element, f"{OWS}SupportedCRS") if element is not None else ""
        return crs.replace("urn:ogc:def:crs:", "")

    def kinds(self, layer: WmtsLayer) -> tuple[str, ...]:
        """The request encodings this layer can be asked for, preferred first."""
        kinds = [REST] if layer.resource_urls else []
        return tuple(kinds + ([KVP] if self.kvp_url else []))

    def endpoint(
        self, layer: str, matrix_set: str = "", style: str = "", fmt: str = "", kind: str = AUTO
    ) -> WmtsEndpoint:
        """Resolve a choice (blanks: the layer's default style, first set, first format)."""
        found = self.layer(layer)
        matrix_set = matrix_set or (found.matrix_sets[0] if found.matrix_sets else "")
        style = style or found.default_style
        fmt = fmt or (found.formats[0] if found.formats else "")
        if matrix_set not in found.matrix_sets or matrix_set not in self.matrix_sets:
            raise self._missing("瓦片矩阵集", "tile matrix set", layer, matrix_set)
        if found.styles and style not in found.styles:
            raise self._missing("样式", "style", layer, style)
        kinds = self.kinds(found)
        if kind == REST and fmt not in found.resource_urls:
            raise self._missing("REST 模板（格式）", "REST template for format", layer, fmt)
        if kind == AUTO:
            kind = REST if fmt in found.resource_urls else KVP
        if kind == KVP and KVP not in kinds:
            raise self._missing("KVP GetTile 地址", "KVP GetTile address", layer, "")
        url = found.resource_urls[fmt] if kind == REST else str(self.kvp_url)
        grid = read_matrix_set(
            self.matrix_sets[matrix_set], found.limits.get(matrix_set, {}), self.source
        )
        return WmtsEndpoint(layer, style, matrix_set, fmt, kind, url, grid, found.dimensions)

    def _missing(self, zh: str, en: str, layer: str, value: str) -> BasemapError:
        return BasemapError(
            Words(
                f"{self.source}：图层 {layer} 没有{zh} {value!r}",
                f"{self.source}: layer {layer} has no {en} {value!r}",
            )
        )


def read_capabilities(text: bytes | str, source: str) -> Capabilities:
    """Parse a WMTS 1.0 capabilities document; ``source`` (masked) names it in errors."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise _bad(source, f"XML {exc}") from exc
    if root.tag != f"{WMTS}Capabilities":
        raise _bad(source, f"root <{_local(root.tag)}>")
    contents = root.find(f"{WMTS}Contents")
    if contents is None:
        raise _bad(source, "no <Contents>")
    layers = {}
    for element in contents.findall(f"{WMTS}Layer"):
        try:
            layer = _read_layer(element)
        except ValueError as exc:
            raise _bad(source, f"layer {_text(element, f'{OWS}Identifier')}: {exc}") from exc
        layers[layer.identifier] = layer
    sets = {_text(e, f"{OWS}Identifier"): e for e in contents.findall(f"{WMTS}TileMatrixSet")}
    if not layers or not sets:
        raise _bad(source, "no layer or no tile matrix set")
    return Capabilities(source, layers, sets, _kvp_url(root))


def read_matrix_set(
    element: ET.Element, limits: dict[str, Limits] | None = None, source: str = ""
) -> TileGrid:
    """A ``<TileMatrixSet>`` as a :class:`TileGrid` (axis order and pixel size repaired)."""
    name = _text(element, f"{OWS}Identifier")
    crs = _text(element, f"{OWS}SupportedCRS")
    kind, latitude_first = crs_kind(crs)
    if kind is None:
        raise BasemapError(
            Words(
                f"{source}：瓦片矩阵集 {name} 的坐标系 {crs} 不受支持"
                "（支持 EPSG:4490/4326 经纬度与 Web 墨卡托）",
                f"{source}: tile matrix set {name} uses {crs}; only EPSG:4490/4326 lon/lat "
                "and Web Mercator are supported",
            )
        )
    try:
        rows = [_read_matrix(m) for m in element.findall(f"{WMTS}TileMatrix")]
    except (ValueError, IndexError) as exc:
        raise _bad(source, f"tile matrix set {name}: {exc}") from exc
    if not rows:
        raise _bad(source, f"tile matrix set {name} has no TileMatrix")
    metres_per_unit = METRES_PER_DEGREE if kind == GEOGRAPHIC else 1.0
    world = 360.0 if kind == GEOGRAPHIC else 2 * MERCATOR_HALF
    pixel = OGC_PIXEL_M
    if _tiles_world(rows, DPI96_PIXEL_M / metres_per_unit, world) and not _tiles_world(
        rows, OGC_PIXEL_M / metres_per_unit, world
    ):
        pixel = DPI96_PIXEL_M
    matrices = []
    for ident, scale, (a, b), tw, th, mw, mh in sorted(rows, key=lambda r: -r[1]):
        if kind == GEOGRAPHIC:
            lat, lon = (a, b) if latitude_first else (b, a)
            if abs(lat) > 90 + 1e-9:
                lat, lon = lon, lat
            left, top = lon, lat
        else:
            left, top = a, b
            if math.isclose(abs(a), MERCATOR_HALF, rel_tol=1e-6) and math.isclose(
                abs(b), MERCATOR_HALF, rel_tol=1e-6
            ):
                left, top = -MERCATOR_HALF, MERCATOR_HALF
        resolution = scale * pixel / metres_per_unit
        matrices.append(
            TileMatrix(ident, resolution, left, top, mw, mh, tw, th, (limits or {}).get(ident))
        )
    return TileGrid(kind, tuple(matrices), crs)


def crs_kind(crs: str) -> tuple[str | None, bool]:
    """(GEOGRAPHIC / MERCATOR / None, whether the CRS puts latitude first)."""
    if re.search(r"CRS:?84$", crs.replace("/", ":"), re.IGNORECASE):
        return GEOGRAPHIC, False
    match = re.search(r"(\d+)\s*$", crs)
    code = match.group(1) if match else ""
    if code in GEOGRAPHIC_CODES:
        return GEOGRAPHIC, True
    if code in MERCATOR_CODES or "GoogleMapsCompatible" in crs:
        return MERCATOR, False
    return None, False


def _tiles_world(rows: list[tuple], unit_per_scale: float, world: float) -> bool:
    """True when some matrix spans exactly the world's width at this pixel size."""
    for _, scale, _, tw, _, mw, _ in rows:
        if math.isclose(mw * tw * scale * unit_per_scale, world, rel_tol=1e-4):
            return True
    return False


def _read_matrix(element: ET.Element) -> tuple:
    corner = _text(element, f"{WMTS}TopLeftCorner").split()
    return (
        _text(element, f"{OWS}Identifier"),
        float(_text(element, f"{WMTS}ScaleDenominator")),
        (float(corner[0]), float(corner[1])),
        int(_text(element, f"{WMTS}TileWidth") or 256),
        int(_text(element, f"{WMTS}TileHeight") or 256),
        int(_text(element, f"{WMTS}MatrixWidth")),
        int(_text(element, f"{WMTS}MatrixHeight")),
    )


def _read_layer(element: ET.Element) -> WmtsLayer:
    styles = [
        (_text(s, f"{OWS}Identifier"), s.get("isDefault", "").lower() == "true")
        for s in element.findall(f"{WMTS}Style")
    ]
    default = next((name for name, is_default in styles if is_default), "")
    links, limits = [], {}
    for link in element.findall(f"{WMTS}TileMatrixSetLink"):
        name = _text(link, f"{WMTS}TileMatrixSet")
        links.append(name)
        limits[name] = {
            _text(m, f"{WMTS}TileMatrix"): (
                int(_text(m, f"{WMTS}MinTileRow")),
                int(_text(m, f"{WMTS}MaxTileRow")),
                int(_text(m, f"{WMTS}MinTileCol")),
                int(_text(m, f"{WMTS}MaxTileCol")),
            )
            for m in link.iter(f"{WMTS}TileMatrixLimits")
        }
    resources = {
        r.get("format", ""): r.get("template", "")
        for r in element.findall(f"{WMTS}ResourceURL")
        if r.get("resourceType", "tile") == "tile" and r.get("template")
    }
    dimensions = {
        _text(d, f"{OWS}Identifier"): _text(d, f"{WMTS}Default") or _text(d, f"{WMTS}Value")
        for d in element.findall(f"{WMTS}Dimension")
    }
    return WmtsLayer(
        identifier=_text(element, f"{OWS}Identifier"),
        title=_text(element, f"{OWS}Title"),
        styles=tuple(name for name, _ in styles),
        default_style=default or (styles[0][0] if styles else "default"),
        formats=tuple(f.text.strip() for f in element.findall(f"{WMTS}Format") if f.text),
        matrix_sets=tuple(links),
        limits=limits,
        resource_urls=resources,
        dimensions=dimensions,
    )


def _kvp_url(root: ET.Element) -> str | None:
    """The GetTile ``Get`` address that accepts KVP (no constraint: KVP assumed)."""
    for operation in root.iter(f"{OWS}Operation"):
        if operation.get("name") != "GetTile":
            continue
        for get in operation.iter(f"{OWS}Get"):
            values = {v.text.strip() for v in get.iter(f"{OWS}Value") if v.text}
            if not values or "KVP" in values:
                return get.get(f"{XLINK}href")
    return None


def _text(element: ET.Element, path: str) -> str:
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _bad(source: str, why: str) -> BasemapError:
    return BasemapError(
        Words(
            f"{source} 不是可用的 WMTS 能力文档（{why}）",
            f"{source} is not a usable WMTS capabilities document ({why})",
        )
    )


def is_url(location: str) -> bool:
    """True for ``scheme://…`` (http, https, file), False for a plain path."""
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", location) is not None


def load_capabilities(
    location: str, get: Callable[[str], bytes], source: str
) -> tuple[Capabilities, bytes]:
    """Read the document at ``location`` (an http(s)/file URL, fetched with ``get``, or a
    path) and parse it; returns the parsed document and its bytes (to cache)."""
    if is_url(location):
        body = get(location)
    else:
        try:
            with open(location, "rb") as handle:
                body = handle.read()
        except OSError as exc:
            raise BasemapError(
                Words(
                    f"无法读取 WMTS 能力文档 {source}：{exc.strerror}",
                    f"cannot read the WMTS capabilities {source}: {exc.strerror}",
                )
            ) from exc
    return read_capabilities(body, source), body
