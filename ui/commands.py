"""Undoable edits of the core project (QUndoCommand wrappers; one gesture = one command).

Each command changes the Qt-free :class:`~gridplanner.model.Project` and calls
``on_change(kind)`` so the controller refreshes rollups, the map and the panels.
``kind`` is "attributes" (names, kinds, sizing, workers) or "geometry".
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from PySide6.QtGui import QUndoCommand

from gridplanner.levels import NodeKind
from gridplanner.model import Project
from gridplanner.settings import Settings, Sizing
from gridplanner.ui.i18n import t

OnChange = Callable[[str], None]

#: Command ids: consecutive renames of one node merge into one undo step.
RENAME_ID = 1001


def set_cell(frame: pd.DataFrame, row: int, column: str, value: object) -> None:
    """``frame.at[row, column] = value``, also when the loaded column is read-only."""
    try:
        frame.at[row, column] = value
    except ValueError:  # arrays read from a file may be read-only: write into a copy
        frame[column] = frame[column].copy(deep=True)
        frame.at[row, column] = value


class ProjectCommand(QUndoCommand):
    """Base: keeps the project and the change callback."""

    kind = "attributes"

    def __init__(self, project: Project, on_change: OnChange, text: str) -> None:
        super().__init__(text)
        self.project = project
        self.on_change = on_change


class RenameNode(ProjectCommand):
    def __init__(self, project: Project, on_change: OnChange, node_id: int, name: str) -> None:
        super().__init__(project, on_change, t("重命名"))
        self.node_id = node_id
        self.old = str(project.nodes.at[node_id, "name"])
        self.new = name

    def redo(self) -> None:
        set_cell(self.project.nodes, self.node_id, "name", self.new)
        self.on_change(self.kind)

    def undo(self) -> None:
        set_cell(self.project.nodes, self.node_id, "name", self.old)
        self.on_change(self.kind)

    def id(self) -> int:
        return RENAME_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, RenameNode) or other.node_id != self.node_id:
            return False
        self.new = other.new
        return True


class SetKind(ProjectCommand):
    """Ordinary ↔ dedicated grid (专属网格) with its institution type."""

    def __init__(
        self,
        project: Project,
        on_change: OnChange,
        node_id: int,
        kind: NodeKind,
        dedicated_type: str | None,
    ) -> None:
        super().__init__(project, on_change, t("修改类型"))
        self.node_id = node_id
        nodes = project.nodes
        old_type = nodes.at[node_id, "dedicated_type"]
        self.old = (str(nodes.at[node_id, "kind"]), None if pd.isna(old_type) else str(old_type))
        self.new = (kind.value, dedicated_type if kind is NodeKind.DEDICATED else None)

    def _apply(self, value: tuple[str, str | None]) -> None:
        set_cell(self.project.nodes, self.node_id, "kind", value[0])
        set_cell(self.project.nodes, self.node_id, "dedicated_type", value[1])
        self.on_change(self.kind)

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)


class SetScopeSizing(ProjectCommand):
    """Give a street or community its own target and band (or remove it: ``sizing=None``)."""

    def __init__(
        self, project: Project, on_change: OnChange, code: str, sizing: Sizing | None
    ) -> None:
        super().__init__(project, on_change, t("修改配比标准"))
        self.old: Settings = project.settings
        scopes = dict(project.settings.sizing_by_scope)
        if sizing is None:
            scopes.pop(code, None)
        else:
            scopes[code] = sizing
        from dataclasses import replace

        self.new: Settings = replace(project.settings, sizing_by_scope=scopes)

    def redo(self) -> None:
        self.project.settings = self.new
        self.on_change(self.kind)

    def undo(self) -> None:
        self.project.settings = self.old
        self.on_change(self.kind)


class SetWorkerCapacity(ProjectCommand):
    """Change one worker's capacity (1 full-time, 0.5 part-time by default)."""

    def __init__(
        self, project: Project, on_change: OnChange, worker_id: int, capacity: float
    ) -> None:
        super().__init__(project, on_change, t("修改网格员折算"))
        self.worker_id = worker_id
        self.old = float(project.workers.at[worker_id, "capacity"])
        self.new = capacity

    def redo(self) -> None:
        set_cell(self.project.workers, self.worker_id, "capacity", self.new)
        self.on_change(self.kind)

    def undo(self) -> None:
        set_cell(self.project.workers, self.worker_id, "capacity", self.old)
        self.on_change(self.kind)
