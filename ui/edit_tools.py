"""Editing map tools: paint (brush, lasso), split, draw, reshape (QGIS/Districtr-style).

Each tool is a state object fed Qt-free :class:`MapEvent` values (lon/lat resolved,
snapped when the tool asks); it shows its gesture through a canvas
:class:`Overlay` and, when the gesture ends, plans one core Edit and hands it to
the :class:`EditHost`, which pushes it as one undo command. Tools never change
the plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import numpy as np
import shapely
from PySide6.QtCore import Qt
from shapely.geometry import LineString, Point, Polygon

from gridplanner import editing
from gridplanner.editing import Edit
from gridplanner.layers.renderer import selection_path
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.ui.canvas_overlay import Overlay
from gridplanner.ui.i18n import t
from gridplanner.ui.map_tools import MapEvent, MapTool

if TYPE_CHECKING:
    from gridplanner.ui.canvas import MapCanvas

#: Brush radius in pixels; vertex pick distance in pixels.
BRUSH_PIXELS = 14
PICK_PIXELS = 8


class EditHost(Protocol):
    """What the tools need from the app (the edit session behind it)."""

    @property
    def project(self) -> Project | None: ...
    def target(self, level: Level) -> int | None: ...
    def pick_target(self, level: Level, node_id: int) -> None: ...
    def plan(self, make: Callable[[], Edit]) -> bool: ...
    def status(self, message: str) -> None: ...


class EditTool(MapTool):
    def __init__(self, canvas: MapCanvas, host: EditHost) -> None:
        super().__init__(canvas)
        self.host = host

    def deactivate(self) -> None:
        super().deactivate()
        self.canvas.set_overlay(None)


class PaintTool(EditTool):
    """Drag a brush over units to paint them into the target grid (one stroke = one
    command). Ctrl-click picks the target under the pointer. ``level`` GRID paints
    whole grids into the target comprehensive grid."""

    name = "paint"
    cursor = Qt.CursorShape.PointingHandCursor
    level = Level.GRID_UNIT
    lasso = False

    def __init__(self, canvas: MapCanvas, host: EditHost) -> None:
        super().__init__(canvas, host)
        self.stroke: list[int] = []
        self.path: list[tuple[float, float]] = []
        self.active = False

    @property
    def target_level(self) -> Level:
        return Level.GRID if self.level is Level.GRID_UNIT else Level.COMPREHENSIVE_GRID

    def press(self, event: MapEvent) -> None:
        data = self.canvas.data
        if data is None or event.button != "left":
            return
        if event.ctrl:
            hits = data.hit(self.target_level, event.x, event.y, 0.0)
            if hits:
                self.host.pick_target(self.target_level, hits[0])
            return
        self.active, self.stroke, self.path = True, [], [(event.x, event.y)]
        self._collect(event)

    def move(self, event: MapEvent) -> None:
        if self.active:
            self.path.append((event.x, event.y))
            self._collect(event)
        self._show(event)

    def release(self, event: MapEvent) -> None:
        if not self.active:
            return
        self.active = False
        if self.lasso and len(self.path) >= 3 and self.canvas.data is not None:
            geo = self.canvas.data.levels[self.level]
            rows = geo.tree.query(Polygon(self.path), predicate="contains_properly")
            inside = shapely.contains(Polygon(self.path), shapely.point_on_surface(geo.geoms[rows]))
            self.stroke = [int(geo.ids[r]) for r in rows[inside]]
        stroke, self.stroke, self.path = self.stroke, [], []
        self._show(event)
        self.paint(stroke)

    def paint(self, ids: list[int]) -> bool:
        """Paint ``ids`` (units, or grids) into the target: one Edit."""
        project, target = self.host.project, self.host.target(self.target_level)
        if project is None or not ids:
            return False
        if target is None:
            self.host.status(t("请先选择目标网格（Ctrl+单击地图或在层级树中选择）"))
            return False
        same = _same_community(project, ids, target)
        if len(same) < len(ids):
            self.host.status(t("其他社区的单元未划入（不跨社区调整）"))
        if self.level is Level.GRID_UNIT:
            return self.host.plan(lambda: editing.assign_units(project, same, target))
        return self.host.plan(lambda: editing.assign_grids(project, same, target))

    def _collect(self, event: MapEvent) -> None:
        data = self.canvas.data
        if data is None or self.lasso:
            return
        geo = data.levels[self.level]
        radius = BRUSH_PIXELS * self.canvas.view.mpp
        rows = geo.tree.query(Point(event.x, event.y), predicate="dwithin", distance=radius)
        for row in rows.tolist():
            node = int(geo.ids[row])
            if node not in self.stroke:
                self.stroke.append(node)

    def _show(self, event: MapEvent) -> None:
        data = self.canvas.data
        if data is None:
            return
        collected = selection_path(data, self.level, self.stroke) if self.stroke else None
        if self.lasso:
            overlay = Overlay(line=tuple(self.path), closed=True)
        else:
            radius = BRUSH_PIXELS * self.canvas.view.mpp
            overlay = Overlay(brush=(event.x, event.y, radius))
        if collected is not None:
            overlay = Overlay(
                overlay.line, overlay.closed, brush=overlay.brush, collected=collected
            )
        self.canvas.set_overlay(overlay)


class LassoPaintTool(PaintTool):
    name = "lasso"
    lasso = True


class PaintGridsTool(PaintTool):
    name = "paint_grids"
    level = Level.GRID


class _LineTool(EditTool):
    """Click to add snapped points; right-click or Enter finishes, Esc cancels,
    Backspace removes the last point."""

    snapping = True
    cursor = Qt.CursorShape.CrossCursor
    closed = False

    def __init__(self, canvas: MapCanvas, host: EditHost) -> None:
        super().__init__(canvas, host)
        self.points: list[MapEvent] = []

    def press(self, event: MapEvent) -> None:
        if event.button == "right":
            self.finish()
        elif event.button == "left":
            self.points.append(event)
            self._show(event)

    def move(self, event: MapEvent) -> None:
        self._show(event)

    def key(self, key: int) -> bool:
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
        elif key == Qt.Key.Key_Escape:
            self.points = []
            self.canvas.set_overlay(None)
        elif key == Qt.Key.Key_Backspace and self.points:
            self.points.pop()
            self._show(None)
        else:
            return False
        return True

    def finish(self) -> None:
        points, self.points = self.points, []
        self.canvas.set_overlay(None)
        if len(points) >= (3 if self.closed else 2):
            self.done([(p.lon, p.lat) for p in points], points)

    def done(self, lonlat: list[tuple[float, float]], points: list[MapEvent]) -> None: ...

    def _show(self, event: MapEvent | None) -> None:
        line = [(p.x, p.y) for p in self.points]
        if event is not None:
            line.append((event.x, event.y))
        snap = None if event is None else (event.x, event.y, event.snap)
        self.canvas.set_overlay(Overlay(line=tuple(line), closed=self.closed, snap=snap))


class SplitTool(_LineTool):
    """Draw a line across a grid (or a unit, when the active level is units) to split it."""

    name = "split"

    def done(self, lonlat: list[tuple[float, float]], points: list[MapEvent]) -> None:
        project, data = self.host.project, self.canvas.data
        if project is None or data is None:
            return
        level = Level.GRID_UNIT if self.canvas.active_level is Level.GRID_UNIT else Level.GRID
        line = LineString(lonlat)
        target = _under_line(self.canvas, level, points)
        if target is None:
            self.host.status(t("线没有穿过任何要素"))
            return
        if level is Level.GRID_UNIT:
            self.host.plan(lambda: editing.split_unit(project, target, line))
        else:
            self.host.plan(lambda: editing.split_grid(project, target, line))


class DrawUnitTool(_LineTool):
    """Draw a new unit polygon (corners snap to neighbours) into the target grid."""

    name = "draw_unit"
    closed = True

    def done(self, lonlat: list[tuple[float, float]], points: list[MapEvent]) -> None:
        project, grid = self.host.project, self.host.target(Level.GRID)
        if project is None:
            return
        if grid is None:
            self.host.status(t("请先选择目标网格（Ctrl+单击地图或在层级树中选择）"))
            return
        polygon = Polygon(lonlat)
        self.host.plan(lambda: editing.draw_unit(project, grid, polygon))


class ReshapeTool(EditTool):
    """Drag a vertex to move it (with every unit sharing it); drag from an edge to insert
    one; right-click a vertex (or Delete while over it) removes it."""

    name = "reshape"
    cursor = Qt.CursorShape.CrossCursor
    snapping = True

    def __init__(self, canvas: MapCanvas, host: EditHost) -> None:
        super().__init__(canvas, host)
        self.start: MapEvent | None = None
        self.hover: MapEvent | None = None

    def _tolerance_m(self) -> float:
        return PICK_PIXELS * self.canvas.view.mpp

    def press(self, event: MapEvent) -> None:
        if event.button == "right":
            self._delete(event)
        elif event.button == "left":
            self.start = event

    def move(self, event: MapEvent) -> None:
        self.hover = event
        handles = _handles(self.canvas, event)
        line = ((self.start.x, self.start.y), (event.x, event.y)) if self.start else ()
        self.canvas.set_overlay(
            Overlay(line=line, handles=handles, snap=(event.x, event.y, event.snap))
        )

    def release(self, event: MapEvent) -> None:
        start, self.start = self.start, None
        project = self.host.project
        if start is None or project is None:
            return
        at, to = Point(start.lon, start.lat), Point(event.lon, event.lat)
        tol = self._tolerance_m()
        moved = abs(event.px - start.px) + abs(event.py - start.py) > 3
        if start.snap == "vertex":
            if moved:
                self.host.plan(lambda: editing.move_vertex(project, at, to, tolerance_m=tol))
        elif start.snap == "edge":
            target = to if moved else None
            self.host.plan(lambda: editing.insert_vertex(project, at, target, tolerance_m=tol))
        self.canvas.set_overlay(None)

    def key(self, key: int) -> bool:
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.hover is not None:
            self._delete(self.hover)
            return True
        return False

    def _delete(self, event: MapEvent) -> None:
        project = self.host.project
        if project is None or event.snap != "vertex":
            return
        at, tol = Point(event.lon, event.lat), self._tolerance_m()
        self.host.plan(lambda: editing.delete_vertex(project, at, tolerance_m=tol))


def _handles(canvas: MapCanvas, event: MapEvent) -> tuple[tuple[float, float], ...]:
    """Vertices of the units near the pointer (drawn as handles)."""
    data = canvas.data
    if data is None:
        return ()
    geo = data.levels[Level.GRID_UNIT]
    rows = geo.tree.query(
        Point(event.x, event.y), predicate="dwithin", distance=40 * canvas.view.mpp
    )
    if len(rows) == 0 or len(rows) > 12:
        return ()
    coords = shapely.get_coordinates(geo.geoms[rows])
    return tuple((float(x), float(y)) for x, y in np.unique(coords, axis=0))


def _under_line(canvas: MapCanvas, level: Level, points: list[MapEvent]) -> int | None:
    """The feature the drawn line crosses most (its longest piece inside)."""
    data = canvas.data
    if data is None:
        return None
    geo = data.levels[level]
    line = LineString([(p.x, p.y) for p in points])
    rows = geo.tree.query(line, predicate="intersects")
    if len(rows) == 0:
        return None
    lengths = shapely.length(shapely.intersection(geo.geoms[rows], line))
    return int(geo.ids[rows[int(np.argmax(lengths))]])


def _same_community(project: Project, ids: list[int], target: int) -> list[int]:
    """The members of ``ids`` in the target's community (painting doesn't cross them)."""
    home = _community(project, target)
    return [i for i in ids if _community(project, i) == home]


def _community(project: Project, node_id: int) -> int | None:
    nodes = project.nodes
    current: int | None = node_id
    while current is not None:
        if nodes.at[current, "level"] == Level.COMMUNITY.value:
            return current
        parent = nodes.at[current, "parent_id"]
        current = None if parent is None or parent != parent else int(parent)
    return None
