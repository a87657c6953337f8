"""The window's editing actions, the 编辑 toolbar and the 规划 menu (view only: no logic).

The actions are created here and wired in :mod:`gridplanner.ui.app`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QActionGroup

from gridplanner.ui.i18n import t

if TYPE_CHECKING:
    from gridplanner.ui.main_window import MainWindow

#: Map tools of the 编辑 toolbar (checkable, exclusive with the navigation tools).
EDIT_TOOLS = (
    "tool_paint",
    "tool_lasso",
    "tool_paint_grids",
    "tool_split",
    "tool_draw_unit",
    "tool_reshape",
)
#: One-shot commands.
EDIT_COMMANDS = ("merge", "colour_deviation", "balance", "audit", "history")
EXCHANGE = ("export_data", "push")

SHORTCUTS = {
    "tool_paint": "B",
    "tool_lasso": "L",
    "tool_split": "S",
    "tool_draw_unit": "D",
    "tool_reshape": "V",
    "merge": "Ctrl+M",
}


def edit_texts() -> dict[str, str]:
    return {
        "tool_paint": t("画笔划入"),
        "tool_lasso": t("套索划入"),
        "tool_paint_grids": t("网格划入综合网格"),
        "tool_split": t("沿线拆分"),
        "tool_draw_unit": t("绘制单元"),
        "tool_reshape": t("编辑顶点"),
        "merge": t("合并所选"),
        "colour_deviation": t("按偏差着色"),
        "balance": t("重新平衡…"),
        "audit": t("核查"),
        "history": t("历史与比较…"),
        "export_data": t("导出数据…"),
        "push": t("推送到平台…"),
    }


def add_edit_actions(window: MainWindow, tool_group: QActionGroup) -> None:
    """Create the editing actions, the 编辑 toolbar and the 规划 menu entries."""
    for key in EDIT_TOOLS:
        tool_group.addAction(window._action(key, SHORTCUTS.get(key), checkable=True))
    for key in (*EDIT_COMMANDS, *EXCHANGE):
        window._action(key, SHORTCUTS.get(key), checkable=key == "colour_deviation")
    toolbar = window.addToolBar("edit")
    toolbar.setObjectName("toolbar_edit")
    window.edit_toolbar = toolbar  # type: ignore[attr-defined]
    entries: tuple[str | None, ...] = (
        *EDIT_TOOLS, None, "merge", "colour_deviation", None, "balance", "audit",
    )  # fmt: skip
    for entry in entries:
        if entry is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(window.actions_by_key[entry])


def retranslate_edit(window: MainWindow) -> None:
    for key, text in edit_texts().items():
        window.actions_by_key[key].setText(text)
    window.edit_toolbar.setWindowTitle(t("编辑"))  # type: ignore[attr-defined]
