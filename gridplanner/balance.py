"""Rebalance a scope of a plan, on either tier, as one reversible Edit.

The thin adapter between the plan model and the geometry-free balancer: the
:class:`~gridplanner.plan.PlanModel` of the scope (its unit graph built once, in metres),
the request resolved once (:mod:`gridplanner.balance_request`), every group balanced by
:func:`~gridplanner.algorithms.balance_nested` (parts never leave their comprehensive
grid or community), and the labels flipped back into the plan through the editing core:
moved children get new codes under their new parent (old codes retired, ids kept),
outlines are dissolved from their children, a redesign creates and retires grids and
says where every worker goes. The CLI, the app and the QGIS plugin all call
:func:`run_balance`, so the same request and seed give the same plan everywhere.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from gridplanner.algorithms import InfeasibleError, PartitionReport, balance_nested
from gridplanner.balance_request import (
    BalanceRequest,
    GroupJob,
    Kept,
    ResolvedBalance,
    resolve,
)
from gridplanner.balance_words import band_reasons, infeasible_words, kept_words
from gridplanner.editing.draft import as_id
from gridplanner.editing.edit import Edit
from gridplanner.errors import Words
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.plan import NewParent, PlanModel, node_words
from gridplanner.rollups import compute_rollups
from gridplanner.staffing import StaffingNeed

ProgressFn = Callable[[float, str], None]

PARALLEL_FROM_GROUPS = 32  # starting worker processes costs more than small scopes take


@dataclass
class GroupOutcome:
    """One group's result (a comprehensive grid, or a community on the upper tier)."""

    code: str
    name: str
    parents: list[str] = field(default_factory=list)  # codes after, part k first
    report: PartitionReport | None = None
    error: Words | None = None
    infeasible: str | None = None  # the rule that made the error (island, ...); None: a fault
    skipped: Words | None = None  # nothing to balance here, and why
    kept: dict[str, Kept] = field(default_factory=dict)
    vacancies: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # code -> name (kept, vacancies)
    tolerance: float = 0.0
    tolerance_source: str = "default"
    target: float = math.nan
    band: tuple[float, float] | None = None  # households per worker (grid tier)
    even_load: float = math.nan
    max_target_deviation: float = math.nan
    in_band_before: int = 0
    in_band_after: int = 0
    households_moved: float = 0.0  # in children whose parent changed (a new grid counts)
    children_moved: int = 0
    staffing: StaffingNeed | None = None
    notes: list[Words] = field(default_factory=list)

    def words(self) -> Words:
        return node_words(self.name, self.code)

    def reasons(self) -> list[Words]:
        """Why this group misses its band, if it does: staffing, granularity, or both."""
        return band_reasons(self)

    def kept_words(self) -> list[Words]:
        """Which parents were left exactly as they were and why, and the vacancies."""
        return kept_words(self)

    def to_dict(self) -> dict[str, Any]:
        staffing = self.staffing.to_dict() if self.staffing else {}
        return {
            "code": self.code,
            "name": self.name,
            "grids": self.parents,
            "error": None if self.error is None else self.error.to_dict(),
            "infeasible": self.infeasible,
            "skipped": None if self.skipped is None else self.skipped.to_dict(),
            "kept": {c: str(k) for c, k in self.kept.items()},
            "vacancies": self.vacancies,
            "tolerance": self.tolerance,
            "tolerance_source": self.tolerance_source,
            "target": self.target,
            "band": None if self.band is None else list(self.band),
            "even_load": self.even_load,
            "max_deviation_from_even_load": None if self.report is None
            else self.report.max_abs_deviation,
            "max_deviation_from_target": self.max_target_deviation,
            "households_moved": self.households_moved,
            "children_moved": self.children_moved,
            "in_band_before": self.in_band_before,
            "in_band_after": self.in_band_after,
            "workers_needed": staffing.get("workers_needed", 0),
            "workers_needed_for_target": staffing.get("workers_needed_for_target", 0),
            "workers_surplus": staffing.get("workers_surplus", 0),
            "reasons": [w.to_dict() for w in self.reasons()],
            "notes": [w.to_dict() for w in self.notes],
            "report": None if self.report is None else self.report.to_dict(),
        }  # fmt: skip


@dataclass
class WorkerMove:
    """Where a redesign sends a worker (``to_code`` None: left without a grid)."""

    worker_id: int
    name: str
    from_code: str | None
    to_code: str | None


@dataclass
class BalanceResult:
    """The new plan, the Edit that makes it, and what changed."""

    project: Project
    edit: Edit
    request: BalanceRequest
    groups: list[GroupOutcome]
    recoded: list[tuple[int, str, str]] = field(default_factory=list)  # id, old, new code
    created: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    worker_moves: list[WorkerMove] = field(default_factory=list)
    needing_worker: dict[str, float] = field(default_factory=dict)  # grid code -> missing
    notes: list[Words] = field(default_factory=list)

    @property
    def balanced(self) -> list[GroupOutcome]:
        """Groups that were balanced (not skipped, not failed)."""
        return [g for g in self.groups if g.report is not None]

    @property
    def households_moved(self) -> float:
        return float(sum(g.households_moved for g in self.balanced))

    @property
    def workers_without_grid(self) -> list[int]:
        return [m.worker_id for m in self.worker_moves if m.to_code is None]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (every group's report included)."""
        request = dataclasses.asdict(self.request)
        request["tier"], request["mode"] = str(self.request.tier), str(self.request.mode)
        return {
            "request": request,
            "households_moved": self.households_moved,
            "recoded": [{"id": i, "old_code": o, "new_code": n} for i, o, n in self.recoded],
            "created": self.created,
            "retired": self.retired,
            "worker_moves": [dataclasses.asdict(m) for m in self.worker_moves],
            "grids_needing_worker": self.needing_worker,
            "notes": [w.to_dict() for w in self.notes],
            "groups": [g.to_dict() for g in self.groups],
        }


def run_balance(
    project: Project,
    request: BalanceRequest,
    progress: ProgressFn | None = None,
    cancel: Callable[[], bool] | None = None,
    processes: int = 0,
) -> BalanceResult:
    """Balance ``request.scope`` of ``project`` (read only) and return the new plan."""
    rollups = compute_rollups(project)
    model = PlanModel.for_scope(project, request.scope, request.tier, rollups)
    resolved = resolve(model, request)
    results = _solve(resolved, progress, cancel, processes)
    return _assemble(resolved, results, rollups)


def _processes(asked: int, groups: int) -> int:
    """Worker processes for ``groups`` groups (``asked`` 0 = automatic)."""
    if asked > 0:
        return asked
    return min(os.cpu_count() or 1, 4) if groups >= PARALLEL_FROM_GROUPS else 1


def _solve(
    resolved: ResolvedBalance,
    progress: ProgressFn | None,
    cancel: Callable[[], bool] | None,
    processes: int,
) -> dict[Any, Any]:
    model, request = resolved.model, resolved.request
    existing = np.full(len(model.children), -1, dtype=np.int64)
    groups: dict[Any, Any] = {}
    parts: dict[Any, Any] = {}
    options: dict[Any, dict[str, Any]] = {}
    for job in resolved.jobs:
        key = job.group.id
        groups[key] = job.children
        parts[key] = job.parts
        if job.existing is not None:
            existing[job.children] = job.existing
        options[key] = {
            "band": job.tolerance,
            "min_change": request.min_change and job.existing is not None,
        }
    return balance_nested(
        model.graph,
        model.weights,
        groups,
        parts,
        existing=existing,
        seed=request.seed,
        processes=_processes(processes, len(groups)),
        progress=progress,
        cancel=cancel,
        group_options=options,
        strict=False,
        restarts=request.restarts,
    )


def _assemble(resolved: ResolvedBalance, results: dict[Any, Any], rollups: Any) -> BalanceResult:
    model, request = resolved.model, resolved.request
    project = model.project
    moves: dict[int, int] = {}
    new_parents: list[NewParent] = []
    retire: list[int] = []
    workers: dict[int, int | None] = {}
    short: dict[int, float] = {}
    parts_of: dict[int, list[int]] = {}
    outcomes: dict[int, GroupOutcome] = {}
    for group, why in resolved.skipped:
        outcomes[group.id] = GroupOutcome(group.code, group.name, skipped=why)
    tallies = model.tallies()
    for job in resolved.jobs:
        outcome = _outcome(job, model, tallies)
        outcomes[job.group.id] = outcome
        res = results[job.group.id]
        if res.error is not None or res.labels is None:
            error = res.error
            if isinstance(error, InfeasibleError):
                names = project.nodes["name"].reindex(model.children[job.children])
                locked = Kept.LOCKED in job.kept.values()
                outcome.error = infeasible_words(error, names.astype(str).tolist(), locked)
                outcome.infeasible = error.reason_code
            else:
                outcome.error = Words(str(error), str(error))
            continue
        outcome.report = res.report
        child_ids = model.children[job.children]
        labels = np.asarray(res.labels, dtype=np.int64)
        part_parent = _part_parents(job, model, labels, new_parents)
        parts_of[job.group.id] = part_parent
        old = model.labels[job.children]
        for child, k in zip(child_ids.tolist(), labels.tolist(), strict=True):
            moves[child] = part_parent[k]
        moved = np.array([part_parent[k] for k in labels.tolist()]) != old
        outcome.households_moved = float(model.weights[job.children][moved].sum())
        outcome.children_moved = int(moved.sum())
        retire.extend(p for p in job.parents if p not in part_parent)
        if job.redesign and model.tier is Level.GRID:
            staffed, missing = _assign_workers(job, model, labels, part_parent)
            workers.update(staffed)
            short.update(missing)
        outcome.max_target_deviation = _target_deviation(job, res.report)
    label = _label(model)
    edit, created = model.flip(
        moves, label, new_parents=new_parents, workers=workers, retire=retire
    )
    plan = edit.apply(_shallow_copy(project))
    after = compute_rollups(plan)
    for job in resolved.jobs:
        outcome = outcomes[job.group.id]
        if job.group.id in parts_of:
            ids = [created.get(p, p) for p in parts_of[job.group.id]]
            outcome.parents = [str(plan.nodes.at[i, "code"]) for i in ids]
            outcome.in_band_after = int(after.loc[ids, "in_band"].sum())
    result = BalanceResult(
        project=plan,
        edit=edit,
        request=request,
        groups=[outcomes[g.id] for g in model.groups if g.id in outcomes],
        recoded=edit.recoded,
        created=[str(plan.nodes.at[i, "code"]) for i in created.values()],
        retired=sorted(c for c, i in edit.retired.items() if i in set(edit.removed_ids)),
        worker_moves=_worker_moves(project, plan, workers),
        needing_worker={str(plan.nodes.at[created.get(k, k), "code"]): v for k, v in short.items()},
        notes=[w for g in outcomes.values() for w in g.notes],
    )
    scope = project.nodes.loc[model.scope]
    plan.record_version(
        "gridplanner balance",
        f"{label}: {len(result.balanced)} 个{model.tier.parent.zh if model.tier.parent else ''}, "
        f"{len(result.recoded)} 个编码调整, {result.households_moved:.0f} 户变动"
        f"（{scope['code']}）",
    )
    return result


def _label(model: PlanModel) -> str:
    scope = model.project.nodes.loc[model.scope]
    prefix = "重新平衡" if model.tier is Level.GRID else "综合网格重新平衡"
    return f"{prefix} {scope['name']}"


def _outcome(job: GroupJob, model: PlanModel, tallies: Any) -> GroupOutcome:
    sizing = job.group.sizing
    return GroupOutcome(
        job.group.code,
        job.group.name,
        kept={model.parents[p].code: why for p, why in job.kept.items()},
        vacancies=[model.parents[p].code for p in job.vacancies],
        names={model.parents[p].code: model.parents[p].name for p in [*job.kept, *job.vacancies]},
        tolerance=job.tolerance,
        tolerance_source=job.tolerance_source,
        target=job.target,
        band=(sizing.band_min, sizing.band_max) if model.tier is Level.GRID else None,
        even_load=job.even_load,
        in_band_before=int(tallies.loc[job.parents, "in_band"].sum()),
        staffing=job.staffing,
        notes=list(job.notes),
    )


def _part_parents(
    job: GroupJob, model: PlanModel, labels: np.ndarray, new_parents: list[NewParent]
) -> list[int]:
    """The parent of every part: today's where it continues one, a new one otherwise."""
    count = int(labels.max()) + 1 if len(labels) else 0
    count = max(count, job.part_count)
    if not job.redesign:
        return list(job.parents[:count])
    chosen: list[int | None] = [None] * count
    if job.continuing:
        for k, parent in enumerate(job.continuing[:count]):
            chosen[k] = parent
    else:
        old = model.labels[job.children]
        index = {p: c for c, p in enumerate(job.parents)}
        overlap = np.zeros((count, len(job.parents)))
        np.add.at(
            overlap,
            (labels, np.array([index[int(q)] for q in old], dtype=np.int64)),
            model.weights[job.children] + 1e-6,
        )
        rows, cols = linear_sum_assignment(-overlap)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            chosen[r] = job.parents[c]
    out: list[int] = []
    for match in chosen:
        if match is None:
            key = -(len(new_parents) + 1)
            new_parents.append(NewParent(key, job.group.id))
            match = key
        out.append(match)
    return out


def _assign_workers(
    job: GroupJob, model: PlanModel, labels: np.ndarray, part_parent: list[int]
) -> tuple[dict[int, int | None], dict[int, float]]:
    """Redesign: every part is planned for one full-time worker. A worker goes to the part
    holding most of the households they served, until parts are staffed; the others go
    to parts still short; who is left has no grid. Returns the moves and the parts
    still short of a worker (and by how much)."""
    roster = model.project.workers
    grid_ids = roster["grid_id"].to_numpy(dtype=object, na_value=None)
    mine = {int(w): int(g) for w, g in zip(roster.index, grid_ids, strict=True)
            if g is not None and int(g) in set(job.parents)}  # fmt: skip
    capacity = {w: float(roster.at[w, "capacity"]) for w in mine}
    old = model.labels[job.children]
    weights = model.weights[job.children]
    served: dict[tuple[int, int], float] = {}
    for parent, k, weight in zip(old.tolist(), labels.tolist(), weights.tolist(), strict=True):
        served[(parent, k)] = served.get((parent, k), 0.0) + weight
    count = len(part_parent)
    have = [0.0] * count
    plan: dict[int, int | None] = {}
    options = sorted(
        ((served.get((mine[w], k), 0.0), w, k) for w in mine for k in range(count)),
        key=lambda o: (-o[0], -capacity[o[1]], o[1], o[2]),
    )
    for score, worker, k in options:
        if score > 0 and worker not in plan and have[k] < 1 - 1e-9:
            plan[worker] = part_parent[k]
            have[k] += capacity[worker]
    households = [float(weights[labels == k].sum()) for k in range(count)]
    for worker in sorted((w for w in mine if w not in plan), key=lambda w: (-capacity[w], w)):
        needy = [k for k in range(count) if have[k] < 1 - 1e-9]
        if not needy:
            plan[worker] = None
            continue
        k = max(needy, key=lambda q: (served.get((mine[worker], q), 0.0), households[q], -q))
        plan[worker] = part_parent[k]
        have[k] += capacity[worker]
    missing = {part_parent[k]: round(1 - have[k], 2) for k in range(count) if have[k] < 1 - 1e-9}
    return plan, missing


def _worker_moves(before: Project, after: Project, plan: dict[int, int | None]) -> list[WorkerMove]:
    moves: list[WorkerMove] = []
    for worker in sorted(plan):
        was = as_id(before.workers.at[worker, "grid_id"])
        now = as_id(after.workers.at[worker, "grid_id"])
        old_code = None if was is None else str(before.nodes.at[was, "code"])
        new_code = None if now is None else str(after.nodes.at[now, "code"])
        if was != now or (old_code != new_code):
            name = str(before.workers.at[worker, "name"])
            moves.append(WorkerMove(worker, name, old_code, new_code))
    return moves


def _target_deviation(job: GroupJob, report: PartitionReport | None) -> float:
    """The largest deviation of a part's households per worker from the planner's target."""
    if report is None or not report.parts or not job.target > 0:
        return math.nan
    ratios = [p.households / p.capacity for p in report.parts if p.capacity > 0]
    return float(max(abs(r / job.target - 1) for r in ratios)) if ratios else math.nan


def _shallow_copy(project: Project) -> Project:
    """A new Project over the same tables (an Edit replaces the tables it changes)."""
    return dataclasses.replace(
        project, history=list(project.history), retired_codes=dict(project.retired_codes)
    )
