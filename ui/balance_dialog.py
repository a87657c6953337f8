"""The balance dialog: scope, target or number of grids, minimal change, locks;
runs the balancer in a background task and previews before/after side by side.

"Accept" leaves :attr:`BalanceDialog.edit` — the balancer's own reversible Edit —
which the caller pushes as one undoable command. The worker builds everything (the new
plan, the Edit, the after-snapshot and both preview images) and touches no widget.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gridplanner.balance import BalanceOptions, BalanceResult, balance_scope
from gridplanner.editing import Edit
from gridplanner.errors import GridPlannerError
from gridplanner.layers.renderer import PathCache, RenderRequest, render_image
from gridplanner.layers.snapshot import MapData, build_map_data
from gridplanner.layers.style import Style, default_layers, with_state
from gridplanner.layers.view import MapView
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups
from gridplanner.ui.i18n import current_language, t
from gridplanner.ui.tasks import BackgroundTask

PREVIEW_SIZE = (430, 330)


@dataclass
class BalancePreview:
    result: BalanceResult
    edit: Edit
    before: QImage
    after: QImage
    moved: pd.DataFrame  # unit code before/after, grid before/after, households


def scope_view(project: Project, data: MapData, scope: str) -> MapView:
    """The preview's view of the scope (GUI thread: it uses the snapshot's transformer,
    which must not cross threads)."""
    shape = project.nodes.at[project.by_code(scope), "geometry"]
    bounds = tuple(data.project_geometry(shape).bounds)
    return MapView(0.0, 0.0, 1.0, *PREVIEW_SIZE).fitted(bounds, 0.04)


def balance_preview(
    project: Project,
    data: MapData,
    scope: str,
    view: MapView,
    options: BalanceOptions,
    progress: Callable[[float, str], None],
    cancelled: Callable[[], bool],
) -> BalancePreview:
    """Balance a copy of ``project`` and build the preview (runs in a worker; builds its
    own projection for the new plan)."""
    result = balance_scope(project, scope, options, progress, cancelled)  # reads, never writes
    assert result.edit is not None
    edit = dataclasses.replace(result.edit, label=t("重新平衡") + f" {scope}")
    after_rollups = compute_rollups(result.project)
    after = build_map_data(result.project, after_rollups)
    layers = with_state(default_layers(), Level.GRID.value, style=Style.GRADUATED, opacity=0.8)
    lang = current_language()
    images = [
        render_image(RenderRequest(d, view, layers, lang), PathCache()) for d in (data, after)
    ]
    nodes, new_nodes = project.nodes, result.project.nodes
    households = compute_rollups(project)["households"]
    rows = [
        (
            old,
            new,
            str(nodes.at[int(nodes.at[unit, "parent_id"]), "name"]),
            str(new_nodes.at[int(new_nodes.at[unit, "parent_id"]), "name"]),
            int(households.get(unit, 0)),
        )
        for unit, old, new in result.recoded
    ]
    moved = pd.DataFrame(rows, columns=["old", "new", "grid_before", "grid_after", "households"])
    assert images[0] is not None and images[1] is not None
    return BalancePreview(result, edit, images[0], images[1], moved)


def band_summary(result: BalanceResult, listed: int = 4) -> str:
    """How many comprehensive grids reached their band, and where it is proven out
    of reach (the units are too coarse), with the closest deviation any plan gets."""
    reports = [(g.code, g.report) for g in result.groups if g.report is not None]
    within = sum(r.within_band for _, r in reports)
    text = f"{t('达标')} {within}/{len(reports)}"
    beyond = [(c, r) for c, r in reports if r.band_impossible]
    if beyond:
        worst = sorted(beyond, key=lambda cr: -cr[1].best_achievable_deviation)[:listed]
        named = "，".join(f"{c} ≥{r.best_achievable_deviation:.1%}" for c, r in worst)
        more = f" …(+{len(beyond) - listed})" if len(beyond) > listed else ""
        text += (
            f"；{len(beyond)} {t('个无法达标（单元太大，已证明；可达的最小偏差）')}: {named}{more}"
        )
    return text


class BalanceDialog(QDialog):
    def __init__(
        self,
        project: Project,
        data: MapData,
        scope: str,
        locked: list[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("重新平衡"))
        self.project, self.data = project, data
        self.task: BackgroundTask | None = None
        self.preview: BalancePreview | None = None
        self.edit: Edit | None = None
        self.scope = QLineEdit(scope)
        self.mode = QComboBox()
        self.mode.addItems([t("保留现有网格，均衡负荷"), t("按目标户数重划"), t("按网格数重划")])
        self.target = QSpinBox()
        self.target.setRange(50, 2000)
        self.target.setValue(300)
        self.parts = QSpinBox()
        self.parts.setRange(1, 200)
        self.parts.setValue(4)
        self.min_change = QCheckBox(t("最小变动（尽量少调整单元）"))
        self.min_change.setChecked(True)
        self.locks = QLineEdit(",".join(locked))
        self.locks.setPlaceholderText(t("锁定的网格编码，逗号分隔"))
        form = QFormLayout()
        form.addRow(t("范围（社区或综合网格编码）"), self.scope)
        form.addRow(t("方式"), self.mode)
        form.addRow(t("目标户/人"), self.target)
        form.addRow(t("每个综合网格的网格数"), self.parts)
        form.addRow("", self.min_change)
        form.addRow(t("锁定网格"), self.locks)
        self.run_button = QPushButton(t("计算"))
        self.cancel_button = QPushButton(t("取消计算"))
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.message = QLabel()
        self.message.setWordWrap(True)
        run_row = QHBoxLayout()
        for widget in (self.run_button, self.cancel_button, self.progress):
            run_row.addWidget(widget)
        self.before_label, self.after_label = QLabel(), QLabel()
        images = QHBoxLayout()
        for title, label in ((t("调整前"), self.before_label), (t("调整后"), self.after_label)):
            column = QVBoxLayout()
            column.addWidget(QLabel(f"<b>{title}</b>"))
            label.setMinimumSize(*PREVIEW_SIZE)
            column.addWidget(label)
            images.addLayout(column)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [t("原编码"), t("新编码"), t("原网格"), t("新网格"), t("户数")]
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(t("接受"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run_row)
        layout.addWidget(self.message)
        layout.addLayout(images)
        layout.addWidget(self.table)
        layout.addWidget(self.buttons)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)

    def options(self) -> BalanceOptions:
        mode = self.mode.currentIndex()
        locked = [c.strip() for c in self.locks.text().split(",") if c.strip()]
        return BalanceOptions(
            target=float(self.target.value()) if mode == 1 else None,
            parts=self.parts.value() if mode == 2 else None,
            min_change=self.min_change.isChecked(),
            locked_grids=tuple(locked),
            # no worker processes from the app: forking a process whose other threads
            # (Qt's render threads) may hold a lock can hang the child
            processes=1,
        )

    def start(self) -> None:
        project, data, scope, options = self.project, self.data, self.scope.text(), self.options()
        try:
            view = scope_view(project, data, scope)
        except (KeyError, ValueError, GridPlannerError) as error:
            self.message.setText(t("范围无效") + f": {scope} ({error})")
            return
        self.task = BackgroundTask(
            lambda progress, cancelled: balance_preview(
                project, data, scope, view, options, progress, cancelled
            )
        )
        self.task.signals.progressed.connect(self._progressed)
        self.task.signals.finished.connect(self._finished)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.message.setText(t("正在计算…"))
        self.task.start()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _progressed(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(100 * fraction))

    def _finished(self, task: BackgroundTask) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        try:
            preview: BalancePreview = task.result()  # re-raises the worker's error here
        except Exception as error:
            self.message.setText(t("平衡失败") + f": {error}")
            return
        self.preview = preview
        self.progress.setValue(100)
        self.before_label.setPixmap(QPixmap.fromImage(preview.before))
        self.after_label.setPixmap(QPixmap.fromImage(preview.after))
        moved = preview.moved
        self.table.setRowCount(len(moved))
        for row, values in enumerate(moved.itertuples(index=False)):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(str(value)))
        self.table.resizeColumnsToContents()
        errors = [f"{g.code}: {g.error}" for g in preview.result.groups if g.error]
        self.message.setText(
            f"{t('调整单元')} {len(moved)} {t('个')}，{t('涉及')} "
            f"{int(moved['households'].sum())} {t('户')}；"
            + band_summary(preview.result)
            + ("；" + "；".join(errors) if errors else "")
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not preview.edit.is_empty)

    def accept(self) -> None:
        if self.preview is not None:
            self.edit = self.preview.edit
        super().accept()
