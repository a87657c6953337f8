"""The composition root: builds the window, the controller and the panels and wires them.

``run_app(path, screenshot=None)`` is what ``gridplanner app`` calls. With
``screenshot`` the window is rendered offscreen to a PNG and the app exits.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths
from PySide6.QtGui import QCloseEvent, QFont, QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QSplashScreen,
)

from gridplanner.layers.labels import LABEL_FONT_FAMILY
from gridplanner.layers.selection import Selection
from gridplanner.layers.style import BASEMAP, state_of, with_state
from gridplanner.levels import Level
from gridplanner.ui import map_tools
from gridplanner.ui.audit_exchange import AuditWorkflow, ExportDataDialog, PushDialog
from gridplanner.ui.autosave import Autosaver
from gridplanner.ui.basemap_dialog import BasemapDialog, BasemapNotifier, make_basemap
from gridplanner.ui.context_menus import open_attribute_table, wire_context_menus
from gridplanner.ui.controller import AppController
from gridplanner.ui.database_dialog import ask_database_url
from gridplanner.ui.editor import Editor, wire_editing
from gridplanner.ui.findings_panel import Finding
from gridplanner.ui.i18n import current_language, install_language, t
from gridplanner.ui.main_window import MainWindow
from gridplanner.ui.measure_tool import MeasureTool
from gridplanner.ui.print_dialog import layout_dialog_for
from gridplanner.ui.tally_panel import grids_under
from gridplanner.ui.units_dialog import open_units_dialog


@dataclass
class App:
    """The wired application (what tests drive)."""

    window: MainWindow
    controller: AppController
    selection: Selection
    settings: QSettings
    editor: Editor | None = None
    audit: AuditWorkflow | None = None

    def set_language(self, lang: str) -> None:
        lang = install_language(lang)
        self.settings.setValue("language", lang)
        self.window.actions_by_key[f"lang_{lang}"].setChecked(True)
        self.window.retranslate()
        self.window.canvas.set_language(lang)
        self.controller._update_title()
        self._show_selected()

    def show_findings(self, findings: list[Finding]) -> None:
        """Fill the findings dock (the audit calls this)."""
        self.window.findings_panel.set_findings(findings)

    def _show_selected(self) -> None:
        ids = self.selection.ids
        node = ids[0] if len(ids) == 1 else None
        self.window.properties_panel.show_node(
            self.controller.project, node, self.controller.rollups
        )


#: Bump when docks or toolbars change, so an old saved layout is ignored.
LAYOUT_VERSION = 2


def config_dir() -> Path:
    override = os.environ.get("GRIDPLANNER_CONFIG_DIR")
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
    return Path(base or Path.home() / ".config" / "gridplanner")


def ensure_application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("gridplanner")
        app.setOrganizationName("gridplanner")
    if LABEL_FONT_FAMILY in QFontDatabase.families():
        font = QFont(LABEL_FONT_FAMILY)
        font.setPointSizeF(9.5)
        QApplication.setFont(font)
    return app  # type: ignore[return-value]


def create_app(config: Path | None = None, lang: str | None = None) -> App:
    """Build and wire everything (the one place that knows all the parts)."""
    ensure_application()
    folder = config or config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    settings = QSettings(str(folder / "gridplanner.ini"), QSettings.Format.IniFormat)
    install_language(lang or str(settings.value("language", "zh")))
    selection = Selection()
    window = MainWindow(selection)
    controller = AppController(window, settings, Autosaver(folder / "autosave"))
    app = App(window, controller, selection, settings)
    _wire(app)
    app.editor = wire_editing(app)
    window.actions_by_key["generate_units"].triggered.connect(lambda: open_units_dialog(app))
    app.audit = _wire_audit(app)
    app.set_language(lang or str(settings.value("language", "zh")))
    return app


def _wire(app: App) -> None:
    window, controller, selection, canvas = (
        app.window,
        app.controller,
        app.selection,
        app.window.canvas,
    )
    actions = window.actions_by_key
    layer_panel = window.layer_panel

    def layers_changed(states: tuple) -> None:
        canvas.set_layers(states)
        window.legend_panel.show_states(states)

    layer_panel.layersChanged.connect(layers_changed)
    layer_panel.activeLevelChanged.connect(lambda key: setattr(canvas, "active_level", Level(key)))
    window.tree_panel.zoomRequested.connect(canvas.zoom_to_selection)
    selection.changed.connect(lambda _source: app._show_selected())

    def tally_scope(_source: str) -> None:
        project = controller.project
        grids = None if project is None else grids_under(project, selection.level, selection.ids)
        window.tally_panel.set_scope(grids)

    selection.changed.connect(tally_scope)

    def cursor_moved(x: float, y: float) -> None:
        if canvas.data is not None:
            lon, lat = canvas.data.to_lonlat(x, y)
            window.coords_label.setText(f"{t('经度')} {lon:.6f}°  {t('纬度')} {lat:.6f}°")

    def view_changed() -> None:
        scale = canvas.view.scale_denominator()
        window.scale_label.setText(f"{t('比例尺')} 1:{scale:,.0f}")
        layer_panel.show_scale(scale)

    canvas.cursorMoved.connect(cursor_moved)
    canvas.viewChanged.connect(view_changed)
    canvas.renderFinished.connect(lambda ms: window.render_label.setText(f"{ms:.0f} ms"))
    canvas.renderFailed.connect(
        lambda error: window.show_status(t("绘制失败") + ": " + error.splitlines()[-1])
    )

    def finding_activated(finding: Finding) -> None:
        if canvas.data is None or getattr(finding, "geometry", None) is None:
            return
        local = canvas.data.project_geometry(finding.geometry)
        canvas.set_highlight(local)
        canvas.zoom_to_bounds(tuple(local.bounds), 0.5)

    window.findings_panel.findingActivated.connect(finding_activated)
    props = window.properties_panel
    props.renameRequested.connect(controller.rename)
    props.kindRequested.connect(controller.set_kind)
    props.sizingRequested.connect(controller.set_sizing)

    actions["open"].triggered.connect(lambda: controller.open())

    def open_database() -> None:
        url = ask_database_url(window, controller.recent_files())
        if url:
            controller.open(url)

    actions["open_database"].triggered.connect(open_database)

    def read_only_changed() -> None:  # scopes others hold: greyed in the tree, hatched
        guard, project = controller.checkout_guard, controller.project
        if guard is None or project is None:
            window.tree_panel.model.set_read_only({})
            canvas.set_read_only_areas([])
            return
        window.tree_panel.model.set_read_only(guard.tree_tips(project))
        canvas.set_read_only_areas([(a.label, a.geometry) for a in guard.areas(project)])

    controller.readOnlyChanged.connect(read_only_changed)
    actions["save"].triggered.connect(controller.save)
    actions["save_as"].triggered.connect(lambda: controller.save_as())
    actions["quit"].triggered.connect(window.close)
    window.recentChosen.connect(controller.open)
    stack = controller.undo_stack
    actions["undo"].triggered.connect(stack.undo)
    actions["redo"].triggered.connect(stack.redo)
    stack.canUndoChanged.connect(actions["undo"].setEnabled)
    stack.canRedoChanged.connect(actions["redo"].setEnabled)
    actions["undo"].setEnabled(False)
    actions["redo"].setEnabled(False)
    actions["zoom_full"].triggered.connect(canvas.zoom_full)
    actions["zoom_selection"].triggered.connect(canvas.zoom_to_selection)
    actions["zoom_in"].triggered.connect(lambda: canvas.zoom_by(2.0))
    actions["zoom_out"].triggered.connect(lambda: canvas.zoom_by(0.5))
    tools = {
        "tool_pan": map_tools.PanTool,
        "tool_select": map_tools.SelectTool,
        "tool_zoom_box": map_tools.ZoomBoxTool,
        "tool_identify": map_tools.IdentifyTool,
    }
    for key, tool in tools.items():
        actions[key].triggered.connect(lambda _=False, k=tool: canvas.set_tool(k(canvas)))
    for key, area in (("measure_distance", False), ("measure_area", True)):
        actions[key].triggered.connect(
            lambda _=False, a=area: canvas.set_tool(MeasureTool(canvas, area=a))
        )
    canvas.measured.connect(window.show_status)
    actions["attribute_table"].triggered.connect(
        lambda: open_attribute_table(app, window.attribute_table.key)
    )
    wire_context_menus(app)

    def ask_author() -> None:
        name, ok = QInputDialog.getText(
            window, t("作者"), t("保存版本时记录的作者："), text=controller.author()
        )
        if ok:
            app.settings.setValue("author", name.strip())

    actions["author"].triggered.connect(ask_author)
    window.languageChosen.connect(app.set_language)

    # Tiles arrive and fail on download threads; the notifier brings both to this thread.
    basemap_notifier = BasemapNotifier(
        lambda: canvas.refresh(delay_ms=100),
        lambda error: window.show_status(error.message(current_language())),
        window,
    )

    def apply_basemap() -> None:
        if canvas.basemap is not None:
            canvas.basemap.close()
        source = make_basemap(app.settings, basemap_notifier)
        canvas.set_basemap(source)
        states = with_state(canvas.layers, BASEMAP, visible=source is not None)
        layer_panel.states = states
        layer_panel.retranslate()
        layers_changed(states)

    def basemap_dialog() -> None:
        if BasemapDialog(app.settings, window).exec():
            apply_basemap()

    actions["basemap"].triggered.connect(basemap_dialog)
    if str(app.settings.value("basemap/mode", "none")) != "none":
        apply_basemap()

    def export() -> None:
        request = canvas.request()
        if request is None or controller.project is None:
            return
        dialog = layout_dialog_for(
            controller.project,
            controller.rollups,
            app.selection,
            request,
            controller.author(),
            window,
        )
        if not dialog.exec():
            return
        stem = dialog.title.text().strip() or t("地图")
        path, chosen = QFileDialog.getSaveFileName(
            window, t("打印布局"), f"{stem}.pdf", "PDF (*.pdf);;PNG (*.png)"
        )
        if not path:
            return
        if Path(path).suffix.lower() not in (".pdf", ".png"):
            path += ".png" if chosen.startswith("PNG") else ".pdf"
        try:
            window.run_with_progress(dialog.print_to(path), t("正在打印…"), cancellable=False)
        except OSError as error:
            QMessageBox.warning(window, t("打印布局"), f"{path}\n{error}")
            return
        window.show_status(t("已导出") + f" {path}")

    actions["export"].triggered.connect(export)

    def closing(event: QCloseEvent) -> None:
        if not controller.close():
            event.ignore()
            return
        save_layout(app)

    window.closing.connect(closing)
    assert state_of(canvas.layers, BASEMAP) is not None


def save_layout(app: App) -> None:
    """Remember the window's size, position and dock and toolbar layout."""
    app.settings.setValue("window/geometry", app.window.saveGeometry())
    app.settings.setValue("window/state", app.window.saveState(LAYOUT_VERSION))


def restore_layout(app: App) -> bool:
    """Put the window back as it was last closed (False when nothing is remembered)."""
    geometry = app.settings.value("window/geometry")
    state = app.settings.value("window/state")
    restored = False
    if isinstance(geometry, QByteArray | bytes) and geometry:
        restored = app.window.restoreGeometry(QByteArray(geometry))
    if isinstance(state, QByteArray | bytes) and state:
        restored = app.window.restoreState(QByteArray(state), LAYOUT_VERSION) or restored
    return restored


def _wire_audit(app: App) -> AuditWorkflow:
    workflow = AuditWorkflow(app)
    window = app.window
    actions = window.actions_by_key
    actions["audit"].triggered.connect(lambda: workflow.run_audit())
    window.findings_panel.fixRequested.connect(workflow.apply_fix)

    def export_data() -> None:
        dialog = ExportDataDialog(window)
        if dialog.exec() and dialog.out.text():
            workflow.export(
                dialog.chosen_format(),
                dialog.out.text(),
                dialog.personal.isChecked(),
                dialog.allow.isChecked(),
                dialog.chosen_profile(),
                dialog.chosen_crs(),
            )

    def push() -> None:
        dialog = PushDialog(window)
        if dialog.exec() and dialog.url.text():
            workflow.push(dialog.url.text(), dialog.token.text(), dialog.allow.isChecked())

    actions["export_data"].triggered.connect(export_data)
    actions["push"].triggered.connect(push)
    return workflow


def run_app(
    project: str | None,
    screenshot: str | None = None,
    splash: QSplashScreen | None = None,
    on_shown: Callable[[], None] | None = None,
) -> int:
    """Open the window (on ``project`` if given); with ``screenshot`` save a PNG and exit.
    The window comes up first, with its last size and dock layout, then the project
    opens in the background (see :mod:`gridplanner.ui.launch` for the splash)."""
    if screenshot and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    qt_app = ensure_application()
    app = create_app()
    app.window.interactive = not screenshot
    if not screenshot:
        restore_layout(app)
        app.window.show()
        if splash is not None:
            splash.finish(app.window)
        qt_app.processEvents()
        if on_shown is not None:
            on_shown()
    opened = not project or app.controller.open(project)  # a failure names itself
    if screenshot and not opened:
        return 2
    app.window.show()
    if screenshot:
        qt_app.processEvents()
        app.window.canvas.zoom_full()
        app.window.canvas.wait_while_rendering()
        if not app.window.grab().save(screenshot):
            print(f"gridplanner: could not write {screenshot}", file=sys.stderr)
            return 2
        app.controller.undo_stack.setClean()
        app.window.close()
        return 0
    return int(qt_app.exec())
