"""What a run of edits changed, so views refresh only that (the Edit already knows).

A :class:`PlanChange` is collected from every Edit applied or reverted since the last
refresh (:meth:`PlanChange.add`) and read by the tree, the tally table and the map
snapshot: the nodes whose rows changed, the nodes whose place in the tree changed,
the nodes whose outline changed, the workers that moved, and (filled in by the live
tallies) the nodes whose figures changed. ``everything`` stands for "rebuild it all"
(opening a project).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gridplanner.editing.edit import Edit

#: Columns whose change moves a node in the tree (its parent, or its order by code).
STRUCTURE_COLUMNS = ("parent_id", "code")


@dataclass
class PlanChange:
    """The union of what some edits changed (ids are node or worker ids)."""

    nodes: set[int] = field(default_factory=set)  # any cell changed, added or removed
    structure: set[int] = field(default_factory=set)  # added, removed, new parent or code
    geometry: set[int] = field(default_factory=set)  # outline changed, added or removed
    added: set[int] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)
    workers: set[int] = field(default_factory=set)  # grid or capacity changed
    tallies: set[int] = field(default_factory=set)  # figures changed (from Tallies.update)
    settings: bool = False
    everything: bool = False

    @classmethod
    def of(cls, edit: Edit) -> PlanChange:
        """What ``edit`` changes when applied (pass ``edit.inverse()`` for an undo)."""
        change = cls()
        change.add(edit)
        return change

    def add(self, edit: Edit) -> None:
        """Also count ``edit`` (as applied)."""
        added, removed = set(edit.added_ids), set(edit.removed_ids)
        self.added = (self.added - removed) | added
        self.removed = (self.removed - added) | removed
        self.nodes |= edit.touched_node_ids
        self.structure |= added | removed
        for column in STRUCTURE_COLUMNS:
            cells = edit.nodes.get(column)
            if cells is not None:
                self.structure.update(cells.ids)
        cells = edit.nodes.get("geometry")
        if cells is not None:
            self.geometry.update(cells.ids)
        self.geometry |= added | removed
        for cells in edit.workers.values():
            self.workers.update(cells.ids)
        self.settings = self.settings or edit.settings is not None

    def merge(self, other: PlanChange) -> None:
        """Also count everything ``other`` holds (``other`` came later)."""
        self.added = (self.added - other.removed) | other.added
        self.removed = (self.removed - other.added) | other.removed
        for name in ("nodes", "structure", "geometry", "workers", "tallies"):
            getattr(self, name).update(getattr(other, name))
        self.settings = self.settings or other.settings
        self.everything = self.everything or other.everything

    @property
    def is_empty(self) -> bool:
        return not (
            self.nodes or self.workers or self.tallies or self.settings or self.everything
        )
