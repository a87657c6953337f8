"""The main window: a passive view (menus, docks, status bar) around the map canvas.

It implements the controller's view verbs (:class:`gridplanner.ui.controller.View`);
the wiring lives in :mod:`gridplanner.ui.app`.
"""

from __future__ import annotations

import sys

import pandas as pd
from PySide6.QtCore import QEventLoop, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QUndoView,
    QWidget,
)

from gridplanner.editing.change import PlanChange
from gridplanner.layers.selection import Selection
from gridplanner.layers.snapshot import MapData
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.ui.attribute_table import AttributeTable
from gridplanner.ui.canvas import MapCanvas
from gridplanner.ui.edit_ui import EDIT_TOOLS, add_edit_actions, retranslate_edit
from gridplanner.ui.findings_panel import FindingsPanel
from gridplanner.ui.histogram_panel import HistogramPanel
from gridplanner.ui.i18n import t
from gridplanner.ui.layer_panel import LayerPanel, LegendPanel
from gridplanner.ui.properties_panel import PropertiesPanel
from gridplanner.ui.tally_panel import TallyPanel
from gridplanner.ui.tasks import BackgroundTask, TaskCancelled
from gridplanner.ui.tree_panel import TreePanel, TreeState

FILTER = "GeoPackage (*.gpkg)"
#: The navigation and measuring tools and their shortcuts (QGIS's for measuring).
NAVIGATION_TOOLS: dict[str, str | None] = {
    "tool_pan": None,
    "tool_select": None,
    "tool_zoom_box": None,
    "tool_identify": "Ctrl+Shift+I",
    "measure_distance": "Ctrl+Shift+M",
    "measure_area": "Ctrl+Shift+J",
}


class MainWindow(QMainWindow):
    closing = Signal(object)  # the QCloseEvent: the app may ignore() it
    recentChosen = Signal(str)
    languageChosen = Signal(str)

    def __init__(self, selection: Selection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.resize(1400, 900)
        self.selection = selection
        self.canvas = MapCanvas(selection)
        self.setCentralWidget(self.canvas)
        self.layer_panel = LayerPanel(self.canvas.layers)
        self.legend_panel = LegendPanel()
        self.tree_panel = TreePanel(selection)
        self.properties_panel = PropertiesPanel()
        self.findings_panel = FindingsPanel()
        self.tally_panel = TallyPanel()
        self.undo_view = QUndoView()
        self.histogram_panel = HistogramPanel()
        self.attribute_table = AttributeTable(selection)
        self.docks: dict[str, QDockWidget] = {}
        left, right, bottom = (
            Qt.DockWidgetArea.LeftDockWidgetArea,
            Qt.DockWidgetArea.RightDockWidgetArea,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        for key, widget, area in (
            ("layers", self.layer_panel, left),
            ("legend", self.legend_panel, left),
            ("tree", self.tree_panel, right),
            ("properties", self.properties_panel, right),
            ("findings", self.findings_panel, bottom),
            ("tallies", self.tally_panel, bottom),
            ("attributes", self.attribute_table, bottom),
            ("undo", self.undo_view, left),
            ("histogram", self.histogram_panel, left),
        ):
            dock = QDockWidget(self)
            dock.setObjectName(f"dock_{key}")
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[key] = dock
        self.resizeDocks(
            [self.docks["layers"], self.docks["legend"]], [420, 300], Qt.Orientation.Vertical
        )
        self.resizeDocks(
            [self.docks["layers"], self.docks["tree"]], [230, 430], Qt.Orientation.Horizontal
        )
        self.tabifyDockWidget(self.docks["legend"], self.docks["undo"])
        self.docks["legend"].raise_()
        self.tabifyDockWidget(self.docks["tallies"], self.docks["attributes"])
        self.docks["tallies"].raise_()
        self.resizeDocks([self.docks["findings"]], [170], Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.docks["tree"], self.docks["properties"]], [480, 320], Qt.Orientation.Vertical
        )
        self.coords_label = QLabel()
        self.scale_label = QLabel()
        self.crs_label = QLabel()
        self.render_label = QLabel()
        for label in (self.coords_label, self.scale_label, self.crs_label, self.render_label):
            self.statusBar().addPermanentWidget(label)
        self._build_actions()
        self.recent_paths: list[str] = []
        self.retranslate()

    # -- actions and menus --------------------------------------------------------------
    def _action(
        self,
        key: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(self)
        action.setObjectName(f"action_{key}")
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        self.actions_by_key[key] = action
        return action

    def _build_actions(self) -> None:
        self.actions_by_key: dict[str, QAction] = {}
        a = self._action
        a("open", QKeySequence.StandardKey.Open)
        a("open_database")
        a("save", QKeySequence.StandardKey.Save)
        a("save_as", QKeySequence.StandardKey.SaveAs)
        a("export", "Ctrl+P")
        a("quit", QKeySequence.StandardKey.Quit)
        a("undo", QKeySequence.StandardKey.Undo)
        a("redo", QKeySequence.StandardKey.Redo)
        a("zoom_full", "Ctrl+Shift+F")
        a("zoom_selection", "Ctrl+J")
        a("zoom_in", QKeySequence.StandardKey.ZoomIn)
        a("zoom_out", QKeySequence.StandardKey.ZoomOut)
        a("basemap")
        a("snapping")
        a("author")
        a("generate_units")
        self.tool_group = QActionGroup(self)
        for key, keys in NAVIGATION_TOOLS.items():
            self.tool_group.addAction(a(key, keys, checkable=True))
        a("attribute_table", "F6")
        self.actions_by_key["tool_pan"].setChecked(True)
        add_edit_actions(self, self.tool_group)
        self.language_group = QActionGroup(self)
        for key in ("lang_zh", "lang_en"):
            self.language_group.addAction(a(key, checkable=True))
        self.actions_by_key["lang_zh"].setChecked(True)
        self.actions_by_key["lang_zh"].triggered.connect(lambda: self.languageChosen.emit("zh"))
        self.actions_by_key["lang_en"].triggered.connect(lambda: self.languageChosen.emit("en"))
        bar = self.menuBar()
        self.menus: dict[str, QMenu] = {}
        self.recent_menu = QMenu(self)
        layout: dict[str, list[str | None]] = {
            "file": [
                "open",
                "open_database",
                "recent",
                "save",
                "save_as",
                None,
                "export",
                None,
                "quit",
            ],
            "edit": ["undo", "redo", None, *EDIT_TOOLS, None, "merge", "colour_deviation"],
            "plan": ["balance", "generate_units", "audit", "history", None, "export_data", "push"],
            "view": [
                "zoom_full",
                "zoom_selection",
                "zoom_in",
                "zoom_out",
                None,
                "attribute_table",
                "docks",
            ],
            "tools": list(NAVIGATION_TOOLS),
            "settings": ["author", "snapping", "basemap"],
            "language": ["lang_zh", "lang_en"],
        }
        for menu_key, entries in layout.items():
            menu = bar.addMenu("")
            self.menus[menu_key] = menu
            for entry in entries:
                if entry is None:
                    menu.addSeparator()
                elif entry == "recent":
                    menu.addMenu(self.recent_menu)
                elif entry == "docks":
                    for dock in self.docks.values():
                        menu.addAction(dock.toggleViewAction())
                else:
                    menu.addAction(self.actions_by_key[entry])
        toolbar = self.addToolBar("main")
        toolbar.setObjectName("toolbar_main")
        self.insertToolBarBreak(toolbar)  # two rows: nothing hides behind » in English
        self.toolbar = toolbar
        for toolbar_key in (
            "open",
            "save",
            None,
            "tool_pan",
            "tool_select",
            "tool_zoom_box",
            "tool_identify",
            "measure_distance",
            "measure_area",
            None,
            "zoom_full",
            "zoom_selection",
            None,
            "undo",
            "redo",
        ):
            if toolbar_key is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(self.actions_by_key[toolbar_key])

    def retranslate(self) -> None:
        texts = {
            "open": t("打开…"),
            "open_database": t("打开数据库…"),
            "save": t("保存"),
            "save_as": t("另存为…"),
            "export": t("打印布局…"),
            "quit": t("退出"),
            "undo": t("撤销"),
            "redo": t("重做"),
            "zoom_full": t("全图"),
            "zoom_selection": t("缩放到选中"),
            "zoom_in": t("放大"),
            "zoom_out": t("缩小"),
            "basemap": t("底图…"),
            "snapping": t("捕捉设置…"),
            "author": t("作者…"),
            "generate_units": t("生成网格单元…"),
            "tool_pan": t("平移"),
            "tool_select": t("选择"),
            "tool_zoom_box": t("拉框缩放"),
            "tool_identify": t("识别"),
            "measure_distance": t("测量距离"),
            "measure_area": t("测量面积"),
            "attribute_table": t("属性表"),
            "lang_zh": "中文",
            "lang_en": "English",
        }
        for key, text in texts.items():
            self.actions_by_key[key].setText(text)
        menus = {
            "file": t("文件"),
            "edit": t("编辑"),
            "plan": t("规划"),
            "view": t("视图"),
            "tools": t("工具"),
            "settings": t("设置"),
            "language": t("语言 / Language"),
        }
        for key, text in menus.items():
            self.menus[key].setTitle(text)
        self.recent_menu.setTitle(t("最近打开"))
        docks = {
            "layers": t("图层"),
            "legend": t("图例"),
            "tree": t("层级树"),
            "properties": t("属性"),
            "findings": t("核查问题"),
            "tallies": t("网格统计"),
            "undo": t("操作历史"),
            "attributes": t("属性表"),
            "histogram": t("户/人分布"),
        }
        for key, text in docks.items():
            self.docks[key].setWindowTitle(text)
        self.toolbar.setWindowTitle(t("工具栏"))
        retranslate_edit(self)
        self.tally_panel.retranslate()
        self.undo_view.setEmptyLabel(t("<打开的方案>"))
        self.layer_panel.retranslate()
        self.legend_panel.show_states(self.canvas.layers)
        self.properties_panel.retranslate()
        self.findings_panel.retranslate()
        self.tree_panel.model.retranslate()
        self.set_recent(self.recent_paths if hasattr(self, "recent_paths") else [])
        self.attribute_table.retranslate()
        self.histogram_panel.update()
        for action in self.actions_by_key.values():  # tooltips name the shortcut, as QGIS's
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            text = action.text().replace("&", "").removesuffix("…")
            action.setToolTip(f"{text} ({keys})" if keys else text)

    # -- view verbs (called by the controller) ---------------------------------------------
    #: False for screenshots and scripted runs: errors go to stderr, questions get "no".
    interactive = True

    def show_error(self, message: str) -> None:
        if not self.interactive:
            print(f"gridplanner: {message}", file=sys.stderr)
            return
        QMessageBox.critical(self, t("错误"), message)

    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    def show_warning(self, message: str) -> None:
        """An edit's warning: in the status bar and above the tally table (not modal)."""
        self.statusBar().showMessage(message, 15000)
        self.tally_panel.show_warnings([message])

    def run_with_progress(
        self, task: BackgroundTask, label: str, cancellable: bool = True
    ) -> object:
        """Run ``task`` off the GUI thread behind a modal progress dialog (with a cancel
        button when ``cancellable``); the event loop keeps running (the window
        repaints). Returns the task's value or re-raises its error
        (:class:`TaskCancelled` when cancelled)."""
        dialog = QProgressDialog(label, t("取消"), 0, 100, self)
        if not cancellable:
            dialog.setCancelButton(None)  # type: ignore[arg-type]
        dialog.setWindowTitle(t("网格化管理规划工具"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)  # quick loads don't flash a dialog
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        loop = QEventLoop()

        def progressed(fraction: float, message: str) -> None:
            dialog.setValue(int(100 * fraction))
            dialog.setLabelText(f"{label}\n{message}")

        task.signals.progressed.connect(progressed)
        task.signals.finished.connect(lambda _task: loop.quit())
        dialog.canceled.connect(task.cancel)
        task.start()
        if not task.done:
            loop.exec()
        cancelled = task.is_cancelled
        dialog.canceled.disconnect(task.cancel)  # closing a progress dialog emits canceled
        dialog.close()
        dialog.deleteLater()
        if cancelled and task.error is None:
            raise TaskCancelled(label)
        return task.result()

    def ask_open_path(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, t("打开方案"), "", FILTER)
        return path or None

    def ask_save_path(self, suggested: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, t("另存为"), suggested, FILTER)
        return path or None

    def ask_yes_no(self, question: str) -> bool:
        if not self.interactive:
            return False
        answer = QMessageBox.question(self, t("网格化管理规划工具"), question)
        return answer == QMessageBox.StandardButton.Yes

    def ask_save_changes(self) -> str:
        if not self.interactive:
            return "discard"
        answer = QMessageBox.question(
            self,
            t("网格化管理规划工具"),
            t("方案有未保存的修改。是否保存？"),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        return {
            QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard",
        }.get(answer, "cancel")

    def show_project(
        self, project: Project, rollups: pd.DataFrame, data: MapData, tree: TreeState | None = None
    ) -> None:
        self.selection.clear("app")
        self.tree_panel.set_project(project, rollups, tree)
        self.canvas.set_data(data, fit=True)
        self.show_tallies(project, rollups)
        self.tally_panel.show_warnings([])
        self.properties_panel.show_node(None, None)
        self.crs_label.setText(f"CGCS2000 · {data.crs}")
        self.histogram_panel.show_plan(project, rollups)
        self.attribute_table.show_plan(project, rollups)

    def update_attributes(
        self, project: Project, rollups: pd.DataFrame, data: MapData, change: PlanChange
    ) -> None:
        """After edits: every panel refreshes only what ``change`` touched."""
        self.tree_panel.apply_change(project, rollups, change)
        self.canvas.set_data(data)
        self.tally_panel.apply_change(project, rollups, change)
        self.histogram_panel.show_plan(project, rollups)
        self.attribute_table.plan_changed(project, rollups)
        node = self.selection.ids[0] if len(self.selection.ids) == 1 else None
        if node is not None and (node in change.nodes or node in change.tallies):
            self.properties_panel.show_node(project, node, rollups)
        elif node is not None and node not in project.nodes.index:
            self.properties_panel.show_node(None, None)

    def show_tallies(self, project: Project, rollups: pd.DataFrame) -> None:
        grids = project.nodes.index[project.nodes["level"] == Level.GRID.value]
        self.tally_panel.show_tallies(project, rollups.reindex(grids))

    def set_title(self, title: str) -> None:
        self.setWindowTitle(title)

    def set_recent(self, paths: list[str]) -> None:
        self.recent_paths = list(paths)
        self.recent_menu.clear()
        for path in paths:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.recentChosen.emit(p))
        self.recent_menu.setEnabled(bool(paths))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit(event)
