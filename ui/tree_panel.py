"""The hierarchy tree (district → … → grid unit) with live rollups, synced with the map."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

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
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QVBoxLayout, QWidget

from gridplanner.editing.change import PlanChange
from gridplanner.layers.selection import Selection
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.ui.i18n import current_language, t

Index = QModelIndex | QPersistentModelIndex
COLUMNS = 5  # name, level, households, workers, households per worker
#: Worker rows (under their grid) have internal id WORKER_OFFSET + worker id.
WORKER_OFFSET = 1 << 40
WORKER_MIME = "application/x-gridplanner-worker"
#: Above this many nodes and workers changing place, the tree is rebuilt in one reset.
INCREMENTAL_LIMIT = 2_000


def is_worker(key: int) -> bool:
    return key >= WORKER_OFFSET


@dataclass
class TreeState:
    """Everything the tree model shows, as plain dicts (built on any thread)."""

    children: dict[int, list[int]]
    parent: dict[int, int]
    row: dict[int, int]
    names: dict[int, str]
    codes: dict[int, str]
    levels: dict[int, Level]
    worker_names: dict[int, str]
    worker_capacity: dict[int, float]
    households: dict[int, int]
    workers: dict[int, float]
    ratio: dict[int, float]
    in_band: dict[int, bool]


def tree_state(project: Project, rollups: pd.DataFrame) -> TreeState:
    """The tree of ``project``: nodes by code under their parent, each grid's workers
    first. Qt-free, so opening a project builds it in the background task."""
    nodes = project.nodes
    ids = nodes.index.tolist()
    parent_ids = nodes["parent_id"].astype("Int64").fillna(0).astype("int64").tolist()
    parent_of = dict(zip(ids, parent_ids, strict=True))
    children: dict[int, list[int]] = {0: []}
    parent: dict[int, int] = {}
    for _, node_id in project.iter_tree():
        p = parent_of[node_id]
        children.setdefault(p, []).append(node_id)
        parent[node_id] = p
    worker_names: dict[int, str] = {}
    worker_capacity: dict[int, float] = {}
    workers = project.workers
    staffed = workers[workers["grid_id"].notna()]
    first_node: dict[int, int] = {}
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
            at = first_node.get(grid, 0)
            kids.insert(at, key)
            first_node[grid] = at + 1
            parent[key] = grid
            worker_names[key] = name
            worker_capacity[key] = capacity
    rollup_ids = rollups.index.tolist()
    return TreeState(
        children=children,
        parent=parent,
        row={k: i for kids in children.values() for i, k in enumerate(kids)},
        names=dict(zip(ids, nodes["name"].astype(str).tolist(), strict=True)),
        codes=dict(zip(ids, nodes["code"].astype(str).tolist(), strict=True)),
        levels={k: Level(v) for k, v in zip(ids, nodes["level"], strict=True)},
        worker_names=worker_names,
        worker_capacity=worker_capacity,
        households=dict(zip(rollup_ids, rollups["households"].tolist(), strict=True)),
        workers=dict(zip(rollup_ids, rollups["workers"].tolist(), strict=True)),
        ratio=dict(zip(rollup_ids, rollups["households_per_worker"].tolist(), strict=True)),
        in_band=dict(zip(rollup_ids, rollups["in_band"].tolist(), strict=True)),
    )


READ_ONLY_COLOUR = QColor(140, 140, 140)


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
        self.rows_refreshed = 0  # rows the last incremental update refreshed (tests)
        self._detached: set[int] = set()  # rows out of the view during apply_change
        self._read_only: dict[int, str] = {}  # nodes leased by others -> "由 … 签出至 …"

    def set_read_only(self, tips: dict[int, str]) -> None:
        """Grey and italicise the rows of nodes this window may not edit (a scope
        another planner has checked out, or outside a checkout), with ``tips`` as their
        tooltips (see :class:`~gridplanner.ui.checkout_guard.CheckoutGuard`)."""
        self._read_only = dict(tips)
        if self._children.get(0):
            self._emit_all(QModelIndex())

    def read_only_tip(self, node_id: int) -> str | None:
        """Why the node's row is greyed (None: editable)."""
        return self._read_only.get(node_id)

    def reset(self, project: Project, rollups: pd.DataFrame) -> None:
        """Rebuild the structure from a project (after opening or restructuring)."""
        self.adopt(tree_state(project, rollups))

    def adopt(self, state: TreeState) -> None:
        """Show a prepared :class:`TreeState` (built off the GUI thread when opening)."""
        self.beginResetModel()
        self._children, self._parent, self._row = state.children, state.parent, state.row
        self._names, self._codes, self._levels = state.names, state.codes, state.levels
        self._worker_names, self._worker_capacity = state.worker_names, state.worker_capacity
        self._hh, self._workers = state.households, state.workers
        self._ratio, self._in_band = state.ratio, state.in_band
        self.endResetModel()

    def apply_change(self, project: Project, rollups: pd.DataFrame, change: PlanChange) -> bool:
        """Bring the tree in step with ``change``: rows inserted, removed and moved only
        where the plan changed, and a refresh emitted only for the rows whose figures,
        names or place changed. Returns False (nothing done) when the change is too big
        to be worth it; then :meth:`reset`."""
        touched = change.structure | change.added | change.removed
        if change.everything or len(touched) + len(change.workers) > INCREMENTAL_LIMIT:
            return False
        nodes = project.nodes
        for node in change.nodes - change.removed:
            if node in nodes.index:
                self._names[node] = str(nodes.at[node, "name"])
                self._codes[node] = str(nodes.at[node, "code"])
                self._levels[node] = Level(nodes.at[node, "level"])
        new_parent: dict[int, int | None] = {}
        for node in touched:
            if node in nodes.index:
                parent = nodes.at[node, "parent_id"]
                new_parent[node] = 0 if pd.isna(parent) else int(parent)
            else:
                new_parent[node] = None
        workers = project.workers
        for worker in change.workers:
            key = WORKER_OFFSET + worker
            grid = workers.at[worker, "grid_id"] if worker in workers.index else None
            new_parent[key] = None if grid is None or pd.isna(grid) else int(grid)
            if worker in workers.index:
                self._worker_names[key] = str(workers.at[worker, "name"])
                self._worker_capacity[key] = float(workers.at[worker, "capacity"])
        if any(p is not None and p != 0 and p not in self._levels for p in new_parent.values()):
            return False  # a parent the tree doesn't know (shouldn't happen): rebuild
        plans = self._child_plans(new_parent)
        order = sorted(plans, key=lambda p: -1 if p == 0 else self._levels[p].depth)
        existing = [p for p in order if p == 0 or p in self._row]
        self._detached = set()
        silent = [p for p in order if p != 0 and p not in self._row]  # new nodes
        for parent in existing:  # every removal first, so no row is ever in two places
            if self._is_detached(parent):
                silent.append(parent)
            else:
                self._remove_rows(parent, plans[parent])
        for parent in silent:  # out of the view: their rows come back with them
            self._adopt(parent, plans[parent])
        for parent in existing:
            if parent not in silent and not self._is_detached(parent):
                self._insert_rows(parent, plans[parent])
        for node, parent in new_parent.items():
            if parent is None:
                self._parent.pop(node, None)
                self._row.pop(node, None)
                self._children.pop(node, None)
        self._set_rollup_rows(rollups, change.tallies | change.nodes)
        self._emit_rows(change.tallies | change.nodes | set(self._worker_rows(change)))
        return True

    def _worker_rows(self, change: PlanChange) -> list[int]:
        return [WORKER_OFFSET + w for w in change.workers if WORKER_OFFSET + w in self._row]

    def _child_plans(self, new_parent: dict[int, int | None]) -> dict[int, list[int]]:
        """The new child list of every parent a touched node leaves or joins."""
        affected: set[int] = set()
        for node, parent in new_parent.items():
            old = self._parent.get(node)
            if old is not None:
                affected.add(old)
            if parent is not None:
                affected.add(parent)
        plans: dict[int, list[int]] = {}
        for parent in affected:
            kids = [k for k in self._children.get(parent, []) if k not in new_parent]
            kids += [n for n, p in new_parent.items() if p == parent]
            plans[parent] = sorted(kids, key=self._sort_key)
        return plans

    def _sort_key(self, key: int) -> tuple[int, int, str]:
        """Workers first (by id), then nodes by code — the order :meth:`reset` builds."""
        return (0, key, "") if is_worker(key) else (1, 0, self._codes.get(key, ""))

    def _remove_rows(self, parent: int, wanted: list[int]) -> None:
        """Phase 1: remove the rows under ``parent`` that leave it (all of its rows when
        the ones that stay change order), the tree still in its old state."""
        index = self.index_of(parent) if parent else QModelIndex()
        kids = self._children.setdefault(parent, [])
        keep = set(wanted)
        for row in reversed(range(len(kids))):
            if kids[row] not in keep:
                self.beginRemoveRows(index, row, row)
                self._detached.add(kids.pop(row))
                for later, moved in enumerate(kids[row:], start=row):
                    self._row[moved] = later
                self.endRemoveRows()
        position = {k: i for i, k in enumerate(wanted)}
        ranks = [position[k] for k in kids]
        if any(a > b for a, b in itertools.pairwise(ranks)):
            self.beginRemoveRows(index, 0, len(kids) - 1)
            self._detached.update(kids)
            kids.clear()
            self.endRemoveRows()

    def _adopt(self, parent: int, kids: list[int]) -> None:
        """Set the children of a node that is not in the view (no signals)."""
        self._children[parent] = kids
        for row, key in enumerate(kids):
            self._row[key] = row
            self._parent[key] = parent

    def _is_detached(self, node: int) -> bool:
        """Whether ``node`` or an ancestor left the view in this update (and is not back)."""
        while node:
            if node in self._detached:
                return True
            node = self._parent.get(node, 0)
        return False

    def _insert_rows(self, parent: int, wanted: list[int]) -> None:
        """Phase 2: insert the rows ``parent`` gains, each where its order puts it."""
        index = self.index_of(parent) if parent else QModelIndex()
        kids = self._children.setdefault(parent, [])
        for row, key in enumerate(wanted):
            if row < len(kids) and kids[row] == key:
                continue
            self._parent[key] = parent
            self._detached.discard(key)
            self.beginInsertRows(index, row, row)
            kids.insert(row, key)
            for later, moved in enumerate(kids[row:], start=row):
                self._row[moved] = later
            self.endInsertRows()

    def _set_rollup_rows(self, rollups: pd.DataFrame, ids: set[int]) -> None:
        present = [i for i in ids if i in rollups.index]
        if not present:
            return
        rows = rollups.loc[present]
        for node, hh, workers, ratio, in_band in zip(
            present,
            rows["households"].tolist(),
            rows["workers"].tolist(),
            rows["households_per_worker"].tolist(),
            rows["in_band"].tolist(),
            strict=True,
        ):
            self._hh[node], self._workers[node] = hh, workers
            self._ratio[node], self._in_band[node] = ratio, in_band

    def _emit_rows(self, keys: set[int]) -> None:
        """dataChanged for exactly these rows (counted in :attr:`rows_refreshed`)."""
        self.rows_refreshed = 0
        for key in keys:
            row = self._row.get(key)
            if row is None:
                continue
            self.dataChanged.emit(
                self.createIndex(row, 0, key), self.createIndex(row, COLUMNS - 1, key)
            )
            self.rows_refreshed += 1

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
        held = self._read_only.get(node_id)
        if held is not None:
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{self._codes.get(node_id, '')} {self._names.get(node_id, '')}\n{held}"
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(READ_ONLY_COLOUR)
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setItalic(True)
                return font
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
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        self._fit_columns()
        self.model.headerDataChanged.connect(self._fit_columns)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._syncing = False
        self.view.selectionModel().selectionChanged.connect(self._on_tree_selection)
        selection.changed.connect(self._on_selection)

    def _fit_columns(self, *_: object) -> None:
        """Column widths from the font and the language's longest words, never "resize
        to contents": that reads every expanded row on each refresh (tens of thousands
        of data() calls on a county). Called again when the language changes."""
        header = self.view.header()
        metrics = self.view.fontMetrics()
        lang = current_language()
        levels = max((level.label(lang) for level in Level), key=metrics.horizontalAdvance)
        samples = (levels, "1,000,000", "99.5", "户/人 9999")
        for column, sample in enumerate(samples, 1):
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            width = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title))
            header.resizeSection(column, width + 18)

    def set_project(
        self, project: Project, rollups: pd.DataFrame, state: TreeState | None = None
    ) -> None:
        self._syncing = True
        self.model.adopt(state if state is not None else tree_state(project, rollups))
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

    def apply_change(self, project: Project, rollups: pd.DataFrame, change: PlanChange) -> None:
        """After edits: only the changed rows move or refresh (a rebuild when too many)."""
        self._syncing = True
        try:
            done = self.model.apply_change(project, rollups, change)
        finally:
            self._syncing = False
        if not done:
            self.restructure(project, rollups)
        elif change.structure or change.workers:
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
