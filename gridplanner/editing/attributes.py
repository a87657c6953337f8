"""Attribute edits — a name, a grid's kind, a worker's capacity, a scope's sizing — as
reversible Edits like every other change (one undo mechanism for the whole app)."""

from __future__ import annotations

from dataclasses import replace

from gridplanner.editing.draft import Draft
from gridplanner.editing.edit import Edit, EditError
from gridplanner.levels import Level, NodeKind
from gridplanner.model import Project
from gridplanner.settings import Sizing


def _node(draft: Draft, node_id: int) -> None:
    if not draft.exists(int(node_id)):
        raise EditError(f"no node with id {node_id}")


def rename_node(project: Project, node_id: int, name: str) -> Edit:
    """Give a node a new name (typing merges into one undo step per node)."""
    draft = Draft(project, "重命名")
    _node(draft, node_id)
    name = str(name).strip()
    if not name:
        raise EditError("a name can't be empty")
    draft.label = f"重命名 {draft.get(node_id, 'name')} → {name}"
    draft.set(int(node_id), "name", name)
    draft.merge_key = f"rename:{int(node_id)}"
    return draft.finish()


def set_kind(
    project: Project, node_id: int, kind: NodeKind, dedicated_type: str | None = None
) -> Edit:
    """Make a grid ordinary or dedicated (专属网格, with its institution type)."""
    draft = Draft(project, "修改类型")
    _node(draft, node_id)
    if draft.level(int(node_id)) is not Level.GRID:
        raise EditError(f"only a grid can be dedicated, not {draft.code(int(node_id))}")
    kind = NodeKind(kind)
    draft.label = f"{draft.get(node_id, 'name')} 改为{kind.label('zh')}"
    draft.set(int(node_id), "kind", kind.value)
    dedicated = dedicated_type if kind is NodeKind.DEDICATED else None
    draft.set(int(node_id), "dedicated_type", dedicated)
    return draft.finish()


def set_worker_capacity(project: Project, worker_id: int, capacity: float) -> Edit:
    """Change how much a worker counts (1 full-time, 0.5 part-time by default)."""
    if not capacity > 0:
        raise EditError(f"a worker counts for more than 0 (got {capacity})")
    draft = Draft(project, "修改网格员折算")
    draft.set_worker_value(int(worker_id), "capacity", float(capacity))
    name = project.workers.at[int(worker_id), "name"]
    draft.label = f"网格员 {name} 折算为 {capacity:g}"
    return draft.finish()


def set_scope_sizing(project: Project, code: str, sizing: Sizing | None) -> Edit:
    """Give a street or community its own target and band (None: inherit again)."""
    scopes: dict[str, Sizing] = dict(project.settings.sizing_by_scope)
    if sizing is None:
        scopes.pop(code, None)
    else:
        scopes[code] = sizing
    hits = project.nodes.index[project.nodes["code"] == code]
    name = str(project.nodes.at[hits[0], "name"]) if len(hits) else code
    draft = Draft(project, f"修改配比标准 {name}")
    draft.set_settings(replace(project.settings, sizing_by_scope=scopes))
    return draft.finish()
