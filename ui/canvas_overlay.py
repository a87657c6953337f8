"""What an editing tool draws over the map while a gesture is under way.

An :class:`Overlay` is a frozen value in local metres (a polyline or lasso, vertex
handles, the snap marker, the brush circle, the features a stroke has collected);
the canvas paints it on top of the cached map image, so tools never paint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF

from gridplanner.layers.view import MapView

LINE_COLOUR = QColor(255, 90, 0)
HANDLE_COLOUR = QColor(20, 20, 20)
SNAP_COLOURS = {"vertex": QColor(230, 0, 120), "edge": QColor(0, 150, 220)}
STROKE_COLOUR = QColor(255, 200, 0)
READ_ONLY_COLOUR = QColor(90, 90, 90)


@dataclass(frozen=True)
class HatchedArea:
    """A read-only area (another planner's checked-out scope) in local metres: its
    outline as a path, the holder's label and where to put it."""

    path: QPainterPath
    label: str
    anchor: tuple[float, float]


@dataclass(frozen=True)
class Overlay:
    line: tuple[tuple[float, float], ...] = ()
    closed: bool = False
    handles: tuple[tuple[float, float], ...] = ()
    snap: tuple[float, float, str] | None = None
    brush: tuple[float, float, float] | None = None  # x, y, radius (metres)
    collected: QPainterPath = field(default_factory=QPainterPath)
    caption: tuple[float, float, str] | None = None  # x, y (metres) and text, e.g. a measure


def paint_overlay(painter: QPainter, view: MapView, overlay: Overlay) -> None:
    """Paint ``overlay`` in pixel space (cosmetic pens, fixed-size markers)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if not overlay.collected.isEmpty():
        painter.save()
        painter.setTransform(view.transform())
        pen = QPen(STROKE_COLOUR.darker(130), 2.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        fill = QColor(STROKE_COLOUR)
        fill.setAlpha(120)
        painter.setBrush(fill)
        painter.drawPath(overlay.collected)
        painter.restore()
    if overlay.line:
        pixels = [QPointF(*view.to_pixel(x, y)) for x, y in overlay.line]
        points = QPolygonF(pixels)
        painter.setPen(QPen(LINE_COLOUR, 2.0, Qt.PenStyle.SolidLine))
        if overlay.closed:
            fill = QColor(LINE_COLOUR)
            fill.setAlpha(40)
            painter.setBrush(fill)
            painter.drawPolygon(points)
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPolyline(points)
        painter.setBrush(LINE_COLOUR)
        for point in pixels:
            painter.drawEllipse(point, 3, 3)
    if overlay.handles:
        painter.setPen(QPen(HANDLE_COLOUR, 1.0))
        painter.setBrush(QColor(255, 255, 255))
        for x, y in overlay.handles:
            px, py = view.to_pixel(x, y)
            painter.drawRect(int(px) - 3, int(py) - 3, 6, 6)
    if overlay.brush is not None:
        x, y, radius = overlay.brush
        px, py = view.to_pixel(x, y)
        r = radius / view.mpp
        painter.setPen(QPen(QColor(40, 40, 40), 1.5, Qt.PenStyle.DashLine))
        painter.setBrush(QColor(255, 200, 0, 50))
        painter.drawEllipse(QPointF(px, py), r, r)
    if overlay.snap is not None:
        x, y, kind = overlay.snap
        colour = SNAP_COLOURS.get(kind)
        if colour is not None:
            px, py = view.to_pixel(x, y)
            painter.setPen(QPen(colour, 2.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            if kind == "vertex":
                painter.drawRect(int(px) - 7, int(py) - 7, 14, 14)
            else:
                painter.drawLine(int(px) - 7, int(py) - 7, int(px) + 7, int(py) + 7)
                painter.drawLine(int(px) - 7, int(py) + 7, int(px) + 7, int(py) - 7)
    if overlay.caption is not None:
        x, y, text = overlay.caption
        px, py = view.to_pixel(x, y)
        box = painter.fontMetrics().boundingRect(text).adjusted(-5, -3, 5, 3)
        box.moveTopLeft(QPointF(px + 12, py + 12).toPoint())
        painter.setPen(QPen(QColor(60, 60, 60), 1.0))
        painter.setBrush(QColor(255, 255, 240, 235))
        painter.drawRect(box)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
    painter.restore()


def paint_hatched(painter: QPainter, view: MapView, areas: tuple[HatchedArea, ...]) -> None:
    """Grey, hatched, outlined areas with their holder's name: scopes this window may
    not edit (see :mod:`gridplanner.ui.checkout_guard`)."""
    if not areas:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.save()
    painter.setTransform(view.transform())
    pen = QPen(READ_ONLY_COLOUR, 2.0, Qt.PenStyle.DashLine)
    pen.setCosmetic(True)
    veil = QColor(READ_ONLY_COLOUR)
    veil.setAlpha(70)
    hatch = QBrush(READ_ONLY_COLOUR, Qt.BrushStyle.BDiagPattern)
    hatch.setTransform(view.transform().inverted()[0])  # hatch lines a fixed pixel apart
    for area in areas:
        painter.setPen(pen)
        painter.setBrush(veil)
        painter.drawPath(area.path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(hatch)
        painter.drawPath(area.path)
    painter.restore()
    for area in areas:
        px, py = view.to_pixel(*area.anchor)
        box = painter.fontMetrics().boundingRect(area.label).adjusted(-5, -3, 5, 3)
        box.moveCenter(QPointF(px, py).toPoint())
        painter.setPen(QPen(READ_ONLY_COLOUR, 1.0))
        painter.setBrush(QColor(245, 245, 245, 230))
        painter.drawRect(box)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), area.label)
    painter.restore()


def paint_furniture(painter: QPainter, view: MapView, lang: str = "zh") -> None:
    """The canvas's scale bar (bottom left) and north arrow (top right), in pixels."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    metres = view.mpp * 110  # about 110 px of map
    step = 10 ** math.floor(math.log10(max(metres, 1e-3)))
    length = max(s for s in (step, 2 * step, 5 * step) if s <= metres)
    px = length / view.mpp
    x0, y0 = 12.0, view.height - 16.0
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 200))
    painter.drawRoundedRect(QRectF(x0 - 6, y0 - 20, px + 70, 28), 3, 3)
    dark = QColor(30, 30, 30)
    for k in range(2):
        painter.setPen(QPen(dark, 1.0))
        painter.setBrush(dark if k == 0 else QColor("white"))
        painter.drawRect(QRectF(x0 + k * px / 2, y0 - 4, px / 2, 5))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    painter.setPen(dark)
    painter.drawText(QPointF(x0, y0 - 8), "0")
    painter.drawText(QPointF(x0 + px + 6, y0 + 2), label)
    tip = QPointF(view.width - 26.0, 12.0)
    painter.setPen(QPen(dark, 1.0))
    painter.setBrush(dark)
    painter.drawPolygon(
        QPolygonF([tip, QPointF(tip.x() - 8, tip.y() + 24), QPointF(tip.x(), tip.y() + 18)])
    )
    painter.setBrush(QColor("white"))
    painter.drawPolygon(
        QPolygonF([tip, QPointF(tip.x() + 8, tip.y() + 24), QPointF(tip.x(), tip.y() + 18)])
    )
    painter.drawText(
        QRectF(tip.x() - 12, tip.y() + 24, 24, 16),
        int(Qt.AlignmentFlag.AlignCenter),
        "N" if lang == "en" else "北",
    )
    painter.restore()
