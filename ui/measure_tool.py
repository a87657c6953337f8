"""测量: distance and area on the map, in metres on the project's CGCS2000 Gauss–Krüger
plane (the plane every area and length of the plan is measured in).

Click to add points (snapped to unit vertices and edges like the drawing tools);
right-click or Enter finishes and keeps the result on the map, Backspace removes the
last point, Esc clears. The running figure follows the pointer and goes to the status
bar through the canvas's ``measured`` signal.
"""

from __future__ import annotations

import itertools
import math

from PySide6.QtCore import Qt

from gridplanner.ui.canvas_overlay import Overlay
from gridplanner.ui.i18n import t
from gridplanner.ui.map_tools import MapEvent, MapTool


def path_length(points: list[tuple[float, float]]) -> float:
    """Length of a polyline in metres."""
    return sum(math.dist(a, b) for a, b in itertools.pairwise(points))


def ring_area(points: list[tuple[float, float]]) -> float:
    """Area of the polygon the points outline (shoelace), in square metres."""
    if len(points) < 3:
        return 0.0
    twice = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        twice += x0 * y1 - x1 * y0
    return abs(twice) / 2


def format_length(metres: float) -> str:
    return f"{metres / 1000:,.3f} km" if metres >= 10_000 else f"{metres:,.1f} m"


def format_area(square_metres: float) -> str:
    hectares = square_metres / 10_000
    if square_metres >= 1_000_000:
        return f"{square_metres / 1e6:,.3f} km² ({hectares:,.1f} {t('公顷')})"
    return f"{square_metres:,.0f} m² ({hectares:,.2f} {t('公顷')})"


class MeasureTool(MapTool):
    """Measure a distance (``area=False``) or an area (``area=True``)."""

    cursor = Qt.CursorShape.CrossCursor
    snapping = True

    def __init__(self, canvas, area: bool = False) -> None:  # type: ignore[no-untyped-def]
        super().__init__(canvas)
        self.area = area
        self.name = "measure_area" if area else "measure_distance"
        self.points: list[tuple[float, float]] = []
        self.finished = False

    # -- results --------------------------------------------------------------------
    def length_m(self, extra: tuple[float, float] | None = None) -> float:
        points = self.points + ([extra] if extra else [])
        if self.area and len(points) >= 3:
            return path_length(points + points[:1])  # the perimeter
        return path_length(points)

    def area_m2(self, extra: tuple[float, float] | None = None) -> float:
        return ring_area(self.points + ([extra] if extra else []))

    def text(self, extra: tuple[float, float] | None = None) -> str:
        if self.area:
            return t("面积 {0}，周长 {1}").format(
                format_area(self.area_m2(extra)), format_length(self.length_m(extra))
            )
        return t("距离 {0}").format(format_length(self.length_m(extra)))

    # -- events ---------------------------------------------------------------------
    def press(self, event: MapEvent) -> None:
        if event.button == "right":
            self.finish()
        elif event.button == "left":
            if self.finished:
                self.points, self.finished = [], False
            self.points.append((event.x, event.y))
            self._show(event)

    def move(self, event: MapEvent) -> None:
        if not self.finished and self.points:
            self._show(event)

    def key(self, key: int) -> bool:
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
        elif key == Qt.Key.Key_Escape:
            self.points, self.finished = [], False
            self.canvas.set_overlay(None)
        elif key == Qt.Key.Key_Backspace and self.points and not self.finished:
            self.points.pop()
            self._show(None)
        else:
            return False
        return True

    def finish(self) -> None:
        if not self.points:
            return
        self.finished = True
        self._show(None)

    def deactivate(self) -> None:
        super().deactivate()
        self.canvas.set_overlay(None)

    def _show(self, event: MapEvent | None) -> None:
        extra = None if event is None or self.finished else (event.x, event.y)
        line = tuple(self.points + ([extra] if extra else []))
        text = self.text(extra)
        snap = None if event is None else (event.x, event.y, event.snap)
        where = line[-1] if line else (0.0, 0.0)
        self.canvas.set_overlay(
            Overlay(line=line, closed=self.area, snap=snap, caption=(*where, text))
        )
        self.canvas.measured.emit(text)
