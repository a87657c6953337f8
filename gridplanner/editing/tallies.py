"""Live tallies: households, workers, ratio and deviation of every node, updated
incrementally from each Edit in O(changed) (GerryChain's cached tally updaters).

Built once from :func:`~gridplanner.rollups.compute_rollups`; an update touches the
nodes whose own atoms or members changed and their ancestors, recomputing each as
its own atoms plus its children's totals. ``frame()`` returns the same columns as
``compute_rollups`` so a test can check incremental == recompute exactly. (Worker
capacities are exact sums for halves and quarters, as the roster uses; other
fractions could differ from the recompute in the last bit.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gridplanner.editing.draft import as_id
from gridplanner.editing.edit import Edit
from gridplanner.levels import Level, NodeKind
from gridplanner.model import Project
from gridplanner.rollups import ROLLUP_COLUMNS, compute_rollups
from gridplanner.staffing import load_figures, sizing_of_nodes

_INT = ("households", "population", "buildings", "worker_count")


@dataclass(frozen=True)
class Tally:
    """One node's figures."""

    households: int
    population: int
    buildings: int
    workers: float
    worker_count: int
    households_per_worker: float
    target: float
    band_min: float
    band_max: float
    deviation: float
    in_band: bool


class Tallies:
    """Per-node tallies kept in step with the plan by :meth:`update`."""

    def __init__(self, project: Project, rollups: pd.DataFrame | None = None) -> None:
        """From the plan (``rollups``: its :func:`compute_rollups`, when already made)."""
        self._settings = project.settings
        nodes = project.nodes
        ids = [int(i) for i in nodes.index]
        self._level = dict(zip(ids, nodes["level"].tolist(), strict=True))
        self._kind = dict(zip(ids, nodes["kind"].tolist(), strict=True))
        self._code = dict(zip(ids, nodes["code"].tolist(), strict=True))
        parents = nodes["parent_id"].to_numpy(dtype=object, na_value=None)
        self._parent: dict[int, int | None] = {
            i: (None if p is None else int(p)) for i, p in zip(ids, parents.tolist(), strict=True)
        }
        self._children: dict[int, set[int]] = {}
        for node, parent in self._parent.items():
            if parent is not None:
                self._children.setdefault(parent, set()).add(node)
        buildings = project.buildings[project.buildings["unit_id"].notna()]
        sums = buildings.groupby(buildings["unit_id"].astype("int64")).agg(
            households=("households", "sum"),
            population=("population", "sum"),
            n=("households", "size"),
        )
        self._own_atoms: dict[int, list[int]] = {
            int(u): [int(h), int(p), int(n)] for u, h, p, n in sums.itertuples()
        }
        self._own_staff: dict[int, dict[int, float]] = {}
        self._grid_of_worker: dict[int, int] = {}
        workers = project.workers
        for worker, grid, cap in zip(
            workers.index, workers["grid_id"], workers["capacity"], strict=True
        ):
            if as_id(grid) is not None:
                self._own_staff.setdefault(int(grid), {})[int(worker)] = float(cap)
                self._grid_of_worker[int(worker)] = int(grid)
        rollups = compute_rollups(project) if rollups is None else rollups
        self._rows: dict[int, list[float]] = {
            int(i): list(row)
            for i, row in zip(rollups.index, rollups.itertuples(index=False), strict=True)
        }
        self.changed: set[int] = set()

    # -- reading -----------------------------------------------------------------------
    def __getitem__(self, node_id: int) -> Tally:
        r = self._rows[node_id]
        return Tally(
            int(r[0]), int(r[1]), int(r[2]), float(r[3]), int(r[4]), float(r[5]),
            float(r[6]), float(r[7]), float(r[8]), float(r[9]), bool(r[10]),
        )  # fmt: skip

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._rows

    def frame(self, index: Iterable[int] | None = None) -> pd.DataFrame:
        """The tallies as a frame with :data:`ROLLUP_COLUMNS` (ids sorted, or ``index``)."""
        ids = sorted(self._rows) if index is None else [int(i) for i in index]
        out = pd.DataFrame([self._rows[i] for i in ids], columns=ROLLUP_COLUMNS)
        out.index = pd.Index(ids, dtype="int64", name="id")
        for column in _INT:
            out[column] = out[column].astype("int64")
        out["in_band"] = out["in_band"].astype(bool)
        return out

    def write(self, frame: pd.DataFrame, ids: Iterable[int]) -> pd.DataFrame:
        """``frame`` (rollups of the plan before) with the rows of ``ids`` brought up to
        date: rewritten, appended when new, dropped when gone — O(len(ids)), not O(plan)."""
        ids = set(ids)
        frame = frame.copy()  # whoever holds the old frame keeps it (a few ms on a city)
        gone = [i for i in ids if i not in self._rows and i in frame.index]
        if gone:
            frame = frame.drop(index=gone)
        present = sorted(i for i in ids if i in self._rows)
        new = [i for i in present if i not in frame.index]
        old = [i for i in present if i in frame.index]
        if old:
            values = self.frame(old)
            for column in ROLLUP_COLUMNS:
                frame.loc[old, column] = values[column].to_numpy()
        if new:
            frame = pd.concat([frame, self.frame(new)])
        return frame

    def level_frame(self, level: Level) -> pd.DataFrame:
        """The tallies of one level (e.g. every grid for the tally table)."""
        return self.frame(i for i in sorted(self._rows) if self._level[i] == level.value)

    # -- updating ----------------------------------------------------------------------
    def update(self, edit: Edit) -> set[int]:
        """Bring the tallies in step with ``edit`` having been applied; returns (and keeps
        in ``changed``) the ids whose row changed. For an undo pass ``edit.inverse()``."""
        dirty: set[int] = set()
        moved: set[int] = set()
        for node in edit.removed_ids:
            parent = self._parent.pop(node, None)
            if parent is not None:
                self._children.get(parent, set()).discard(node)
                dirty.add(parent)
            for table in (self._level, self._kind, self._code, self._rows):
                table.pop(node, None)  # type: ignore[attr-defined]
        if edit.added is not None:
            parents = edit.added["parent_id"].to_numpy(dtype=object, na_value=None)
            for node, level, kind, code, parent in zip(
                edit.added.index,
                edit.added["level"],
                edit.added["kind"],
                edit.added["code"],
                parents.tolist(),
                strict=True,
            ):
                node = int(node)
                self._level[node], self._kind[node], self._code[node] = level, kind, code
                self._parent[node] = None if parent is None else int(parent)
                if parent is not None:
                    self._children.setdefault(int(parent), set()).add(node)
                self._rows[node] = [0, 0, 0, 0.0, 0, np.nan, np.nan, np.nan, np.nan, np.nan, False]
                dirty.add(node)
                moved.add(node)
        cells = edit.nodes.get("parent_id")
        if cells is not None:
            for node, (old, new) in cells.changes().items():
                old_id, new_id = as_id(old), as_id(new)
                if old_id is not None:
                    self._children.get(old_id, set()).discard(node)
                    dirty.add(old_id)
                if new_id is not None:
                    self._children.setdefault(new_id, set()).add(node)
                    dirty.add(new_id)
                self._parent[node] = new_id
                moved.add(node)
        for column, table in (("code", self._code), ("kind", self._kind), ("level", self._level)):
            cells = edit.nodes.get(column)
            if cells is not None:
                for node, (_, new) in cells.changes().items():
                    table[node] = new  # type: ignore[index]
                    dirty.add(node)
                    if column == "code":
                        moved.add(node)
        cells = edit.buildings.get("unit_id")
        if cells is not None:
            for building, (old, new) in cells.changes().items():
                households, population = edit.building_weights[building]
                for unit, sign in ((as_id(old), -1), (as_id(new), 1)):
                    if unit is not None:
                        own = self._own_atoms.setdefault(unit, [0, 0, 0])
                        own[0] += sign * households
                        own[1] += sign * population
                        own[2] += sign
                        dirty.add(unit)
        cells = edit.workers.get("grid_id")
        if cells is not None:
            for worker, (old, new) in cells.changes().items():
                old_id, new_id = as_id(old), as_id(new)
                if old_id is not None:
                    self._own_staff.get(old_id, {}).pop(worker, None)
                    self._grid_of_worker.pop(worker, None)
                    dirty.add(old_id)
                if new_id is not None:
                    self._own_staff.setdefault(new_id, {})[worker] = edit.worker_capacity[worker]
                    self._grid_of_worker[worker] = new_id
                    dirty.add(new_id)
        cells = edit.workers.get("capacity")
        if cells is not None:
            for worker, (_, new) in cells.changes().items():
                grid = self._grid_of_worker.get(worker)
                if grid is not None:
                    self._own_staff[grid][worker] = float(new)
                    dirty.add(grid)
        if edit.settings is not None:
            self._settings = edit.settings[1]
            moved |= set(self._rows)
            dirty |= set(self._rows)
        self._recompute(dirty, moved)
        return self.changed

    def _recompute(self, dirty: set[int], moved: set[int]) -> None:
        closure: set[int] = set()
        for node in dirty:
            current: int | None = node
            while current is not None and current in self._rows and current not in closure:
                closure.add(current)
                current = self._parent.get(current)
        retarget = self._retarget(moved)
        order = sorted(closure, key=lambda n: -Level(self._level[n]).depth)
        for node in order:
            row = self._rows[node]
            level = self._level[node]
            atoms = self._own_atoms.get(node) if level == Level.GRID_UNIT.value else None
            staff = self._own_staff.get(node) if level == Level.GRID.value else None
            households, population, count = atoms if atoms else (0, 0, 0)
            workers = math.fsum(staff.values()) if staff else 0.0
            worker_count = len(staff) if staff else 0
            for kid in self._children.get(node, ()):
                if kid in self._rows:
                    k = self._rows[kid]
                    households += int(k[0])
                    population += int(k[1])
                    count += int(k[2])
                    workers += k[3]
                    worker_count += int(k[4])
            row[0], row[1], row[2], row[3], row[4] = (
                households,
                population,
                count,
                workers,
                worker_count,
            )
        for node in closure | retarget:
            self._finish_row(node)
        self.changed = closure | retarget

    def _finish_row(self, node: int) -> None:
        row = self._rows[node]
        exempt = self._kind[node] == NodeKind.DEDICATED.value
        row[5], row[9], row[10] = load_figures(row[0], row[3], row[6], row[7], row[8], exempt)

    def _retarget(self, moved: set[int]) -> set[int]:
        """Targets of moved or recoded nodes and everything below them, from their scope."""
        out: set[int] = set()
        stack = [n for n in moved if n in self._rows]
        while stack:
            node = stack.pop()
            if node not in out:
                out.add(node)
                stack.extend(self._children.get(node, ()))
        sizing = sizing_of_nodes(self._settings, out, self._parent, self._code)
        for node, found in sizing.items():
            row = self._rows[node]
            row[6], row[7], row[8] = found.target, found.band_min, found.band_max
        return out
