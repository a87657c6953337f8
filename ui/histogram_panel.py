"""户/人分布: a histogram of households per worker over the grids, the band shaded,
beside the choropleth and redrawn after every edit.

Dedicated grids (专属网格, exempt) and grids without a worker are counted apart, not
drawn: they have no meaningful ratio. The band shaded is the most common sizing among
the grids (one band for a plan with one sizing; the caption says when scopes differ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gridplanner.levels import Level, NodeKind
from gridplanner.model import Project
from gridplanner.staffing import within_band
from gridplanner.ui.i18n import t

BAR = QColor(90, 130, 190)
BAR_IN_BAND = QColor(70, 160, 90)
BAND = QColor(120, 200, 120, 70)


@dataclass(frozen=True)
class Histogram:
    """The figures drawn: bin edges, counts, the band and what was left out."""

    edges: np.ndarray
    counts: np.ndarray
    band: tuple[float, float, float]  # target, band_min, band_max
    in_band: int
    drawn: int
    exempt: int
    no_worker: int
    sizings: int  # distinct sizings among the drawn grids


def grid_histogram(project: Project, rollups: pd.DataFrame, bins: int = 24) -> Histogram:
    """Households per worker over the grids (plain data, no Qt)."""
    grids = project.nodes.index[project.nodes["level"] == Level.GRID.value]
    rows = rollups.reindex(grids)
    exempt = project.nodes.loc[grids, "kind"].eq(NodeKind.DEDICATED.value).to_numpy()
    ratio = rows["households_per_worker"].to_numpy(dtype=float)
    finite = np.isfinite(ratio)
    drawn = finite & ~exempt
    values = ratio[drawn]
    sizing = rows.loc[drawn, ["target", "band_min", "band_max"]]
    if len(sizing):
        common = sizing.value_counts().index[0]
        band = (float(common[0]), float(common[1]), float(common[2]))
        sizings = len(sizing.drop_duplicates())
    else:
        band, sizings = (np.nan, np.nan, np.nan), 0
    if len(values):
        low = min(float(values.min()), band[1] if np.isfinite(band[1]) else np.inf)
        high = max(float(values.max()), band[2] if np.isfinite(band[2]) else -np.inf)
        span = max(high - low, 1.0)
        edges = np.linspace(low - span * 0.02, high + span * 0.02, bins + 1)
        counts, _ = np.histogram(values, edges)
    else:
        edges, counts = np.array([0.0, 1.0]), np.zeros(1, dtype=np.int64)
    inside = within_band(values, sizing["band_min"].to_numpy(), sizing["band_max"].to_numpy())
    return Histogram(
        edges=edges,
        counts=counts,
        band=band,
        in_band=int(np.count_nonzero(inside)) if len(values) else 0,
        drawn=len(values),
        exempt=int(np.count_nonzero(exempt)),
        no_worker=int(np.count_nonzero(~finite & ~exempt)),
        sizings=sizings,
    )


class HistogramPanel(QWidget):
    """Paints :class:`Histogram`; :meth:`show_plan` after opening and after edits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.histogram: Histogram | None = None
        self.updates = 0
        self.setMinimumSize(220, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_plan(self, project: Project | None, rollups: pd.DataFrame | None) -> None:
        self.histogram = (
            None if project is None or rollups is None else grid_histogram(project, rollups)
        )
        self.updates += 1
        self.setToolTip(self.caption())
        self.update()

    def caption(self) -> str:
        h = self.histogram
        if h is None or not h.drawn:
            return t("没有可统计的网格")
        target, low, high = h.band
        text = t("目标 {0} 户/人，区间 {1}–{2}；区间内 {3}/{4} 个网格").format(
            f"{target:.0f}", f"{low:.0f}", f"{high:.0f}", h.in_band, h.drawn
        )
        if h.exempt or h.no_worker:
            text += t("；另有专属网格 {0} 个、无网格员 {1} 个").format(h.exempt, h.no_worker)
        if h.sizings > 1:
            text += t("（各范围目标不同，阴影为最常见的区间）")
        return text

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        h = self.histogram
        margin_l, margin_b, margin_t = 34.0, 34.0, 8.0
        plot = QRectF(
            margin_l, margin_t, self.width() - margin_l - 8, self.height() - margin_t - margin_b
        )
        if h is None or not h.drawn or plot.width() < 20 or plot.height() < 20:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.caption())
            return
        x0, x1 = float(h.edges[0]), float(h.edges[-1])
        top = max(int(h.counts.max()), 1)

        def px(value: float) -> float:
            return plot.left() + (value - x0) / (x1 - x0) * plot.width()

        target, low, high = h.band
        if np.isfinite(low) and np.isfinite(high):
            painter.fillRect(QRectF(px(low), plot.top(), px(high) - px(low), plot.height()), BAND)
        for k, count in enumerate(h.counts.tolist()):
            if not count:
                continue
            left, right = px(float(h.edges[k])), px(float(h.edges[k + 1]))
            height = count / top * plot.height()
            mid = (h.edges[k] + h.edges[k + 1]) / 2
            colour = BAR_IN_BAND if low <= mid <= high else BAR
            painter.fillRect(
                QRectF(left + 0.5, plot.bottom() - height, right - left - 1, height), colour
            )
        pen = QPen(self.palette().text().color())
        painter.setPen(pen)
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        if np.isfinite(target):
            painter.setPen(QPen(QColor(40, 120, 40), 1.5, Qt.PenStyle.DashLine))
            painter.drawLine(QLineF(px(target), plot.top(), px(target), plot.bottom()))
        painter.setPen(pen)
        font = painter.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        painter.setFont(font)
        for value in (x0, target if np.isfinite(target) else (x0 + x1) / 2, x1):
            left = min(max(px(value) - 30, 0.0), self.width() - 60.0)  # inside the widget
            painter.drawText(
                QRectF(left, plot.bottom() + 2, 60, 14),
                Qt.AlignmentFlag.AlignHCenter,
                f"{value:.0f}",
            )
        painter.drawText(
            QRectF(0, plot.top() - 2, margin_l - 4, 14), Qt.AlignmentFlag.AlignRight, str(top)
        )
        painter.drawText(
            QRectF(plot.left(), plot.bottom() + 16, plot.width(), 16),
            Qt.AlignmentFlag.AlignHCenter,
            t("户/人"),
        )
