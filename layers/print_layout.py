"""Print layouts (打印布局): a map sheet for the meeting and the wall.

A sheet has a title and subtitle, the map at a round scale fitted to its extent, a
legend, a north arrow, a scale bar with its ratio, and a footer with the producer,
the date and the coordinate system — on A4, A3 or A2, portrait or landscape, as PDF
(vector, fonts embedded, text searchable) or PNG at a chosen dpi. The same painter
code draws the app's 打印 dialog and ``gridplanner print``; labels are placed without
collisions by the renderer's label placer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QPolygonF,
)

from gridplanner.layers.basemap import TileSource
from gridplanner.layers.labels import LABEL_FONT_FAMILY
from gridplanner.layers.legend import LegendEntry, legend_entries
from gridplanner.layers.renderer import BACKGROUND, PathCache, RenderRequest, paint_map
from gridplanner.layers.snapshot import MapData
from gridplanner.layers.style import LayerState
from gridplanner.layers.view import METRES_PER_INCH, SCREEN_DPI, MapView

MM_PER_INCH = 25.4
PAPERS_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0), "A2": (420.0, 594.0)}
#: Scales a sheet snaps to (the first not smaller than the fitted one).
NICE_SCALES = (
    500,
    1_000,
    2_000,
    2_500,
    5_000,
    10_000,
    15_000,
    20_000,
    25_000,
    50_000,
    75_000,
    100_000,
    150_000,
    200_000,
    250_000,
    500_000,
    1_000_000,
    2_000_000,
)
WORDS = {
    "legend": ("图例", "Legend"),
    "scale": ("比例尺", "Scale"),
    "north": ("北", "N"),
    "made": ("制图", "Made with"),
    "date": ("日期", "Date"),
}


@dataclass(frozen=True)
class Sheet:
    """What goes on the sheet around the map."""

    title: str
    subtitle: str = ""
    paper: str = "A3"
    landscape: bool = True
    dpi: int = 200
    producer: str = "gridplanner 网格化管理规划工具"
    when: str = ""  # the date printed (today by default)
    lang: str = "zh"
    scale: float | None = None  # 1:N; None: fitted to the extent
    legend: bool = True

    @property
    def size_mm(self) -> tuple[float, float]:
        short, long = PAPERS_MM[self.paper]
        return (long, short) if self.landscape else (short, long)


def word(key: str, lang: str) -> str:
    zh, en = WORDS[key]
    return en if lang == "en" else zh


def print_sheet(
    data: MapData,
    layers: tuple[LayerState, ...],
    extent: tuple[float, float, float, float],
    sheet: Sheet,
    path: str | Path,
    overlay: Callable[[QPainter, MapView], None] | None = None,
    basemap: TileSource | None = None,
) -> Path:
    """Draw ``extent`` (local metres) on ``sheet`` to ``path`` (.pdf or .png); returns it.
    ``overlay`` draws over the map in map coordinates (e.g. a highlighted grid)."""
    path = Path(path)
    width_mm, height_mm = sheet.size_mm
    px_per_mm = sheet.dpi / MM_PER_INCH
    width, height = round(width_mm * px_per_mm), round(height_mm * px_per_mm)
    if path.suffix.lower() == ".pdf":
        writer = QPdfWriter(str(path))
        writer.setResolution(sheet.dpi)
        writer.setTitle(sheet.title)
        writer.setCreator(sheet.producer)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QSizeF(width_mm, height_mm), QPageSize.Unit.Millimeter),
                QPageLayout.Orientation.Portrait,
                QMarginsF(),
            )
        )
        painter = QPainter(writer)
        try:
            _draw(painter, data, layers, extent, sheet, width, height, px_per_mm, overlay, basemap)
        finally:
            painter.end()
        return path
    image = sheet_image(data, layers, extent, sheet, overlay, basemap)
    if not image.save(str(path)):
        raise OSError(f"{path}: could not write the image")
    return path


def sheet_image(
    data: MapData,
    layers: tuple[LayerState, ...],
    extent: tuple[float, float, float, float],
    sheet: Sheet,
    overlay: Callable[[QPainter, MapView], None] | None = None,
    basemap: TileSource | None = None,
) -> QImage:
    """The sheet as an image at its dpi (the PNG, and the dialog's preview)."""
    width_mm, height_mm = sheet.size_mm
    px_per_mm = sheet.dpi / MM_PER_INCH
    width, height = round(width_mm * px_per_mm), round(height_mm * px_per_mm)
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    dots_per_metre = round(sheet.dpi / METRES_PER_INCH)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        _draw(painter, data, layers, extent, sheet, width, height, px_per_mm, overlay, basemap)
    finally:
        painter.end()
    return image


def _draw(
    painter: QPainter,
    data: MapData,
    layers: tuple[LayerState, ...],
    extent: tuple[float, float, float, float],
    sheet: Sheet,
    width: int,
    height: int,
    px_per_mm: float,
    overlay: Callable[[QPainter, MapView], None] | None,
    basemap: TileSource | None = None,
) -> None:
    mm = px_per_mm
    margin = 10 * mm
    header = 22 * mm if sheet.subtitle else 16 * mm
    footer = 9 * mm
    legend_w = 62 * mm if sheet.legend else 0.0
    frame = QRectF(
        margin,
        margin + header,
        width - 2 * margin - legend_w - (4 * mm if legend_w else 0),
        height - 2 * margin - header - footer,
    )
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    _text(
        painter,
        QRectF(margin, margin, width - 2 * margin, 11 * mm),
        sheet.title,
        7.5 * mm,
        bold=True,
    )
    if sheet.subtitle:
        _text(
            painter,
            QRectF(margin, margin + 11 * mm, width - 2 * margin, 8 * mm),
            sheet.subtitle,
            4.2 * mm,
        )
    scale, mpp = paint_frame(
        painter, data, layers, extent, frame, sheet.dpi, sheet.scale, sheet.lang, overlay, basemap
    )
    painter.setPen(QPen(QColor(60, 60, 60), 0.35 * mm))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(frame)
    _north_arrow(painter, QPointF(frame.right() - 12 * mm, frame.top() + 8 * mm), mm, sheet.lang)
    _scale_bar(painter, frame, mpp, scale, mm, sheet.lang)
    if sheet.legend:
        box = QRectF(frame.right() + 4 * mm, frame.top(), legend_w, frame.height())
        shown = tuple(s for s in layers if s.in_scale(scale))  # what the sheet draws
        _legend(painter, box, legend_entries(shown, sheet.lang), mm, sheet.lang)
    when = sheet.when or date.today().isoformat()
    foot = (
        f"{word('made', sheet.lang)}: {sheet.producer}    {word('date', sheet.lang)}: {when}    "
        f"CGCS2000 · {data.crs}"
    )
    _text(
        painter,
        QRectF(margin, height - margin - footer + 2 * mm, width - 2 * margin, footer - 2 * mm),
        foot,
        3.0 * mm,
        colour=QColor(80, 80, 80),
    )


def paint_frame(
    painter: QPainter,
    data: MapData,
    layers: tuple[LayerState, ...],
    extent: tuple[float, float, float, float],
    frame: QRectF,
    dpi: int,
    scale: float | None = None,
    lang: str = "zh",
    overlay: Callable[[QPainter, MapView], None] | None = None,
    basemap: TileSource | None = None,
) -> tuple[float, float]:
    """Paint the map of ``extent`` into ``frame`` (device pixels at ``dpi``) at 1:``scale``
    (fitted when None); returns the scale and the metres per device pixel.

    The map is drawn in screen-sized logical pixels scaled up to the device, so labels,
    lines and symbols have the size on paper they have on screen; the layers' scale
    ranges apply at the printed scale, as in a QGIS layout."""
    scale = scale or fitted_scale(extent, frame, dpi)
    mpp = scale * METRES_PER_INCH / dpi
    zoom = dpi / SCREEN_DPI
    cx, cy = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
    view = MapView(cx, cy, mpp * zoom, round(frame.width() / zoom), round(frame.height() / zoom))
    painter.save()
    painter.translate(frame.topLeft())
    painter.setClipRect(QRectF(0, 0, frame.width(), frame.height()))
    painter.fillRect(QRectF(0, 0, frame.width(), frame.height()), BACKGROUND)
    painter.scale(zoom, zoom)
    paint_map(painter, RenderRequest(data, view, layers, lang, basemap), PathCache())
    if overlay is not None:
        painter.resetTransform()
        painter.translate(frame.topLeft())
        painter.scale(zoom, zoom)
        painter.setTransform(view.transform(), combine=True)
        overlay(painter, view)
    painter.restore()
    return scale, mpp


def fitted_scale(extent: tuple[float, float, float, float], frame: QRectF, dpi: int) -> float:
    """The first round scale at which ``extent`` (metres) fits ``frame`` (pixels)."""
    metres_per_px = (
        max(
            (extent[2] - extent[0]) / max(frame.width(), 1.0),
            (extent[3] - extent[1]) / max(frame.height(), 1.0),
        )
        * 1.08
    )  # a little air around the scope
    exact = metres_per_px * dpi / METRES_PER_INCH
    return float(next((s for s in NICE_SCALES if s >= exact), math.ceil(exact / 1e5) * 1e5))


def _font(size_px: float, bold: bool = False) -> QFont:
    font = QFont(LABEL_FONT_FAMILY)
    font.setPixelSize(max(1, round(size_px)))
    font.setBold(bold)
    return font


def _text(
    painter: QPainter,
    box: QRectF,
    text: str,
    size_px: float,
    bold: bool = False,
    colour: QColor | None = None,
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
) -> None:
    painter.setFont(_font(size_px, bold))
    painter.setPen(colour or QColor(20, 20, 20))
    painter.drawText(box, int(align | Qt.AlignmentFlag.AlignVCenter), text)


def _north_arrow(painter: QPainter, tip: QPointF, mm: float, lang: str) -> None:
    half, length = 3.2 * mm, 10 * mm
    left = QPolygonF(
        [tip, QPointF(tip.x() - half, tip.y() + length), QPointF(tip.x(), tip.y() + length * 0.72)]
    )
    right = QPolygonF(
        [tip, QPointF(tip.x() + half, tip.y() + length), QPointF(tip.x(), tip.y() + length * 0.72)]
    )
    painter.setPen(QPen(QColor(30, 30, 30), 0.3 * mm))
    painter.setBrush(QColor(30, 30, 30))
    painter.drawPolygon(left)
    painter.setBrush(QColor("white"))
    painter.drawPolygon(right)
    _text(
        painter,
        QRectF(tip.x() - 5 * mm, tip.y() + length, 10 * mm, 5 * mm),
        word("north", lang),
        3.6 * mm,
        bold=True,
        align=Qt.AlignmentFlag.AlignHCenter,
    )


def _scale_bar(
    painter: QPainter, frame: QRectF, mpp: float, scale: float, mm: float, lang: str
) -> None:
    target = frame.width() * 0.22 * mpp  # about a fifth of the frame, in metres
    step = 10 ** math.floor(math.log10(max(target, 1.0)))
    length_m = max(s for s in (step, 2 * step, 5 * step) if s <= target) if target >= 1 else 1.0
    length_px = length_m / mpp
    x0, y0 = frame.left() + 6 * mm, frame.bottom() - 8 * mm
    painter.fillRect(
        QRectF(x0 - 2 * mm, y0 - 6 * mm, length_px + 34 * mm, 11 * mm), QColor(255, 255, 255, 215)
    )
    painter.setPen(QPen(QColor(30, 30, 30), 0.3 * mm))
    for k in range(4):
        colour = QColor(30, 30, 30) if k % 2 == 0 else QColor("white")
        painter.setBrush(colour)
        painter.drawRect(QRectF(x0 + k * length_px / 4, y0, length_px / 4, 1.6 * mm))
    label = f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"
    _text(
        painter,
        QRectF(x0, y0 - 5.5 * mm, length_px + 30 * mm, 5 * mm),
        f"{word('scale', lang)} 1:{scale:,.0f}    0 — {label}",
        3.2 * mm,
    )


def _legend(
    painter: QPainter, box: QRectF, entries: list[LegendEntry], mm: float, lang: str
) -> None:
    painter.setPen(QPen(QColor(120, 120, 120), 0.25 * mm))
    painter.setBrush(QColor(255, 255, 255))
    painter.drawRect(box)
    _text(
        painter,
        QRectF(box.left() + 4 * mm, box.top() + 2 * mm, box.width(), 8 * mm),
        word("legend", lang),
        4.4 * mm,
        bold=True,
    )
    y = box.top() + 12 * mm
    for entry in entries:
        if y > box.bottom() - 6 * mm:
            break
        x = box.left() + (8 if entry.indent else 4) * mm
        symbol = QRectF(x, y + 1 * mm, 6 * mm, 3.5 * mm)
        if entry.dot and entry.fill is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(entry.fill)
            painter.drawEllipse(symbol.center(), 1.2 * mm, 1.2 * mm)
        elif entry.fill is not None:
            painter.setPen(QPen(QColor(90, 90, 90), 0.2 * mm))
            painter.setBrush(entry.fill)
            painter.drawRect(symbol)
        elif entry.line is not None:
            path = QPainterPath(QPointF(symbol.left(), symbol.center().y()))
            path.lineTo(symbol.right(), symbol.center().y())
            painter.setPen(QPen(entry.line, 0.6 * mm))
            painter.drawPath(path)
        offset = 8 * mm if (entry.fill or entry.line) else 0.0
        _text(
            painter,
            QRectF(x + offset, y, box.right() - x - offset - 2 * mm, 5.5 * mm),
            entry.text,
            3.0 * mm,
        )
        y += 6 * mm
