"""The shared selection: which nodes (of one level) are selected. Tree, map and panels listen."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

from gridplanner.levels import Level


class Selection(QObject):
    """Selected node ids, all of one level. ``changed(source)`` names who changed it."""

    changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.level: Level | None = None
        self.ids: tuple[int, ...] = ()

    def set(self, level: Level | None, ids: Iterable[int], source: str = "") -> None:
        """Replace the selection (a no-op when nothing changes)."""
        ids = tuple(dict.fromkeys(int(i) for i in ids))
        if not ids:
            level = None
        if level == self.level and ids == self.ids:
            return
        self.level, self.ids = level, ids
        self.changed.emit(source)

    def toggle(self, level: Level, node_id: int, source: str = "") -> None:
        """Add ``node_id`` or remove it (shift-click); another level starts afresh."""
        if level != self.level:
            self.set(level, [node_id], source)
        elif node_id in self.ids:
            self.set(level, [i for i in self.ids if i != node_id], source)
        else:
            self.set(level, [*self.ids, node_id], source)

    def clear(self, source: str = "") -> None:
        self.set(None, [], source)
