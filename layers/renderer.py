"""Paint a :class:`RenderRequest` (an immutable snapshot) with QPainter.

The same code paints the canvas's background images (in a worker thread), PNG and
PDF exports and the benchmark. Paths are built once per level, simplification band
and style class and kept in a :class:`PathCache`; each frame only sets a transform
and draws a handful of big paths (fills without antialiasing, which is the slow
part of Qt's rasteriser, outlines with it), so a whole county redraws in tens of
milliseconds. Buildings are culled with the STRtree and drawn only when zoomed in.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF

from gridplanner.layers.basemap import TileSource, draw_basemap
from gridplanner.layers.geometry import Rings, path_from_rings, polygonf_from_xy
from gridplanner.layers.labels import LabelCandidate, place_and_draw
from gridplanner.layers.snapshot import MapData
from gridplanner.layers.style import (
    BASEMAP,
    BUILDINGS,
    LEVEL_COLOURS,
    LEVEL_WIDTHS,
    OUTLINE_MIN_PX,
    REFERENCE,
    LayerState,
    Style,
    fill_classes,
)
from gridplanner.layers.view import MapView, simplify_tolerance
from gridplanner.levels import LEVELS, Level

BACKGROUND = QColor(246, 245, 240)
REFERENCE_STYLE: dict[str, tuple[QColor, float]] = {
    "road": (QColor(150, 150, 150), 1.6),
    "river": (QColor(90, 150, 220), 2.2),
    "coast": (QColor(40, 90, 170), 1.6),
}
BUILDING_COLOUR = QColor(120, 60, 20)
#: A level is labelled where its features look at least this many pixels wide.
LABEL_MIN_PX = 70.0
#: Roads are drawn from about 1:400,000 in (rivers and the coast at every scale).
ROADS_MAX_MPP = 100.0
#: Levels below the street get thin (fast) outlines when a pixel covers more metres.
WIDE_LINES_MAX_MPP = 20.0


class PathCache:
    """Thread-safe LRU of built QPainterPaths."""

    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._paths: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            path = self._paths.get(key)
            if path is not None:
                self._paths.move_to_end(key)
                return path
        path = build()
        with self._lock:
            self._paths[key] = path
            while len(self._paths) > self.capacity:
                self._paths.popitem(last=False)
        return path

    def clear(self) -> None:
        with self._lock:
            self._paths.clear()


@dataclass(frozen=True, eq=False)
class RenderRequest:
    """Everything one render needs; never mutated after creation."""

    data: MapData
    view: MapView
    layers: tuple[LayerState, ...]
    lang: str = "zh"
    basemap: TileSource | None = None
    labels: bool = True


def render_image(
    request: RenderRequest, cache: PathCache, cancelled: Callable[[], bool] = lambda: False
) -> QImage | None:
    """The map as an image, or None when cancelled part-way."""
    view = request.view
    image = QImage(view.width, view.height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(BACKGROUND)
    painter = QPainter(image)
    try:
        finished = paint_map(painter, request, cache, cancelled)
    finally:
        painter.end()
    return image if finished else None


def paint_map(
    painter: QPainter,
    request: RenderRequest,
    cache: PathCache,
    cancelled: Callable[[], bool] = lambda: False,
) -> bool:
    """Paint every visible layer in view pixels (the painter's current coordinates, e.g.
    a print frame's); returns False if ``cancelled`` said stop."""
    data, view = request.data, request.view
    scale = view.scale_denominator()
    for state in request.layers:
        if cancelled():
            return False
        if not state.visible or state.opacity <= 0 or not state.in_scale(scale):
            continue
        painter.save()
        painter.setOpacity(state.opacity)
        if state.key == BASEMAP:
            if request.basemap is not None:
                draw_basemap(painter, request.basemap, data, view)
        elif state.key == REFERENCE:
            _paint_reference(painter, data, view, cache)
        elif state.key == BUILDINGS:
            _paint_buildings(painter, data, view)
        elif state.level is not None:
            _paint_level(painter, data, view, state, cache)
        painter.restore()
    if cancelled():
        return False
    if request.labels:  # in view pixels: the transform the painter came with
        place_and_draw(painter, label_candidates(request), view.width, view.height)
    return True


def outlines_shown(data: MapData, level: Level, mpp: float) -> bool:
    """Level of detail: a level's outlines are drawn where its typical feature is at least
    :data:`OUTLINE_MIN_PX` pixels across (smaller, only its fill shows)."""
    geo = data.levels.get(level)
    return geo is not None and geo.typical_size / mpp >= OUTLINE_MIN_PX


def _paint_level(
    painter: QPainter, data: MapData, view: MapView, state: LayerState, cache: PathCache
) -> None:
    level = Level(state.key)
    geo = data.levels.get(level)
    if geo is None or len(geo.ids) == 0:
        return
    filled = state.style is not Style.LEVEL
    outlines = outlines_shown(data, level, view.mpp)
    if not filled and not outlines:
        return
    tolerance = simplify_tolerance(view.mpp)
    rings = geo.simplified(tolerance)
    painter.setTransform(view.transform(), combine=True)
    if filled:
        classes, colours = fill_classes(data, level, state.style)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(Qt.PenStyle.NoPen)
        version = data.attributes.version
        for index, colour in enumerate(colours):
            mask = classes == index
            if not mask.any():
                continue
            key = (geo.version, tolerance, state.style.value, version, index)
            path = cache.get(key, partial(_selected_path, rings, mask))
            painter.setBrush(colour)
            painter.drawPath(path)
    if not outlines:
        return
    width = LEVEL_WIDTHS[level]
    if view.mpp > WIDE_LINES_MAX_MPP and level.depth >= 2:
        width = min(width, 1.0)  # level of detail: thin lines when zoomed far out
    pen = QPen(LEVEL_COLOURS[level], width)
    pen.setCosmetic(True)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if width <= 1.0:
        # Thin cosmetic lines have a fast antialiased rasteriser: one path for the level.
        outline = cache.get((geo.version, tolerance, "outline"), lambda: path_from_rings(rings))
        painter.drawPath(outline)
        return
    # Wide antialiased strokes are much cheaper ring by ring than as one huge path.
    polygons = cache.get((geo.version, tolerance, "rings"), lambda: _ring_polygons(rings))
    rows = geo.tree.query(shapely.box(*view.extent()))
    if len(rows) < len(geo.ids):
        wanted = np.zeros(len(geo.ids), dtype=bool)
        wanted[rows] = True
        ring_rows: list[int] | range = np.flatnonzero(wanted[rings.feature]).tolist()
    else:
        ring_rows = range(len(polygons))
    draw = painter.drawPolyline
    for ring in ring_rows:
        draw(polygons[ring])


def _selected_path(rings: Rings, mask: np.ndarray) -> QPainterPath:
    return path_from_rings(rings.select(mask))


def _ring_polygons(rings: Rings) -> list[QPolygonF]:
    xy, start = rings.xy, rings.start
    return [polygonf_from_xy(xy[a:b]) for a, b in itertools.pairwise(start)]


def _paint_reference(painter: QPainter, data: MapData, view: MapView, cache: PathCache) -> None:
    painter.setTransform(view.transform(), combine=True)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for kind, rings in data.reference.items():
        if kind == "road" and view.mpp > ROADS_MAX_MPP:
            continue  # level of detail: the road network only once zoomed in
        colour, width = REFERENCE_STYLE.get(kind, (QColor(160, 160, 160), 1.0))
        pen = QPen(colour, width)
        pen.setCosmetic(True)
        painter.setPen(pen)
        # Line by line, only those crossing the view: a county's road network as one
        # wide antialiased path is ~0.3 s of drawing that holds the GIL throughout.
        polylines, boxes = cache.get((id(rings), "reference"), partial(_line_parts, rings))
        x0, y0, x1, y1 = view.extent()
        inside = (
            (boxes[:, 0] <= x1) & (boxes[:, 2] >= x0) & (boxes[:, 1] <= y1) & (boxes[:, 3] >= y0)
        )
        draw = painter.drawPolyline
        for part in np.flatnonzero(inside).tolist():
            draw(polylines[part])


def _line_parts(rings: Rings) -> tuple[list[QPolygonF], np.ndarray]:
    """Each line part as a polyline, with its bounding box (x0, y0, x1, y1) per row."""
    polylines = _ring_polygons(rings)
    if rings.ring_count == 0:
        return polylines, np.zeros((0, 4))
    starts = rings.start[:-1]
    xs, ys = rings.xy[:, 0], rings.xy[:, 1]
    boxes = np.column_stack(
        [
            np.minimum.reduceat(xs, starts),
            np.minimum.reduceat(ys, starts),
            np.maximum.reduceat(xs, starts),
            np.maximum.reduceat(ys, starts),
        ]
    )
    return polylines, boxes


def visible_buildings(data: MapData, view: MapView) -> np.ndarray:
    """Row numbers of the buildings inside the view (a sorted-x index query)."""
    if len(data.building_xy) == 0:
        return np.zeros(0, dtype=np.int64)
    return data.building_index.query(view.extent())


def _paint_buildings(painter: QPainter, data: MapData, view: MapView) -> None:
    rows = visible_buildings(data, view)
    if len(rows) == 0:
        return
    xy = data.building_xy[rows]
    px = np.column_stack(
        [
            (xy[:, 0] - view.cx) / view.mpp + view.width / 2,
            (view.cy - xy[:, 1]) / view.mpp + view.height / 2,
        ]
    )
    households = data.building_households[rows]
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, view.mpp < 2.0)
    base = float(np.clip(6.0 / view.mpp, 2.5, 9.0))
    for factor, mask in (
        (0.8, households < 30),
        (1.0, (households >= 30) & (households < 80)),
        (1.3, households >= 80),
    ):
        if not mask.any():
            continue
        pen = QPen(BUILDING_COLOUR, base * factor)
        pen.setCapStyle(Qt.PenCapStyle.SquareCap if view.mpp >= 2.0 else Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawPoints(polygonf_from_xy(px[mask]))


def label_candidates(request: RenderRequest) -> list[LabelCandidate]:
    """Labels for the visible, labelled levels whose features are big enough on screen."""
    data, view = request.data, request.view
    attrs = data.attributes
    box = shapely.box(*view.extent())
    scale = view.scale_denominator()
    out: list[LabelCandidate] = []
    for state in request.layers:
        level = state.level
        if level is None or not state.visible or not state.labels or level is Level.DISTRICT:
            continue
        if not state.in_scale(scale):
            continue
        if state.style is Style.LEVEL and not outlines_shown(data, level, view.mpp):
            continue
        geo = data.levels.get(level)
        if geo is None or len(geo.ids) == 0:
            continue
        rows = geo.tree.query(box)
        rows = rows[geo.size[rows] / view.mpp >= LABEL_MIN_PX]
        if len(rows) == 0:
            continue
        depth = LEVELS.index(level)
        names = attrs.names[level]
        for row in rows.tolist():
            x, y = view.to_pixel(*geo.label_xy[row])
            lines = [str(names[row])]
            if level in (Level.GRID, Level.COMMUNITY, Level.COMPREHENSIVE_GRID) and depth >= 2:
                lines.append(_tally_line(attrs, level, row, request.lang))
            out.append(
                LabelCandidate(
                    x,
                    y,
                    tuple(lines),
                    priority=depth * 1e9 - float(geo.size[row]),
                    bold=depth <= 2,
                    point_size=11.0 if depth <= 1 else (9.5 if depth == 2 else 8.5),
                    colour=LEVEL_COLOURS[level].darker(130) if depth <= 2 else None,
                )
            )
    return out


def _tally_line(attrs: object, level: Level, row: int, lang: str) -> str:
    households = int(attrs.households[level][row])  # type: ignore[attr-defined]
    ratio = float(attrs.ratio[level][row])  # type: ignore[attr-defined]
    if lang == "en":
        load = "no worker" if not np.isfinite(ratio) else f"{ratio:.0f}/worker"
        return f"{households} hh · {load}"
    load = "无网格员" if not np.isfinite(ratio) else f"{ratio:.0f}户/人"
    return f"{households}户 · {load}"


def selection_path(data: MapData, level: Level, node_ids: list[int]) -> QPainterPath:
    """Outlines of a few features (for the selection overlay), in local metres."""
    geo = data.levels.get(level)
    if geo is None:
        return QPainterPath()
    rows = geo.row_of(node_ids)
    mask = np.zeros(len(geo.ids), dtype=bool)
    mask[rows] = True
    return path_from_rings(geo.rings.select(mask))
