"""The one request resolver: the planner's words turned into the balancer's inputs, once.

The CLI, the app's balance dialog and the QGIS algorithm all build a
:class:`BalanceRequest` and call :func:`resolve`; nothing else decides what a target,
a number of grids, minimal change, a tolerance, a lock or a vacancy means:

* **tier** — regroup grid units into grids (per comprehensive grid), or grids into
  comprehensive grids (per community);
* **mode** — *keep* today's grids and even out the load (each grid's share follows its
  workers, a part-time worker as a fraction); *target* — redesign into
  ``round(households / target)`` grids of one worker each (the target is households per
  worker, by default the scope's configured target; on the upper tier households per
  comprehensive grid); *count* — redesign into that many grids. A redesign aims every
  grid at the even load (the share closest to the target that whole grids allow); the
  report gives the deviation from both;
* **minimal change** — start from today's grids and move as few households as possible;
* **tolerance** — the deviation a grid may keep from its share (default
  :data:`BALANCE_TOLERANCE`; with minimal change, the widest band around the even load
  that stays inside the scope's configured households-per-worker band);
* **locks** — grids (or comprehensive grids) kept exactly as they are;
* **vacancies** — grids without a worker that are to receive households as if a worker
  were coming (counted as one full-time worker). Any other grid without a worker is
  kept as it is: it never receives households.

Every refusal is a :class:`~gridplanner.errors.PlannerError` in the planner's words
(zh/en), never a command-line flag.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from gridplanner.algorithms.defaults import BALANCE_TOLERANCE
from gridplanner.errors import PlannerError, Words
from gridplanner.levels import Level
from gridplanner.plan import PlanGroup, PlanModel, node_words
from gridplanner.staffing import StaffingNeed, staffing_need

ALL_VACANCIES = "all"


class Mode(StrEnum):
    KEEP = "keep"  # 保留现有网格，均衡负荷
    TARGET = "target"  # 按目标户数重划
    COUNT = "count"  # 按网格数重划


class Kept(StrEnum):
    """Why a parent is left exactly as it is."""

    DEDICATED = "dedicated"
    LOCKED = "locked"
    UNSTAFFED = "unstaffed"

    def words(self) -> Words:
        return {
            Kept.DEDICATED: Words("专属网格", "dedicated grid"),
            Kept.LOCKED: Words("已锁定", "locked"),
            Kept.UNSTAFFED: Words("没有网格员，不接收住户", "no worker, receives no households"),
        }[self]


@dataclass(frozen=True)
class BalanceRequest:
    """What the planner asked for, in their words."""

    scope: str
    tier: Level = Level.GRID
    mode: Mode = Mode.KEEP
    target: float | None = None
    count: int | None = None
    min_change: bool = False
    tolerance: float | None = None
    locked: tuple[str, ...] = ()
    vacancies: tuple[str, ...] = ()  # grid codes, or ("all",)
    seed: int = 0
    restarts: int = 16


@dataclass
class GroupJob:
    """One group's solver inputs, resolved."""

    group: PlanGroup
    parents: list[int]  # today's parents being regrouped (part k = parents[k] when keeping)
    continuing: list[int]  # redesign with minimal change: today's parents that parts continue
    kept: dict[int, Kept]
    vacancies: list[int]
    children: np.ndarray  # positions into PlanModel.children
    parts: int | list[float]  # number of one-worker parts, or one capacity per kept part
    existing: np.ndarray | None  # local label per child (-1: none)
    tolerance: float
    tolerance_source: str  # "asked" | "default" | "sizing_band"
    target: float  # the planner's target per capacity unit (for the report)
    even_load: float
    redesign: bool
    staffing: StaffingNeed | None
    notes: list[Words] = field(default_factory=list)

    @property
    def part_count(self) -> int:
        return self.parts if isinstance(self.parts, int) else len(self.parts)


@dataclass
class ResolvedBalance:
    """Everything the balancer runs on, for every group of the scope."""

    model: PlanModel
    request: BalanceRequest
    jobs: list[GroupJob]
    skipped: list[tuple[PlanGroup, Words]]


def resolve(model: PlanModel, request: BalanceRequest) -> ResolvedBalance:
    """Validate ``request`` against ``model`` and build every group's solver inputs."""
    _check_numbers(request, model.tier)
    locked = _parents_named(model, request.locked, Words("锁定", "locked"))
    vacancies = _vacancies(model, request)
    jobs: list[GroupJob] = []
    skipped: list[tuple[PlanGroup, Words]] = []
    for group in model.groups:
        job = _job(model, request, group, locked, vacancies)
        if isinstance(job, Words):
            skipped.append((group, job))
        else:
            jobs.append(job)
    if not jobs:
        scope = model.project.nodes.loc[model.scope]
        where = node_words(scope["name"], scope["code"])
        reason = skipped[0][1] if skipped else Words("其中没有可调整的对象", "nothing in it")
        raise PlannerError(
            Words(
                f"{where.zh}内没有可以重新平衡的{model.tier.zh}：{reason.zh}",
                f"nothing to rebalance in {where.en}: {reason.en}",
            )
        )
    if request.mode is Mode.COUNT:
        most = max(len(j.children) for j in jobs)
        if request.count is not None and request.count > most:
            raise PlannerError(
                Words(
                    f"{model.tier.zh}数 {request.count} 超出范围：每组最多只有 {most} 个"
                    f"{_child_word(model.tier).zh}，有效范围 1–{most}",
                    f"{request.count} {model.tier.en.lower()}s is out of range: no group has "
                    f"more than {most} {_child_word(model.tier).en}s (valid: 1–{most})",
                )
            )
    return ResolvedBalance(model, request, jobs, skipped)


def grids_for_target(households: float, target: float) -> int:
    """How many one-worker grids a redesign with ``target`` households per worker makes:
    ``round(households / target)``, at least one (the one rule, for projects and layers)."""
    return max(1, round(households / target)) if households > 0 and target > 0 else 1


def codes_in(text: str) -> tuple[str, ...]:
    """Codes as a planner types them: separated by commas (also 、 and ，) or spaces."""
    return tuple(c for c in re.split(r"[,，、;；\s]+", str(text or "")) if c)


def default_target(model: PlanModel, group: PlanGroup) -> float:
    """The target the planner sees by default: the scope's configured households per worker
    (the grid tier), or today's mean households per comprehensive grid (upper tier)."""
    if model.tier is Level.GRID:
        return float(group.sizing.target)
    positions = model.children_of(group.parents)
    return float(model.weights[positions].sum()) / max(len(group.parents), 1)


def sizing_tolerance(even_load: float, band_min: float, band_max: float) -> float | None:
    """The widest symmetric band around ``even_load`` inside ``band_min``–``band_max``
    (None when the even load itself lies outside: regrouping can't fix that)."""
    if not math.isfinite(even_load) or not band_min < even_load < band_max:
        return None
    return round(min(1 - band_min / even_load, band_max / even_load - 1), 4)


# -- one group ------------------------------------------------------------------------
def _job(
    model: PlanModel,
    request: BalanceRequest,
    group: PlanGroup,
    locked: set[int],
    vacancies: set[int],
) -> GroupJob | Words:
    redesign = request.mode is not Mode.KEEP
    kept: dict[int, Kept] = {}
    for p in group.parents:
        parent = model.parents[p]
        if parent.dedicated:
            kept[p] = Kept.DEDICATED
        elif p in locked:
            kept[p] = Kept.LOCKED
        elif parent.unstaffed and not redesign and p not in vacancies:
            kept[p] = Kept.UNSTAFFED
    parents = [p for p in group.parents if p not in kept]
    if not parents:
        return Words(
            f"没有可调整的{model.tier.zh}（均为专属、锁定或没有网格员）",
            f"no {model.tier.en.lower()} can change (all dedicated, locked or without a worker)",
        )
    if model.tier is Level.COMPREHENSIVE_GRID and not redesign and len(parents) < 2:
        return Words("只有一个可调整的综合网格", "only one comprehensive grid can change")
    children = model.children_of(parents)
    if len(children) == 0:
        return Words(f"{model.tier.zh}中没有网格单元", f"its {model.tier.en.lower()}s are empty")
    households = float(model.weights[children].sum())
    local = {p: k for k, p in enumerate(parents)}
    labels = model.labels[children]
    notes: list[Words] = []
    continuing: list[int] = []
    target = default_target(model, group) if request.target is None else float(request.target)
    if not redesign:
        capacities = [
            model.parents[p].capacity if model.parents[p].capacity > 0 else 1.0 for p in parents
        ]
        parts: int | list[float] = capacities
        existing: np.ndarray | None = np.array([local[int(q)] for q in labels], dtype=np.int64)
        capacity = float(sum(capacities))
    else:
        if request.mode is Mode.TARGET:
            count = grids_for_target(households, target)
        else:
            assert request.count is not None
            count = int(request.count)
        if count > len(children):
            notes.append(
                Words(
                    f"只有 {len(children)} 个{_child_word(model.tier).zh}，"
                    f"最多划分 {len(children)} 个{model.tier.zh}（要求 {count} 个）",
                    f"only {len(children)} {_child_word(model.tier).en}s: at most "
                    f"{len(children)} {model.tier.en.lower()}s (asked for {count})",
                )
            )
            count = len(children)
        parts = count
        capacity = float(count)
        existing = None
        if request.min_change:
            continuing = _continuing(model, parents, children, count)
            keep = {p: k for k, p in enumerate(continuing)}
            existing = np.array([keep.get(int(q), -1) for q in labels], dtype=np.int64)
    even = households / capacity if capacity > 0 else math.nan
    tolerance, source = _tolerance(model, request, group, even, notes)
    staffing = (
        _staffing(model, group, parents, kept, children) if model.tier is Level.GRID else None
    )
    return GroupJob(
        group=group,
        parents=parents,
        continuing=continuing,
        kept=kept,
        vacancies=[p for p in parents if p in vacancies],
        children=children,
        parts=parts,
        existing=existing,
        tolerance=tolerance,
        tolerance_source=source,
        target=target,
        even_load=even,
        redesign=redesign,
        staffing=staffing,
        notes=notes,
    )


def _continuing(
    model: PlanModel, parents: list[int], children: np.ndarray, count: int
) -> list[int]:
    """The grids a minimal-change redesign into ``count`` grids continues: all of them when
    there are enough parts, else the ``count`` holding most households (moving the fewest)."""
    if count >= len(parents):
        return list(parents)
    load = {p: 0.0 for p in parents}
    for position in children.tolist():
        load[int(model.labels[position])] += float(model.weights[position])
    ranked = sorted(parents, key=lambda p: (-load[p], model.parents[p].code))
    chosen = set(ranked[:count])
    return [p for p in parents if p in chosen]


def _tolerance(
    model: PlanModel, request: BalanceRequest, group: PlanGroup, even: float, notes: list[Words]
) -> tuple[float, str]:
    if request.tolerance is not None:
        return float(request.tolerance), "asked"
    if not request.min_change or model.tier is not Level.GRID:
        return BALANCE_TOLERANCE, "default"
    sizing = group.sizing
    band = sizing_tolerance(even, sizing.band_min, sizing.band_max)
    if band is None:
        notes.append(
            Words(
                f"平均每名网格员 {even:.0f} 户，超出 {sizing.band_min:.0f}–{sizing.band_max:.0f} "
                f"户/人：调整网格无法解决，需要调整人员；按 ±{BALANCE_TOLERANCE:.0%} 均衡",
                f"{even:.0f} households per worker on average, outside the band "
                f"{sizing.band_min:.0f}–{sizing.band_max:.0f}: regrouping can't fix that, it "
                f"needs staff; balanced to ±{BALANCE_TOLERANCE:.0%}",
            )
        )
        return BALANCE_TOLERANCE, "default"
    return band, "sizing_band"


def _staffing(
    model: PlanModel, group: PlanGroup, parents: list[int], kept: dict[int, Kept],
    children: np.ndarray,
) -> StaffingNeed:  # fmt: skip
    """Workers the group needs as planned: the regrouped grids share their households;
    a grid kept without a worker needs its own."""
    sizing = group.sizing
    households = float(model.weights[children].sum())
    workers = sum(model.parents[p].capacity for p in parents)
    need = staffing_need(households, workers, sizing)
    for_band, for_target = need.for_band, need.for_target
    total_h, total_w = households, workers
    for p, why in kept.items():
        h = float(model.weights[model.children_of([p])].sum())
        total_h += h
        total_w += model.parents[p].capacity
        if why is Kept.UNSTAFFED and h > 0:
            alone = staffing_need(h, 0.0, sizing)
            for_band += alone.for_band
            for_target += alone.for_target
    return StaffingNeed(total_h, total_w, for_band, for_target, need.surplus)


# -- validation -----------------------------------------------------------------------
def _check_numbers(request: BalanceRequest, tier: Level) -> None:
    target = request.target
    if (
        request.mode is Mode.TARGET
        and target is not None
        and not (isinstance(target, int | float) and math.isfinite(target) and target > 0)
    ):
        raise PlannerError(
            Words(
                f"目标户数必须是大于 0 的有限数字（填写的是 {target}）",
                f"the target must be a finite number of households above 0 (got {target})",
            )
        )
    if request.mode is Mode.COUNT:
        count = request.count
        if count is None or isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise PlannerError(
                Words(
                    f"{tier.zh}数必须是不小于 1 的整数（填写的是 {count}）",
                    f"the number of {tier.en.lower()}s must be a whole number ≥ 1 (got {count})",
                )
            )
    tolerance = request.tolerance
    if tolerance is not None and not (
        isinstance(tolerance, int | float) and math.isfinite(tolerance) and 0 <= tolerance < 1
    ):
        raise PlannerError(
            Words(
                f"允许偏差必须在 0 到 100% 之间（填写的是 {tolerance}）",
                f"the tolerance must lie between 0 and 100% (got {tolerance})",
            )
        )
    if tier is not Level.GRID and request.vacancies:
        raise PlannerError(
            Words("空缺岗位只用于重新划分网格", "vacancies apply when regrouping grids only")
        )


def _parents_named(model: PlanModel, codes: Sequence[str], what: Words) -> set[int]:
    by_code = {p.code: p.id for p in model.parents.values()}
    out: set[int] = set()
    for code in codes:
        code = str(code).strip()
        if code not in by_code:
            raise PlannerError(
                Words(
                    f"{what.zh}的{model.tier.zh} {code} 不在所选范围内",
                    f"the {what.en} {model.tier.en.lower()} {code} is not in the chosen area",
                )
            )
        out.add(by_code[code])
    return out


def _vacancies(model: PlanModel, request: BalanceRequest) -> set[int]:
    codes = [c for c in request.vacancies if c != ALL_VACANCIES]
    chosen = _parents_named(model, codes, Words("空缺岗位", "vacancy"))
    for p in chosen:
        parent = model.parents[p]
        if not parent.unstaffed:
            raise PlannerError(
                Words(
                    f"{parent.words().zh}已有网格员（或是专属网格），不是空缺岗位",
                    f"{parent.words().en} already has a worker (or is dedicated): not a vacancy",
                )
            )
    if ALL_VACANCIES in request.vacancies:
        chosen |= {p.id for p in model.parents.values() if p.unstaffed}
    return chosen


def _child_word(tier: Level) -> Words:
    child = tier.child
    assert child is not None
    return Words(child.zh, child.en.lower())
