"""Layer model and painters on the tiny hand-built plan: paths, hit-tests, labels, basemaps."""

from __future__ import annotations

import math
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
import shapely
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
from PySide6.QtGui import QColor, QImage

from gridplanner.layers.basemap import MBTilesSource, XYZSource, _tile_xy, draw_basemap
from gridplanner.layers.geometry import path_from_rings, polygonf_from_xy, rings_of
from gridplanner.layers.labels import LabelCandidate, LabelPlacer
from gridplanner.layers.renderer import BACKGROUND, PathCache, RenderRequest, render_image
from gridplanner.layers.snapshot import build_map_data
from gridplanner.layers.style import Style, default_layers, fill_classes, with_state
from gridplanner.layers.view import MapView
from gridplanner.levels import Level
from gridplanner.rollups import compute_rollups


@pytest.fixture
def tiny_data(qapp, tiny_project):
    return build_map_data(tiny_project, compute_rollups(tiny_project))


def test_rings_become_one_path_with_every_vertex(qapp) -> None:
    squares = np.array(
        [
            shapely.box(0, 0, 1, 1),
            shapely.box(2, 0, 3, 1).difference(shapely.box(2.2, 0.2, 2.4, 0.4)),
        ]
    )
    rings = rings_of(squares)
    assert rings.ring_count == 3 and list(rings.feature) == [0, 1, 1]
    path = path_from_rings(rings)
    assert path.elementCount() == len(rings.xy) == 15
    assert path.contains(QRectF(0.4, 0.4, 0.1, 0.1).center())
    assert not path.contains(QRectF(2.25, 0.25, 0.05, 0.05).center())  # the hole
    selected = rings.select(np.array([False, True]))
    assert selected.ring_count == 2 and len(selected.xy) == 10
    assert polygonf_from_xy(np.array([[1.0, 2.0], [3.0, 4.0]])).at(1).y() == 4.0


def test_snapshot_projects_to_metres_and_hits(tiny_data, tiny_project) -> None:
    units = tiny_data.levels[Level.GRID_UNIT]
    assert len(units.ids) == 4
    width = units.geoms[0].bounds[2] - units.geoms[0].bounds[0]
    assert 80 < width < 90  # 0.001° of longitude ≈ 85 m here
    a1 = tiny_project.by_code("210283001001001001001")
    x, y = units.label_xy[units.row_of([a1])[0]]
    assert tiny_data.hit(Level.GRID_UNIT, x, y, 1.0) == [a1]
    lon, lat = tiny_data.to_lonlat(x, y)
    assert tiny_project.nodes.at[a1, "geometry"].contains(shapely.Point(lon, lat))
    assert len(tiny_data.hit_box(Level.GRID_UNIT, tiny_data.extent)) == 4
    colours = tiny_data.attributes.colour[Level.GRID]
    assert colours[0] != colours[1]  # neighbouring grids differ


def test_graduated_classes_follow_deviation(tiny_data) -> None:
    classes, _ = fill_classes(tiny_data, Level.GRID, Style.GRADUATED)
    # Grid A: 350 households / 1.5 workers = 233 (-22 %), grid B: 120 / 1 = 120 (-60 %).
    assert list(classes) == [1, 0]
    unit_classes, _ = fill_classes(tiny_data, Level.GRID_UNIT, Style.GRADUATED)
    assert sorted(unit_classes) == [0, 0, 1, 1]


def test_render_paints_and_cancels(tiny_data) -> None:
    view = MapView(0, 0, 1, 300, 200).fitted(tiny_data.extent)
    layers = with_state(default_layers(), Level.GRID_UNIT.value, style=Style.GRADUATED)
    request = RenderRequest(tiny_data, view, layers)
    image = render_image(request, PathCache())
    assert image is not None
    centre = QColor(image.pixel(150, 100))
    assert centre != BACKGROUND
    assert render_image(request, PathCache(), cancelled=lambda: True) is None


def test_labels_never_overlap() -> None:
    placer = LabelPlacer(200, 100)
    a = LabelCandidate(50, 50, ("甲",), 0)
    assert placer.try_place(a, QRectF(40, 40, 30, 14))
    assert not placer.try_place(a, QRectF(55, 45, 30, 14))
    assert placer.try_place(a, QRectF(120, 40, 30, 14))
    assert not placer.try_place(a, QRectF(190, 40, 30, 14))  # leaves the view


def test_view_transforms_round_trip() -> None:
    view = MapView(100.0, -50.0, 2.5, 400, 300)
    px, py = view.to_pixel(130.0, -20.0)
    assert np.allclose(view.to_map(px, py), (130.0, -20.0))
    point = view.transform().map(130.0, -20.0)
    assert np.allclose(point, (px, py))
    zoomed = view.zoomed(2.0, (10, 20))
    assert np.allclose(zoomed.to_map(10, 20), view.to_map(10, 20))
    assert math.isclose(view.at_scale(10_000).scale_denominator(), 10_000)


def _png(colour: str) -> bytes:
    image = QImage(256, 256, QImage.Format.Format_ARGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def _lonlat_box(data) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = data.extent
    lon, lat = data.to_lonlat_arrays(np.array([x0, x1]), np.array([y0, y1]))
    return (
        float(lon.min()) - 0.01,
        float(lat.min()) - 0.01,
        float(lon.max()) + 0.01,
        float(lat.max()) + 0.01,
    )


def test_mbtiles_basemap_is_drawn_offline(tiny_data, tmp_path: Path) -> None:
    path = tmp_path / "offline.mbtiles"
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB)"
    )
    tile = _png("#00ff00")
    lon0, lat0, lon1, lat1 = _lonlat_box(tiny_data)
    for z in range(12, 19):
        xa, ya = _tile_xy(lon0, lat1, z)
        xb, yb = _tile_xy(lon1, lat0, z)
        for x in range(int(xa), int(xb) + 1):
            for y in range(int(ya), int(yb) + 1):
                connection.execute(
                    "INSERT INTO tiles VALUES (?,?,?,?)", (z, x, (1 << z) - 1 - y, tile)
                )
    connection.commit()
    connection.close()
    source = MBTilesSource(path)
    view = MapView(0, 0, 1, 200, 200).fitted(tiny_data.extent, margin=0.5)
    layers = tuple(s for s in default_layers() if s.key == "basemap")
    layers = with_state(layers, "basemap", visible=True)
    image = render_image(
        RenderRequest(tiny_data, view, layers, basemap=source, labels=False), PathCache()
    )
    assert QColor(image.pixel(5, 5)).green() > 200 and QColor(image.pixel(5, 5)).red() < 50
    source.close()


def test_xyz_basemap_fetches_in_background_and_caches(tiny_data, tmp_path: Path, qapp) -> None:
    """A file:// template stands in for a tile server: no network is touched."""
    tiles = tmp_path / "server"
    tiles.mkdir()
    (tiles / "tile.png").write_bytes(_png("#0000ff"))
    arrived = []
    source = XYZSource(
        f"file://{tiles}/tile.png?z={{z}}&x={{x}}&y={{y}}",
        tmp_path / "cache",
        on_tile=lambda: arrived.append(1),
    )
    source.url = lambda z, x, y: f"file://{tiles}/tile.png"  # type: ignore[method-assign]
    view = MapView(0, 0, 1, 100, 100).fitted(tiny_data.extent, margin=0.5)
    from PySide6.QtGui import QPainter

    image = QImage(100, 100, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    assert draw_basemap(painter, source, tiny_data, view) == 0  # nothing cached yet
    deadline = time.monotonic() + 10
    while not arrived and time.monotonic() < deadline:
        time.sleep(0.02)
    assert arrived
    time.sleep(0.3)
    assert draw_basemap(painter, source, tiny_data, view) > 0
    painter.end()
    assert any((tmp_path / "cache").rglob("*.tile"))
    source.close()


def test_point_index_finds_what_an_rtree_finds() -> None:
    from gridplanner.layers.snapshot import PointIndex

    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 1000, (20_000, 2))
    index = PointIndex.of(xy)
    tree = shapely.STRtree(shapely.points(xy))
    for box in [(10, 10, 50, 90), (0, 0, 1000, 1000), (500, 500, 500.5, 600), (2000, 0, 3000, 1)]:
        found = np.sort(index.query(box))
        assert np.array_equal(found, np.sort(tree.query(shapely.box(*box))))
