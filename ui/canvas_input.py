"""Mouse and key handling helpers for :class:`gridplanner.ui.canvas.MapCanvas`.

The canvas keeps the Qt event overrides; these helpers turn Qt events into
:class:`MapEvent` values and apply the canvas's built-in keyboard navigation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent

from gridplanner.layers.view import MapView
from gridplanner.ui.map_tools import MapEvent

if TYPE_CHECKING:
    from gridplanner.ui.canvas import MapCanvas

BUTTON_NAMES: dict[Qt.MouseButton, str] = {
    Qt.MouseButton.LeftButton: "left",
    Qt.MouseButton.RightButton: "right",
    Qt.MouseButton.MiddleButton: "middle",
}

#: Zoom factor per wheel notch (120 units of angle delta).
WHEEL_ZOOM = 1.25


def map_event(view: MapView, event: QMouseEvent, button: str | None = None) -> MapEvent:
    """``event`` in map terms under ``view`` (``button`` overrides the event's button)."""
    pos = event.position()
    x, y = view.to_map(pos.x(), pos.y())
    modifiers = event.modifiers()
    return MapEvent(
        x,
        y,
        pos.x(),
        pos.y(),
        button or BUTTON_NAMES.get(event.button(), "none"),
        bool(modifiers & Qt.KeyboardModifier.ShiftModifier),
        bool(modifiers & Qt.KeyboardModifier.ControlModifier),
    )


def pan_step(key: int, width: float, height: float) -> tuple[float, float] | None:
    """The pixel pan an arrow key makes (a quarter of the view), or None for other keys."""
    step_x, step_y = width / 4, height / 4
    moves: dict[int, tuple[float, float]] = {
        Qt.Key.Key_Left: (step_x, 0),
        Qt.Key.Key_Right: (-step_x, 0),
        Qt.Key.Key_Up: (0, step_y),
        Qt.Key.Key_Down: (0, -step_y),
    }
    return moves.get(key)


def navigate_by_key(canvas: MapCanvas, key: int) -> bool:
    """Arrow keys pan, +/- zoom, Home shows everything, Esc clears the selection.

    Returns True if the key was one of those (and so handled).
    """
    step = pan_step(key, canvas.view.width, canvas.view.height)
    if step is not None:
        canvas.pan_pixels(*step)
    elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
        canvas.zoom_by(2.0)
    elif key == Qt.Key.Key_Minus:
        canvas.zoom_by(0.5)
    elif key == Qt.Key.Key_Home:
        canvas.zoom_full()
    elif key == Qt.Key.Key_Escape:
        canvas.selection.clear("map")
    else:
        return False
    return True
