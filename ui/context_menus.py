"""Right-click menus, as in QGIS: on the map (识别 / 选择 / 缩放 / 属性表 / 打印), on the
hierarchy tree (缩放到 / 重新平衡 / 核查此范围 / 属性表 / 打印) and on the layer list
(属性表 / 缩放到图层). Each builder returns the menu (tests trigger its actions); the
wiring pops it up at the pointer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QCursor
from PySide6.QtWidgets import QMenu

from gridplanner.levels import Level
from gridplanner.ui.attribute_table import TABLES
from gridplanner.ui.i18n import t
from gridplanner.ui.map_tools import MapEvent

if TYPE_CHECKING:
    from gridplanner.ui.app import App

BALANCEABLE = (Level.COMMUNITY, Level.COMPREHENSIVE_GRID, Level.GRID)


def _add(menu: QMenu, name: str, text: str, slot: object) -> QAction:
    action = menu.addAction(text)
    action.setObjectName(name)
    action.triggered.connect(slot)  # type: ignore[arg-type]
    return action


def open_attribute_table(app: App, key: str) -> None:
    dock = app.window.docks["attributes"]
    dock.show()
    dock.raise_()
    app.window.attribute_table.show_table(key)


def map_menu(app: App, event: MapEvent) -> QMenu:
    canvas, actions = app.window.canvas, app.window.actions_by_key
    menu = QMenu(app.window)
    _add(menu, "identify", t("识别"), lambda: canvas.identify_at(event))
    _add(menu, "select", t("选择"), lambda: canvas.select_at(event))
    zoom = _add(menu, "zoom_selection", t("缩放到选中"), canvas.zoom_to_selection)
    zoom.setEnabled(bool(app.selection.ids))
    menu.addSeparator()
    level = canvas.active_level.value
    _add(menu, "attributes", t("属性表"), lambda: open_attribute_table(app, level))
    _add(menu, "measure", t("测量距离"), actions["measure_distance"].trigger)
    _add(menu, "print", t("打印布局…"), actions["export"].trigger)
    return menu


def tree_menu(app: App, node_id: int) -> QMenu:
    project, actions = app.controller.project, app.window.actions_by_key
    menu = QMenu(app.window)
    if project is None or node_id not in project.nodes.index:
        return menu
    level = project.node_level(node_id)
    code = str(project.nodes.at[node_id, "code"])
    app.selection.set(level, [node_id], "tree")
    _add(menu, "zoom", t("缩放到"), app.window.canvas.zoom_to_selection)
    balance = _add(menu, "balance", t("重新平衡…"), actions["balance"].trigger)
    balance.setEnabled(level in BALANCEABLE)
    audit = app.audit
    scoped = _add(menu, "audit_scope", t("核查此范围"), lambda: audit and audit.run_audit(code))
    scoped.setEnabled(audit is not None)
    menu.addSeparator()
    _add(menu, "attributes", t("属性表"), lambda: open_attribute_table(app, level.value))
    _add(menu, "print", t("打印布局…"), actions["export"].trigger)
    return menu


def layer_menu(app: App, key: str) -> QMenu:
    menu = QMenu(app.window)
    table = _add(menu, "attributes", t("打开属性表"), lambda: open_attribute_table(app, key))
    table.setEnabled(key in TABLES)
    _add(menu, "zoom_layer", t("缩放到图层"), app.window.canvas.zoom_full)
    return menu


def wire_context_menus(app: App) -> None:
    window = app.window

    def pop(menu: QMenu, where: QPoint | None = None) -> None:
        window._context_menu = menu  # type: ignore[attr-defined]  # kept alive while shown
        if not menu.isEmpty():
            menu.popup(where or QCursor.pos())

    window.canvas.contextRequested.connect(lambda event: pop(map_menu(app, event)))
    tree = window.tree_panel.view
    tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def tree_requested(pos: QPoint) -> None:
        index = tree.indexAt(pos)
        if index.isValid():
            node = window.tree_panel.model.node_id(index)
            pop(tree_menu(app, node), tree.viewport().mapToGlobal(pos))

    tree.customContextMenuRequested.connect(tree_requested)
    layers = window.layer_panel.list
    layers.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def layer_requested(pos: QPoint) -> None:
        item = layers.itemAt(pos)
        if item is not None:
            key = str(item.data(Qt.ItemDataRole.UserRole))
            pop(layer_menu(app, key), layers.viewport().mapToGlobal(pos))

    layers.customContextMenuRequested.connect(layer_requested)


__all__ = ["layer_menu", "map_menu", "tree_menu", "wire_context_menus"]
