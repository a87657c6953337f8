"""The second tier: regroup grids into comprehensive grids, per community.

A comprehensive grid (综合网格) groups grids under one grid leader; this evens out
the households each comprehensive grid holds, keeps every comprehensive grid in
one piece and never crosses a community. Grids move whole (with their units and
workers); a moved grid gets a new code under its new comprehensive grid, and its
units' codes follow the new prefix (old codes retired, ids kept). The result is
one reversible :class:`~gridplanner.editing.edit.Edit`, like unit balancing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gridplanner.algorithms import balance_nested, build_adjacency
from gridplanner.balance import (
    BalanceOptions,
    BalanceResult,
    GroupOutcome,
    scope_nodes,
    shallow_copy,
)
from gridplanner.editing.draft import Draft
from gridplanner.errors import GridPlannerError
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups


def scope_communities(project: Project, scope_code: str) -> list[int]:
    """Ids of the communities inside the scope (a district, street or community)."""
    return scope_nodes(
        project, scope_code, Level.COMMUNITY, "regroup grids into comprehensive grids for"
    )


def balance_comprehensive_grids(
    project: Project,
    scope_code: str,
    options: BalanceOptions | None = None,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> BalanceResult:
    """Even out households between the comprehensive grids of every community in scope."""
    options = options or BalanceOptions()
    nodes = project.nodes
    rollups = compute_rollups(project)
    communities = scope_communities(project, scope_code)
    comps_of: dict[int, list[int]] = {}
    grids: list[int] = []
    for community in communities:
        comps = sorted(
            nodes.index[nodes["parent_id"] == community].tolist(),
            key=lambda i: str(nodes.at[i, "code"]),
        )
        if len(comps) >= 2:
            comps_of[community] = comps
            grids.extend(nodes.index[nodes["parent_id"].isin(comps)].tolist())
    if not comps_of:
        raise GridPlannerError(
            f"scope {scope_code} has no community with two or more comprehensive grids to balance"
        )
    metric = project.measuring_crs()
    graph = build_adjacency(nodes.loc[grids].geometry.to_crs(metric).to_numpy(), tolerance=0.5)
    weights = rollups.loc[grids, "households"].to_numpy(dtype=float)
    position = {g: i for i, g in enumerate(grids)}
    existing = np.full(len(grids), -1, dtype=np.int64)
    groups: dict[Any, Any] = {}
    parts: dict[Any, Any] = {}
    for community, comps in comps_of.items():
        local = {c: k for k, c in enumerate(comps)}
        members = [g for g in grids if int(nodes.at[g, "parent_id"]) in local]
        for g in members:
            existing[position[g]] = local[int(nodes.at[g, "parent_id"])]
        groups[community] = np.array([position[g] for g in members], dtype=np.int64)
        parts[community] = len(comps)
    results = balance_nested(
        graph,
        weights,
        groups,
        parts,
        existing=existing,
        seed=options.seed,
        processes=max(options.processes, 1),
        progress=progress,
        cancel=cancel,
        band=options.band if options.band is not None else 0.05,
        min_change=options.min_change,
        strict=False,
        restarts=options.restarts,
    )
    draft = Draft(project, f"综合网格重新平衡 {scope_code}")
    outcome = BalanceResult(project=project, groups=[])
    for community, comps in comps_of.items():
        res = results[community]
        code, name = str(nodes.at[community, "code"]), str(nodes.at[community, "name"])
        if res.error is not None or res.labels is None:
            outcome.groups.append(GroupOutcome(code, name, [], None, str(res.error)))
            continue
        members = [grids[i] for i in res.units.tolist()]
        for part, comp in enumerate(comps):
            moving = [g for g, k in zip(members, res.labels.tolist(), strict=True) if k == part]
            outcome.recoded.extend(draft.reparent(moving, comp))
        outcome.groups.append(GroupOutcome(code, name, [draft.code(c) for c in comps], res.report))
    outcome.edit = draft.finish()
    outcome.project = outcome.edit.apply(shallow_copy(project))
    moved = sum(
        1 for node, _, _ in outcome.recoded if outcome.project.node_level(node) is Level.GRID
    )
    outcome.project.record_version(
        "gridplanner balance",
        f"综合网格重新平衡 {scope_code}: {len(comps_of)} 个社区, {moved} 个网格调整, "
        f"{outcome.households_moved:.0f} 户变动",
    )
    return outcome
