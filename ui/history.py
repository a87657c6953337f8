"""The plan's history: a snapshot per saved version, and comparing with one of them.

Every save records a version (author, time, summary of the undo steps) in the
project; a copy of the saved file is kept beside it in ``<name>.versions/vN.gpkg``
so any saved version can be compared with the current plan later.
:func:`changed_grids` turns :func:`gridplanner.editing.compare` into shapes the
map highlights.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import shapely
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gridplanner.editing import Comparison, compare
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.store import load_project
from gridplanner.timefmt import local_time
from gridplanner.ui.i18n import t


def versions_dir(path: Path) -> Path:
    return path.parent / f"{path.stem}.versions"


def snapshot_path(path: Path, version: int) -> Path:
    return versions_dir(path) / f"v{version}.gpkg"


def keep_version_snapshot(path: Path, project: Project) -> None:
    """Before overwriting ``path``: keep the file being replaced as its version's snapshot
    (the version before the one just recorded), unless one is kept already."""
    if not path.exists() or len(project.history) < 2:
        return
    previous = project.history[-2].version
    target = snapshot_path(path, previous)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def record_snapshot(path: Path, project: Project) -> None:
    """After saving: keep the saved file as the snapshot of the newest version."""
    if not project.history:
        return
    target = snapshot_path(path, project.history[-1].version)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, target)


def changed_grids(before: Project, after: Project) -> tuple[Comparison, shapely.Geometry | None]:
    """The comparison and the outlines (lon/lat) of every changed grid, either version."""
    comparison = compare(before, after)
    shapes = []
    for grid in comparison.changed_grid_ids:
        for plan in (after, before):
            if grid in plan.nodes.index and plan.nodes.at[grid, "level"] == Level.GRID.value:
                shape = plan.nodes.at[grid, "geometry"]
                if shape is not None and not shape.is_empty:
                    shapes.append(shape)
                    break
    return comparison, (shapely.union_all(shapes) if shapes else None)


class HistoryDialog(QDialog):
    """The saved versions; pick one (or a file) to compare the current plan with."""

    def __init__(self, project: Project, path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("方案历史"))
        self.resize(760, 360)
        self.path = path
        self.chosen: Path | None = None
        self.table = QTableWidget(len(project.history), 4)
        self.table.setHorizontalHeaderLabels([t("版本"), t("时间"), t("作者"), t("摘要")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.versions = list(reversed(project.history))
        for row, version in enumerate(self.versions):
            when = local_time(version.time)
            values = [str(version.version), when, version.author, version.summary]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == 1:
                    item.setToolTip(version.time)  # as stored (UTC)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.note = QLabel(t("选择一个已保存的版本，与当前方案比较（变化的网格在地图上高亮）。"))
        compare_button = QPushButton(t("与所选版本比较"))
        file_button = QPushButton(t("与文件比较…"))
        compare_button.clicked.connect(self._compare_selected)
        file_button.clicked.connect(self._compare_file)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(compare_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(file_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.note)
        layout.addWidget(buttons)

    def snapshot_of_row(self, row: int) -> Path | None:
        if self.path is None or not 0 <= row < len(self.versions):
            return None
        candidate = snapshot_path(self.path, self.versions[row].version)
        return candidate if candidate.exists() else None

    def _compare_selected(self) -> None:
        chosen = self.snapshot_of_row(self.table.currentRow())
        if chosen is None:
            self.note.setText(t("该版本没有保存的副本；请选择文件比较。"))
            return
        self.chosen = chosen
        self.accept()

    def _compare_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, t("选择方案文件"), "", "GeoPackage (*.gpkg)")
        if path:
            self.chosen = Path(path)
            self.accept()


def load_version(path: Path) -> Project:
    return load_project(path)
