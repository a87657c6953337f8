"""Merging grids (inside one comprehensive grid) and units (inside one grid)."""

from __future__ import annotations

from collections.abc import Iterable

import shapely

from gridplanner.editing.assign import require
from gridplanner.editing.draft import Draft
from gridplanner.editing.edit import Edit, EditError
from gridplanner.editing.geo import polygon_parts
from gridplanner.levels import Level
from gridplanner.model import Project


def merge_grids(project: Project, grid_ids: Iterable[int], into: int | None = None) -> Edit:
    """Merge grids of one comprehensive grid into ``into`` (default: the lowest code).

    The absorbed grids' units move to it (new codes, old retired), their workers
    too; the absorbed grids are deleted and their codes retired.
    """
    draft = Draft(project, "")
    grids, survivor = _members(draft, grid_ids, into, Level.GRID)
    absorbed = [g for g in grids if g != survivor]
    names = "、".join(str(draft.get(g, "name")) for g in absorbed)
    units = [u for g in absorbed for u in draft.children(g)]
    draft.reparent(units, survivor)
    for grid in absorbed:
        for worker in draft.workers_of(grid):
            draft.set_worker_grid(worker, survivor)
        draft.retire(draft.code(grid), grid)
        draft.remove_node(grid)
    draft.mark_dirty(survivor)
    draft.label = f"合并网格 {names} → {draft.named(survivor)}"
    return draft.finish()


def merge_units(project: Project, unit_ids: Iterable[int], into: int | None = None) -> Edit:
    """Merge touching units of one grid into ``into`` (default: the lowest code).

    The survivor's polygon becomes the union; the others' buildings move to it;
    they are deleted and their codes retired.
    """
    draft = Draft(project, "")
    units, survivor = _members(draft, unit_ids, into, Level.GRID_UNIT)
    geoms = [draft.geometry(u) for u in units]
    if any(g is None for g in geoms):
        missing = next(u for u, g in zip(units, geoms, strict=True) if g is None)
        raise EditError(f"grid unit {draft.code(missing)} has no polygon")
    union = shapely.union_all(geoms)
    parts = polygon_parts(union)
    if len(parts) != 1:
        raise EditError(
            f"grid units {', '.join(draft.code(u) for u in units)} do not all touch along a "
            f"boundary (together they make {len(parts)} pieces); merge neighbours only"
        )
    draft.set(survivor, "geometry", parts[0])
    absorbed = [u for u in units if u != survivor]
    names = "、".join(str(draft.get(u, "name")) for u in absorbed)
    for unit in absorbed:
        for building in draft.buildings_of(unit):
            draft.set_building_unit(building, survivor)
        draft.retire(draft.code(unit), unit)
        draft.remove_node(unit)
    draft.label = f"合并网格单元 {names} → {draft.named(survivor)}"
    return draft.finish()


def _members(
    draft: Draft, ids: Iterable[int], into: int | None, level: Level
) -> tuple[list[int], int]:
    members = list(dict.fromkeys(int(i) for i in ids))
    if into is not None and int(into) not in members:
        members.append(int(into))
    for member in members:
        require(draft, member, level)
    if len(members) < 2:
        raise EditError(f"select at least two {level.value}s ({level.zh}) to merge")
    parents = {draft.parent(m) for m in members}
    if len(parents) != 1:
        above = level.parent
        assert above is not None
        listing = ", ".join(f"{draft.code(m)} (in {draft.code(p)})" for m in members
                            if (p := draft.parent(m)) is not None)  # fmt: skip
        raise EditError(
            f"only {level.value}s of the same {above.value} ({above.zh}) can be merged: {listing}"
        )
    survivor = int(into) if into is not None else min(members, key=draft.code)
    return members, survivor
