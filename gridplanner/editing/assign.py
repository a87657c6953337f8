"""Painting: units into a grid, grids into a comprehensive grid; moving a worker."""

from __future__ import annotations

from collections.abc import Iterable

from gridplanner.editing.draft import Draft, as_id
from gridplanner.editing.edit import Edit, EditError
from gridplanner.levels import Level
from gridplanner.model import Project


def require(draft: Draft, node_id: int, level: Level) -> str:
    """The node's code, after checking it exists at ``level``."""
    if not draft.exists(int(node_id)):
        raise EditError(f"no {level.value} with id {node_id} in the plan")
    actual = draft.level(int(node_id))
    if actual is not level:
        code = draft.code(int(node_id))
        raise EditError(
            f"{code} is a {actual.value} ({actual.zh}), not a {level.value} ({level.zh})"
        )
    return draft.code(int(node_id))


def assign_units(
    project: Project,
    unit_ids: Iterable[int],
    grid_id: int,
    *,
    allow_cross_community: bool = False,
) -> Edit:
    """Paint units into a grid: each moved unit keeps its id, gets a new code under the
    grid (moved units numbered west→east, north→south) and its old code is retired.
    Units already in the grid are skipped (an empty Edit when all are).

    Moving a unit into another community changes statistical boundaries, so it is
    refused unless ``allow_cross_community``; outlines are re-dissolved upwards.
    """
    return _paint(project, unit_ids, Level.GRID_UNIT, grid_id, Level.GRID, allow_cross_community)


def assign_grids(
    project: Project,
    grid_ids: Iterable[int],
    comprehensive_id: int,
    *,
    allow_cross_community: bool = False,
) -> Edit:
    """Paint whole grids into a comprehensive grid: new grid codes (units follow the
    new prefix), old codes retired, ids and workers kept."""
    return _paint(
        project, grid_ids, Level.GRID, comprehensive_id, Level.COMPREHENSIVE_GRID,
        allow_cross_community,
    )  # fmt: skip


def _paint(
    project: Project,
    member_ids: Iterable[int],
    member_level: Level,
    target: int,
    target_level: Level,
    allow_cross_community: bool,
) -> Edit:
    """Reparent ``member_ids`` (at ``member_level``) under ``target`` as one Edit."""
    draft = Draft(project, "")
    require(draft, target, target_level)
    members = list(dict.fromkeys(int(m) for m in member_ids))
    for member in members:
        require(draft, member, member_level)
    _check_scope(draft, members, target, Level.COMMUNITY, allow_cross_community)
    olds = [str(draft.get(m, "name")) for m in members if draft.parent(m) != target]
    draft.label = _label(member_level.zh, olds, draft.named(target))
    draft.reparent(members, target)
    return draft.finish()


def move_worker(project: Project, worker_id: int, grid_id: int | None) -> Edit:
    """Move a grid worker to another grid (None: leave them without a grid)."""
    draft = Draft(project, "")
    workers = project.workers
    if int(worker_id) not in workers.index:
        raise EditError(f"no worker with id {worker_id}")
    name = str(workers.at[int(worker_id), "name"])
    if grid_id is None:
        draft.label = f"网格员 {name} 移出网格"
    else:
        require(draft, int(grid_id), Level.GRID)
        draft.label = f"网格员 {name} 调入网格 {draft.named(int(grid_id))}"
    if as_id(workers.at[int(worker_id), "grid_id"]) != grid_id:
        draft.set_worker_grid(int(worker_id), None if grid_id is None else int(grid_id))
    return draft.finish()


def _check_scope(
    draft: Draft, members: list[int], target: int, level: Level, allowed: bool
) -> None:
    if allowed:
        return
    home = draft.ancestor_at(target, level)
    for member in members:
        there = draft.ancestor_at(member, level)
        if there != home:
            raise EditError(
                f"{draft.code(member)} lies in {level.zh} "
                f"{draft.code(there) if there is not None else '-'}, but "
                f"{draft.code(target)} is in {level.zh} "
                f"{draft.code(home) if home is not None else '-'}: moving it would redraw "
                f"statistical boundaries (pass allow_cross_community to do it anyway)"
            )


def _label(what: str, names: list[str], target: str) -> str:
    if not names:
        return f"{what}已在 {target} 中"
    head = names[0] if len(names) == 1 else f"{names[0]} 等 {len(names)} 个"
    return f"{what} {head} 划入 {target}"
