"""The history dialog shows each version's time in local time, to the minute."""

from __future__ import annotations

from collections.abc import Callable

from gridplanner.model import Project, Version
from gridplanner.ui.history import HistoryDialog


def test_versions_show_local_time(
    qtbot, tiny_project: Project, local_tz: Callable[[str], None]
) -> None:
    local_tz("CST-8")  # UTC+8, as in China
    tiny_project.history = [
        Version(1, "2026-12-06T15:11:17+00:00", "测试员", "手工搭建"),
        Version(2, "2026-12-06T20:05:59+00:00", "测试员", "移动网格单元"),
        Version(3, "旧版本没有时间", "导入", "旧文件"),
    ]
    dialog = HistoryDialog(tiny_project, None)
    qtbot.addWidget(dialog)
    shown = [dialog.table.item(row, 1).text() for row in range(dialog.table.rowCount())]
    assert shown == ["旧版本没有时间", "2026-12-07 04:05", "2026-12-06 23:11"]  # newest first
    assert dialog.table.item(2, 1).toolTip() == "2026-12-06T15:11:17+00:00"  # as stored
    assert tiny_project.history[0].time == "2026-12-06T15:11:17+00:00"  # nothing rewritten
