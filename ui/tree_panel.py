"""The hierarchy tree (district → … → grid unit) with live rollups, synced with the map."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractItemModel,
    QByteArray,
    QItemSelection,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QVBoxLayout, QWidget

from gridplanner.layers.selection import Selection
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.ui.i18n import current_language, t

Index = QModelIndex | QPersistentModelIndex
COLUMNS = 5  # name, level, households, workers, households per worker
#: Worker rows (under their grid) have internal id WORKER_OFFSET + worker id.
WORKER_OFFSET = 1 << 40
WORKER_MIME = "application/x-gridplanner-worker"


def is_worker(key: int) -> bool:
    return key >= WORKER_OFFSET


class HierarchyModel(QAbstractItemModel):
    """A lazy tree over node ids; internal ids are the node ids (0 is the invisible root).

    Grid workers are listed first under their grid; dragging one onto another grid
    asks (``workerDropped``) for a move — the model itself never changes the plan.
    """

    workerDropped = Signal(int, int)  # worker id, grid id

    def __init__(self) -> None:
        super().__init__()
        self._children: dict[int, list[int]] = {0: []}
        self._parent: dict[int, int] = {}
        self._row: dict[int, int] = {}
        self._names: dict[int, str] = {}
        self._levels: dict[int, Level] = {}
        self._codes: dict[int, str] = {}
        self._rollups: pd.DataFrame | None = None
        self._hh: dict[int, int] = {}
        self._workers: dict[int, float] = {}
        self._ratio: dict[int, float] = {}
        self._in_band: dict[int, bool] = {}
        self._worker_names: dict[int, str] = {}
        self._worker_capacity: dict[int, float] = {}

    def reset(self, project: Project, rollups: pd.DataFrame) -> None:
        """Rebuild the structure from a project (after opening or restructuring)."""
        self.beginResetModel()
        self._worker_names, self._worker_capacity = {}, {}
        children: dict[int, list[int]] = {0: []}
        parent: dict[int, int] = {}
        parent_of = dict(
            zip(
                project.nodes.index.tolist(),
                project.nodes["parent_id"].astype("Int64").fillna(0).astype("int64").tolist(),
                strict=True,
            )
        )
        for _, node_id in project.iter_tree():
            p = parent_of[node_id]
            children.setdefault(p, []).append(node_id)
            parent[node_id] = p
        workers = project.workers
        staffed = workers[workers["grid_id"].notna()]
        for worker, grid, name, capacity in zip(
            staffed.index.tolist(),
            staffed["grid_id"].astype("int64").tolist(),
            staffed["name"].astype(str).tolist(),
            staffed["capacity"].astype(float).tolist(),
            strict=True,
        ):
            if grid in parent:
                key = WORKER_OFFSET + int(worker)
                kids = children.setdefault(grid, [])
                kids.insert(sum(1 for k in kids if is_worker(k)), key)
                parent[key] = grid
                self._worker_names[key] = name
                self._worker_capacity[key] = capacity
        self._children, self._parent = children, parent
        self._row = {k: i for kids in children.values() for i, k in enumerate(kids)}
        nodes = project.nodes
        self._names = dict(
            zip(nodes.index.tolist(), nodes["name"].astype(str).tolist(), strict=True)
        )
        self._codes = dict(
            zip(nodes.index.tolist(), nodes["code"].astype(str).tolist(), strict=True)
        )
        self._levels = {
            k: Level(v) for k, v in zip(nodes.index.tolist(), nodes["level"], strict=True)
        }
        self._set_rollups(rollups)
        self.endResetModel()

    def _set_rollups(self, rollups: pd.DataFrame) -> None:
        ids = rollups.index.tolist()
        self._hh = dict(zip(ids, rollups["households"].tolist(), strict=True))
        self._workers = dict(zip(ids, rollups["workers"].tolist(), strict=True))
        self._ratio = dict(zip(ids, rollups["households_per_worker"].tolist(), strict=True))
        self._in_band = dict(zip(ids, rollups["in_band"].tolist(), strict=True))

    def update_attributes(self, project: Project, rollups: pd.DataFrame) -> None:
        """Live rollups and names after an edit (structure unchanged)."""
        nodes = project.nodes
        self._names = dict(
            zip(nodes.index.tolist(), nodes["name"].astype(str).tolist(), strict=True)
        )
        self._set_rollups(rollups)
        top = self._children.get(0, [])
        if top:
            self._emit_all(QModelIndex())

    def _emit_all(self, parent: QModelIndex) -> None:
        rows = self.rowCount(parent)
        if rows == 0:
            return
        self.dataChanged.emit(self.index(0, 0, parent), self.index(rows - 1, COLUMNS - 1, parent))
        for row in range(rows):
            child = self.index(row, 0, parent)
            if self._children.get(int(child.internalId())):
                self._emit_all(child)

    def node_id(self, index: Index) -> int:
        return int(index.internalId()) if index.isValid() else 0

    def index_of(self, node_id: int) -> QModelIndex:
        if node_id not in self._row:
            return QModelIndex()
        return self.createIndex(self._row[node_id], 0, node_id)

    def level_of(self, node_id: int) -> Level | None:
        return self._levels.get(node_id)

    # -- Qt model API --------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        kids = self._children.get(self.node_id(parent), [])
        if 0 <= row < len(kids) and 0 <= column < COLUMNS:
            return self.createIndex(row, column, kids[row])
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        pid = self._parent.get(int(index.internalId()), 0)
        if pid == 0:
            return QModelIndex()
        return self.createIndex(self._row[pid], 0, pid)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._children.get(self.node_id(parent), []))

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return COLUMNS

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        node_id, column = int(index.internalId()), index.column()
        if is_worker(node_id):
            return self._worker_data(node_id, column, role)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return self._names.get(node_id, "")
            if column == 1:
                level = self._levels.get(node_id)
                return level.label(current_language()) if level else ""
            if column == 2:
                return str(int(self._hh.get(node_id, 0)))
            if column == 3:
                workers = self._workers.get(node_id, 0.0)
                return f"{workers:g}"
            if column == 4:
                ratio = self._ratio.get(node_id, math.nan)
                return "—" if not np.isfinite(ratio) else f"{ratio:.0f}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{self._codes.get(node_id, '')} {self._names.get(node_id, '')}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid = self._levels.get(node_id) is Level.GRID
        out_of_band = grid and not self._in_band.get(node_id, True)
        if role == Qt.ItemDataRole.ForegroundRole and column == 4 and out_of_band:
            return QBrush(QColor(200, 30, 30))
        return None

    def _worker_data(self, key: int, column: int, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return "👤 " + self._worker_names.get(key, "")
            if column == 1:
                return t("网格员")
            if column == 3:
                return f"{self._worker_capacity.get(key, 0.0):g}"
            return ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return t("拖到另一个网格上即可调动")
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(60, 90, 140))
        return None

    # -- drag and drop of workers ----------------------------------------------------------
    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        key = self.node_id(index)
        if is_worker(key):
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        elif self._levels.get(key) is Level.GRID:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        return flags

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [WORKER_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        data = QMimeData()
        workers = {self.node_id(i) - WORKER_OFFSET for i in indexes if is_worker(self.node_id(i))}
        data.setData(WORKER_MIME, QByteArray(",".join(map(str, sorted(workers))).encode()))
        return data

    def dropMimeData(  # type: ignore[override]
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        grid = self.node_id(parent)
        if not data.hasFormat(WORKER_MIME) or self._levels.get(grid) is not Level.GRID:
            return False
        text = bytes(data.data(WORKER_MIME).data()).decode()
        for worker in [int(w) for w in text.split(",") if w]:
            self.workerDropped.emit(worker, grid)
        return False  # the edit rebuilds the tree; nothing for the view to remove

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return [t("名称"), t("层级"), t("户数"), t("网格员"), t("户/人")][section]
        return None

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, COLUMNS - 1)
        self._emit_all(QModelIndex())


class TreePanel(QWidget):
    """The tree view; selecting a node selects it on the map (and the other way round)."""

    zoomRequested = Signal()

    def __init__(self, selection: Selection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self.model = HierarchyModel()
        self.view = QTreeView(self)
        self.view.setModel(self.model)
        self.view.setUniformRowHeights(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setDragEnabled(True)
        self.view.setAcceptDrops(True)
        self.view.setDropIndicatorShown(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, COLUMNS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._syncing = False
        self.view.selectionModel().selectionChanged.connect(self._on_tree_selection)
        selection.changed.connect(self._on_selection)

    def set_project(self, project: Project, rollups: pd.DataFrame) -> None:
        self._syncing = True
        self.model.reset(project, rollups)
        self.view.expand(self.model.index(0, 0))
        for row in range(self.model.rowCount(self.model.index(0, 0))):
            self.view.expand(self.model.index(row, 0, self.model.index(0, 0)))
        self._syncing = False

    def restructure(self, project: Project, rollups: pd.DataFrame) -> None:
        """Rebuild after an edit moved, added or removed nodes, keeping what was expanded
        and selected."""
        expanded = [
            node
            for node, kids in self.model._children.items()
            if node and kids and self.view.isExpanded(self.model.index_of(node))
        ]
        self._syncing = True
        try:
            self.model.reset(project, rollups)
            for node in expanded:
                index = self.model.index_of(node)
                if index.isValid():
                    self.view.expand(index)
        finally:
            self._syncing = False
        self._on_selection("edit")

    def _on_tree_selection(self, *_: object) -> None:
        if self._syncing:
            return
        rows = self.view.selectionModel().selectedRows(0)
        ids = [self.model.node_id(i) for i in rows if not is_worker(self.model.node_id(i))]
        levels = {self.model.level_of(i) for i in ids}
        if len(levels) > 1:  # one level at a time: keep the level of the current item
            current = self.model.level_of(self.model.node_id(self.view.currentIndex()))
            ids = [i for i in ids if self.model.level_of(i) == current]
        level = self.model.level_of(ids[0]) if ids else None
        self.selection.set(level, ids, "tree")
        if ids:
            self.zoomRequested.emit()

    def _on_selection(self, source: str) -> None:
        if source == "tree":
            return
        self._syncing = True
        try:
            chosen = QItemSelection()
            last = QModelIndex()
            for node_id in self.selection.ids:
                index = self.model.index_of(node_id)
                if not index.isValid():
                    continue
                chosen.select(index, index.siblingAtColumn(COLUMNS - 1))
                parent = index.parent()
                while parent.isValid():
                    self.view.expand(parent)
                    parent = parent.parent()
                last = index
            flags = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
            self.view.selectionModel().select(chosen, flags)
            if last.isValid():
                self.view.scrollTo(last)
        finally:
            self._syncing = False

    def selected_ids(self) -> list[int]:
        return [self.model.node_id(i) for i in self.view.selectionModel().selectedRows(0)]
