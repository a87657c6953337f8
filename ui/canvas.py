"""The map canvas: composes cached images rendered off the GUI thread.

Every change of view or layers starts a :class:`RenderJob` on the canvas's own
thread pool from an immutable :class:`RenderRequest`; a newer job cancels the one
running. Until the new image arrives the canvas shows the last one, shifted and
scaled to the current view, so panning and zooming never wait for a render.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import shapely
from PySide6.QtCore import (
    QElapsedTimer,
    QPointF,
    QRectF,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from gridplanner.layers.basemap import TileSource
from gridplanner.layers.geometry import path_from_rings, rings_of
from gridplanner.layers.renderer import (
    BACKGROUND,
    PathCache,
    RenderRequest,
    selection_path,
)
from gridplanner.layers.selection import Selection
from gridplanner.layers.snapshot import MapData
from gridplanner.layers.style import LayerState, default_layers, state_of
from gridplanner.layers.view import MapView
from gridplanner.levels import LEVELS, Level
from gridplanner.ui.canvas_input import WHEEL_ZOOM, map_event, navigate_by_key
from gridplanner.ui.canvas_overlay import (
    HatchedArea,
    Overlay,
    paint_furniture,
    paint_hatched,
    paint_overlay,
)
from gridplanner.ui.i18n import current_language, t
from gridplanner.ui.map_tools import MapEvent, MapTool, PanTool
from gridplanner.ui.render_job import RenderJob, RenderSignals

Snapper = Callable[[float, float, float], tuple[float, float, str] | None]
#: Snapping reaches this many pixels from the pointer.
SNAP_PIXELS = 10
SELECTION_COLOUR = QColor(0, 200, 255)
HIGHLIGHT_COLOUR = QColor(255, 0, 160)


class MapCanvas(QWidget):
    """The map widget. Talks to the app through signals; holds the current map tool."""

    viewChanged = Signal()
    cursorMoved = Signal(float, float)  # local metres
    renderFinished = Signal(float)  # milliseconds
    renderFailed = Signal(str)
    identified = Signal(list)  # [(Level, node id)]
    measured = Signal(str)  # the measure tool's result, for the status bar
    contextRequested = Signal(object)  # a right-click (MapEvent) with a navigation tool

    def __init__(self, selection: Selection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(200, 150)
        self.selection = selection
        self.data: MapData | None = None
        self.layers: tuple[LayerState, ...] = default_layers()
        self.basemap: TileSource | None = None
        self.lang = "zh"
        self.active_level = Level.GRID
        self.view = MapView(0.0, 0.0, 10.0, max(self.width(), 1), max(self.height(), 1))
        self.cache = PathCache()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = RenderSignals()
        self._signals.finished.connect(self._on_finished)
        self._jobs: dict[int, RenderJob] = {}
        self._job_counter = 0
        self._latest = 0
        self._started = QElapsedTimer()
        self.image: QImage | None = None
        self.image_view: MapView | None = None
        self.last_render_ms = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._start_render)
        self._rubber: QRectF | None = None
        self._selection_path = QPainterPath()
        self._highlight = QPainterPath()
        self._highlight_points: np.ndarray = np.zeros((0, 2))
        self._middle_last: tuple[float, float] | None = None
        self.overlay = Overlay()
        self.hatched: tuple[HatchedArea, ...] = ()  # scopes others hold: read-only
        #: (lon, lat, tolerance m) -> (lon, lat, kind) or None; set by the app for snapping.
        self.snapper: Snapper | None = None
        self.snap_pixels = SNAP_PIXELS  # the snapping tolerance (捕捉设置)
        self.tool: MapTool = PanTool(self)
        self.tool.activate()
        selection.changed.connect(self._on_selection)

    # -- state -----------------------------------------------------------------------
    def set_data(self, data: MapData | None, fit: bool = False) -> None:
        """Show a new snapshot (``fit``: zoom to its full extent)."""
        # Path cache keys carry each level's version, so an edit that re-projects a few
        # levels keeps the others' cached paths; a new project starts afresh.
        new_project = self.data is None or data is None or data.reference is not self.data.reference
        self.data = data
        if new_project:
            self.cache.clear()
        if fit and data is not None:
            self.view = self.view.fitted(data.extent)
            self.viewChanged.emit()
        self._on_selection("")
        self.refresh()

    def set_layers(self, layers: tuple[LayerState, ...]) -> None:
        self.layers = layers
        self.refresh()

    def set_basemap(self, source: TileSource | None) -> None:
        self.basemap = source
        self.refresh()

    def set_language(self, lang: str) -> None:
        self.lang = lang
        self.refresh()

    def set_tool(self, tool: MapTool) -> None:
        self.tool.deactivate()
        self.set_overlay(None)
        self.tool = tool
        tool.activate()

    def set_view(self, view: MapView) -> None:
        self.view = view
        self.viewChanged.emit()
        self.update()
        self.refresh(delay_ms=60)

    def request(self, view: MapView | None = None) -> RenderRequest | None:
        """The immutable snapshot a render of ``view`` (default: the current view) uses."""
        if self.data is None:
            return None
        return RenderRequest(self.data, view or self.view, self.layers, self.lang, self.basemap)

    # -- rendering -------------------------------------------------------------------
    def refresh(self, delay_ms: int = 0) -> None:
        """Schedule a render (coalescing bursts of changes)."""
        self._timer.start(delay_ms)

    def _start_render(self) -> None:
        request = self.request()
        if request is None:
            self.image = None
            self.update()
            return
        for job in self._jobs.values():
            job.cancel.set()  # superseded
        self._job_counter += 1
        job = RenderJob(self._job_counter, request, self.cache, self._signals)
        self._jobs[job.job_id] = job
        self._latest = job.job_id
        self._started.start()
        self._pool.start(job)

    def _on_finished(self, job_id: int, image: QImage | None, view: MapView, error: str) -> None:
        self._jobs.pop(job_id, None)
        if error:
            self.renderFailed.emit(error)
        if job_id != self._latest or image is None:
            return
        self.image, self.image_view = image, view
        self.last_render_ms = float(self._started.elapsed())
        self.update()
        self.renderFinished.emit(self.last_render_ms)

    def is_rendering(self) -> bool:
        return bool(self._jobs) or self._timer.isActive()

    def wait_while_rendering(self, timeout_s: float = 30.0) -> None:
        """Process events until no render is pending (for tests and screenshots)."""
        deadline = time.monotonic() + timeout_s
        while self.is_rendering() and time.monotonic() < deadline:
            QApplication.processEvents()
            self._pool.waitForDone(5)
        QApplication.processEvents()

    # -- painting --------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.paint_frame(painter)
        painter.end()

    def paint_frame(self, painter: QPainter) -> None:
        """The cached image moved to the current view, then overlays (selection, boxes)."""
        painter.fillRect(0, 0, self.view.width, self.view.height, BACKGROUND)
        if self.image is not None and self.image_view is not None:
            if self.image_view == self.view:
                painter.drawImage(0, 0, self.image)
            else:
                painter.save()
                painter.setTransform(self.image_view.relative_transform(self.view))
                painter.drawImage(0, 0, self.image)
                painter.restore()
        painter.save()
        painter.setTransform(self.view.transform())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for path, colour in (
            (self._selection_path, SELECTION_COLOUR),
            (self._highlight, HIGHLIGHT_COLOUR),
        ):
            if path.isEmpty():
                continue
            pen = QPen(colour, 3.0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            fill = QColor(colour)
            fill.setAlpha(50)
            painter.setBrush(fill)
            painter.drawPath(path)
        painter.restore()
        if len(self._highlight_points):
            painter.setPen(QPen(HIGHLIGHT_COLOUR, 3.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for x, y in self._highlight_points:
                px, py = self.view.to_pixel(x, y)
                painter.drawEllipse(QPointF(px, py), 8, 8)
        paint_hatched(painter, self.view, self.hatched)
        paint_overlay(painter, self.view, self.overlay)
        if self.data is not None:
            paint_furniture(painter, self.view, self.lang)
        if self._rubber is not None:
            painter.setPen(QPen(QColor(30, 30, 30), 1, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(0, 120, 255, 40))
            painter.drawRect(self._rubber)

    def set_read_only_areas(self, areas: list[tuple[str, shapely.Geometry]]) -> None:
        """Hatch these (label, CGCS2000 lon/lat geometry) areas grey: scopes this window
        may not edit, labelled with who holds them."""
        hatched = []
        if self.data is not None:
            for label, geometry in areas:
                local = self.data.project_geometry(geometry)
                if local is None or local.is_empty:
                    continue
                parts = shapely.get_parts(np.array([local]))
                polygons = parts[shapely.get_type_id(parts) >= 3]
                if not len(polygons):
                    continue
                biggest = polygons[int(np.argmax(shapely.area(polygons)))]
                anchor = shapely.point_on_surface(biggest)
                path = path_from_rings(rings_of(polygons))
                hatched.append(HatchedArea(path, label, (float(anchor.x), float(anchor.y))))
        self.hatched = tuple(hatched)
        self.update()

    def set_overlay(self, overlay: Overlay | None) -> None:
        """What the current tool's gesture looks like (None: nothing)."""
        self.overlay = overlay or Overlay()
        self.update()

    def resolve(self, event: MapEvent) -> MapEvent:
        """Add lon/lat, and snap the point when the current tool wants snapping."""
        if self.data is None:
            return event
        lon, lat = self.data.to_lonlat(event.x, event.y)
        if self.tool.snapping and self.snapper is not None:
            snapped = self.snapper(lon, lat, self.snap_pixels * self.view.mpp)
            if snapped is not None:
                lon, lat, kind = snapped
                x, y = self.data.from_lonlat(np.array([lon]), np.array([lat]))
                return replace(event, x=float(x[0]), y=float(y[0]), lon=lon, lat=lat, snap=kind)
        return replace(event, lon=lon, lat=lat)

    def set_rubber_band(self, rect: QRectF | None) -> None:
        self._rubber = rect
        self.update()

    def set_highlight(self, geometry: shapely.Geometry | None) -> None:
        """Outline a geometry (local metres), e.g. a finding; points get a circle."""
        self._highlight = QPainterPath()
        self._highlight_points = np.zeros((0, 2))
        if geometry is not None and not geometry.is_empty:
            parts = shapely.get_parts(np.array([geometry]))
            points = parts[shapely.get_type_id(parts) == 0]
            others = parts[shapely.get_type_id(parts) != 0]
            if len(others):
                outlines = np.where(
                    shapely.get_type_id(others) >= 3, shapely.boundary(others), others
                )
                self._highlight = path_from_rings(rings_of(outlines, lines=True), winding=False)
            self._highlight_points = shapely.get_coordinates(points)
        self.update()

    def _on_selection(self, source: str) -> None:
        if self.data is None or self.selection.level is None:
            self._selection_path = QPainterPath()
        else:
            self._selection_path = selection_path(
                self.data, self.selection.level, list(self.selection.ids)
            )
        self.update()

    # -- navigation ------------------------------------------------------------------
    def pan_pixels(self, dx: float, dy: float) -> None:
        self.set_view(self.view.panned(dx, dy))

    def zoom_by(self, factor: float, anchor: tuple[float, float] | None = None) -> None:
        self.set_view(self.view.zoomed(factor, anchor))

    def zoom_to_bounds(self, bounds: tuple[float, ...], margin: float = 0.08) -> None:
        self.set_view(self.view.fitted(bounds, margin))

    def zoom_full(self) -> None:
        if self.data is not None:
            self.zoom_to_bounds(self.data.extent, 0.03)

    def zoom_to_selection(self) -> None:
        if self.data is None or self.selection.level is None:
            return
        bounds = self.data.bounds_of(self.selection.level, list(self.selection.ids))
        if bounds is not None:
            self.zoom_to_bounds(bounds, 0.15)

    def set_scale(self, denominator: float) -> None:
        self.set_view(self.view.at_scale(denominator))

    # -- selection and identify --------------------------------------------------------
    def _tolerance(self) -> float:
        return 3 * self.view.mpp

    def select_at(self, event: MapEvent) -> None:
        if self.data is None:
            return
        hits = self.data.hit(self.active_level, event.x, event.y, self._tolerance())
        if not hits:
            if not event.shift:
                self.selection.clear("map")
            return
        if event.shift:
            self.selection.toggle(self.active_level, hits[0], "map")
        else:
            self.selection.set(self.active_level, [hits[0]], "map")

    def select_box(self, box: tuple[float, float, float, float], add: bool = False) -> None:
        if self.data is None:
            return
        ids = self.data.hit_box(self.active_level, box)
        if add and self.selection.level == self.active_level:
            ids = [*self.selection.ids, *ids]
        self.selection.set(self.active_level, ids, "map")

    def identify_at(self, event: MapEvent) -> None:
        """Emit and show what lies under a point at every visible level."""
        if self.data is None:
            return
        found: list[tuple[Level, int]] = []
        lines = []
        attrs = self.data.attributes
        for level in reversed(LEVELS):
            state = state_of(self.layers, level.value)
            if not (state.visible and state.in_scale(self.view.scale_denominator())):
                continue
            for node_id in self.data.hit(level, event.x, event.y, 0.0)[:1]:
                found.append((level, node_id))
                row = self.data.levels[level].row_of([node_id])[0]
                name, households = attrs.names[level][row], attrs.households[level][row]
                lines.append(f"{level.label(current_language())}: {name} · {households} {t('户')}")
        self.identified.emit(found)
        if lines:
            QToolTip.showText(
                self.mapToGlobal(QPointF(event.px, event.py).toPoint()), "\n".join(lines), self
            )

    # -- events (helpers in gridplanner.ui.canvas_input) ------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._middle_last = (event.position().x(), event.position().y())
            return
        self.tool.press(self.resolve(map_event(self.view, event)))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        mapped = map_event(self.view, event, "none")
        self.cursorMoved.emit(mapped.x, mapped.y)
        if self._middle_last is not None:
            lx, ly = self._middle_last
            self.pan_pixels(mapped.px - lx, mapped.py - ly)
            self._middle_last = (mapped.px, mapped.py)
            return
        self.tool.move(self.resolve(mapped))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._middle_last = None
            return
        self.tool.release(self.resolve(map_event(self.view, event)))

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            pos = event.position()
            self.zoom_by(WHEEL_ZOOM**steps, (pos.x(), pos.y()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self.tool.key(key) or navigate_by_key(self, key):
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.view = self.view.resized(self.width(), self.height())
        self.viewChanged.emit()
        self.refresh(delay_ms=30)
