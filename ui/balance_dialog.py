"""The balance dialog: the planner's request in their words, run in the background,
previewed before and after side by side.

The dialog only gathers a :class:`~gridplanner.balance_request.BalanceRequest` — scope,
tier, mode (keep today's grids / a target of households per worker / a number of grids),
minimal change, tolerance, locks, vacancies — whose defaults come from the project's
settings for the chosen scope; the request is resolved and balanced by
:func:`~gridplanner.balance.run_balance`, exactly as on the command line and in QGIS.
"Accept" leaves :attr:`BalanceDialog.edit` (the balancer's own reversible Edit), which the
caller pushes as one undoable command. The worker builds the result, the after-snapshot
and both preview images and touches no widget.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gridplanner.balance import BalanceResult, run_balance
from gridplanner.balance_request import ALL_VACANCIES, BalanceRequest, Mode, codes_in
from gridplanner.editing import Edit
from gridplanner.errors import GridPlannerError, PlannerError
from gridplanner.layers.renderer import PathCache, RenderRequest, render_image, selection_path
from gridplanner.layers.snapshot import MapData, build_map_data
from gridplanner.layers.style import Style, default_layers, with_state
from gridplanner.layers.view import MapView
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups
from gridplanner.ui.i18n import current_language, t
from gridplanner.ui.tasks import BackgroundTask

PREVIEW_SIZE = (430, 330)
#: The app never forks worker processes: forking a process whose other threads (Qt's
#: render threads) may hold a lock can hang the child.
PROCESSES = 1
MODES = (Mode.KEEP, Mode.TARGET, Mode.COUNT)
TIERS = (Level.GRID, Level.COMPREHENSIVE_GRID)


@dataclass
class BalancePreview:
    result: BalanceResult
    edit: Edit
    before: QImage
    after: QImage
    moved: pd.DataFrame  # child (name, codes before/after), parent before/after, households


def scope_view(project: Project, data: MapData, scope: str) -> MapView:
    """The preview's view of the scope (GUI thread: it uses the snapshot's transformer,
    which must not cross threads)."""
    shape = project.nodes.at[project.by_code(scope), "geometry"]
    bounds = tuple(data.project_geometry(shape).bounds)
    return MapView(0.0, 0.0, 1.0, *PREVIEW_SIZE).fitted(bounds, 0.04)


def balance_preview(
    project: Project,
    data: MapData,
    request: BalanceRequest,
    view: MapView,
    progress: Callable[[float, str], None],
    cancelled: Callable[[], bool],
) -> BalancePreview:
    """Balance (reading ``project``, never writing it) and build the preview (runs in a
    worker; builds its own projection for the new plan)."""
    result = run_balance(project, request, progress, cancelled, processes=PROCESSES)
    after = build_map_data(result.project, compute_rollups(result.project))
    level = request.tier.value
    layers = with_state(default_layers(), level, style=Style.GRADUATED, opacity=0.8)
    lang = current_language()
    images = [
        render_image(RenderRequest(d, view, layers, lang), PathCache()) for d in (data, after)
    ]
    before, after_image = images
    assert before is not None and after_image is not None
    child = request.tier.child
    moved = [
        node
        for node, _, _ in result.recoded
        if child is not None and project.nodes.at[node, "level"] == child.value
    ]
    if child is not None and moved:
        outline_moved(before, data, view, child, moved)
        outline_moved(after_image, after, view, child, moved)
    return BalancePreview(result, result.edit, before, after_image, moved_rows(project, result))


MOVED_COLOUR = QColor(200, 0, 160)


def outline_moved(
    image: QImage, data: MapData, view: MapView, level: Level, moved: list[int]
) -> None:
    """Outline the children the balance moves, on a preview image (before and after)."""
    path = selection_path(data, level, [m for m in moved if m in set(data.levels[level].ids)])
    if path.isEmpty():
        return
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setTransform(view.transform())
        pen = QPen(MOVED_COLOUR, 2.5)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
    finally:
        painter.end()


def moved_rows(project: Project, result: BalanceResult) -> pd.DataFrame:
    """The children that changed parent, names first."""
    child_level = result.request.tier.child
    nodes, new_nodes = project.nodes, result.project.nodes
    households = compute_rollups(project)["households"]
    rows = []
    for node, old, new in result.recoded:
        if nodes.at[node, "level"] != (child_level.value if child_level else ""):
            continue
        before = int(nodes.at[node, "parent_id"])
        after = int(new_nodes.at[node, "parent_id"])
        rows.append(
            (
                str(nodes.at[node, "name"]),
                old,
                new,
                str(nodes.at[before, "name"]),
                str(new_nodes.at[after, "name"]),
                int(households.get(node, 0)),
            )
        )
    columns = ["name", "old", "new", "parent_before", "parent_after", "households"]
    return pd.DataFrame(rows, columns=columns)


def band_summary(result: BalanceResult, listed: int = 4) -> str:
    """How many groups reached their tolerance; the rest split by cause, names first:
    staffing (workers needed) and granularity (units too big, proven, with the bound)."""
    lang = current_language()
    balanced = result.balanced
    within = sum(bool(g.report and g.report.within_band) for g in balanced)
    text = f"{t('达标')} {within}/{len(balanced)}"
    staff = [g for g in balanced if g.staffing is not None and g.staffing.for_band > 0]
    if staff:
        named = "，".join(
            f"{g.name} +{g.staffing.for_band}" for g in staff[:listed] if g.staffing is not None
        )
        more = f" …(+{len(staff) - listed})" if len(staff) > listed else ""
        total = sum(g.staffing.for_band for g in staff if g.staffing is not None)
        text += f"；{len(staff)} {t('个需要增加网格员')}（{t('共')} +{total}）: {named}{more}"
    coarse = [g for g in balanced if g.report is not None and g.report.band_impossible]
    if coarse:
        worst = sorted(
            coarse, key=lambda g: -(g.report.best_achievable_deviation if g.report else 0)
        )
        named = "，".join(
            f"{g.name} ≥{g.report.best_achievable_deviation:.1%}"
            for g in worst[:listed]
            if g.report is not None
        )
        more = f" …(+{len(coarse) - listed})" if len(coarse) > listed else ""
        text += (
            f"；{len(coarse)} {t('个无法达标（单元太大，已证明；可达的最小偏差）')}: {named}{more}"
        )
    failed = [g for g in result.groups if g.error is not None]
    if failed:
        text += "；" + "；".join(f"{g.name}: {g.error(lang)}" for g in failed if g.error)
    return text


def scope_choices(project: Project, around: str) -> list[tuple[str, str]]:
    """(label, code) for every street and community, and the comprehensive grids of the
    community around ``around`` — names first."""
    nodes = project.nodes
    out: list[tuple[str, str]] = []
    for level in (Level.STREET, Level.COMMUNITY):
        frame = nodes[nodes["level"] == level.value].sort_values("code")
        out.extend(
            (f"{n}（{c}）", str(c)) for n, c in zip(frame["name"], frame["code"], strict=True)
        )
    if around:
        comps = nodes[(nodes["level"] == Level.COMPREHENSIVE_GRID.value)]
        comps = comps[comps["code"].astype(str).str.startswith(around)].sort_values("code")
        out.extend(
            (f"{n}（{c}）", str(c)) for n, c in zip(comps["name"], comps["code"], strict=True)
        )
    return out


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
        self._rollups: pd.DataFrame | None = None
        self.scope = QComboBox()
        self.scope.setEditable(True)
        for label, code in scope_choices(project, scope):
            self.scope.addItem(label, code)
        index = self.scope.findData(scope)
        if index >= 0:
            self.scope.setCurrentIndex(index)
        else:
            self.scope.setEditText(scope)
        self.tier = QComboBox()
        self.tier.addItems(
            [t("网格单元 → 网格（在每个综合网格内）"), t("网格 → 综合网格（在每个社区内）")]
        )
        self.mode = QComboBox()
        self.mode.addItems([t("保留现有网格，均衡负荷"), t("按目标户数重划"), t("按网格数重划")])
        self.target = QSpinBox()
        self.target.setRange(1, 1_000_000)
        self.target_hint = QLabel()
        self.target_hint.setWordWrap(True)
        self.parts = QSpinBox()
        self.parts.setRange(1, 500)
        self.parts.setValue(4)
        self.min_change = QCheckBox(t("最小变动（尽量少调整单元）"))
        self.min_change.setChecked(True)
        self.tolerance = QDoubleSpinBox()
        self.tolerance.setRange(0.0, 50.0)
        self.tolerance.setSingleStep(0.5)
        self.tolerance.setDecimals(1)
        self.tolerance.setSuffix(" %")
        self.tolerance.setSpecialValueText(t("自动（±5%；最小变动时按户/人范围）"))
        self.tolerance.setValue(0.0)
        self.locks = QLineEdit(",".join(locked))
        self.locks.setPlaceholderText(t("锁定的网格编码，逗号分隔"))
        self.vacancies = QCheckBox(t("没有网格员的网格作为待补岗位参与平衡（按 1 名专职计）"))
        form = QFormLayout()
        form.addRow(t("范围"), self.scope)
        form.addRow(t("层级"), self.tier)
        form.addRow(t("方式"), self.mode)
        self.target_label = QLabel(t("目标户/人"))
        form.addRow(self.target_label, self.target)
        form.addRow("", self.target_hint)
        self.parts_label = QLabel(t("每个综合网格的网格数"))
        form.addRow(self.parts_label, self.parts)
        form.addRow("", self.min_change)
        form.addRow(t("允许偏差"), self.tolerance)
        form.addRow(t("锁定"), self.locks)
        form.addRow("", self.vacancies)
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
        for title, image in ((t("调整前"), self.before_label), (t("调整后"), self.after_label)):
            column = QVBoxLayout()
            column.addWidget(QLabel(f"<b>{title}</b>"))
            image.setMinimumSize(*PREVIEW_SIZE)
            column.addWidget(image)
            images.addLayout(column)
        self.table = self._table(
            [t("名称"), t("原编码"), t("新编码"), t("原属"), t("新属"), t("户数")]
        )
        self.groups_table = self._table(
            [t("范围"), t("达标"), t("户/人达标"), t("需增员"), t("移动户数"), t("说明")]
        )
        self.workers_table = self._table([t("网格员"), t("原网格"), t("新网格")])
        self.tabs = QTabWidget()
        self.tabs.addTab(self.table, t("调整的单元"))
        self.tabs.addTab(self.groups_table, t("各组结果"))
        self.tabs.addTab(self.workers_table, t("网格员安排"))
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
        layout.addWidget(self.tabs)
        layout.addWidget(self.buttons)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.mode.currentIndexChanged.connect(self._sync)
        self.tier.currentIndexChanged.connect(self._sync)
        self.scope.currentIndexChanged.connect(self._defaults)
        self.tier.currentIndexChanged.connect(self._defaults)
        self._defaults()
        self._sync()

    @staticmethod
    def _table(headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    # -- the request --------------------------------------------------------------------
    def scope_code(self) -> str:
        """The chosen scope's code (a picked entry, or a code typed or pasted)."""
        text = self.scope.currentText().strip()
        index = self.scope.findText(text)
        if index >= 0:
            return str(self.scope.itemData(index))
        found = re.search(r"[（(]\s*(\d+)\s*[)）]\s*$", text)
        return found.group(1) if found else text

    def request(self) -> BalanceRequest:
        mode = MODES[self.mode.currentIndex()]
        tier = TIERS[self.tier.currentIndex()]
        locked = codes_in(self.locks.text())
        vacancies = self.vacancies.isChecked() and self.vacancies.isEnabled()
        tolerance = self.tolerance.value()
        return BalanceRequest(
            scope=self.scope_code(),
            tier=tier,
            mode=mode,
            target=float(self.target.value()) if mode is Mode.TARGET else None,
            count=self.parts.value() if mode is Mode.COUNT else None,
            min_change=self.min_change.isChecked(),
            tolerance=tolerance / 100 if tolerance > 0 else None,
            locked=tuple(locked),
            vacancies=(ALL_VACANCIES,) if vacancies else (),
        )

    def _defaults(self) -> None:
        """The target and band the project's settings give the chosen scope."""
        code = self.scope_code()
        project = self.project
        tier = TIERS[self.tier.currentIndex()]
        try:
            node = project.by_code(code)
        except GridPlannerError:
            self.target_hint.setText(t("范围无效") + f": {code}")
            return
        if tier is Level.GRID:
            chain = [str(project.nodes.at[i, "code"]) for i in project.ancestors(node)]
            sizing = project.settings.sizing_for(chain)
            self.target.setValue(round(sizing.target))
            self.target_hint.setText(
                f"{t('方案设置')}: {t('目标')} {sizing.target:g} {t('户/人')}，{t('范围')} "
                f"{sizing.band_min:g}–{sizing.band_max:g}"
            )
        else:
            if self._rollups is None:
                self._rollups = compute_rollups(project)
            comps = project.descendants_at(node, Level.COMPREHENSIVE_GRID)
            households = float(self._rollups.loc[comps, "households"].sum()) if comps else 0.0
            mean = households / len(comps) if comps else 1.0
            self.target.setValue(max(1, round(mean)))
            self.target_hint.setText(f"{t('现有平均每个综合网格')} {mean:.0f} {t('户')}")

    def _sync(self) -> None:
        """Only the fields the chosen mode reads are editable."""
        mode = MODES[self.mode.currentIndex()]
        tier = TIERS[self.tier.currentIndex()]
        for widget in (self.target, self.target_label, self.target_hint):
            widget.setEnabled(mode is Mode.TARGET)
        for widget in (self.parts, self.parts_label):
            widget.setEnabled(mode is Mode.COUNT)
        self.vacancies.setEnabled(mode is Mode.KEEP and tier is Level.GRID)
        upper = tier is Level.COMPREHENSIVE_GRID
        self.target_label.setText(t("每个综合网格目标户数") if upper else t("目标户/人"))
        self.parts_label.setText(t("每个社区的综合网格数") if upper else t("每个综合网格的网格数"))

    # -- running --------------------------------------------------------------------------
    def start(self) -> None:
        project, data, request = self.project, self.data, self.request()
        try:
            view = scope_view(project, data, request.scope)
        except (KeyError, ValueError, GridPlannerError) as error:
            self.message.setText(t("范围无效") + f": {request.scope} ({error})")
            return
        self.task = BackgroundTask(
            lambda progress, cancelled: balance_preview(
                project, data, request, view, progress, cancelled
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
        except PlannerError as error:
            self.message.setText(t("无法平衡") + f": {error.message(current_language())}")
            return
        except Exception as error:
            self.message.setText(t("平衡失败") + f": {error}")
            return
        self.preview = preview
        self.progress.setValue(100)
        self.before_label.setPixmap(QPixmap.fromImage(preview.before))
        self.after_label.setPixmap(QPixmap.fromImage(preview.after))
        self._fill(self.table, preview.moved.itertuples(index=False))
        self._fill_groups(preview.result)
        self._fill(
            self.workers_table,
            [
                (m.name, m.from_code or "—", m.to_code or t("无网格"))
                for m in preview.result.worker_moves
            ]
            + [
                (t("待补充") + f" {v:g}", "", code)
                for code, v in preview.result.needing_worker.items()
            ],
        )
        moved = preview.moved
        self.message.setText(
            f"{t('调整')} {len(moved)} {t('个')}，{t('涉及')} "
            f"{int(moved['households'].sum())} {t('户')}；" + band_summary(preview.result)
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not preview.edit.is_empty)

    def _fill_groups(self, result: BalanceResult) -> None:
        lang = current_language()
        rows: list[tuple[object, ...]] = []
        for g in result.groups:
            why = g.skipped or g.error
            if why is not None or g.report is None:
                rows.append((g.words()(lang), "—", "", "", "", why(lang) if why else ""))
                continue
            r = g.report
            reached = t("是") if r.within_band else (t("不可达") if r.band_impossible else t("否"))
            need = g.staffing.for_band if g.staffing else 0
            in_band = "—" if g.band is None else f"{g.in_band_after}/{len(r.parts)}"
            reasons = "；".join(w(lang) for w in [*g.reasons(), *g.kept_words()])
            rows.append(
                (g.words()(lang), reached, in_band, need, round(g.households_moved), reasons)
            )
        self._fill(self.groups_table, rows)

    @staticmethod
    def _fill(table: QTableWidget, rows: object) -> None:
        values = [list(r) for r in rows]  # type: ignore[attr-defined]
        table.setRowCount(len(values))
        for row, items in enumerate(values):
            for column, value in enumerate(items):
                item = QTableWidgetItem(str(value))
                item.setToolTip(str(value))  # long explanations are cut in the cell
                table.setItem(row, column, item)
        table.resizeColumnsToContents()

    def accept(self) -> None:
        if self.preview is not None:
            request = self.preview.result.request
            scope = self.project.nodes.loc[self.project.by_code(request.scope)]
            prefix = t("重新平衡") if request.tier is Level.GRID else t("综合网格重新平衡")
            label = f"{prefix} {scope['name']}"
            self.edit = dataclasses.replace(self.preview.edit, label=label)
        super().accept()
