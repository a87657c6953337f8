"""The editing core: reversible edits, live tallies, warnings and plan comparison.

Every operation reads a :class:`~gridplanner.model.Project` and returns an
:class:`Edit` without changing the project; ``edit.apply(project)`` makes the
change, ``edit.revert(project)`` undoes it exactly. A map tool turns one gesture
into one operation and pushes the resulting Edit as one undo command.
"""

from gridplanner.editing.assign import assign_grids, assign_units, move_worker
from gridplanner.editing.attributes import (
    rename_node,
    set_kind,
    set_scope_sizing,
    set_worker_capacity,
)
from gridplanner.editing.compare import Comparison, GridChange, compare
from gridplanner.editing.draw import Snap, draw_unit, snap
from gridplanner.editing.edit import Cells, Edit, EditError, EditWarning, StaleEditError
from gridplanner.editing.merge import merge_grids, merge_units
from gridplanner.editing.reshape import delete_vertex, insert_vertex, move_vertex
from gridplanner.editing.split import split_grid, split_unit
from gridplanner.editing.tallies import Tallies, Tally

__all__ = [
    "Cells",
    "Comparison",
    "Edit",
    "EditError",
    "EditWarning",
    "GridChange",
    "Snap",
    "StaleEditError",
    "Tallies",
    "Tally",
    "assign_grids",
    "assign_units",
    "compare",
    "delete_vertex",
    "draw_unit",
    "insert_vertex",
    "merge_grids",
    "merge_units",
    "move_vertex",
    "move_worker",
    "rename_node",
    "set_kind",
    "set_scope_sizing",
    "set_worker_capacity",
    "snap",
    "split_grid",
    "split_unit",
]
