"""Map tools: state objects the canvas forwards mouse and key events to (QGIS-style).

A tool gets a :class:`MapEvent` (map coordinates already resolved) and never edits
the plan itself; the editing tools (:mod:`gridplanner.ui.edit_tools`) push one
undo command per gesture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QCursor

if TYPE_CHECKING:
    from gridplanner.ui.canvas import MapCanvas

#: Dragging less than this many pixels is a click.
CLICK_SLOP = 4


@dataclass(frozen=True)
class MapEvent:
    """A mouse event in map terms: local metres and pixels, button and modifiers.

    ``lon``/``lat`` are CGCS2000 degrees (what the editing core works in). For a tool
    with ``snapping`` on, the canvas has already snapped the point: ``x``/``y`` and
    ``lon``/``lat`` are the snapped position and ``snap`` says onto what ("vertex",
    "edge" or "none"); ``px``/``py`` stay where the pointer is.
    """

    x: float
    y: float
    px: float
    py: float
    button: str = "left"  # left | right | middle | none
    shift: bool = False
    ctrl: bool = False
    lon: float = math.nan
    lat: float = math.nan
    snap: str = "none"


class MapTool:
    """Base tool: override the handlers you need."""

    name = "tool"
    cursor = Qt.CursorShape.ArrowCursor
    #: True: the canvas snaps the pointer to unit vertices and edges before forwarding.
    snapping = False

    def __init__(self, canvas: MapCanvas) -> None:
        self.canvas = canvas

    def activate(self) -> None:
        self.canvas.setCursor(QCursor(self.cursor))

    def deactivate(self) -> None:
        self.canvas.set_rubber_band(None)

    def press(self, event: MapEvent) -> None: ...

    def move(self, event: MapEvent) -> None: ...

    def release(self, event: MapEvent) -> None: ...

    def key(self, key: int) -> bool:
        """Handle a key; return True if consumed."""
        return False


class _DragTool(MapTool):
    """Tracks a press → drag → release gesture and tells clicks from drags."""

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self.start: MapEvent | None = None
        self.dragging = False

    def press(self, event: MapEvent) -> None:
        if event.button == "left":
            self.start, self.dragging = event, False
        elif event.button == "right":  # the navigation tools' context menu, as in QGIS
            self.canvas.contextRequested.emit(event)

    def move(self, event: MapEvent) -> None:
        if self.start is None:
            return
        if abs(event.px - self.start.px) + abs(event.py - self.start.py) > CLICK_SLOP:
            self.dragging = True
        if self.dragging:
            self.drag(self.start, event)

    def release(self, event: MapEvent) -> None:
        start, self.start = self.start, None
        if start is None:
            return
        if self.dragging:
            self.finish_drag(start, event)
        else:
            self.click(event)
        self.dragging = False

    def drag(self, start: MapEvent, event: MapEvent) -> None: ...

    def finish_drag(self, start: MapEvent, event: MapEvent) -> None: ...

    def click(self, event: MapEvent) -> None:
        self.canvas.select_at(event)


class PanTool(_DragTool):
    """Drag pans; a click selects (shift-click adds or removes)."""

    name = "pan"
    cursor = Qt.CursorShape.OpenHandCursor

    def press(self, event: MapEvent) -> None:
        super().press(event)
        self._last = event

    def drag(self, start: MapEvent, event: MapEvent) -> None:
        self.canvas.pan_pixels(event.px - self._last.px, event.py - self._last.py)
        self._last = event


class _BoxTool(_DragTool):
    def drag(self, start: MapEvent, event: MapEvent) -> None:
        self.canvas.set_rubber_band(
            QRectF(start.px, start.py, event.px - start.px, event.py - start.py).normalized()
        )

    def finish_drag(self, start: MapEvent, event: MapEvent) -> None:
        self.canvas.set_rubber_band(None)
        box = (
            min(start.x, event.x),
            min(start.y, event.y),
            max(start.x, event.x),
            max(start.y, event.y),
        )
        self.box(box, event)

    def box(self, box: tuple[float, float, float, float], event: MapEvent) -> None: ...


class SelectTool(_BoxTool):
    """Click selects, shift-click toggles, dragging a box selects what it touches."""

    name = "select"
    cursor = Qt.CursorShape.CrossCursor

    def box(self, box: tuple[float, float, float, float], event: MapEvent) -> None:
        self.canvas.select_box(box, add=event.shift)


class ZoomBoxTool(_BoxTool):
    """Drag a box to zoom to it; click zooms in around the point."""

    name = "zoom_box"
    cursor = Qt.CursorShape.CrossCursor

    def box(self, box: tuple[float, float, float, float], event: MapEvent) -> None:
        self.canvas.zoom_to_bounds(box, margin=0.0)

    def click(self, event: MapEvent) -> None:
        self.canvas.zoom_by(2.0, (event.px, event.py))


class IdentifyTool(_DragTool):
    """Click shows what lies under the cursor at every level."""

    name = "identify"
    cursor = Qt.CursorShape.WhatsThisCursor

    def click(self, event: MapEvent) -> None:
        self.canvas.identify_at(event)
