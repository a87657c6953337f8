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
from gridplanner.editing.change import PlanChange
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
        self._change = PlanChange()  # what the edits since the last refresh changed
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        self.last_apply_ms = 0.0
        self.last_flush_ms = 0.0
        self.last_change = PlanChange()

    def reset(self, tallies: Tallies | None = None) -> None:
        """Start from the plan's tallies (after opening a project; built when not given)."""
        project = self.controller.project
        if tallies is None and project is not None:
            tallies = Tallies(project, self.controller.rollups)
        self.tallies = tallies
        self._change = PlanChange()

    # -- pushing -----------------------------------------------------------------------
    def push(self, edit: Edit) -> bool:
        """Put one Edit on the undo stack (applying it); False when it changes nothing."""
        if self.controller.project is None:
            return False
        if edit.is_empty:
            self.view.show_status(t("没有变化") + f": {edit.label}")
            return False
        guard = getattr(self.controller, "checkout_guard", None)  # a shared-store checkout
        refusal = guard.refusal(edit, self.controller.project) if guard is not None else None
        if refusal is not None:
            self.view.show_warning(refusal)
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
        done = edit if forward else edit.inverse()
        done.apply(project)
        change = PlanChange.of(done)
        change.tallies = set(self.tallies.update(done))
        self._change.merge(change)
        self.last_apply_ms = 1000 * (time.perf_counter() - started)
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
        change, self._change = self._change, PlanChange()
        if change.is_empty:
            return
        started = time.perf_counter()
        project = controller.project
        rollups = self.tallies.write(controller.rollups, change.tallies | change.nodes)
        controller.rollups = rollups
        controller.data = controller.data.with_changes(project, rollups, change)
        controller.view.update_attributes(project, rollups, controller.data, change)
        self.last_flush_ms = 1000 * (time.perf_counter() - started)
        self.last_change = change
        controller.projectChanged.emit()
        self.refreshed.emit()

    def grid_tallies(self) -> pd.DataFrame:
        """Every grid's tallies (for the tally table)."""
        assert self.tallies is not None
        return self.tallies.level_frame(Level.GRID)
