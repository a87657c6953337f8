"""Editing in the window: one undo command per Edit, live tallies, a coalesced refresh.

:class:`EditCommand` wraps a core :class:`~gridplanner.editing.Edit` (redo = apply,
undo = revert). :class:`EditSession` keeps the live :class:`~gridplanner.editing.Tallies`
in step with every apply/revert (O(changed)), collects which map levels changed
shape, and refreshes the map snapshot (only those levels), the tree and the tally
table once the event loop is free, so a brush stroke never waits for the panels.
Edit warnings (a grid broken in two, a unit left without a grid) reach the view.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import pandas as pd
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand

from gridplanner.editing import Edit, EditError, Tallies
from gridplanner.editing.edit import merged
from gridplanner.levels import Level
from gridplanner.ui.i18n import current_language, t

if TYPE_CHECKING:
    from gridplanner.ui.controller import AppController


class EditView(Protocol):
    def show_status(self, message: str) -> None: ...
    def show_warning(self, message: str) -> None: ...
    def show_error(self, message: str) -> None: ...


#: Command id of edits that may merge with the next one (see :func:`merged`).
MERGEABLE_ID = 1001


class EditCommand(QUndoCommand):
    """One gesture's Edit on the undo stack."""

    def __init__(self, session: EditSession, edit: Edit) -> None:
        super().__init__(edit.label)
        self.session = session
        self.edit = edit

    def redo(self) -> None:
        self.session.applied(self.edit, forward=True)

    def undo(self) -> None:
        self.session.applied(self.edit, forward=False)

    def id(self) -> int:
        return MERGEABLE_ID if self.edit.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Typing a name: consecutive edits of the same cells become one undo step."""
        if not isinstance(other, EditCommand):
            return False
        combined = merged(self.edit, other.edit)
        if combined is None:
            return False
        self.edit = combined
        self.setText(combined.label)
        return True


class EditSession(QObject):
    """Pushes Edits as commands and keeps tallies, map and panels in step."""

    refreshed = Signal()  # the map snapshot, tree and tally table are up to date
    warned = Signal(list)  # [message] of the last edit's warnings

    def __init__(self, controller: AppController, view: EditView) -> None:
        super().__init__()
        self.controller = controller
        self.view = view
        self.tallies: Tallies | None = None
        self._levels: set[Level] = set()
        self._structure = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        self.last_apply_ms = 0.0
        self.last_flush_ms = 0.0

    def reset(self) -> None:
        """Rebuild the tallies from the plan (after opening, or an attribute change)."""
        project = self.controller.project
        self.tallies = None if project is None else Tallies(project)

    # -- pushing -----------------------------------------------------------------------
    def push(self, edit: Edit) -> bool:
        """Put one Edit on the undo stack (applying it); False when it changes nothing."""
        if self.controller.project is None:
            return False
        if edit.is_empty:
            self.view.show_status(t("没有变化") + f": {edit.label}")
            return False
        self.controller.undo_stack.push(EditCommand(self, edit))
        return True

    def plan(self, make: Callable[[], Edit]) -> bool:
        """Plan an Edit with ``make`` and push it; an EditError becomes a message."""
        try:
            edit = make()
        except EditError as error:
            self.view.show_warning(t("无法编辑") + ": " + str(error))
            return False
        return self.push(edit)

    # -- applying (called by EditCommand) ------------------------------------------------
    def applied(self, edit: Edit, forward: bool) -> None:
        project = self.controller.project
        assert project is not None and self.tallies is not None
        started = time.perf_counter()
        levels = _geometry_levels(project, edit)  # before: removed nodes still there
        if forward:
            edit.apply(project)
            self.tallies.update(edit)
        else:
            edit.revert(project)
            self.tallies.update(edit.inverse())
        levels |= _geometry_levels(project, edit)
        self.last_apply_ms = 1000 * (time.perf_counter() - started)
        self._levels |= levels
        self._structure = self._structure or _restructures(edit)
        self._timer.start(0)
        messages = [w.message(current_language()) for w in edit.warnings] if forward else []
        if messages:
            self.view.show_warning(t("注意") + ": " + "；".join(messages))
        self.warned.emit(messages)

    def pending(self) -> bool:
        return self._timer.isActive()

    def flush(self) -> None:
        """Bring the map snapshot, rollups and panels up to date now."""
        self._timer.stop()
        controller = self.controller
        if controller.project is None or controller.data is None or self.tallies is None:
            return
        started = time.perf_counter()
        rollups = self.tallies.frame(controller.project.nodes.index)
        controller.rollups = rollups
        controller.data = controller.data.with_levels(controller.project, rollups, self._levels)
        structure, self._structure, self._levels = self._structure, False, set()
        controller.view.update_attributes(
            controller.project, rollups, controller.data, structure=structure
        )
        self.last_flush_ms = 1000 * (time.perf_counter() - started)
        controller.projectChanged.emit()
        self.refreshed.emit()

    def grid_tallies(self) -> pd.DataFrame:
        """Every grid's tallies (for the tally table)."""
        assert self.tallies is not None
        return self.tallies.level_frame(Level.GRID)


def _geometry_levels(project: object, edit: Edit) -> set[Level]:
    """Levels whose drawn shapes the edit changes (ids looked up in the current plan)."""
    nodes = project.nodes  # type: ignore[attr-defined]
    ids: set[int] = set()
    geometry = edit.nodes.get("geometry")
    if geometry is not None:
        ids.update(geometry.ids)
    ids.update(edit.added_ids)
    ids.update(edit.removed_ids)
    present = [i for i in ids if i in nodes.index]
    return {Level(v) for v in nodes.loc[present, "level"].unique()} if present else set()


def _restructures(edit: Edit) -> bool:
    """True when the tree's shape changes (nodes moved, added or removed, workers moved)."""
    return bool(
        edit.added_ids
        or edit.removed_ids
        or "parent_id" in edit.nodes
        or "grid_id" in edit.workers
        or "name" in edit.nodes
        or "code" in edit.nodes
    )
