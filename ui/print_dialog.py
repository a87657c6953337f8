"""The 打印布局 dialog: title, subtitle, scope, paper, orientation, scale, dpi, producer,
date and legend, with a live preview of the sheet; prints to PDF or PNG off the GUI
thread. The sheet itself is :mod:`gridplanner.layers.print_layout`'s, the same as
``gridplanner print`` writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from gridplanner.layers.print_jobs import element_extent, facts, heading, highlight
from gridplanner.layers.print_layout import (
    NICE_SCALES,
    PAPERS_MM,
    Sheet,
    print_sheet,
    sheet_image,
)
from gridplanner.layers.renderer import RenderRequest
from gridplanner.layers.selection import Selection
from gridplanner.layers.view import MapView
from gridplanner.model import Project
from gridplanner.ui.i18n import t
from gridplanner.ui.tasks import BackgroundTask

PREVIEW_DPI = 36


@dataclass(frozen=True)
class PrintScope:
    """What a sheet can show: a label, an extent in local metres and an overlay."""

    label: str
    extent: tuple[float, float, float, float]
    overlay: Callable[[QPainter, MapView], None] | None = None


class PrintLayoutDialog(QDialog):
    """Choose the sheet; :meth:`sheet` and :meth:`scope` say what to print."""

    def __init__(
        self,
        request: RenderRequest,
        scopes: list[PrintScope],
        title: str = "",
        subtitle: str = "",
        producer: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("打印布局"))
        self.request = request
        self.scopes = scopes
        self.title = QLineEdit(title)
        self.subtitle = QLineEdit(subtitle)
        self.scope_box = QComboBox()
        self.scope_box.addItems([s.label for s in scopes])
        self.paper = QComboBox()
        self.paper.addItems(list(PAPERS_MM))
        self.paper.setCurrentText("A3")
        self.orientation = QComboBox()
        self.orientation.addItems([t("横向"), t("纵向")])
        self.scale = QComboBox()
        self.scale.setEditable(True)
        self.scale.addItems([t("适合范围"), *[f"1:{s:,}" for s in NICE_SCALES]])
        self.dpi = QSpinBox()
        self.dpi.setRange(72, 600)
        self.dpi.setValue(200)
        self.dpi.setSuffix(" dpi")
        self.producer = QLineEdit(producer)
        self.when = QLineEdit(date.today().isoformat())
        self.legend = QCheckBox(t("显示图例"))
        self.legend.setChecked(True)
        self.preview = QLabel()
        self.preview.setMinimumSize(560, 400)
        for field in (self.title, self.subtitle):
            field.setMinimumWidth(340)
            field.setCursorPosition(0)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #808080;")
        form = QFormLayout()
        form.addRow(t("标题"), self.title)
        form.addRow(t("副标题"), self.subtitle)
        form.addRow(t("范围"), self.scope_box)
        form.addRow(t("纸张"), self.paper)
        form.addRow(t("方向"), self.orientation)
        form.addRow(t("比例尺"), self.scale)
        form.addRow(t("分辨率"), self.dpi)
        form.addRow(t("制图"), self.producer)
        form.addRow(t("日期"), self.when)
        form.addRow("", self.legend)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(t("打印…"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        row = QHBoxLayout(self)
        row.addLayout(form)
        row.addWidget(self.preview, 1)
        self._preview_task: BackgroundTask | None = None
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self._render_preview)
        for signal in (
            self.title.textChanged,
            self.subtitle.textChanged,
            self.producer.textChanged,
            self.when.textChanged,
            self.scope_box.currentIndexChanged,
            self.paper.currentIndexChanged,
            self.orientation.currentIndexChanged,
            self.scale.currentTextChanged,
            self.legend.toggled,
        ):
            signal.connect(lambda *_: self._timer.start())
        self._timer.start(0)

    # -- what to print --------------------------------------------------------------
    def chosen_scale(self) -> float | None:
        """1:N typed or picked; None to fit the scope."""
        text = self.scale.currentText().replace(",", "").replace("，", "").strip()
        text = text.removeprefix("1:").removeprefix("1：").strip()
        try:
            value = float(text)
        except ValueError:
            return None
        return value if value >= 50 else None

    def sheet(self, dpi: int | None = None) -> Sheet:
        return Sheet(
            title=self.title.text().strip(),
            subtitle=self.subtitle.text().strip(),
            paper=self.paper.currentText(),
            landscape=self.orientation.currentIndex() == 0,
            dpi=dpi or self.dpi.value(),
            producer=self.producer.text().strip() or Sheet.producer,
            when=self.when.text().strip(),
            lang=self.request.lang,
            scale=self.chosen_scale(),
            legend=self.legend.isChecked(),
        )

    def scope(self) -> PrintScope:
        return self.scopes[max(0, self.scope_box.currentIndex())]

    def print_to(self, path: str | Path) -> BackgroundTask:
        """A task that writes the sheet to ``path`` (.pdf or .png) off the GUI thread."""
        return print_task(self.request, self.scope(), self.sheet(), path)

    # -- preview --------------------------------------------------------------------
    def _render_preview(self) -> None:
        if self._preview_task is not None and not self._preview_task.done:
            self._timer.start()  # one preview at a time; try again shortly
            return
        request, scope, sheet = self.request, self.scope(), self.sheet(PREVIEW_DPI)

        def work(_progress: object, _cancelled: object) -> object:
            return sheet_image(
                request.data, request.layers, scope.extent, sheet, scope.overlay, request.basemap
            )

        task = BackgroundTask(work)  # type: ignore[arg-type]
        task.signals.finished.connect(self._show_preview)
        self._preview_task = task
        task.start()

    def _show_preview(self, task: BackgroundTask) -> None:
        if task.error is not None:
            return
        pixmap = QPixmap.fromImage(task.result())
        size = self.preview.size()
        self.preview.setPixmap(
            pixmap.scaled(
                size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
        self.previews_shown += 1

    previews_shown = 0


def print_task(
    request: RenderRequest, scope: PrintScope, sheet: Sheet, path: str | Path
) -> BackgroundTask:
    """Print ``sheet`` of ``scope`` to ``path`` on a worker thread."""

    def work(_progress: object, _cancelled: object) -> Path:
        data = request.data.for_this_thread()
        return print_sheet(
            data, request.layers, scope.extent, sheet, path, scope.overlay, request.basemap
        )

    return BackgroundTask(work)  # type: ignore[arg-type]


def layout_dialog_for(
    project: Project,
    rollups: pd.DataFrame,
    selection: Selection,
    request: RenderRequest,
    author: str,
    parent: QWidget | None = None,
) -> PrintLayoutDialog:
    """The dialog for what the planner is looking at: the selection (highlighted, with
    its name, code and tallies as title and subtitle) when there is one, the current
    view, or the whole plan."""
    data, lang = request.data, request.lang
    scopes = []
    title = f"{project.name}{'' if lang == 'en' else '网格规划图'}"
    subtitle = ""
    level, ids = selection.level, list(selection.ids)
    if level is not None and ids and level in data.levels:
        label = t("选中要素") + f" ({len(ids)})"
        scopes.append(
            PrintScope(label, element_extent(data, level, ids), highlight(data, level, ids))
        )
        if len(ids) == 1:
            title, subtitle = heading(project, ids[0], lang), facts(project, rollups, ids[0], lang)
    scopes.append(PrintScope(t("当前视图"), request.view.extent()))
    scopes.append(PrintScope(t("整个方案"), data.extent))
    return PrintLayoutDialog(request, scopes, title, subtitle, author, parent)
