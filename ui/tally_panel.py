"""The live tallies dock: every grid's households, workers, ratio and a deviation bar.

Filled from :class:`~gridplanner.editing.Tallies` after each edit (the session
refreshes it once the event loop is free). Clicking a row selects the grid.
The last edit's warnings (a grid broken in two, a unit left without a grid) show
above the table until the next edit.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gridplanner.editing.change import PlanChange
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.ui.i18n import t

Index = QModelIndex | QPersistentModelIndex
DEVIATION_COLUMN = 5
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class TallyModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.ids = np.zeros(0, dtype=np.int64)
        self.codes: list[str] = []
        self.names: list[str] = []
        self.households = np.zeros(0)
        self.workers = np.zeros(0)
        self.ratio = np.zeros(0)
        self.deviation = np.zeros(0)
        self.in_band = np.zeros(0, dtype=bool)
        self.dedicated = np.zeros(0, dtype=bool)  # 专属网格: no household band (免考核)
        self.rows_refreshed = 0  # rows the last incremental update refreshed (tests)
        self.sort_column, self.sort_order = -1, Qt.SortOrder.AscendingOrder

    def set_frame(self, project: Project, frame: pd.DataFrame) -> bool:
        """Show ``frame``; True when the rows changed (not just their values)."""
        ids = frame.index.to_numpy(dtype=np.int64, copy=True)
        same_rows = np.array_equal(ids, self.ids)
        if not same_rows:
            self.beginResetModel()
        nodes = project.nodes
        self.ids = ids
        self.codes = nodes["code"].reindex(ids).astype(str).tolist()
        self.names = nodes["name"].reindex(ids).astype(str).tolist()
        self.households = frame["households"].to_numpy(dtype=float, copy=True)
        self.workers = frame["workers"].to_numpy(dtype=float, copy=True)
        self.ratio = frame["households_per_worker"].to_numpy(dtype=float, copy=True)
        self.deviation = frame["deviation"].to_numpy(dtype=float, copy=True)
        self.in_band = frame["in_band"].to_numpy(dtype=bool, copy=True)
        self.dedicated = (nodes["kind"].reindex(ids) == "dedicated").to_numpy(dtype=bool, copy=True)
        if same_rows:
            if len(ids):
                self.dataChanged.emit(self.index(0, 0), self.index(len(ids) - 1, 5))
        else:
            self.endResetModel()
            if self.sort_column >= 0:
                self.sort(self.sort_column, self.sort_order)
        return not same_rows

    def apply_change(self, project: Project, rollups: pd.DataFrame, change: PlanChange) -> None:
        """Only the grids ``change`` touched: rows removed, appended or refreshed."""
        nodes = project.nodes
        touched = change.tallies | change.nodes | change.added | change.removed
        grid = Level.GRID.value
        present = {
            i for i in touched
            if i in nodes.index and nodes.at[i, "level"] == grid and i in rollups.index
        }  # fmt: skip
        gone = [r for r, i in enumerate(self.ids.tolist()) if i in touched and i not in present]
        for row in reversed(gone):
            self.beginRemoveRows(QModelIndex(), row, row)
            self._delete_row(row)
            self.endRemoveRows()
        rows = {int(i): r for r, i in enumerate(self.ids.tolist()) if i in present}
        new = sorted(present - set(rows), key=lambda i: str(nodes.at[i, "code"]))
        if new:
            first = len(self.ids)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._append_rows(len(new))
            self.ids[first:] = new
            self.endInsertRows()
            rows.update({i: first + k for k, i in enumerate(new)})
        self.rows_refreshed = 0
        if not rows:
            return
        ids = list(rows)
        frame = rollups.loc[ids]
        positions = np.array([rows[i] for i in ids])
        self.households[positions] = frame["households"].to_numpy(dtype=float)
        self.workers[positions] = frame["workers"].to_numpy(dtype=float)
        self.ratio[positions] = frame["households_per_worker"].to_numpy(dtype=float)
        self.deviation[positions] = frame["deviation"].to_numpy(dtype=float)
        self.in_band[positions] = frame["in_band"].to_numpy(dtype=bool)
        self.dedicated[positions] = (nodes["kind"].reindex(ids) == "dedicated").to_numpy()
        for node, row in rows.items():
            self.codes[row] = str(nodes.at[node, "code"])
            self.names[row] = str(nodes.at[node, "name"])
            self.dataChanged.emit(self.index(row, 0), self.index(row, DEVIATION_COLUMN))
            self.rows_refreshed += 1

    def _delete_row(self, row: int) -> None:
        for name in ("ids", "households", "workers", "ratio", "deviation", "in_band", "dedicated"):
            setattr(self, name, np.delete(getattr(self, name), row))
        del self.codes[row], self.names[row]

    def _append_rows(self, count: int) -> None:
        for name in ("ids", "households", "workers", "ratio", "deviation", "in_band", "dedicated"):
            array = getattr(self, name)
            setattr(self, name, np.concatenate([array, np.zeros(count, dtype=array.dtype)]))
        self.codes += [""] * count
        self.names += [""] * count

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows in numpy (one argsort), not row by row through a proxy: on a
        city's 12,000 grids a sorting proxy calls data() hundreds of thousands of times."""
        self.sort_column, self.sort_order = column, order
        if len(self.ids) < 2:
            return
        if column in (0, 1):
            keys = np.array(self.codes if column == 0 else self.names, dtype=object)
            order_rows = np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64)
        else:
            values = [self.households, self.workers, self.ratio, self.deviation][column - 2]
            missing = -np.inf if column == DEVIATION_COLUMN else -1.0
            order_rows = np.argsort(np.nan_to_num(values, nan=missing), kind="stable")
        if order == Qt.SortOrder.DescendingOrder:
            order_rows = order_rows[::-1]
        self.layoutAboutToBeChanged.emit()
        old_ids = self.ids.copy()
        self._take(order_rows)
        position = {int(i): r for r, i in enumerate(self.ids.tolist())}
        moved_from = self.persistentIndexList()
        self.changePersistentIndexList(
            moved_from,
            [self.index(position[int(old_ids[i.row()])], i.column()) for i in moved_from],
        )
        self.layoutChanged.emit()

    def _take(self, rows: np.ndarray) -> None:
        for name in ("ids", "households", "workers", "ratio", "deviation", "in_band", "dedicated"):
            setattr(self, name, getattr(self, name)[rows])
        self.codes = [self.codes[r] for r in rows.tolist()]
        self.names = [self.names[r] for r in rows.tolist()]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 6

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == SORT_ROLE:
            values: list = [self.codes, self.names, self.households, self.workers, self.ratio]
            if column == DEVIATION_COLUMN:
                if self.dedicated[row]:
                    return None  # 免考核: no bar
                value = self.deviation[row]
                return -math.inf if math.isnan(value) else float(value)
            value = values[column][row]
            return value if isinstance(value, str) else float(np.nan_to_num(value, nan=-1))
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return self.codes[row]
            if column == 1:
                return self.names[row]
            if column == 2:
                return f"{self.households[row]:.0f}"
            if column == 3:
                return f"{self.workers[row]:g}"
            if column == 4:
                ratio = self.ratio[row]
                return "—" if not np.isfinite(ratio) else f"{ratio:.0f}"
            if self.dedicated[row]:
                return t("免考核")
            deviation = self.deviation[row]
            return "—" if not np.isfinite(deviation) else f"{100 * deviation:+.0f}%"
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        exempt = self.dedicated[row]
        if role == Qt.ItemDataRole.ToolTipRole and column == DEVIATION_COLUMN and exempt:
            return t("专属网格不参与户/人配比考核")
        if role == Qt.ItemDataRole.ForegroundRole and column == 4 and not self.in_band[row]:
            return QColor(200, 30, 30)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return [t("编码"), t("网格"), t("户数"), t("网格员"), t("户/人"), t("偏差")][section]
        return None


class DeviationBar(QStyledItemDelegate):
    """A bar from the centre: right (red) above the target, left (blue) below."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        value = index.data(SORT_ROLE)
        rect: QRect = option.rect  # type: ignore[attr-defined]
        painter.save()
        if isinstance(value, float) and math.isfinite(value):
            half = rect.width() / 2
            length = int(min(abs(value), 1.0) * (half - 2))
            centre = rect.left() + int(half)
            bar = QRect(
                centre if value >= 0 else centre - length, rect.top() + 4, length, rect.height() - 8
            )
            strong = abs(value) > 0.4
            colour = QColor(215, 25, 28) if value >= 0 else QColor(44, 123, 182)
            if not strong:
                colour = colour.lighter(150)
            painter.fillRect(bar, colour)
            painter.setPen(QColor(120, 120, 120))
            painter.drawLine(centre, rect.top() + 2, centre, rect.bottom() - 2)
        painter.setPen(QColor(20, 20, 20))
        painter.drawText(
            rect.adjusted(4, 0, -4, 0),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            str(index.data(Qt.ItemDataRole.DisplayRole)),
        )
        painter.restore()


def grids_under(project: Project, level: Level | None, ids: tuple[int, ...]) -> set[int] | None:
    """The grids a selection covers: selected grids, the grids of selected units, the
    grids under selected communities or comprehensive grids (None: no selection)."""
    if level is None or not ids:
        return None
    if level is Level.GRID:
        return set(ids)
    if level is Level.GRID_UNIT:
        parents = project.nodes["parent_id"].reindex(list(ids)).dropna()
        return {int(p) for p in parents}
    return {
        g
        for node in ids
        if node in project.nodes.index
        for g in project.descendants_at(node, Level.GRID)
    }


class TallyPanel(QWidget):
    gridActivated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TallyModel()
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)  # sorts through TallyModel.sort
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(20)
        self.view.setItemDelegateForColumn(DEVIATION_COLUMN, DeviationBar(self.view))
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DEVIATION_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(DEVIATION_COLUMN, 130)
        header.moveSection(1, 0)  # names first, codes second (the model keeps its order)
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.only_selection = QCheckBox()
        self.shown_label = QLabel()
        self.scope: set[int] | None = None  # grids under the selection (None: no selection)
        self._hidden = np.zeros(0, dtype=bool)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b04000;")
        self.warning.setVisible(False)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.only_selection)
        bar.addWidget(self.shown_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.warning)
        layout.addWidget(self.view)
        self.view.clicked.connect(self._clicked)
        self.search.textChanged.connect(lambda _: self.apply_filter())
        self.only_selection.toggled.connect(lambda _: self.apply_filter())
        for signal in (
            self.model.modelReset,
            self.model.layoutChanged,
            self.model.rowsInserted,
            self.model.rowsRemoved,
        ):
            signal.connect(lambda *_: self.apply_filter(force=True))
        self.retranslate()

    # -- filtering (search, the selection's grids) --------------------------------------
    def set_scope(self, grids: set[int] | None) -> None:
        """The grids under the current selection; the table shows only them while
        仅显示选中范围 is ticked."""
        self.scope = grids
        if self.only_selection.isChecked():
            self.apply_filter()

    def visible_mask(self) -> np.ndarray:
        model = self.model
        keep = np.ones(len(model.ids), dtype=bool)
        text = self.search.text().strip().lower()
        if text:
            names = np.char.lower(np.array(model.names, dtype=str))
            codes = np.array(model.codes, dtype=str)
            keep &= (np.char.find(names, text) >= 0) | (np.char.find(codes, text) >= 0)
        if self.only_selection.isChecked() and self.scope is not None:
            keep &= np.isin(model.ids, np.fromiter(self.scope, dtype=np.int64))
        return keep

    def apply_filter(self, force: bool = False) -> None:
        """Hide the rows the filter leaves out (only rows whose state changes)."""
        hidden = ~self.visible_mask()
        previous = self._hidden if len(self._hidden) == len(hidden) and not force else None
        rows = range(len(hidden)) if previous is None else np.flatnonzero(previous != hidden)
        for row in rows:
            self.view.setRowHidden(int(row), bool(hidden[row]))
        self._hidden = hidden
        self.shown_label.setText(t("{0} / {1} 个网格").format(int((~hidden).sum()), len(hidden)))

    def scroll_to(self, grid_id: int) -> None:
        """Bring a grid's row into view (clearing a search that hides it)."""
        row = self.row_of(grid_id)
        if row < 0:
            return
        if self.view.isRowHidden(row) and self.search.text():
            self.search.clear()
        if not self.view.isRowHidden(row):
            self.view.scrollTo(self.model.index(row, 0))
            self.view.selectRow(row)

    def show_tallies(self, project: Project, frame: pd.DataFrame) -> None:
        if self.model.set_frame(project, frame):
            metrics = self.view.fontMetrics()  # from the font, not by reading every row
            self.view.horizontalHeader().resizeSection(
                0, metrics.horizontalAdvance("210283001001001001") + 16
            )

    def apply_change(self, project: Project, rollups: pd.DataFrame, change: PlanChange) -> None:
        """After edits: only the grids whose figures or names changed (no re-sizing);
        the view scrolls to the (first) edited grid."""
        if change.everything:
            grids = project.nodes.index[project.nodes["level"] == Level.GRID.value]
            self.show_tallies(project, rollups.reindex(grids))
            return
        self.model.apply_change(project, rollups, change)
        self.apply_filter()
        touched = np.fromiter(change.tallies | change.added | change.nodes, dtype=np.int64)
        edited = np.sort(self.model.ids[np.isin(self.model.ids, touched)])
        if len(edited):
            self.edited_grid = int(edited[0])
            self.scroll_to(self.edited_grid)

    edited_grid: int | None = None

    def show_warnings(self, messages: list[str]) -> None:
        self.warning.setText("\n".join(messages))
        self.warning.setVisible(bool(messages))

    def row_of(self, grid_id: int) -> int:
        """The source row of a grid (-1 if absent)."""
        hits = np.flatnonzero(self.model.ids == grid_id)
        return int(hits[0]) if len(hits) else -1

    def retranslate(self) -> None:
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 5)
        self.search.setPlaceholderText(t("搜索网格名称或编码…"))
        self.only_selection.setText(t("仅显示选中范围"))
        self.apply_filter()

    def _clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.gridActivated.emit(int(self.model.ids[index.row()]))
