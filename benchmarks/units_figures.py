"""Figures for docs/units.md, drawn with Qt offscreen (matplotlib is not a dependency):
households per unit and units per grid, hand-made beside generated, and a town
before and after with its roads. Called by ``generate_units.py --figures DIR``."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import shapely

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QApplication

from gridplanner.layers.renderer import PathCache, RenderRequest, render_image
from gridplanner.layers.snapshot import build_map_data
from gridplanner.layers.style import default_layers, with_state
from gridplanner.layers.view import MapView
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups

HAND = QColor(150, 150, 150)
GENERATED = QColor(40, 110, 200)


def households_per_unit(project: Project) -> np.ndarray:
    units = project.level(Level.GRID_UNIT).index
    stored = project.buildings["unit_id"].to_numpy(dtype=float, na_value=np.nan)
    at = units.get_indexer(np.nan_to_num(stored, nan=-1).astype(np.int64))
    hh = project.buildings["households"].to_numpy(dtype=float)
    return np.bincount(at[at >= 0], weights=hh[at >= 0], minlength=len(units))


def draw_figures(before: Project, after: Project, folder: Path, limit: int) -> list[Path]:
    """Write the histogram and the town map; returns their paths."""
    QApplication.instance() or QApplication([])
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "units-histogram.png", folder / "units-town.png"]
    _histograms(before, after, limit).save(str(paths[0]))
    _town(before, after).save(str(paths[1]))
    return paths


def _histograms(before: Project, after: Project, limit: int) -> QImage:
    image = QImage(1200, 460, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(QFont("WenQuanYi Micro Hei", 10))
    edges = np.arange(0, 330, 15)
    hh = [np.clip(households_per_unit(p), 0, edges[-1] - 1) for p in (before, after)]
    counts = [np.histogram(h, bins=edges)[0] for h in hh]
    _bars(
        painter,
        QRectF(60, 50, 700, 340),
        counts,
        [f"{e}" for e in edges[:-1]] + [""],
        "每单元户数 households per unit (300+ in the last bar)",
        [(limit / edges[-1], f"上限 {limit}")],
    )
    grids = [
        p.level(Level.GRID_UNIT)["parent_id"].value_counts().to_numpy() for p in (before, after)
    ]
    top = 12
    per_grid = [np.bincount(np.clip(g, 1, top), minlength=top + 1)[1:] for g in grids]
    _bars(
        painter,
        QRectF(840, 50, 330, 340),
        per_grid,
        [str(k) for k in range(1, top)] + [f"{top}+"],
        "每个网格的单元数 units per grid",
        [],
        centred=True,
    )
    painter.setPen(QPen(QColor("black")))
    painter.setFont(QFont("WenQuanYi Micro Hei", 12))
    painter.drawText(
        QPointF(60, 30),
        f"示例县 county sample: 手绘 hand-made {len(hh[0])} units (grey) · "
        f"生成 generated {len(hh[1])} units (blue)",
    )
    painter.end()
    return image


def _bars(
    painter: QPainter,
    box: QRectF,
    counts: list[np.ndarray],
    ticks: list[str],
    title: str,
    marks: list[tuple[float, str]],
    centred: bool = False,
) -> None:
    peak = max(int(c.max()) for c in counts) or 1
    n = len(counts[0])
    slot = box.width() / n
    painter.setPen(QPen(QColor("black")))
    painter.drawLine(box.bottomLeft(), box.bottomRight())
    painter.drawLine(box.bottomLeft(), box.topLeft())
    for k, (values, colour) in enumerate(zip(counts, (HAND, GENERATED), strict=True)):
        painter.setBrush(colour)
        painter.setPen(Qt.PenStyle.NoPen)
        for i, value in enumerate(values.tolist()):
            height = box.height() * value / peak
            x = box.left() + i * slot + k * slot * 0.45 + slot * 0.05
            painter.drawRect(QRectF(x, box.bottom() - height, slot * 0.45, height))
    painter.setPen(QPen(QColor("black")))
    step = max(1, n // 11)
    for i in range(0, len(ticks), step):
        x = box.left() + (i + 0.5 if centred else i) * slot
        painter.drawText(
            QRectF(x - 20, box.bottom() + 4, 40, 16), Qt.AlignmentFlag.AlignHCenter, ticks[i]
        )
    for value in np.linspace(0, peak, 5).round().astype(int).tolist():
        y = box.bottom() - box.height() * value / peak
        painter.drawText(
            QRectF(box.left() - 55, y - 8, 50, 16), Qt.AlignmentFlag.AlignRight, str(value)
        )
    painter.drawText(
        QRectF(box.left(), box.bottom() + 24, box.width(), 18), Qt.AlignmentFlag.AlignHCenter, title
    )
    for share, label in marks:
        x = box.left() + share * box.width()
        painter.setPen(QPen(QColor(200, 40, 40), 1.5, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x, box.top()), QPointF(x, box.bottom()))
        painter.drawText(QPointF(x + 4, box.top() + 12), label)


ROAD_PENS = {
    "主干道": (QColor(200, 40, 40), 3.0),
    "次干道": (QColor(235, 140, 20), 2.2),
    "支路": (QColor(120, 80, 160), 1.4),
}


def _town(before: Project, after: Project) -> QImage:
    """The urban community (社区) with the most units, before and after, with its roads
    (主干道 red, 次干道 orange, 支路 purple)."""
    nodes = before.nodes
    units = before.level(Level.GRID_UNIT)["parent_id"]
    community = units.map(nodes["parent_id"]).map(nodes["parent_id"])
    urban = community[community.map(nodes["name"]).str.endswith("社区")].value_counts()
    urban = urban[urban >= 10]
    area = before.level(Level.COMMUNITY).to_crs(before.measuring_crs()).area
    busiest = int((urban / area.reindex(urban.index)).idxmax())  # the densest town
    shape = nodes.at[busiest, "geometry"]
    width, height = 640, 560
    image = QImage(width * 2 + 20, height + 40, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setFont(QFont("WenQuanYi Micro Hei", 12))
    layers = with_state(default_layers(), Level.GRID_UNIT.value, labels=False)
    lines = before.reference_lines
    roads = lines[(lines["kind"] == "road") & lines.intersects(shape.buffer(0.01))]
    for k, (project, title) in enumerate(
        ((before, "手绘单元 hand-made"), (after, "生成单元 generated"))
    ):
        data = build_map_data(project, compute_rollups(project))
        local = data.project_geometry(shape)
        view = MapView(0.0, 0.0, 1.0, width, height).fitted(tuple(local.bounds), 0.03)
        tile = render_image(RenderRequest(data, view, layers, "zh"), PathCache())
        assert tile is not None
        inner = QPainter(tile)
        inner.setRenderHint(QPainter.RenderHint.Antialiasing)
        inner.setTransform(view.transform())
        for road_class, geometry in zip(roads["road_class"], roads.geometry, strict=True):
            colour, pen_width = ROAD_PENS.get(str(road_class), (QColor(90, 90, 90), 1.0))
            pen = QPen(colour, pen_width)
            pen.setCosmetic(True)
            inner.setPen(pen)
            for part in shapely.get_parts(data.project_geometry(geometry)):
                xy = shapely.get_coordinates(part)
                for a, b in itertools.pairwise(xy):
                    inner.drawLine(QPointF(*a), QPointF(*b))
        inner.end()
        painter.drawImage(QPointF(k * (width + 20), 40), tile)
        painter.setPen(QPen(QColor("black")))
        painter.drawText(
            QPointF(k * (width + 20) + 8, 26), f"{nodes.at[busiest, 'name']} · {title}"
        )
    painter.end()
    return image
