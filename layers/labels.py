"""Label placement with collision avoidance: greedy by priority over a bucket grid."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter

LABEL_FONT_FAMILY = "WenQuanYi Micro Hei"
_CELL = 64


@dataclass(frozen=True)
class LabelCandidate:
    """A label wanting to sit centred on (x, y) pixels; lower priority wins first."""

    x: float
    y: float
    lines: tuple[str, ...]
    priority: float
    bold: bool = False
    point_size: float = 9.0
    colour: QColor | None = None


class LabelPlacer:
    """Accepts labels whose boxes overlap no label placed before."""

    def __init__(self, width: int, height: int, padding: float = 3.0) -> None:
        self.width = width
        self.height = height
        self.padding = padding
        self._buckets: dict[tuple[int, int], list[QRectF]] = {}
        self.placed: list[tuple[LabelCandidate, QRectF]] = []

    def _cells(self, rect: QRectF) -> list[tuple[int, int]]:
        x0, y0 = int(rect.left() // _CELL), int(rect.top() // _CELL)
        x1, y1 = int(rect.right() // _CELL), int(rect.bottom() // _CELL)
        return [(i, j) for i in range(x0, x1 + 1) for j in range(y0, y1 + 1)]

    def try_place(self, candidate: LabelCandidate, rect: QRectF) -> bool:
        """Place ``candidate`` in ``rect`` (pixels) unless it collides or leaves the view."""
        if (
            rect.left() < 0
            or rect.top() < 0
            or rect.right() > self.width
            or rect.bottom() > self.height
        ):
            return False
        padded = rect.adjusted(-self.padding, -self.padding, self.padding, self.padding)
        cells = self._cells(padded)
        for cell in cells:
            for other in self._buckets.get(cell, ()):
                if other.intersects(padded):
                    return False
        for cell in cells:
            self._buckets.setdefault(cell, []).append(padded)
        self.placed.append((candidate, rect))
        return True


def place_and_draw(
    painter: QPainter, candidates: list[LabelCandidate], width: int, height: int, limit: int = 300
) -> int:
    """Place candidates by priority and draw those that fit, with a white halo."""
    placer = LabelPlacer(width, height)
    fonts: dict[tuple[float, bool], tuple[QFont, QFontMetricsF]] = {}
    for candidate in sorted(candidates, key=lambda c: c.priority):
        if len(placer.placed) >= limit:
            break
        key = (candidate.point_size, candidate.bold)
        if key not in fonts:
            font = QFont(LABEL_FONT_FAMILY)
            # Sized in pixels (points at 96 dpi), not points: the same size on screen and,
            # scaled by the painter, on paper — and measured as it will be drawn.
            font.setPixelSize(round(candidate.point_size * 96 / 72))
            font.setBold(candidate.bold)
            fonts[key] = (font, QFontMetricsF(font))
        _, metrics = fonts[key]
        line_height = metrics.height()
        text_width = max(metrics.horizontalAdvance(line) for line in candidate.lines)
        total = line_height * len(candidate.lines)
        rect = QRectF(candidate.x - text_width / 2, candidate.y - total / 2, text_width, total)
        placer.try_place(candidate, rect)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    white = QColor(255, 255, 255, 235)
    for candidate, rect in placer.placed:
        font, metrics = fonts[(candidate.point_size, candidate.bold)]
        painter.setFont(font)
        for index, line in enumerate(candidate.lines):
            x = rect.center().x() - metrics.horizontalAdvance(line) / 2
            y = rect.top() + metrics.ascent() + index * metrics.height()
            painter.setPen(white)  # a halo: the text drawn around itself in white
            for dx, dy in _HALO:
                painter.drawText(QPointF(x + dx, y + dy), line)
            painter.setPen(candidate.colour or QColor(30, 30, 30))
            painter.drawText(QPointF(x, y), line)
    return len(placer.placed)


_HALO = (
    (-1.2, 0),
    (1.2, 0),
    (0, -1.2),
    (0, 1.2),
    (-0.9, -0.9),
    (0.9, 0.9),
    (-0.9, 0.9),
    (0.9, -0.9),
)
