"""Grid notice boards (网格公示牌): one A4 sheet per grid for the community's wall.

The grid's map (its units; everything else greyed), its name and code, households and
population, its grid workers with their roles — and their service phone numbers only
when asked for, since they are personal data — and a plain-text footer with the
community and the date. Chinese throughout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from gridplanner.layers.labels import LABEL_FONT_FAMILY
from gridplanner.layers.print_layout import MM_PER_INCH, paint_frame
from gridplanner.layers.snapshot import MapData
from gridplanner.layers.style import LayerState
from gridplanner.layers.view import MapView


@dataclass(frozen=True)
class Board:
    """What one notice board says."""

    grid_name: str
    grid_code: str
    community: str
    households: int
    population: int
    workers: Sequence[tuple[str, str, str, str | None]]  # name, role, employment, phone
    when: str
    include_personal: bool = False


def print_board(
    data: MapData,
    layers: tuple[LayerState, ...],
    extent: tuple[float, float, float, float],
    board: Board,
    path: str | Path,
    overlay: Callable[[QPainter, MapView], None] | None = None,
    dpi: int = 200,
) -> Path:
    """One A4 portrait PDF for one grid."""
    path = Path(path)
    writer = QPdfWriter(str(path))
    writer.setResolution(dpi)
    writer.setTitle(f"网格公示牌 {board.grid_name}")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QSizeF(210, 297), QPageSize.Unit.Millimeter),
            QPageLayout.Orientation.Portrait,
            QMarginsF(),
        )
    )
    mm = dpi / MM_PER_INCH
    painter = QPainter(writer)
    try:
        _board(painter, data, layers, extent, board, mm, dpi, overlay)
    finally:
        painter.end()
    return path


def _board(
    painter: QPainter,
    data: MapData,
    layers: tuple[LayerState, ...],
    extent: tuple[float, float, float, float],
    board: Board,
    mm: float,
    dpi: int,
    overlay: Callable[[QPainter, MapView], None] | None,
) -> None:
    width, margin = 210 * mm, 14 * mm
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    _line(
        painter,
        QRectF(margin, margin, width - 2 * margin, 14 * mm),
        "网格公示牌",
        9 * mm,
        bold=True,
        centre=True,
    )
    _line(
        painter,
        QRectF(margin, margin + 15 * mm, width - 2 * margin, 9 * mm),
        f"{board.grid_name}（{board.grid_code}）",
        5.5 * mm,
        bold=True,
        centre=True,
    )
    frame = QRectF(margin, margin + 27 * mm, width - 2 * margin, 120 * mm)
    scale, _ = paint_frame(painter, data, layers, extent, frame, dpi, overlay=overlay)
    painter.setPen(QPen(QColor(60, 60, 60), 0.35 * mm))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(frame)
    _line(
        painter,
        QRectF(frame.left(), frame.bottom() + 1 * mm, frame.width(), 5 * mm),
        f"比例尺 1:{scale:,.0f}",
        3.2 * mm,
    )
    y = frame.bottom() + 9 * mm
    facts = (
        f"所属社区：{board.community}    户数：{board.households} 户    人口：{board.population} 人"
    )
    _line(painter, QRectF(margin, y, width - 2 * margin, 8 * mm), facts, 4.4 * mm)
    y += 12 * mm
    _line(painter, QRectF(margin, y, width - 2 * margin, 8 * mm), "网格员", 5 * mm, bold=True)
    y += 9 * mm
    headers = ["姓名", "角色", "专兼职"] + (["服务电话"] if board.include_personal else [])
    columns = [margin, margin + 40 * mm, margin + 95 * mm, margin + 125 * mm]
    for k, header in enumerate(headers):
        _line(painter, QRectF(columns[k], y, 60 * mm, 7 * mm), header, 4 * mm, bold=True)
    y += 8 * mm
    for name, role, employment, phone in board.workers:
        values = [name, role, employment] + ([phone or "—"] if board.include_personal else [])
        for k, value in enumerate(values):
            _line(painter, QRectF(columns[k], y, 60 * mm, 7 * mm), value, 4 * mm)
        y += 7.5 * mm
    if not board.workers:
        _line(painter, QRectF(margin, y, width - 2 * margin, 7 * mm), "（暂无网格员）", 4 * mm)
    _line(
        painter,
        QRectF(margin, 297 * mm - margin - 7 * mm, width - 2 * margin, 7 * mm),
        f"{board.community}    {board.when}",
        3.4 * mm,
        colour=QColor(90, 90, 90),
        centre=True,
    )


def _line(
    painter: QPainter,
    box: QRectF,
    text: str,
    size_px: float,
    bold: bool = False,
    colour: QColor | None = None,
    centre: bool = False,
) -> None:
    font = QFont(LABEL_FONT_FAMILY)
    font.setPixelSize(max(1, round(size_px)))
    font.setBold(bold)
    painter.setFont(font)
    painter.setPen(colour or QColor(20, 20, 20))
    align = Qt.AlignmentFlag.AlignHCenter if centre else Qt.AlignmentFlag.AlignLeft
    painter.drawText(box, int(align | Qt.AlignmentFlag.AlignVCenter), text)
