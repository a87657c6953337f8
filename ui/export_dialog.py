"""Export the map view to PNG or PDF at a chosen scale (1:N) and resolution."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QSpinBox, QWidget

from gridplanner.layers.labels import LABEL_FONT_FAMILY
from gridplanner.layers.renderer import BACKGROUND, PathCache, RenderRequest, paint_map
from gridplanner.layers.view import METRES_PER_INCH, MapView
from gridplanner.ui.i18n import t

MM_PER_INCH = 25.4
SCALES = (2_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000)


def export_map(
    request: RenderRequest,
    path: str | Path,
    scale: float,
    dpi: int = 200,
    size_mm: tuple[float, float] = (277.0, 190.0),
    title: str = "",
) -> Path:
    """Render ``request``'s centre at 1:``scale`` on a ``size_mm`` sheet to PNG or PDF."""
    path = Path(path)
    width_px = round(size_mm[0] / MM_PER_INCH * dpi)
    height_px = round(size_mm[1] / MM_PER_INCH * dpi)
    mpp = scale * METRES_PER_INCH / dpi
    view = MapView(request.view.cx, request.view.cy, mpp, width_px, height_px)
    job = replace(request, view=view)
    cache = PathCache()
    if path.suffix.lower() == ".pdf":
        writer = QPdfWriter(str(path))
        writer.setResolution(dpi)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QSizeF(*size_mm), QPageSize.Unit.Millimeter),
                QPageLayout.Orientation.Portrait,
                QMarginsF(),
            )
        )
        painter = QPainter(writer)
        try:
            _paint_sheet(painter, job, cache, scale, title)
        finally:
            painter.end()
    else:
        image = QImage(width_px, height_px, QImage.Format.Format_ARGB32_Premultiplied)
        image.setDotsPerMeterX(round(dpi / METRES_PER_INCH))
        image.setDotsPerMeterY(round(dpi / METRES_PER_INCH))
        painter = QPainter(image)
        try:
            _paint_sheet(painter, job, cache, scale, title)
        finally:
            painter.end()
        if not image.save(str(path)):
            raise OSError(f"{path}: could not write the image")
    return path


def _paint_sheet(
    painter: QPainter, request: RenderRequest, cache: PathCache, scale: float, title: str
) -> None:
    view = request.view
    painter.fillRect(QRectF(0, 0, view.width, view.height), BACKGROUND)
    paint_map(painter, request, cache)
    painter.resetTransform()
    painter.setOpacity(1.0)
    font = QFont(LABEL_FONT_FAMILY)
    font.setPixelSize(max(12, view.height // 40))
    painter.setFont(font)
    caption = f"{title}    1:{scale:,.0f}    CGCS2000 / {request.data.crs}".strip()
    box = QRectF(0, view.height - font.pixelSize() * 1.8, view.width, font.pixelSize() * 1.8)
    painter.fillRect(box, QColor(255, 255, 255, 220))
    painter.setPen(QColor(20, 20, 20))
    painter.drawText(
        box.adjusted(10, 0, -10, 0),
        Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
        caption,
    )
    # A 1 km (or 100 m) scale bar.
    metres = 1000.0 if view.mpp * view.width > 5000 else 100.0
    length = metres / view.mpp
    y = box.top() - 12
    painter.drawLine(QPointF(10, y), QPointF(10 + length, y))
    painter.drawText(QPointF(14 + length, y + 4), f"{metres:.0f} m")


class ExportDialog(QDialog):
    """Scale, resolution and sheet size for :func:`export_map`."""

    def __init__(self, current_scale: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("导出地图"))
        self.scale = QComboBox()
        self.scale.setEditable(True)
        self.scale.addItems([f"{current_scale:.0f}", *[str(s) for s in SCALES]])
        self.dpi = QSpinBox()
        self.dpi.setRange(72, 600)
        self.dpi.setValue(200)
        self.width_mm = QSpinBox()
        self.width_mm.setRange(50, 2000)
        self.width_mm.setValue(277)
        self.height_mm = QSpinBox()
        self.height_mm.setRange(50, 2000)
        self.height_mm.setValue(190)
        form = QFormLayout(self)
        form.addRow(t("比例尺 1:"), self.scale)
        form.addRow(t("分辨率 (dpi)"), self.dpi)
        form.addRow(t("宽 (mm)"), self.width_mm)
        form.addRow(t("高 (mm)"), self.height_mm)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[float, int, tuple[float, float]]:
        text = self.scale.currentText().replace(",", "").replace("1:", "").strip()
        return (
            float(text or 10000),
            self.dpi.value(),
            (float(self.width_mm.value()), float(self.height_mm.value())),
        )
