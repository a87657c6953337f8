"""The editing workflows' controller: the tools' host, merging, moving workers, history.

:class:`Editor` implements the tools' :class:`~gridplanner.ui.edit_tools.EditHost`
on top of the :class:`~gridplanner.ui.controller.AppController` and its edit
session; :func:`wire_editing` (called by the composition root) connects the
編辑 toolbar, the tally table and the tree's worker drag and drop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from shapely.geometry import Point

from gridplanner import editing
from gridplanner.editing import Edit
from gridplanner.layers.style import Style, with_state
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.ui import edit_tools
from gridplanner.ui.balance_dialog import BalanceDialog
from gridplanner.ui.history import HistoryDialog, changed_grids, load_version
from gridplanner.ui.i18n import t
from gridplanner.ui.snapping import SnappingDialog, SnapSettings

if TYPE_CHECKING:
    from gridplanner.ui.app import App


class Editor:
    """What the editing tools and actions act through (no widget of its own)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.picked: dict[Level, int] = {}
        self.snap_settings = SnapSettings.load(app.settings)

    @property
    def project(self) -> Project | None:
        return self.app.controller.project

    def target(self, level: Level) -> int | None:
        """The node to paint into: the selected one at ``level``, else the one picked
        with Ctrl-click; for a comprehensive grid also the target grid's parent."""
        project, selection = self.project, self.app.selection
        if project is None:
            return None
        if selection.level is level and len(selection.ids) == 1:
            return int(selection.ids[0])
        picked = self.picked.get(level)
        if picked is not None and picked in project.nodes.index:
            return picked
        if level is Level.COMPREHENSIVE_GRID:
            grid = self.target(Level.GRID)
            if grid is not None:
                return int(project.nodes.at[grid, "parent_id"])
        return None

    def pick_target(self, level: Level, node_id: int) -> None:
        self.picked[level] = node_id
        if self.project is not None:
            name = self.project.nodes.at[node_id, "name"]
            self.status(t("目标") + f": {name}")

    def plan(self, make: Callable[[], Edit]) -> bool:
        return self.app.controller.edits.plan(make)

    def status(self, message: str) -> None:
        self.app.window.show_status(message)

    # -- commands --------------------------------------------------------------------
    def merge_selected(self) -> bool:
        """Merge the selected grids (or units) into the one with the lowest code."""
        project, selection = self.project, self.app.selection
        if project is None or len(selection.ids) < 2:
            self.status(t("请先选择至少两个网格或网格单元"))
            return False
        ids = [int(i) for i in selection.ids]
        if selection.level is Level.GRID:
            return self.plan(lambda: editing.merge_grids(project, ids))
        if selection.level is Level.GRID_UNIT:
            return self.plan(lambda: editing.merge_units(project, ids))
        self.status(t("只能合并网格或网格单元"))
        return False

    def move_worker(self, worker_id: int, grid_id: int) -> bool:
        project = self.project
        if project is None:
            return False
        return self.plan(lambda: editing.move_worker(project, worker_id, grid_id))

    def snap(self, lon: float, lat: float, tolerance_m: float) -> tuple[float, float, str] | None:
        project = self.project
        if project is None:
            return None
        modes = self.snap_settings
        if not modes.active:
            return None
        found = editing.snap(
            project, Point(lon, lat), tolerance_m, vertices=modes.vertices, edges=modes.edges
        )
        return float(found.point.x), float(found.point.y), found.kind

    def set_snapping(self, modes: SnapSettings) -> None:
        """Apply (and remember) the 捕捉设置."""
        self.snap_settings = modes
        self.app.window.canvas.snap_pixels = modes.pixels
        modes.save(self.app.settings)

    def edit_snapping(self) -> None:
        dialog = SnappingDialog(self.snap_settings, self.app.window)
        if dialog.exec():
            self.set_snapping(dialog.value())

    def colour_by_deviation(self, on: bool) -> None:
        window = self.app.window
        style = Style.GRADUATED if on else Style.CATEGORICAL
        states = with_state(window.canvas.layers, Level.GRID.value, style=style)
        window.layer_panel.states = states
        window.layer_panel.retranslate()
        window.layer_panel.layersChanged.emit(states)

    def balance_scope_and_locks(self) -> tuple[str, list[str]]:
        """The scope the selection suggests (its community) and selected grids as locks."""
        project, selection = self.project, self.app.selection
        if project is None or not selection.ids:
            return "", []
        node = int(selection.ids[0])
        ancestors = project.ancestors(node)
        levels = project.nodes.loc[ancestors, "level"].tolist()
        scope = ""
        for candidate, level in zip(ancestors, levels, strict=True):
            if level == Level.COMMUNITY.value:
                scope = str(project.nodes.at[candidate, "code"])
        locks = []
        if selection.level is Level.GRID and len(selection.ids) > 1:
            locks = [str(project.nodes.at[int(i), "code"]) for i in selection.ids]
        return scope, locks

    def balance_dialog(self) -> BalanceDialog | None:
        """The balance dialog for the current selection (not yet shown)."""
        controller = self.app.controller
        if controller.project is None or controller.data is None:
            return None
        scope, locks = self.balance_scope_and_locks()
        dialog = BalanceDialog(controller.project, controller.data, scope, locks, self.app.window)
        dialog.accepted.connect(
            lambda: dialog.edit is not None and controller.edits.push(dialog.edit)
        )
        return dialog

    def open_balance(self) -> None:
        dialog = self.balance_dialog()
        if dialog is not None:
            dialog.exec()

    # -- history -----------------------------------------------------------------------
    def show_history(self) -> None:
        project = self.project
        if project is None:
            return
        dialog = HistoryDialog(project, self.app.controller.path, self.app.window)
        if dialog.exec() and dialog.chosen is not None:
            self.compare_with(dialog.chosen)

    def compare_with(self, path: Path) -> set[int]:
        """Highlight the grids that differ from the plan saved at ``path``."""
        project, canvas = self.project, self.app.window.canvas
        if project is None or canvas.data is None:
            return set()
        try:
            before = load_version(path)
        except Exception as error:  # a bad file: say so, keep the plan
            self.app.window.show_error(str(error))
            return set()
        comparison, shape = changed_grids(before, project)
        summary = comparison.summary()
        canvas.set_highlight(None if shape is None else canvas.data.project_geometry(shape))
        if shape is not None:
            canvas.zoom_to_bounds(tuple(canvas.data.project_geometry(shape).bounds), 0.1)
        self.status(
            t("与所选版本相比")
            + f": {t('新增')} {summary['added']}, {t('删除')} {summary['removed']}, "
            + f"{t('变化')} {summary['changed']} {t('个网格')}"
        )
        return comparison.changed_grid_ids


TOOLS: dict[str, type[edit_tools.EditTool]] = {
    "tool_paint": edit_tools.PaintTool,
    "tool_lasso": edit_tools.LassoPaintTool,
    "tool_paint_grids": edit_tools.PaintGridsTool,
    "tool_split": edit_tools.SplitTool,
    "tool_draw_unit": edit_tools.DrawUnitTool,
    "tool_reshape": edit_tools.ReshapeTool,
}


def wire_editing(app: App) -> Editor:
    """Connect the editing actions, the tally table and the tree to an :class:`Editor`."""
    editor = Editor(app)
    window, controller = app.window, app.controller
    actions, canvas = window.actions_by_key, window.canvas
    canvas.snapper = editor.snap
    canvas.snap_pixels = editor.snap_settings.pixels
    actions["snapping"].triggered.connect(editor.edit_snapping)
    for key, tool in TOOLS.items():
        actions[key].triggered.connect(lambda _=False, k=tool: canvas.set_tool(k(canvas, editor)))
    actions["merge"].triggered.connect(editor.merge_selected)
    actions["colour_deviation"].toggled.connect(editor.colour_by_deviation)
    actions["history"].triggered.connect(editor.show_history)
    actions["balance"].triggered.connect(editor.open_balance)
    window.undo_view.setStack(controller.undo_stack)
    controller.edits.warned.connect(lambda messages: window.tally_panel.show_warnings(messages))

    def grid_activated(grid_id: int) -> None:
        app.selection.set(Level.GRID, [grid_id], "tallies")
        canvas.zoom_to_selection()

    window.tally_panel.gridActivated.connect(grid_activated)
    window.tree_panel.model.workerDropped.connect(editor.move_worker)
    return editor
