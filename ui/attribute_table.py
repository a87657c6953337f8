"""属性表: the attribute table dock, as QGIS's — grid units, grids, comprehensive grids,
communities, buildings and grid workers, with a filter, sorting by any column, and the
selection synced with the map both ways.

The rows are a DataFrame (built by :func:`layer_frame`, plain data); the model filters
and sorts it with numpy (a county's 100,000 buildings sort in milliseconds, where a
proxy model calling ``data()`` per comparison would take seconds). Selecting rows
selects on the map: a node row its node, a building row its grid unit, a worker row
its grid; selecting on the map selects the matching rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gridplanner.layers.selection import Selection
from gridplanner.levels import Level, NodeKind
from gridplanner.model import EMPLOYMENT_LABELS, Project
from gridplanner.ui.i18n import current_language, t
from gridplanner.ui.tasks import BackgroundTask

Index = QModelIndex | QPersistentModelIndex
#: Tables up to this many rows prepare their filter text at once; bigger ones in the
#: background.
INLINE_ROWS = 20_000
BUILDINGS, WORKERS = "building", "worker"
TABLES = (
    Level.GRID_UNIT.value,
    Level.GRID.value,
    Level.COMPREHENSIVE_GRID.value,
    Level.COMMUNITY.value,
    BUILDINGS,
    WORKERS,
)


@dataclass(frozen=True)
class TableData:
    """One table: its rows, and per row the map feature it stands for."""

    frame: pd.DataFrame  # display columns (numbers stay numbers, for sorting)
    level: Level  # the map level a row selects
    feature: np.ndarray  # int64 node id per row (-1: none)


def table_title(key: str) -> str:
    if key == BUILDINGS:
        return t("楼栋")
    if key == WORKERS:
        return t("网格员")
    return Level(key).label(current_language())


def layer_frame(project: Project, rollups: pd.DataFrame, key: str) -> TableData:
    """The rows of table ``key`` (one of :data:`TABLES`)."""
    nodes = project.nodes
    names = nodes["name"]
    if key == BUILDINGS:
        b = project.buildings
        unit = b["unit_id"].to_numpy(dtype=float, na_value=np.nan)
        known = np.isfinite(unit)
        unit_ids = np.where(known, unit, -1).astype(np.int64)
        parent = nodes["parent_id"]
        frame = pd.DataFrame(
            {
                t("名称"): b["name"].fillna("").astype(str).to_numpy(),
                t("户数"): b["households"].to_numpy(dtype=np.int64),
                t("人口"): b["population"].to_numpy(dtype=np.int64),
                t("所属网格单元"): names.reindex(unit_ids).fillna("").to_numpy(),
                t("所属网格"): names.reindex(parent.reindex(unit_ids)).fillna("").to_numpy(),
            }
        )
        return TableData(frame, Level.GRID_UNIT, unit_ids)
    if key == WORKERS:
        w = project.workers
        grid = w["grid_id"].to_numpy(dtype=float, na_value=np.nan)
        grid_ids = np.where(np.isfinite(grid), grid, -1).astype(np.int64)
        lang = 1 if current_language() == "en" else 0
        frame = pd.DataFrame(
            {
                t("姓名"): w["name"].astype(str).to_numpy(),
                t("角色"): w["role"].astype(str).to_numpy(),
                t("专兼职"): [EMPLOYMENT_LABELS.get(e, (e, e))[lang] for e in w["employment"]],
                t("所属网格"): names.reindex(grid_ids).fillna("").to_numpy(),
                t("服务电话"): w["phone"].fillna("").astype(str).to_numpy(),
            }
        )
        return TableData(frame, Level.GRID, grid_ids)
    level = Level(key)
    rows = nodes[nodes["level"] == level.value]
    figures = rollups.reindex(rows.index)
    columns: dict[str, object] = {
        t("名称"): rows["name"].astype(str).to_numpy(),
        t("编码"): rows["code"].astype(str).to_numpy(),
        t("上级"): names.reindex(rows["parent_id"]).fillna("").to_numpy(),
        t("户数"): figures["households"].to_numpy(dtype=np.int64),
        t("人口"): figures["population"].to_numpy(dtype=np.int64),
        t("楼栋数"): figures["buildings"].to_numpy(dtype=np.int64),
        t("网格员"): figures["workers"].to_numpy(dtype=float),
        t("户/人"): figures["households_per_worker"].to_numpy(dtype=float).round(1),
    }
    if level is Level.GRID:
        dedicated = rows["kind"].eq(NodeKind.DEDICATED.value).to_numpy()
        columns[t("偏差 %")] = np.where(
            dedicated, np.nan, (figures["deviation"].to_numpy(dtype=float) * 100).round(1)
        )
        columns[t("类型")] = np.where(dedicated, t("专属网格"), t("普通网格"))
    frame = pd.DataFrame(columns)
    return TableData(frame, level, rows.index.to_numpy(dtype=np.int64))


def search_text(frame: pd.DataFrame) -> np.ndarray:
    """Each row's cells joined and lower-cased, for "any column contains" filtering
    (plain Python join: the fastest way here, ≈0.1 s per 100,000 rows)."""
    if frame.empty:
        return np.zeros(0, dtype=str)
    columns = [frame[c].tolist() for c in frame.columns]
    return np.array(["\u0001".join(map(str, row)).lower() for row in zip(*columns, strict=True)])


class AttributeModel(QAbstractTableModel):
    """A :class:`TableData` shown through ``order`` (the filtered, sorted row positions)."""

    def __init__(self) -> None:
        super().__init__()
        self.table: TableData | None = None
        self.order = np.zeros(0, dtype=np.int64)
        self._haystack: np.ndarray | None = None
        self._columns: list[np.ndarray] = []
        self.filter_text = ""
        self.sort_key: tuple[int, Qt.SortOrder] | None = None

    def set_table(self, table: TableData, haystack: np.ndarray | None = None) -> None:
        """Show ``table``; the filter applies once its search text is there
        (:func:`search_text`, computed off the GUI thread for big tables)."""
        self.beginResetModel()
        self.table = table
        self._columns = [table.frame[c].to_numpy() for c in table.frame.columns]
        self._haystack = haystack
        self.order = self._filtered()
        if self.sort_key is not None:
            self.order = self._sorted(self.order, *self.sort_key)
        self.endResetModel()

    def set_haystack(self, haystack: np.ndarray) -> None:
        self._haystack = haystack
        if self.filter_text:
            self.set_filter(self.filter_text)

    def set_filter(self, text: str) -> None:
        self.beginResetModel()
        self.filter_text = text.strip().lower()
        self.order = self._filtered()
        if self.sort_key is not None:
            self.order = self._sorted(self.order, *self.sort_key)
        self.endResetModel()

    def _filtered(self) -> np.ndarray:
        count = 0 if self.table is None else len(self.table.frame)
        if not self.filter_text or self._haystack is None:
            return np.arange(count, dtype=np.int64)
        found = np.char.find(self._haystack, self.filter_text) >= 0
        return np.flatnonzero(found).astype(np.int64)

    def _sorted(self, order: np.ndarray, column: int, how: Qt.SortOrder) -> np.ndarray:
        values = self._columns[column][order]
        if values.dtype.kind in "fiu":
            keys = values.astype(float)
            keys = np.where(np.isnan(keys), np.inf, keys)  # blanks last
        else:
            keys = values.astype(str)
        ranked = np.argsort(keys, kind="stable")
        if how == Qt.SortOrder.DescendingOrder:
            ranked = ranked[::-1]
        return order[ranked]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self.table is None or not 0 <= column < len(self._columns):
            return
        self.layoutAboutToBeChanged.emit()
        self.sort_key = (column, order)
        self.order = self._sorted(self.order, column, order)
        self.layoutChanged.emit()

    # -- rows ↔ map features ----------------------------------------------------------
    def features_of(self, rows: list[int]) -> list[int]:
        if self.table is None:
            return []
        ids = self.table.feature[self.order[np.asarray(rows, dtype=np.int64)]]
        return [int(i) for i in dict.fromkeys(ids.tolist()) if i >= 0]

    def rows_of(self, features: tuple[int, ...]) -> np.ndarray:
        if self.table is None or not features:
            return np.zeros(0, dtype=np.int64)
        wanted = np.isin(self.table.feature[self.order], np.asarray(features, dtype=np.int64))
        return np.flatnonzero(wanted)

    # -- Qt -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.table is None else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or self.table is None:
            return None
        value = self._columns[index.column()][self.order[index.row()]]
        if role == Qt.ItemDataRole.DisplayRole:
            if isinstance(value, float | np.floating):
                return "" if np.isnan(value) else f"{value:g}"
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, np.number):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole or self.table is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(self.table.frame.columns[section])
        return str(section + 1)


class AttributeTable(QWidget):
    """The dock's widget: table choice, filter, count and the table."""

    def __init__(self, selection: Selection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self.project: Project | None = None
        self.rollups: pd.DataFrame | None = None
        self.layer = QComboBox()
        self.filter = QLineEdit()
        self.filter.setClearButtonEnabled(True)
        self.count = QLabel()
        self.model = AttributeModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicatorShown(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.verticalHeader().setDefaultSectionSize(22)
        top = QHBoxLayout()
        top.addWidget(self.layer)
        top.addWidget(self.filter, 1)
        top.addWidget(self.count)
        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.addLayout(top)
        box.addWidget(self.view)
        self._syncing = False
        self._dirty = False
        self._search_task: BackgroundTask | None = None
        self._filter_timer = QTimer(self, singleShot=True, interval=200)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.filter.textChanged.connect(lambda _: self._filter_timer.start())
        self.layer.currentIndexChanged.connect(lambda _: self.refresh())
        self.view.selectionModel().selectionChanged.connect(self._rows_selected)
        selection.changed.connect(self._map_selected)
        self.retranslate()

    def retranslate(self) -> None:
        current = max(self.layer.currentIndex(), 1)
        self.layer.blockSignals(True)
        self.layer.clear()
        for key in TABLES:
            self.layer.addItem(table_title(key), key)
        self.layer.setCurrentIndex(current)
        self.layer.blockSignals(False)
        self.filter.setPlaceholderText(t("筛选（任一列包含）…"))
        self.refresh()

    @property
    def key(self) -> str:
        return str(self.layer.currentData() or Level.GRID.value)

    def show_table(self, key: str) -> None:
        self.layer.setCurrentIndex(TABLES.index(key))

    def show_plan(self, project: Project | None, rollups: pd.DataFrame | None) -> None:
        self.project, self.rollups = project, rollups
        self.refresh()

    def plan_changed(self, project: Project, rollups: pd.DataFrame) -> None:
        """After edits: rebuild now if shown, else when next shown."""
        self.project, self.rollups = project, rollups
        self._dirty = True
        if self.isVisible():
            QTimer.singleShot(300, self._refresh_if_dirty)

    def _refresh_if_dirty(self) -> None:
        if self._dirty:
            self.refresh()

    def showEvent(self, event: object) -> None:  # type: ignore[override]
        super().showEvent(event)  # type: ignore[arg-type]
        self._refresh_if_dirty()

    def refresh(self) -> None:
        self._dirty = False
        if self.project is None or self.rollups is None:
            table = TableData(pd.DataFrame(), Level.GRID, np.zeros(0, np.int64))
        else:
            table = layer_frame(self.project, self.rollups, self.key)
        self.model.set_table(table)
        if len(table.frame) <= INLINE_ROWS:
            self.model.set_haystack(search_text(table.frame))
        else:  # a county's buildings: prepare the filter off the GUI thread
            frame = table.frame
            task = BackgroundTask(lambda _progress, _cancelled: search_text(frame))
            task.signals.finished.connect(lambda done, t=table: self._haystack_ready(done, t))
            self._search_task = task
            task.start()
        self._show_count()
        self._map_selected("refresh")

    def _haystack_ready(self, task: BackgroundTask, table: TableData) -> None:
        if self.model.table is table and task.error is None:
            self.model.set_haystack(task.result())
            self._show_count()
            self._map_selected("filter")

    def _apply_filter(self) -> None:
        self.model.set_filter(self.filter.text())
        self._show_count()
        self._map_selected("filter")

    def _show_count(self) -> None:
        total = 0 if self.model.table is None else len(self.model.table.frame)
        self.count.setText(t("{0} / {1} 行").format(len(self.model.order), total))

    def _rows_selected(self, *_: object) -> None:
        if self._syncing or self.model.table is None:
            return
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        features = self.model.features_of(rows)
        self.selection.set(self.model.table.level, features, "table")

    def _map_selected(self, source: str) -> None:
        if source == "table" or self.model.table is None:
            return
        rows = (
            self.model.rows_of(self.selection.ids)
            if self.selection.level is self.model.table.level
            else np.zeros(0, dtype=np.int64)
        )
        self._syncing = True
        try:
            chosen = QItemSelection()
            columns = max(self.model.columnCount() - 1, 0)
            if len(rows):
                breaks = np.flatnonzero(np.diff(rows) != 1)
                starts = np.concatenate([[rows[0]], rows[breaks + 1]])
                ends = np.concatenate([rows[breaks], [rows[-1]]])
                for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
                    chosen.select(self.model.index(a, 0), self.model.index(b, columns))
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
            self.view.selectionModel().select(chosen, flags)
            if len(rows):
                self.view.scrollTo(self.model.index(int(rows[0]), 0))
        finally:
            self._syncing = False
