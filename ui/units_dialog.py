"""The 生成网格单元 dialog: units drawn from buildings and roads, previewed before and after.

The dialog gathers a :class:`~gridplanner.units_generate.UnitRequest` (scope, household
limits, the road classes that cut and those never spanned, optional footprints) and
runs :func:`~gridplanner.units_generate.generate_units` in the app's one background
task (progress and cancel); the worker also applies the edit to a copy and renders
both previews, touching no widget. "Accept" leaves :attr:`UnitsDialog.edit`, which the
caller pushes as one undoable step — exactly what ``gridplanner units generate`` makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gridplanner.editing import Edit
from gridplanner.errors import GridPlannerError, PlannerError
from gridplanner.layers.renderer import PathCache, RenderRequest, render_image
from gridplanner.layers.snapshot import MapData, build_map_data
from gridplanner.layers.style import default_layers, with_state
from gridplanner.layers.view import MapView
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.road_classes import CUT_CLASSES, MAJOR_CLASSES, parse_classes
from gridplanner.rollups import compute_rollups
from gridplanner.ui.balance_dialog import PREVIEW_SIZE, scope_view
from gridplanner.ui.i18n import current_language, t
from gridplanner.ui.tasks import BackgroundTask
from gridplanner.units_generate import (
    DEFAULT_MAX_HOUSEHOLDS,
    DEFAULT_MIN_HOUSEHOLDS,
    GeneratedUnits,
    UnitRequest,
    footprints_from,
    generate_units,
)

if TYPE_CHECKING:
    from gridplanner.ui.app import App


@dataclass
class UnitsPreview:
    result: GeneratedUnits
    before: QImage
    after: QImage


def units_preview(
    project: Project,
    data: MapData,
    request: UnitRequest,
    view: MapView,
    progress: Callable[[float, str], None],
    cancelled: Callable[[], bool],
) -> UnitsPreview:
    """Generate (reading ``project``, never writing it) and render before and after (runs
    in a worker)."""
    result = generate_units(project, request, progress, cancelled)
    progress(0.97, t("绘制预览"))
    after = result.edit.apply(project.copy())
    after_data = build_map_data(after, compute_rollups(after))
    layers = with_state(default_layers(), Level.GRID_UNIT.value, labels=False)
    lang = current_language()
    images = [
        render_image(RenderRequest(d, view, layers, lang), PathCache()) for d in (data, after_data)
    ]
    before, after_image = images
    assert before is not None and after_image is not None
    return UnitsPreview(result, before, after_image)


def scope_choices(project: Project) -> list[tuple[str, str]]:
    """(label, code) for the district, every street and every community — names first."""
    nodes = project.nodes
    out: list[tuple[str, str]] = []
    for level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
        frame = nodes[nodes["level"] == level.value].sort_values("code")
        out.extend(
            (f"{n}（{c}）", str(c)) for n, c in zip(frame["name"], frame["code"], strict=True)
        )
    return out


class UnitsDialog(QDialog):
    def __init__(
        self, project: Project, data: MapData, scope: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("生成网格单元"))
        self.project, self.data = project, data
        self.task: BackgroundTask | None = None
        self.preview: UnitsPreview | None = None
        self.edit: Edit | None = None
        self.scope = QComboBox()
        for label, code in scope_choices(project):
            self.scope.addItem(label, code)
        index = self.scope.findData(scope)
        self.scope.setCurrentIndex(max(index, 0))
        self.max_households = QSpinBox()
        self.max_households.setRange(1, 100_000)
        self.max_households.setValue(DEFAULT_MAX_HOUSEHOLDS)
        self.min_households = QSpinBox()
        self.min_households.setRange(0, 100_000)
        self.min_households.setValue(DEFAULT_MIN_HOUSEHOLDS)
        self.cut_classes = QLineEdit("，".join(CUT_CLASSES))
        self.major_classes = QLineEdit("，".join(MAJOR_CLASSES))
        self.footprints = QLineEdit()
        self.footprints.setPlaceholderText(t("可选：楼栋轮廓面图层（无则按楼栋点剖分）"))
        browse = QPushButton(t("浏览…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.footprints)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow(t("范围"), self.scope)
        form.addRow(t("每单元最多户数"), self.max_households)
        form.addRow(t("每单元最少户数"), self.min_households)
        form.addRow(t("分隔单元的道路等级"), self.cut_classes)
        form.addRow(t("单元不得跨越的道路等级"), self.major_classes)
        form.addRow(t("楼栋轮廓"), row)
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
        layout.addWidget(self.buttons)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, t("楼栋轮廓"), "", "GIS (*.gpkg *.shp *.geojson *.json)"
        )
        if path:
            self.footprints.setText(path)

    def request(self) -> UnitRequest:
        """The planner's request (footprints read here, on the GUI thread's click)."""
        footprints = None
        if self.footprints.text().strip():
            from gridplanner.exchange.reading import read_source

            table = read_source(self.footprints.text().strip())
            footprints = footprints_from(table.geometry)
        return UnitRequest(
            scope=str(self.scope.currentData()),
            max_households=self.max_households.value(),
            min_households=self.min_households.value(),
            cut_classes=parse_classes(self.cut_classes.text(), CUT_CLASSES),
            major_classes=parse_classes(self.major_classes.text(), MAJOR_CLASSES),
            footprints=footprints,
        )

    # -- running --------------------------------------------------------------------------
    def start(self) -> None:
        project, data = self.project, self.data
        try:
            request = self.request()
            view = scope_view(project, data, request.scope)
        except (KeyError, ValueError, GridPlannerError) as error:
            self.message.setText(t("无法生成") + f": {error}")
            return
        self.task = BackgroundTask(
            lambda progress, cancelled: units_preview(
                project, data, request, view, progress, cancelled
            )
        )
        self.task.signals.progressed.connect(self._progressed)
        self.task.signals.finished.connect(self._finished)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
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
        if task.is_cancelled:
            self.message.setText(t("已取消"))
            return
        try:
            preview: UnitsPreview = task.result()  # re-raises the worker's error here
        except PlannerError as error:
            self.message.setText(t("无法生成") + f": {error.message(current_language())}")
            return
        except Exception as error:
            self.message.setText(t("生成失败") + f": {error}")
            return
        self.preview = preview
        self.progress.setValue(100)
        self.before_label.setPixmap(QPixmap.fromImage(preview.before))
        self.after_label.setPixmap(QPixmap.fromImage(preview.after))
        self.message.setText("\n".join(preview.result.summary(current_language())))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not preview.result.edit.is_empty)

    def accept(self) -> None:
        if self.preview is not None:
            self.edit = self.preview.result.edit
        super().accept()


def units_dialog(app: App) -> UnitsDialog | None:
    """The dialog for the current plan, its scope from the selection (not yet shown)."""
    controller = app.controller
    if controller.project is None or controller.data is None:
        return None
    scope = app.editor.balance_scope_and_locks()[0] if app.editor is not None else ""
    dialog = UnitsDialog(controller.project, controller.data, scope, app.window)
    dialog.accepted.connect(lambda: dialog.edit is not None and controller.edits.push(dialog.edit))
    return dialog


def open_units_dialog(app: App) -> None:
    dialog = units_dialog(app)
    if dialog is not None:
        dialog.exec()
