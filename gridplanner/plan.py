"""The plan model: one regrouping level of a scope as data (GerryChain's ``Partition`` in
the planners' words).

On the grid tier the children are grid units and the parents grids, regrouped inside
each comprehensive grid; on the comprehensive-grid tier the children are grids and the
parents comprehensive grids, regrouped inside each community. The model holds, once:

* the children, their households, and their parents as labels;
* every parent's capacity — its workers, a part-time worker as a fraction (the grid
  tier), or its one grid leader (the comprehensive-grid tier) — whether it is a
  dedicated grid (专属网格), and the sizing of its scope (target and band);
* the groups (comprehensive grids or communities) that parts never leave;
* the unit graph, built once in metres on first use.

It answers the named tallies (households, workers, households per worker, deviation,
in band — through the one rule in :mod:`gridplanner.staffing`) for today's assignment or
any other, and :meth:`PlanModel.flip` turns ``{child: parent}`` into one reversible
:class:`~gridplanner.editing.Edit` through the editing core's Draft.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import shapely

from gridplanner.algorithms import UnitGraph, build_adjacency
from gridplanner.codes import reading_order_of
from gridplanner.editing.draft import Draft, as_id
from gridplanner.editing.edit import Edit
from gridplanner.errors import ModelError, PlannerError, Words
from gridplanner.levels import LEVELS, Level, NodeKind
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups
from gridplanner.settings import Sizing
from gridplanner.staffing import load_figures

#: The tiers a plan can be regrouped on: the level of the parents being redrawn.
TIERS = (Level.GRID, Level.COMPREHENSIVE_GRID)

TALLY_COLUMNS = [
    "households",
    "workers",
    "worker_count",
    "households_per_worker",
    "target",
    "band_min",
    "band_max",
    "deviation",
    "in_band",
]


def node_words(name: object, code: object) -> Words:
    """A node as planners name it: its name first, its code second."""
    return Words(f"{name}（{code}）", f"{name} ({code})")


@dataclass(frozen=True)
class Parent:
    """A grid (or comprehensive grid) that children are regrouped into."""

    id: int
    code: str
    name: str
    group: int
    capacity: float  # workers (part-time as a fraction); 1 grid leader on the upper tier
    worker_count: int
    dedicated: bool
    sizing: Sizing | None  # the scope's households-per-worker sizing (grid tier)

    @property
    def unstaffed(self) -> bool:
        """An ordinary grid with no worker."""
        return self.capacity <= 0 and not self.dedicated

    def words(self) -> Words:
        return node_words(self.name, self.code)


@dataclass(frozen=True)
class PlanGroup:
    """A comprehensive grid (grid tier) or community (upper tier): parts stay inside it."""

    id: int
    code: str
    name: str
    parents: tuple[int, ...]  # in code order
    sizing: Sizing

    def words(self) -> Words:
        return node_words(self.name, self.code)


@dataclass(frozen=True)
class NewParent:
    """A parent :meth:`PlanModel.flip` creates: ``key`` (negative) stands for it in moves."""

    key: int
    group: int
    name: str | None = None


class PlanModel:
    """One regrouping level of one scope; see the module docstring."""

    def __init__(
        self,
        project: Project,
        tier: Level,
        scope: int,
        groups: Sequence[PlanGroup],
        parents: Mapping[int, Parent],
        children: np.ndarray,
        weights: np.ndarray,
        labels: np.ndarray,
    ) -> None:
        self.project = project
        self.tier = tier
        self.scope = scope
        self.groups = tuple(groups)
        self.parents = dict(parents)
        self.children = np.asarray(children, dtype=np.int64)
        self.weights = np.asarray(weights, dtype=np.float64)
        self.labels = np.asarray(labels, dtype=np.int64)  # parent id per child
        self.position = {int(c): i for i, c in enumerate(self.children.tolist())}

    # -- building ------------------------------------------------------------------
    @classmethod
    def for_scope(
        cls,
        project: Project,
        scope_code: str,
        tier: Level = Level.GRID,
        rollups: pd.DataFrame | None = None,
    ) -> PlanModel:
        """The model of ``tier`` inside the node coded ``scope_code``."""
        if tier not in TIERS:
            raise PlannerError(
                Words(f"不能重新划分{tier.zh}", f"{tier.en.lower()}s cannot be regrouped")
            )
        try:
            scope = project.by_code(str(scope_code).strip())
        except ModelError:
            raise PlannerError(
                Words(f"找不到编码为 {scope_code} 的区域", f"no area has the code {scope_code}")
            ) from None
        group_level = tier.parent
        assert group_level is not None
        found = project.node_level(scope)
        if found.depth > group_level.depth:
            allowed = [lv for lv in LEVELS if lv.depth <= group_level.depth]
            nodes = project.nodes
            words = node_words(nodes.at[scope, "name"], scope_code)
            raise PlannerError(
                Words(
                    f"{words.zh}是{found.zh}，在它之内不能重新划分{tier.zh}；请选择"
                    + "、".join(lv.zh for lv in allowed),
                    f"{words.en} is a {found.en.lower()}: {tier.en.lower()}s can't be "
                    f"regrouped inside it; choose a " + ", ".join(lv.en.lower() for lv in allowed),
                )
            )
        rollups = compute_rollups(project) if rollups is None else rollups
        return cls._build(project, tier, scope, project.descendants_at(scope, group_level), rollups)

    @classmethod
    def _build(
        cls,
        project: Project,
        tier: Level,
        scope: int,
        group_ids: list[int],
        rollups: pd.DataFrame,
    ) -> PlanModel:
        nodes = project.nodes
        codes, names = nodes["code"], nodes["name"]
        wanted = set(group_ids)
        parent_col = nodes["parent_id"]
        at_tier = nodes.index[(nodes["level"] == tier.value) & parent_col.isin(wanted)]
        by_group: dict[int, list[int]] = {g: [] for g in group_ids}
        for node, group in zip(at_tier.tolist(), parent_col.loc[at_tier].tolist(), strict=True):
            by_group[int(group)].append(int(node))
        parents: dict[int, Parent] = {}
        groups: list[PlanGroup] = []
        for group in group_ids:
            members = sorted(by_group[group], key=lambda i: str(codes.at[i]))
            for p in members:
                parents[p] = Parent(
                    id=p,
                    code=str(codes.at[p]),
                    name=str(names.at[p]),
                    group=group,
                    capacity=float(rollups.at[p, "workers"]) if tier is Level.GRID else 1.0,
                    worker_count=int(rollups.at[p, "worker_count"]),
                    dedicated=nodes.at[p, "kind"] == NodeKind.DEDICATED.value,
                    sizing=_sizing(rollups, p) if tier is Level.GRID else None,
                )
            groups.append(
                PlanGroup(group, str(codes.at[group]), str(names.at[group]), tuple(members),
                          _sizing(rollups, group))
            )  # fmt: skip
        kids = nodes.index[parent_col.isin(list(parents))]
        children = np.asarray(kids, dtype=np.int64)
        labels = parent_col.loc[kids].to_numpy(dtype=np.int64)
        weights = rollups.loc[kids, "households"].to_numpy(dtype=np.float64)
        return cls(project, tier, scope, groups, parents, children, weights, labels)

    # -- reading -------------------------------------------------------------------
    @cached_property
    def graph(self) -> UnitGraph:
        """Adjacency of every child, in metres (rivers penalised on the grid tier)."""
        project = self.project
        metric = project.measuring_crs()
        geoms = project.nodes.loc[self.children].geometry.to_crs(metric).to_numpy()
        barriers = None
        if self.tier is Level.GRID:
            lines = project.reference_lines
            rivers = lines[lines["kind"] == "river"]
            if len(rivers):
                barriers = rivers.geometry.to_crs(metric).to_numpy()
        return build_adjacency(geoms, barriers=barriers, barrier_mode="penalise", tolerance=0.5)

    def children_of(self, parents: Sequence[int]) -> np.ndarray:
        """Positions (into :attr:`children`) of the children of ``parents``."""
        return np.flatnonzero(np.isin(self.labels, np.asarray(list(parents), dtype=np.int64)))

    def tallies(self, labels: np.ndarray | None = None) -> pd.DataFrame:
        """The named tallies per parent for ``labels`` (a parent id per child; default:
        today's). On the upper tier the target is the group's even load and every
        comprehensive grid counts one grid leader; there is no configured band."""
        labels = self.labels if labels is None else np.asarray(labels, dtype=np.int64)
        ids = list(self.parents)
        households = pd.Series(self.weights).groupby(labels).sum()
        out = pd.DataFrame(index=pd.Index(ids, dtype="int64", name="id"))
        out["households"] = households.reindex(ids, fill_value=0.0).to_numpy()
        out["workers"] = [self.parents[p].capacity for p in ids]
        out["worker_count"] = [self.parents[p].worker_count for p in ids]
        if self.tier is Level.GRID:
            sizing = [self.parents[p].sizing or Sizing() for p in ids]
            out["target"] = [s.target for s in sizing]
            out["band_min"] = [s.band_min for s in sizing]
            out["band_max"] = [s.band_max for s in sizing]
        else:
            even = out.groupby([self.parents[p].group for p in ids])["households"].transform("mean")
            out["target"] = even.to_numpy()
            out["band_min"], out["band_max"] = 0.0, np.inf
        exempt = [self.parents[p].dedicated for p in ids]
        ratio, deviation, in_band = load_figures(
            out["households"], out["workers"], out["target"], out["band_min"],
            out["band_max"], exempt,
        )  # fmt: skip
        out["households_per_worker"], out["deviation"], out["in_band"] = ratio, deviation, in_band
        return out[TALLY_COLUMNS]

    # -- changing --------------------------------------------------------------------
    def flip(
        self,
        moves: Mapping[int, int],
        label: str,
        *,
        new_parents: Sequence[NewParent] = (),
        workers: Mapping[int, int | None] = {},
        retire: Sequence[int] = (),
    ) -> tuple[Edit, dict[int, int]]:
        """The Edit that moves each child to its parent (a parent id, or a
        :class:`NewParent` key), creates the new parents (codes and names in reading
        order), moves workers (``{worker: parent or key or None}``) and retires the
        parents in ``retire`` once empty (their code is never reused; a worker still in
        one is left without a grid). Returns the Edit and ``{key: new parent id}``."""
        draft = Draft(self.project, label)
        created = self._create(draft, moves, new_parents)
        into: dict[int, list[int]] = {}
        for child, parent in moves.items():
            target = created.get(parent, parent)
            if draft.parent(int(child)) != target:
                into.setdefault(target, []).append(int(child))
        for parent in sorted(into, key=draft.code):
            draft.reparent(into[parent], parent)
        for worker, grid in workers.items():
            target_grid = None if grid is None else created.get(grid, grid)
            if as_id(self.project.workers.at[worker, "grid_id"]) != target_grid:
                draft.set_worker_grid(int(worker), target_grid)
        for parent in retire:
            if draft.exists(parent) and not draft.children(parent):
                for worker in draft.workers_of(parent):
                    draft.set_worker_grid(worker, None)
                draft.retire(draft.code(parent), parent)
                draft.remove_node(parent)
        return draft.finish(), created

    def _create(
        self, draft: Draft, moves: Mapping[int, int], new_parents: Sequence[NewParent]
    ) -> dict[int, int]:
        """New parents in reading order of their children, each with the next free code."""
        if not new_parents:
            return {}
        nodes = self.project.nodes
        members: dict[int, list[object]] = {p.key: [] for p in new_parents}
        for child, parent in moves.items():
            if parent in members:
                members[parent].append(nodes.at[int(child), "geometry"])
        # Each new parent's extent is its children's: numbered by the one reading order.
        outlines = [
            shapely.union_all([g for g in members[p.key] if g is not None]) for p in new_parents
        ]
        created: dict[int, int] = {}
        for index in reading_order_of(outlines, self.project.measuring_crs()).tolist():
            spec = new_parents[index]
            code = draft.free_code(spec.group, self.tier)
            sequence = int(code[len(draft.code(spec.group)) :])
            name = spec.name or f"{draft.get(spec.group, 'name')}新{self.tier.zh}{sequence}"
            created[spec.key] = draft.new_node(self.tier, code, name, spec.group, None)
        return created


def _sizing(rollups: pd.DataFrame, node: int) -> Sizing:
    row = rollups.loc[node]
    return Sizing(float(row["target"]), float(row["band_min"]), float(row["band_max"]))
