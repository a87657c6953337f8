"""Basemaps as Chinese platforms serve them: OGC WMTS (KVP and REST) with CGCS2000
geographic tile matrix sets beside Web Mercator, tokens kept secret, GCJ-02 tiles
shifted into place, a capped disk cache, errors that name the (masked) URL.

The control-image tests serve capabilities and flat-colour tiles from 127.0.0.1
(``tests/support/tile_server.py``), draw them with the real renderer onto the
bundled sample's view, and compare with tile positions computed here, independently
of the code under test: each tile's colour says which tile it is, so a pixel's
colour must be that of the tile covering the pixel's lon/lat, and the colour edges
must fall where this file's own arithmetic puts the tile boundaries (≤ 1.5 px).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QImage
from tile_server import (
    MERCATOR_HALF,
    REGION_LEFT,
    REGION_RES0,
    REGION_TOP,
    MemoryKeyring,
    TileServer,
    geoserver_4490,
    serving,
    tianditu_c,
    tianditu_res,
    tile_colour,
    web_mercator,
)

from gridplanner.exchange.gcj02 import wgs84_to_gcj02
from gridplanner.layers.basemap import (
    BasemapError,
    TileSource,
    WMTSSource,
    XYZSource,
    draw_basemap,
)
from gridplanner.layers.basemap_config import BasemapConfig, make_source
from gridplanner.layers.renderer import BACKGROUND, PathCache, RenderRequest, render_image
from gridplanner.layers.snapshot import MapData, build_map_data
from gridplanner.layers.style import BASEMAP, default_layers, with_state
from gridplanner.layers.tile_cache import TileCache
from gridplanner.layers.tile_fetch import TOKEN_ENV, redact
from gridplanner.layers.view import MapView
from gridplanner.layers.wmts import read_capabilities
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups
from gridplanner.store import load_project, save_project

TileAt = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@pytest.fixture(scope="module")
def street(qapp, sample_street_path: Path) -> tuple[Project, MapData]:
    project = load_project(sample_street_path)
    return project, build_map_data(project, compute_rollups(project))


@pytest.fixture
def memory_keyring(monkeypatch) -> Iterator[MemoryKeyring]:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


def sample_view(data: MapData, width: int = 800, height: int = 600) -> MapView:
    return MapView(0, 0, 1, width, height).fitted(data.extent)


def render_settled(data: MapData, view: MapView, source: TileSource, server: TileServer) -> QImage:
    """Render until the source asks for nothing more (capabilities, then tiles, then drawn)."""
    layers = with_state(
        tuple(s for s in default_layers() if s.key == BASEMAP), BASEMAP, visible=True
    )
    seen = -1
    for _ in range(6):
        image = render_image(
            RenderRequest(data, view, layers, basemap=source, labels=False), PathCache()
        )
        assert image is not None
        assert source.wait_idle(15)
        if len(server.requests) == seen:
            return image
        seen = len(server.requests)
    raise AssertionError(f"the source kept fetching: {server.requests[-5:]}")


def pixels_to_lonlat(
    data: MapData, view: MapView, px: np.ndarray, py: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    mx = view.cx + (px - view.width / 2) * view.mpp
    my = view.cy - (py - view.height / 2) * view.mpp
    return data.to_lonlat_arrays(mx, my)


def rgb(image: QImage, x: int, y: int) -> np.ndarray:
    pixel = image.pixel(x, y)
    return np.array([(pixel >> 16) & 255, (pixel >> 8) & 255, pixel & 255])


def check_control_image(
    image: QImage, data: MapData, view: MapView, level: int, tile_at: TileAt
) -> dict[str, float]:
    """Colours at sample points match the tile covering their lon/lat; colour edges lie
    where ``tile_at`` (fractional row, col) puts the boundaries. Returns measurements."""
    # 1. colours on a lattice of pixels, skipping those within 2 px of a boundary
    xs, ys = np.meshgrid(np.arange(3, view.width - 3, 9), np.arange(3, view.height - 3, 9))
    xs, ys = xs.ravel(), ys.ravel()
    cells = []
    for dx, dy in ((0, 0), (-2, 0), (2, 0), (0, -2), (0, 2)):
        lon, lat = pixels_to_lonlat(data, view, xs + 0.5 + dx, ys + 0.5 + dy)
        row, col = tile_at(lon, lat)
        cells.append((np.floor(row).astype(int), np.floor(col).astype(int)))
    inside = np.all([(r == cells[0][0]) & (c == cells[0][1]) for r, c in cells], axis=0)
    worst, tiles = 0, set()
    for x, y, row, col in zip(
        xs[inside], ys[inside], cells[0][0][inside], cells[0][1][inside], strict=True
    ):
        expected = np.array(tile_colour(level, int(row), int(col)))
        worst = max(worst, int(np.max(np.abs(rgb(image, int(x), int(y)) - expected))))
        tiles.add((int(row), int(col)))
    assert inside.sum() > 3000 and len(tiles) >= 4, (inside.sum(), tiles)
    assert worst <= 8, f"a pixel's colour is off by {worst} from its tile's"
    # 2. boundaries along horizontal (columns, red) and vertical (rows, green) scan lines
    offsets = []
    for horizontal in (True, False):
        length = view.width if horizontal else view.height
        for fraction in (0.2, 0.5, 0.8):
            t = np.arange(length) + 0.5
            fixed = np.full(length, (view.height if horizontal else view.width) * fraction)
            px, py = (t, fixed) if horizontal else (fixed, t)
            row, col = tile_at(*pixels_to_lonlat(data, view, px, py))
            along = col if horizontal else row
            channel = 0 if horizontal else 1
            cuts = np.nonzero(np.floor(along[1:]) != np.floor(along[:-1]))[0]
            for i in cuts:
                edge = math.floor(along[i + 1])
                at = t[i] + (edge - along[i]) / (along[i + 1] - along[i])  # expected position
                lo, hi = int(at) - 4, int(at) + 4
                if lo < 0 or hi >= length:
                    continue
                before = tile_colour(level, *_cell(row, col, lo))[channel]
                after = tile_colour(level, *_cell(row, col, hi))[channel]
                values = [
                    rgb(image, k, int(fixed[0]))[channel]
                    if horizontal
                    else rgb(image, int(fixed[0]), k)[channel]
                    for k in range(lo, hi + 1)
                ]
                share = np.clip((np.array(values) - after) / (before - after), 0.0, 1.0)
                observed = lo + float(share.sum())  # where the colour switches, sub-pixel
                offsets.append(observed - at)
    assert len(offsets) >= 6, offsets
    assert max(abs(o) for o in offsets) <= 1.5, offsets
    return {"edges": len(offsets), "max_edge_offset_px": max(abs(o) for o in offsets)}


def _cell(row: np.ndarray, col: np.ndarray, k: int) -> tuple[int, int]:
    return math.floor(row[k]), math.floor(col[k])


def requested_levels(server: TileServer, pattern: str) -> set[int]:
    import re

    return {int(m) for r in server.tile_requests() for m in re.findall(pattern, r)}


def assert_level_fits(level_res_m: float, view: MapView) -> None:
    """The drawn level's pixels are within √2 of the view's (nearest on a log scale)."""
    assert 1 / math.sqrt(2) - 0.02 <= level_res_m / view.mpp <= math.sqrt(2) + 0.02


def ground_m_per_degree(lat: float) -> float:
    return math.sqrt(111320.0 * math.cos(math.radians(lat)) * 110950.0)


def test_tianditu_c_by_kvp_lands_on_the_sample(street, tmp_path: Path) -> None:
    """EPSG:4490, 96-dpi scale denominators, TopLeftCorner ``90.0 -180.0`` in lat/lon."""
    project, data = street
    view = sample_view(data)
    with serving() as server:
        server.documents["/vec_c/wmts"] = tianditu_c(f"{server.base}/vec_c/wmts?")
        source = WMTSSource(f"{server.base}/vec_c/wmts", tmp_path, "vec", kind="kvp")
        assert server.requests == []  # nothing fetched before the first draw
        image = render_settled(data, view, source, server)
        source.close()
    (level,) = requested_levels(server, r"TILEMATRIX=(\d+)&")
    lat = data.to_lonlat(view.cx, view.cy)[1]
    assert_level_fits(tianditu_res(level) * ground_m_per_degree(lat), view)
    span = 256 * tianditu_res(level)

    def tile_at(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (90.0 - lat) / span, (lon + 180.0) / span

    found = check_control_image(image, data, view, level, tile_at)
    assert found["max_edge_offset_px"] <= 1.5
    # the features: each community's inner point shows the tile that covers it
    communities = project.level(Level.COMMUNITY).geometry.representative_point()
    for point in communities:
        x, y = data.from_lonlat(np.array([point.x]), np.array([point.y]))
        px, py = view.to_pixel(float(x[0]), float(y[0]))
        row, col = tile_at(np.array([point.x]), np.array([point.y]))
        if min(row[0] % 1, 1 - row[0] % 1, col[0] % 1, 1 - col[0] % 1) * span * 85000 < 40:
            continue  # within a few pixels of a tile edge
        expected = np.array(tile_colour(level, int(row[0]), int(col[0])))
        assert np.max(np.abs(rgb(image, int(px), int(py)) - expected)) <= 8


def test_geoserver_gridset_by_rest_lands_on_the_sample(street, tmp_path: Path) -> None:
    """A regional CGCS2000 gridset (OGC scales, ``EPSG:4490:n``), tiles by ResourceURL."""
    _, data = street
    view = sample_view(data).zoomed(4.0)  # ≈ 3 m per pixel, a community
    with serving() as server:
        template = (
            f"{server.base}/rest/dalian:basemap/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}"
            "/{TileRow}/{TileCol}.png"
        )
        server.documents["/geoserver/gwc/service/wmts"] = geoserver_4490(template)
        source = WMTSSource(f"{server.base}/geoserver/gwc/service/wmts", tmp_path, "dalian:basemap")
        image = render_settled(data, view, source, server)
        source.close()
    assert all("/rest/dalian:basemap/default/EPSG:4490/" in r for r in server.tile_requests()), (
        server.tile_requests()[:3]
    )
    (level,) = requested_levels(server, r"EPSG:4490:(\d+)/")
    res = REGION_RES0 / 2**level
    lat = data.to_lonlat(view.cx, view.cy)[1]
    assert_level_fits(res * ground_m_per_degree(lat), view)
    span = 256 * res
    check_control_image(
        image,
        data,
        view,
        level,
        lambda lon, lat: ((REGION_TOP - lat) / span, (lon - REGION_LEFT) / span),
    )


def test_web_mercator_wmts_lands_on_the_sample(street, tmp_path: Path) -> None:
    _, data = street
    view = sample_view(data, 640, 480).zoomed(2.0)
    with serving() as server:
        server.documents["/wmts"] = web_mercator(f"{server.base}/wmts?")
        source = WMTSSource(f"{server.base}/wmts", tmp_path, "osm")
        image = render_settled(data, view, source, server)
        source.close()
    (z,) = requested_levels(server, r"TILEMATRIX=(\d+)&")
    lat = data.to_lonlat(view.cx, view.cy)[1]
    res = 2 * MERCATOR_HALF / 256 / 2**z
    assert_level_fits(res * math.cos(math.radians(lat)), view)

    def tile_at(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = 6378137.0 * np.radians(lon)
        y = 6378137.0 * np.arcsinh(np.tan(np.radians(lat)))
        return (MERCATOR_HALF - y) / (256 * res), (x + MERCATOR_HALF) / (256 * res)

    check_control_image(image, data, view, z, tile_at)


def test_gcj02_tiles_are_shifted_into_place(street, tmp_path: Path) -> None:
    """Gaode-style XYZ tiles are in GCJ-02: drawn as they are they sit ≈ 450 m east and
    ≈ 140 m north of the features here; marked ``gcj02`` they land on them."""
    _, data = street
    view = sample_view(data, 640, 480).zoomed(5.0)  # ≈ 2.5 m per pixel
    images = {}
    with serving() as server:
        for shifted in (False, True):
            source = XYZSource(
                f"{server.base}/xyz/{{z}}/{{x}}/{{y}}.png",
                tmp_path / str(shifted),
                gcj02=shifted,
            )
            images[shifted] = render_settled(data, view, source, server)
            source.close()
    (z,) = requested_levels(server, r"/xyz/(\d+)/")
    res = 2 * MERCATOR_HALF / 256 / 2**z

    def tile_at(gcj: bool) -> TileAt:
        def at(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            if gcj:  # the tile grid is laid out in GCJ-02 coordinates
                lon, lat = wgs84_to_gcj02(lon, lat)
            x = 6378137.0 * np.radians(lon)
            y = 6378137.0 * np.arcsinh(np.tan(np.radians(lat)))
            return (MERCATOR_HALF - y) / (256 * res), (x + MERCATOR_HALF) / (256 * res)

        return at

    check_control_image(images[True], data, view, z, tile_at(True))
    # the same tile boundary in both images: the shift, measured in pixels
    row = view.height // 2
    lon, lat = pixels_to_lonlat(
        data, view, np.arange(view.width) + 0.5, np.full(view.width, row + 0.5)
    )
    plain_col = tile_at(False)(lon, lat)[1]
    edge = math.floor(plain_col[-1])  # the last boundary: room on its left for the shift
    reds = {k: np.array([rgb(images[k], x, row)[0] for x in range(view.width)]) for k in images}
    red_right = tile_colour(z, 0, edge)[0]
    first = {k: int(np.argmax(np.abs(reds[k] - red_right) <= 8)) for k in images}
    shift_px = first[True] - first[False]
    g_lon, _ = wgs84_to_gcj02(lon[first[False]], lat[first[False]])
    expected_m = (float(g_lon) - float(lon[first[False]])) * 111320 * math.cos(math.radians(lat[0]))
    # GCJ-02 lies east of the truth here, so the tiles move west (left) into place
    assert 100 < -shift_px < 250, shift_px  # ≈ 450 m at ≈ 3 m per pixel
    assert abs(-shift_px - expected_m / view.mpp) <= 2.0, (shift_px, expected_m / view.mpp)


# -- capabilities as real servers write them ---------------------------------------


def test_tianditu_quirks_are_read_as_intended() -> None:
    c = read_capabilities(tianditu_c("http://t0.tianditu.gov.cn/vec_c/wmts?"), "vec_c")
    grid = c.endpoint("vec").grid
    first = grid.matrices[0]
    assert first.identifier == "1" and math.isclose(first.resolution, 0.703125, rel_tol=1e-9)
    assert (first.left, first.top) == (-180.0, 90.0)
    assert math.isclose(grid.matrices[-1].resolution, tianditu_res(18), rel_tol=1e-9)
    # a server writing lon/lat for EPSG:4490 reads the same
    swapped = read_capabilities(tianditu_c("http://x/?", corner="-180.0 90.0"), "x")
    assert swapped.endpoint("vec").grid == grid
    # a regional gridset written in lon/lat order ("121.0 40.5": 121 can't be a latitude)
    regional = read_capabilities(geoserver_4490("http://x/{TileMatrix}", corner="121.0 40.5"), "x")
    proper = read_capabilities(geoserver_4490("http://x/{TileMatrix}"), "x")
    assert regional.endpoint("dalian:basemap").grid == proper.endpoint("dalian:basemap").grid
    m0 = proper.endpoint("dalian:basemap").grid.matrices[0]
    assert (m0.left, m0.top) == (121.0, 40.5) and math.isclose(m0.resolution, 0.01)
    # both readings possible (Xinjiang, 80°E): the CRS's declared axis order decides
    for crs, corner in (("urn:ogc:def:crs:EPSG::4490", "40.5 80.0"), ("OGC:CRS84", "80.0 40.5")):
        text = geoserver_4490("http://x/{TileMatrix}", corner=corner).decode()
        text = text.replace("urn:ogc:def:crs:EPSG::4490", crs)
        m0 = read_capabilities(text, "x").endpoint("dalian:basemap").grid.matrices[0]
        assert (m0.left, m0.top) == (80.0, 40.5), crs
    # Tianditu's w set: EPSG:900913, 96 dpi, the corner written as (20037508, -20037508)
    w = (
        tianditu_c("http://x/?")
        .decode()
        .replace("urn:ogc:def:crs:EPSG::4490", "urn:ogc:def:crs:EPSG::900913")
    )
    for level in range(1, 19):
        w = w.replace(
            f"<TopLeftCorner>90.0 -180.0</TopLeftCorner><TileWidth>256</TileWidth>"
            f"<TileHeight>256</TileHeight><MatrixWidth>{2**level}</MatrixWidth>"
            f"<MatrixHeight>{2 ** (level - 1)}</MatrixHeight>",
            f"<TopLeftCorner>20037508.3427892 -20037508.3427892</TopLeftCorner>"
            f"<TileWidth>256</TileWidth><TileHeight>256</TileHeight>"
            f"<MatrixWidth>{2**level}</MatrixWidth><MatrixHeight>{2**level}</MatrixHeight>",
        )
    mercator = read_capabilities(w, "vec_w").endpoint("vec").grid
    assert mercator.kind == "mercator"
    m1 = mercator.matrices[0]
    assert (m1.left, m1.top) == (-MERCATOR_HALF, MERCATOR_HALF)
    assert math.isclose(m1.resolution, 78271.51696402048, rel_tol=1e-9)


def test_kvp_and_rest_urls_follow_the_standard() -> None:
    c = read_capabilities(
        geoserver_4490(
            "http://h/rest/{Style}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png",
            kvp_href="http://h/gwc/service/wmts?",
        ),
        "h",
    )
    assert c.kinds(c.layer("dalian:basemap")) == ("rest", "kvp")
    rest = c.endpoint("dalian:basemap", kind="rest")
    assert rest.tile_url(3, 5, 7) == "http://h/rest/default/EPSG:4490/EPSG:4490:3/7/5.png"
    kvp = c.endpoint("dalian:basemap", kind="kvp")
    assert kvp.tile_url(3, 5, 7) == (
        "http://h/gwc/service/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=dalian:basemap&STYLE=default&TILEMATRIXSET=EPSG:4490&TILEMATRIX=EPSG:4490:3"
        "&TILEROW=7&TILECOL=5&FORMAT=image/png"
    )
    # limits keep requests inside what the server has; dimensions take their defaults
    text = geoserver_4490("http://h/{Time}/{TileMatrix}/{TileRow}/{TileCol}.png").decode()
    text = text.replace(
        "<TileMatrixSet>EPSG:4490</TileMatrixSet></TileMatrixSetLink>",
        "<TileMatrixSet>EPSG:4490</TileMatrixSet><TileMatrixSetLimits><TileMatrixLimits>"
        "<TileMatrix>EPSG:4490:3</TileMatrix><MinTileRow>2</MinTileRow><MaxTileRow>4</MaxTileRow>"
        "<MinTileCol>1</MinTileCol><MaxTileCol>3</MaxTileCol></TileMatrixLimits>"
        "</TileMatrixSetLimits></TileMatrixSetLink><Dimension><ows:Identifier>Time</ows:Identifier>"
        "<Default>2024</Default><Value>2023</Value><Value>2024</Value></Dimension>",
    )
    limited = read_capabilities(text, "h").endpoint("dalian:basemap")
    assert limited.tile_url(3, 1, 2) == "http://h/2024/EPSG:4490:3/2/1.png"
    cols, rows = limited.grid.matrices[3].tiles_covering(120.0, 30.0, 130.0, 50.0)
    assert (cols, rows) == (range(1, 4), range(2, 5))
    cols, rows = limited.grid.matrices[4].tiles_covering(120.0, 30.0, 130.0, 50.0)
    assert (cols, rows) == (range(0, 32), range(0, 32))  # the whole matrix, no limits
    with pytest.raises(BasemapError, match="没有图层 'img'") as caught:
        c.endpoint("img")
    assert "no layer 'img' (there are: dalian:basemap)" in caught.value.message("en")


# -- the token -------------------------------------------------------------------------


def test_token_is_added_at_request_time_and_never_kept_or_logged(
    street, tmp_path: Path, memory_keyring: MemoryKeyring, caplog
) -> None:
    project, data = street
    secret = "s3cr3t-tk-0123456789abcdef"
    view = sample_view(data, 400, 300)
    caplog.set_level(logging.DEBUG, logger="gridplanner")
    with serving(TileServer(token=secret)) as server:
        url = f"{server.base}/vec_c/wmts"
        # the server echoes the token in its GetTile address, as some do
        server.documents["/vec_c/wmts"] = tianditu_c(f"{url}?tk={secret}&")
        keyring.set_password("gridplanner-basemap", "127.0.0.1", secret)
        config = BasemapConfig(mode="wmts", capabilities=url, layer="vec", request="kvp")
        settings = QSettings(str(tmp_path / "gridplanner.ini"), QSettings.Format.IniFormat)
        for key, value in config.to_items().items():
            settings.setValue(key, value)
        settings.sync()
        again = BasemapConfig.from_items(settings.value)
        assert again == config
        errors: list[BasemapError] = []
        source = make_source(again, tmp_path / "cache", on_error=errors.append)
        assert source is not None
        image = render_settled(data, view, source, server)
        source.close()
        tiles = server.tile_requests()
        assert tiles and all(f"tk={secret}" in r for r in tiles), (server.requests, errors)
        assert not errors, errors[0].message("en")
        assert QColor(image.pixel(200, 150)) != BACKGROUND
        # a 404 afterwards: one clear message, the token masked
        server.tile_status = 404
        failing = make_source(
            BasemapConfig(mode="wmts", capabilities=url, layer="vec", matrix_set="c"),
            tmp_path / "other-cache",
            on_error=errors.append,
        )
        assert failing is not None
        render_settled(data, view.zoomed(2.0), failing, server)
        failing.close()
    assert len(errors) == 1
    message = errors[0].message("en")
    assert "HTTP 404" in message and "tk=***" in message and url in message
    assert secret not in errors[0].message("zh")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "tk=***" in logged and secret not in logged
    settings_text = (tmp_path / "gridplanner.ini").read_text()
    assert "wmts" in settings_text and secret not in settings_text
    saved = tmp_path / "plan.gpkg"
    save_project(project, saved)
    assert secret.encode() not in saved.read_bytes()
    for path in (tmp_path / "cache").rglob("*"):
        assert secret not in str(path)
        if path.is_file():
            assert secret.encode() not in path.read_bytes()


def test_token_from_the_environment_and_urls_masked(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(TOKEN_ENV, "env-token-42")
    source = make_source(
        BasemapConfig(mode="xyz", template="https://t{s}.example.cn/x?l={z}&tk={key}&x={x}"),
        tmp_path,
    )
    assert isinstance(source, XYZSource)
    url = source.url(3, 1, 2)
    assert "env-token-42" not in url and "tk={key}" in url
    assert "tk=env-token-42" in source.fetcher.authorize(url)
    source.close()
    assert redact("http://u:pw@h/a?TK=abc&x=1&token=def") == "http://u:***@h/a?TK=***&x=1&token=***"
    assert redact("http://h/abc/tile", ("abc",)) == "http://h/***/tile"


# -- errors, offline, the cache ----------------------------------------------------------


def test_errors_are_one_message_naming_the_url_and_never_block(street, tmp_path: Path) -> None:
    _, data = street
    view = sample_view(data, 300, 200)
    from PySide6.QtGui import QPainter

    image = QImage(300, 200, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    try:
        # bad capabilities XML
        with serving() as server:
            server.documents["/broken"] = b"<html><body>502 Bad Gateway</body></html>"
            errors: list[BasemapError] = []
            source = WMTSSource(
                f"{server.base}/broken?tk=abc", tmp_path, "vec", on_error=errors.append
            )
            assert draw_basemap(painter, source, data, view) == 0
            assert source.wait_idle(10) and len(errors) == 1
            text = errors[0].message("en")
            assert f"{server.base}/broken" in text and "capabilities" in text and "abc" not in text
            assert draw_basemap(painter, source, data, view) == 0 and len(errors) == 1
            source.close()
        # the server is down
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        errors = []
        source = WMTSSource(
            f"http://127.0.0.1:{port}/wmts", tmp_path, "vec", on_error=errors.append
        )
        draw_basemap(painter, source, data, view)
        assert source.wait_idle(10) and len(errors) == 1
        assert f"127.0.0.1:{port}/wmts" in errors[0].message("en")
        assert "cannot connect" in errors[0].message("en")
        source.close()
        # a slow server never holds up a draw
        with serving(TileServer(delay_s=2.0)) as server:
            server.documents["/wmts"] = web_mercator(f"{server.base}/wmts?")
            source = WMTSSource(f"{server.base}/wmts", tmp_path / "slow", "osm")
            draw_basemap(painter, source, data, view)
            assert source.wait_idle(10)  # the capabilities
            started = time.perf_counter()
            assert draw_basemap(painter, source, data, view) == 0  # tiles on their way
            assert time.perf_counter() - started < 0.25
            source.close()
    finally:
        painter.end()


def test_nothing_is_fetched_unless_configured(tmp_path: Path) -> None:
    assert make_source(BasemapConfig(), tmp_path) is None
    assert make_source(BasemapConfig(mode="wmts", capabilities="http://x/wmts"), tmp_path) is None
    assert make_source(BasemapConfig(mode="xyz"), tmp_path) is None
    assert BasemapConfig.from_items({}.get) == BasemapConfig()
    assert BasemapConfig.from_items({"basemap/mode": "bogus"}.get).mode == "none"


def test_cache_is_keyed_without_the_token_and_capped(street, tmp_path: Path) -> None:
    _, data = street
    view = sample_view(data, 300, 200)
    with serving() as server:
        template = f"{server.base}/xyz/{{z}}/{{x}}/{{y}}.png"
        first = XYZSource(template + "?tk={key}", tmp_path, key="old-token")
        render_settled(data, view, first, server)
        first.close()
        fetched = len(server.requests)
        second = XYZSource(template + "?tk={key}", tmp_path, key="renewed-token")
        assert second.fetcher.cache.folder == first.fetcher.cache.folder
        render_settled(data, view, second, server)
        second.close()
        assert fetched > 0 and len(server.requests) == fetched  # all from the disk cache
    cache = TileCache(tmp_path / "capped", "src", max_bytes=10_000)
    now = time.time()
    for i in range(30):
        path = cache.tile_path("5", i, 0)
        cache.write(path, bytes(1000))
        os.utime(path, (now - 100 + i, now - 100 + i))
    assert cache.size() <= 10_000
    kept = sorted(int(p.parent.name) for p in (tmp_path / "capped").rglob("*.tile"))
    assert kept and kept[-1] == 29 and kept[0] > 15  # the oldest went first
