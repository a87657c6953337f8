"""Rebalance a scope of a plan: regroup grid units into grids, per comprehensive grid.

The thin adapter between a :class:`~gridplanner.model.Project` and the geometry-free
balancer in :mod:`gridplanner.algorithms`: it builds the unit adjacency graph once
(in metres), hands each comprehensive grid's units to the partitioner (so a grid
never crosses its parent's boundary), then writes the result back as a new plan:
units change parent, moved units get new codes under their new grid (the old code
is retired, the id stays), grid outlines are dissolved from their units.

Modes:

* default — keep every ordinary grid and its workers; part k is grid k with the
  grid's worker capacity, and the load is evened out (households per capacity);
* ``parts=K`` or ``target=T`` — redesign each comprehensive grid into K grids
  (or round(households / T)) of one worker each; parts are matched to today's
  grids by shared households; grids left over are retired (their workers are
  left without a grid and listed), new grids get new codes and no workers yet.

Dedicated grids (专属网格) and locked grids keep their units.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from gridplanner.algorithms import PartitionReport, balance_nested, build_adjacency
from gridplanner.editing.draft import Draft
from gridplanner.editing.edit import Edit
from gridplanner.errors import GridPlannerError
from gridplanner.levels import Level, NodeKind
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups

ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class BalanceOptions:
    """What the planner asked for."""

    target: float | None = None
    parts: int | None = None
    min_change: bool = False
    band: float | None = None  # relative deviation allowed; None: see band_for()
    seed: int = 0
    processes: int = 0  # 0: one per core when the scope is big enough to pay for it
    locked_grids: Sequence[str] = ()
    restarts: int = 16


@dataclass
class GroupOutcome:
    """One comprehensive grid's result."""

    code: str
    name: str
    grid_codes: list[str]
    report: PartitionReport | None
    error: str | None = None
    households_before_max_dev: float = 0.0


@dataclass
class BalanceResult:
    """The new plan and what changed."""

    project: Project
    groups: list[GroupOutcome]
    edit: Edit | None = None  # the whole change as one reversible edit of the input plan
    recoded: list[tuple[int, str, str]] = field(default_factory=list)  # unit id, old, new code
    created_grids: list[str] = field(default_factory=list)
    retired_grids: list[str] = field(default_factory=list)
    workers_without_grid: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def households_moved(self) -> float:
        """Households in units that changed grid."""
        return float(sum(g.report.households_moved for g in self.groups if g.report))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (per group reports included)."""
        return {
            "households_moved": self.households_moved,
            "recoded": [{"unit_id": i, "old_code": o, "new_code": n} for i, o, n in self.recoded],
            "created_grids": self.created_grids,
            "retired_grids": self.retired_grids,
            "workers_without_grid": self.workers_without_grid,
            "notes": self.notes,
            "groups": [
                {
                    "code": g.code,
                    "name": g.name,
                    "grids": g.grid_codes,
                    "error": g.error,
                    "report": None if g.report is None else g.report.to_dict(),
                }
                for g in self.groups
            ],
        }


def scope_nodes(project: Project, scope_code: str, level: Level, what: str) -> list[int]:
    """Ids at ``level`` inside the scope, refusing a scope below ``level`` (named ``what``)."""
    scope = project.by_code(scope_code)
    found = project.node_level(scope)
    if found.depth > level.depth:
        above = ", ".join(lv.value for lv in Level if lv.depth <= level.depth)
        raise GridPlannerError(f"scope {scope_code} is a {found.value}; {what} a {above}")
    return project.descendants_at(scope, level)


def scope_groups(project: Project, scope_code: str) -> list[int]:
    """Ids of the comprehensive grids inside the scope (a district … comprehensive grid)."""
    return scope_nodes(project, scope_code, Level.COMPREHENSIVE_GRID, "balance")


def balance_scope(
    project: Project,
    scope_code: str,
    options: BalanceOptions = BalanceOptions(),
    progress: ProgressFn | None = None,
    cancel: Callable[[], bool] | None = None,
) -> BalanceResult:
    """Rebalance every comprehensive grid in the scope; returns a new project."""
    if options.parts is not None and options.parts < 1:
        raise GridPlannerError("--parts must be at least 1")
    if options.target is not None and options.target <= 0:
        raise GridPlannerError("--target must be a positive number of households per worker")
    comps = scope_groups(project, scope_code)
    if not comps:
        raise GridPlannerError(f"scope {scope_code} has no comprehensive grids")
    plan = project  # read only: the changes go into a Draft, applied to a copy at the end
    nodes = plan.nodes
    rollups = compute_rollups(plan)
    locked = {plan.by_code(c) for c in options.locked_grids}
    grids_of: dict[int, list[int]] = {}
    units_of: dict[int, np.ndarray] = {}
    for comp in comps:
        kids = nodes.index[(nodes["parent_id"] == comp)]
        ordinary = [
            int(g)
            for g in sorted(kids, key=lambda i: str(nodes.at[i, "code"]))
            if nodes.at[g, "kind"] != NodeKind.DEDICATED.value and g not in locked
        ]
        grids_of[comp] = ordinary
        units_of[comp] = nodes.index[nodes["parent_id"].isin(ordinary)].to_numpy()
    all_units = np.concatenate([units_of[c] for c in comps]) if comps else np.zeros(0, int)
    metres = plan.nodes.loc[all_units].geometry.to_crs(plan.measuring_crs())
    rivers = plan.reference_lines[plan.reference_lines["kind"] == "river"]
    barriers = rivers.geometry.to_crs(plan.measuring_crs()).to_numpy() if len(rivers) else None
    graph = build_adjacency(
        metres.to_numpy(), barriers=barriers, barrier_mode="penalise", tolerance=0.5
    )
    weights = rollups.loc[all_units, "households"].to_numpy(dtype=float)
    position = {int(u): i for i, u in enumerate(all_units)}
    groups: dict[int, np.ndarray] = {}
    parts: dict[int, Any] = {}
    existing = np.full(len(all_units), -1, dtype=np.int64)
    notes: list[str] = []
    for comp in comps:
        ordinary = grids_of[comp]
        units = units_of[comp]
        if len(units) == 0 or not ordinary:
            continue
        groups[comp] = np.array([position[int(u)] for u in units], dtype=np.int64)
        local = {g: k for k, g in enumerate(ordinary)}
        for u in units:
            existing[position[int(u)]] = local[int(nodes.at[u, "parent_id"])]
        k = _part_count(options, float(rollups.loc[units, "households"].sum()), len(ordinary))
        if options.parts is None and options.target is None:
            caps = []
            for g in ordinary:
                cap = float(rollups.at[g, "workers"])
                if cap <= 0:
                    notes.append(
                        f"grid {nodes.at[g, 'code']} has no worker; balanced as if it had one"
                    )
                    cap = 1.0
                caps.append(cap)
            parts[comp] = caps
        else:
            parts[comp] = min(k, len(units))
    keep_labels = options.parts is None and options.target is None
    bands = {comp: band_for(plan, comp, rollups, options, notes) for comp in groups}
    results: dict[Any, Any] = {}
    for band in sorted(set(bands.values())):
        subset: dict[Hashable, Any] = {c: idx for c, idx in groups.items() if bands[c] == band}
        results.update(
            balance_nested(
                graph,
                weights,
                subset,
                {c: parts[int(c)] for c in subset},  # type: ignore[call-overload]
                existing=existing if keep_labels or options.min_change else None,
                seed=options.seed,
                processes=_processes(options.processes, len(subset)),
                progress=progress,
                cancel=cancel,
                band=band,
                min_change=options.min_change and keep_labels,
                strict=False,
                restarts=options.restarts,
            )
        )
    result = BalanceResult(project=plan, groups=[], notes=notes)
    draft = Draft(project, f"重新平衡 {scope_code}")
    leaving: list[int] = []
    for comp in comps:
        code, name = str(nodes.at[comp, "code"]), str(nodes.at[comp, "name"])
        if comp not in results:
            result.groups.append(GroupOutcome(code, name, [], None, "no ordinary grid to balance"))
            continue
        res = results[comp]
        if res.error is not None or res.labels is None:
            result.groups.append(GroupOutcome(code, name, [], None, str(res.error)))
            continue
        units = all_units[res.units]
        old = np.array([grids_of[comp].index(int(nodes.at[u, "parent_id"])) for u in units])
        part_grid = _grids_for_parts(
            draft, comp, grids_of[comp], res.labels, old, weights[res.units], keep_labels, result
        )
        leaving.extend(g for g in grids_of[comp] if g not in part_grid)
        for part, grid in enumerate(part_grid):
            moving = [int(u) for u, k in zip(units, res.labels, strict=True) if k == part]
            result.recoded.extend(draft.reparent(moving, grid))
        result.groups.append(
            GroupOutcome(code, name, [draft.code(g) for g in part_grid], res.report)
        )
    for grid in leaving:  # empty now: retire the code, drop the node
        draft.retire(draft.code(grid), grid)
        draft.remove_node(grid)
    result.edit = draft.finish()
    result.project = result.edit.apply(shallow_copy(project))
    moved = len(result.recoded)
    summary = (
        f"重新平衡 {scope_code}: {len(comps)} 个综合网格, {moved} 个网格单元调整, "
        f"{result.households_moved:.0f} 户变动"
    )
    result.project.record_version("gridplanner balance", summary)
    return result


def band_for(
    plan: Project, comp: int, rollups: pd.DataFrame, options: BalanceOptions, notes: list[str]
) -> float:
    """The relative band a comprehensive grid is balanced to.

    An explicit ``options.band`` wins. Otherwise a from-scratch run aims at ±5% of
    the even load, and a minimal-change run only has to bring every grid inside the
    configured household band (e.g. 200–500 per worker): the widest symmetric band
    around the even load that stays inside it.
    """
    if options.band is not None:
        return float(options.band)
    if not options.min_change:
        return 0.05
    ancestors = [str(plan.nodes.at[i, "code"]) for i in plan.ancestors(comp)]
    sizing = plan.settings.sizing_for(ancestors)
    even = float(rollups.at[comp, "households_per_worker"])
    if not np.isfinite(even) or not sizing.band_min < even < sizing.band_max:
        notes.append(
            f"comprehensive grid {plan.nodes.at[comp, 'code']}: its households per worker "
            f"({even:.0f}) are outside the band {sizing.band_min:.0f}–{sizing.band_max:.0f}; "
            "regrouping cannot fix that, it needs staff — balanced to ±5%"
        )
        return 0.05
    return round(min(1 - sizing.band_min / even, sizing.band_max / even - 1), 4)


PARALLEL_FROM_GROUPS = 32  # starting worker processes costs more than small scopes take


def _processes(asked: int, groups: int) -> int:
    """Worker processes for ``groups`` comprehensive grids (``asked`` 0 = automatic)."""
    if asked > 0:
        return asked
    return min(os.cpu_count() or 1, 4) if groups >= PARALLEL_FROM_GROUPS else 1


def _part_count(options: BalanceOptions, households: float, current: int) -> int:
    if options.parts is not None:
        return options.parts
    if options.target is not None:
        return max(1, round(households / options.target))
    return current


def shallow_copy(project: Project) -> Project:
    """A new Project over the same tables (an Edit replaces the tables it changes)."""
    return dataclasses.replace(
        project, history=list(project.history), retired_codes=dict(project.retired_codes)
    )


def _grids_for_parts(
    draft: Draft,
    comp: int,
    grids: list[int],
    labels: np.ndarray,
    old: np.ndarray,
    weights: np.ndarray,
    keep_labels: bool,
    result: BalanceResult,
) -> list[int]:
    """Grid id for every part: today's grid where matched, a new grid otherwise."""
    k = int(labels.max()) + 1 if len(labels) else 0
    if keep_labels:
        return grids[:k]
    overlap = np.zeros((k, len(grids)))
    np.add.at(overlap, (labels, old), weights + 1e-6)
    rows, cols = linear_sum_assignment(-overlap)
    chosen: list[int | None] = [None] * k
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        chosen[r] = grids[c]
    matched = {g for g in chosen if g is not None}
    for grid in grids:
        if grid not in matched:  # its workers are left without a grid, and listed
            result.retired_grids.append(draft.code(grid))
            for worker in draft.workers_of(grid):
                draft.set_worker_grid(worker, None)
                result.workers_without_grid.append(worker)
    out: list[int] = []
    for match in chosen:
        if match is None:
            code = draft.free_code(comp, Level.GRID)
            name = f"{draft.get(comp, 'name')}新网格{int(code[-3:])}"
            match = draft.new_node(Level.GRID, code, name, comp, None)
            result.created_grids.append(code)
        out.append(match)
    return out
