"""Warnings, not silent failures: what an edit left broken for the planner to see.

Checked on the draft's state after the edit, only for the grids and units the
edit touched: a grid in more than one piece, a grid left without units or
workers, a unit without a grid, buildings left outside every unit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridplanner.editing.edit import EditWarning
from gridplanner.editing.geo import polygon_parts
from gridplanner.levels import Level

if TYPE_CHECKING:
    from gridplanner.editing.draft import Draft


def collect_warnings(draft: Draft) -> list[EditWarning]:
    """Warnings for the grids and units ``draft`` touched, in code order."""
    found: list[EditWarning] = []
    grids = sorted((g for g in draft.touched_grids if draft.exists(g)), key=draft.code)
    for grid in grids:
        code, named = draft.code(grid), draft.named(grid)
        units = draft.children(grid)
        if not units:
            found.append(
                EditWarning(
                    "grid_empty",
                    grid,
                    code,
                    f"网格 {named} 已没有网格单元",
                    f"grid {named} has no grid units left",
                )
            )
            continue
        pieces = len(polygon_parts(draft.geometry(grid)))
        if pieces > 1:
            found.append(
                EditWarning(
                    "grid_split",
                    grid,
                    code,
                    f"网格 {named} 不再连成一片, 分成了 {pieces} 块",
                    f"grid {named} is no longer one piece: it falls into {pieces} parts",
                )
            )
    for grid in sorted((g for g in draft.staffed_grids if draft.exists(g)), key=draft.code):
        if not draft.workers_of(grid):
            code, named = draft.code(grid), draft.named(grid)
            found.append(
                EditWarning(
                    "grid_without_worker",
                    grid,
                    code,
                    f"网格 {named} 没有网格员",
                    f"grid {named} has no worker",
                )
            )
    units = sorted((u for u in draft.touched_units if draft.exists(u)), key=draft.code)
    for unit in units:
        parent = draft.parent(unit)
        if parent is None or not draft.exists(parent) or draft.level(parent) is not Level.GRID:
            code, named = draft.code(unit), draft.named(unit)
            found.append(
                EditWarning(
                    "unit_without_grid",
                    unit,
                    code,
                    f"网格单元 {named} 不属于任何网格",
                    f"grid unit {named} belongs to no grid",
                )
            )
    homeless = [b for b, u in draft.pending_buildings().items() if u is None]
    if homeless:
        found.append(
            EditWarning(
                "buildings_outside",
                None,
                "",
                f"{len(homeless)} 栋楼不在任何网格单元内",
                f"{len(homeless)} building(s) now lie in no grid unit",
            )
        )
    return found
