"""A draft of an edit: reads the plan through pending changes, then becomes an Edit.

Operations never touch the project: they write into a :class:`Draft`, which
records the value every touched cell will have, allocates ids from the project's
counter without advancing it, retires codes, re-dissolves the outlines of the
parents whose members or shapes changed, and finally freezes into an
:class:`~gridplanner.editing.edit.Edit` with the exact values before and after.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gridplanner.codes import CodeScheme, number_in_reading_order
from gridplanner.editing.edit import Cells, Edit, EditError
from gridplanner.editing.geo import same_shape
from gridplanner.editing.warnings import collect_warnings
from gridplanner.levels import Level, NodeKind
from gridplanner.model import NODE_COLUMNS, Project
from gridplanner.settings import Settings

_MISSING = object()
_LOOKUPS_BEFORE_TABLE = 64  # pandas .at per read until then, a dict per column after


def as_id(value: Any) -> int | None:
    """An int id, or None for a missing parent / unit / grid."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return int(value)


def same_value(a: Any, b: Any) -> bool:
    """Cell equality that treats every kind of missing value as equal."""
    if isinstance(a, BaseGeometry) or isinstance(b, BaseGeometry):
        if a is None or b is None:
            return a is b
        return a is b or bool(a.equals_exact(b, 0.0))
    a_na = a is None or (not isinstance(a, str) and bool(pd.isna(a)))
    b_na = b is None or (not isinstance(b, str) and bool(pd.isna(b)))
    if a_na or b_na:
        return a_na and b_na
    return bool(a == b)


class Draft:
    """Pending changes over ``project``; ``finish()`` turns them into an Edit."""

    def __init__(self, project: Project, label: str) -> None:
        self.project = project
        self.label = label
        self.scheme: CodeScheme = project.settings.code_scheme
        self.next_id = project.next_id
        self._nodes: dict[str, dict[int, Any]] = {}
        self._buildings: dict[str, dict[int, Any]] = {}
        self._workers: dict[str, dict[int, Any]] = {}
        self._added: dict[int, dict[str, Any]] = {}
        self._added_kids: dict[int | None, list[int]] = {}  # parent -> added nodes (by id)
        self._removed: set[int] = set()
        self._retired: dict[str, int] = {}
        self._dirty: set[int] = set()
        self.touched_grids: set[int] = set()
        self.touched_units: set[int] = set()
        self.staffed_grids: set[int] = set()
        self._kids: dict[int, list[int]] = {}
        self._moved_into: dict[int, dict[int, None]] = {}  # parent -> nodes given it (ordered)
        self._lookups: dict[str, int] = {}
        self._column_tables: dict[str, dict[int, Any]] = {}
        self._settings: Settings | None = None
        self.merge_key: str | None = None

    # -- reading ---------------------------------------------------------------------
    def exists(self, node_id: int) -> bool:
        """True for a node of the plan after the pending changes."""
        if node_id in self._added:
            return True
        return node_id in self.project.nodes.index and node_id not in self._removed

    def get(self, node_id: int, column: str) -> Any:
        """A node's value after the pending changes."""
        if node_id in self._added:
            return self._added[node_id][column]
        pending = self._nodes.get(column, {}).get(node_id, _MISSING)
        if pending is not _MISSING:
            return pending
        table = self._column_tables.get(column)
        if table is None:  # a few lookups go to pandas; a big edit (a balance) gets a dict
            self._lookups[column] = reads = self._lookups.get(column, 0) + 1
            if reads > _LOOKUPS_BEFORE_TABLE:
                nodes = self.project.nodes
                values = nodes[column].array
                table = self._column_tables[column] = dict(
                    zip(nodes.index.tolist(), values, strict=True)
                )
        if table is not None:
            try:
                return table[node_id]
            except KeyError:
                raise EditError(f"no node with id {node_id}") from None
        try:
            return self.project.nodes.at[node_id, column]
        except KeyError:
            raise EditError(f"no node with id {node_id}") from None

    def level(self, node_id: int) -> Level:
        """The node's level."""
        return Level(self.get(node_id, "level"))

    def code(self, node_id: int) -> str:
        """The node's code after the pending changes."""
        return str(self.get(node_id, "code"))

    def named(self, node_id: int) -> str:
        """The node as planners name it: ``名称（编码）`` (name first, code second)."""
        return f"{self.get(node_id, 'name')}（{self.code(node_id)}）"

    def parent(self, node_id: int) -> int | None:
        """The node's parent after the pending changes."""
        return as_id(self.get(node_id, "parent_id"))

    def geometry(self, node_id: int) -> BaseGeometry | None:
        """The node's geometry after the pending changes."""
        geom = self.get(node_id, "geometry")
        return geom if isinstance(geom, BaseGeometry) else None

    def ancestors(self, node_id: int) -> list[int]:
        """Ids from the root down to ``node_id`` after the pending changes."""
        chain = [node_id]
        parent = self.parent(node_id)
        while parent is not None:
            chain.append(parent)
            parent = self.parent(parent)
        return chain[::-1]

    def ancestor_at(self, node_id: int, level: Level) -> int | None:
        """The ancestor of ``node_id`` at ``level`` (itself if it is at that level)."""
        for node in self.ancestors(node_id):
            if self.level(node) is level:
                return node
        return None

    def children(self, parent_id: int) -> list[int]:
        """The parent's children after the pending changes (the plan's order first)."""
        if parent_id not in self._kids:
            nodes = self.project.nodes
            self._kids[parent_id] = nodes.index[nodes["parent_id"] == parent_id].tolist()
        base = self._kids[parent_id]
        out = [i for i in base if i not in self._removed and self.parent(i) == parent_id]
        seen = set(base)
        for node_id in self._moved_into.get(parent_id, {}):
            if node_id not in seen and node_id not in self._removed:
                out.append(node_id)
        out.extend(sorted(self._added_kids.get(parent_id, ())))  # creation order
        return out

    def retired_codes(self) -> set[str]:
        """Codes retired in the plan or by this draft."""
        return set(self.project.retired_codes) | set(self._retired)

    def workers_of(self, grid_id: int) -> list[int]:
        """Workers of a grid after the pending changes."""
        workers = self.project.workers
        pending = self._workers.get("grid_id", {})
        base = [int(w) for w in workers.index[workers["grid_id"] == grid_id] if w not in pending]
        return base + [w for w, g in pending.items() if as_id(g) == grid_id]

    def buildings_of(self, unit_id: int) -> list[int]:
        """Buildings of a unit after the pending changes."""
        buildings = self.project.buildings
        pending = self._buildings.get("unit_id", {})
        base = buildings.index[buildings["unit_id"] == unit_id]
        return [int(b) for b in base if b not in pending] + [
            b for b, u in pending.items() if as_id(u) == unit_id
        ]

    def pending_buildings(self) -> dict[int, int | None]:
        """Building id -> the unit it is being assigned to."""
        return {b: as_id(u) for b, u in self._buildings.get("unit_id", {}).items()}

    # -- writing ---------------------------------------------------------------------
    def set(self, node_id: int, column: str, value: Any) -> None:
        """Set a node's value."""
        if node_id in self._added:
            if column == "parent_id":
                self._added_kids[as_id(self._added[node_id]["parent_id"])].remove(node_id)
                self._added_kids.setdefault(as_id(value), []).append(node_id)
            self._added[node_id][column] = value
        else:
            if column == "parent_id":  # keep children() an index lookup, not a scan
                pending = self._nodes.get("parent_id", {})
                old_parent = as_id(pending[node_id]) if node_id in pending else None
                new_parent = as_id(value)
                if old_parent != new_parent:
                    if old_parent is not None:
                        self._moved_into.get(old_parent, {}).pop(node_id, None)
                    if new_parent is not None:
                        self._moved_into.setdefault(new_parent, {})[node_id] = None
            self._nodes.setdefault(column, {})[node_id] = value
        if column == "geometry":
            parent = self.parent(node_id)
            if parent is not None:
                self._dirty.add(parent)
        self._note(node_id)

    def set_building_unit(self, building_id: int, unit_id: int | None) -> None:
        """Assign a building to a unit (None: to no unit)."""
        self._buildings.setdefault("unit_id", {})[building_id] = unit_id

    def set_worker_grid(self, worker_id: int, grid_id: int | None) -> None:
        """Assign a worker to a grid (None: to no grid)."""
        old = as_id(self.project.workers.at[worker_id, "grid_id"])
        self._workers.setdefault("grid_id", {})[worker_id] = grid_id
        self.staffed_grids.update(g for g in (old, grid_id) if g is not None)

    def set_worker_value(self, worker_id: int, column: str, value: Any) -> None:
        """Set a worker's field (e.g. ``capacity``; use :meth:`set_worker_grid` for the grid)."""
        if int(worker_id) not in self.project.workers.index:
            raise EditError(f"no worker with id {worker_id}")
        self._workers.setdefault(column, {})[int(worker_id)] = value

    def set_settings(self, settings: Settings) -> None:
        """Replace the plan's settings (e.g. a scope's own sizing)."""
        self._settings = settings

    def retire(self, code: str, node_id: int) -> None:
        """Record that ``code`` named ``node_id`` and is never reused."""
        if node_id not in self._added:
            self._retired[code] = node_id

    def new_node(
        self,
        level: Level,
        code: str,
        name: str,
        parent_id: int,
        geometry: BaseGeometry | None,
        kind: str = NodeKind.ORDINARY.value,
        dedicated_type: Any = None,
        urban_rural_code: Any = None,
    ) -> int:
        """A new node (its id is taken from the plan's counter when the edit applies)."""
        node_id = self.next_id
        self.next_id += 1
        self._added[node_id] = {
            "code": code,
            "name": name,
            "level": level.value,
            "parent_id": parent_id,
            "kind": kind,
            "dedicated_type": dedicated_type,
            "urban_rural_code": urban_rural_code,
            "geometry": geometry,
        }
        self._added_kids.setdefault(as_id(parent_id), []).append(node_id)
        self._dirty.add(parent_id)
        self._note(node_id)
        return node_id

    def remove_node(self, node_id: int) -> None:
        """Delete a node (its children must have moved away first)."""
        parent = self.parent(node_id)
        if node_id in self._added:
            self._added_kids[as_id(self._added[node_id]["parent_id"])].remove(node_id)
            del self._added[node_id]
        else:
            self._removed.add(node_id)
        if parent is not None:
            self._dirty.add(parent)
        self.touched_grids.discard(node_id)
        self.touched_units.discard(node_id)

    def _note(self, node_id: int) -> None:
        level = self.level(node_id)
        if level is Level.GRID:
            self.touched_grids.add(node_id)
        elif level is Level.GRID_UNIT:
            self.touched_units.add(node_id)

    # -- hierarchy changes -------------------------------------------------------------
    def reparent(self, child_ids: list[int], new_parent: int) -> list[tuple[int, str, str]]:
        """Move nodes under ``new_parent``: new codes in reading order, old codes retired.

        Ids stay; every descendant's code follows its ancestor's new prefix (the
        descendant's own old code is retired too). Returns (id, old, new) codes.
        """
        moving = [c for c in child_ids if self.parent(c) != new_parent]
        if not moving:
            return []
        level = self.level(moving[0])
        moving_set = set(moving)
        staying = [self.code(c) for c in self.children(new_parent) if c not in moving_set]
        geoms = [self.geometry(c) for c in moving]
        fresh = number_in_reading_order(
            self.scheme,
            self.code(new_parent),
            level,
            geoms,
            staying,
            self.retired_codes(),
            [self.get(c, "kind") for c in moving],
            self.project.measuring_crs(),
        )
        recoded: list[tuple[int, str, str]] = []
        for index in sorted(range(len(moving)), key=fresh.__getitem__):  # reading order
            node = moving[index]
            old_parent = self.parent(node)
            recoded.extend(self.recode(node, fresh[index]))
            self.set(node, "parent_id", new_parent)
            self._dirty.add(new_parent)
            if old_parent is not None:
                self._dirty.add(old_parent)
                self._note_parent(old_parent)
            self._note_parent(new_parent)
        return recoded

    def _note_parent(self, node_id: int) -> None:
        if self.exists(node_id):
            self._note(node_id)

    def recode(self, node_id: int, new_code: str) -> list[tuple[int, str, str]]:
        """Give a node a new code and its descendants the matching prefix."""
        old = self.code(node_id)
        if old == new_code:
            return []
        self.retire(old, node_id)
        self.set(node_id, "code", new_code)
        out = [(node_id, old, new_code)]
        kids = self.children(node_id)
        if kids:
            retired = self.retired_codes()
            taken = {self.code(k) for k in kids}
            level = self.level(kids[0])
            for kid in kids:
                code = new_code + self.code(kid)[len(old) :]
                if code in retired:
                    code = self.scheme.free_codes(new_code, level, 1, taken, retired)[0]
                taken.add(code)
                out.extend(self.recode(kid, code))
        return out

    def free_code(self, parent_id: int, level: Level) -> str:
        """The lowest code under ``parent_id`` that is neither used nor retired."""
        used = [self.code(c) for c in self.children(parent_id)]
        return self.scheme.next_free_code(self.code(parent_id), level, used, self.retired_codes())

    def mark_dirty(self, node_id: int) -> None:
        """Re-dissolve this node's outline from its children when finishing."""
        self._dirty.add(node_id)

    def redissolve(self) -> None:
        """Outlines of changed parents from their children, upwards while they change."""
        pending = set(self._dirty)
        self._dirty = set()
        while pending:
            pending = {n for n in pending if self.exists(n)}
            if not pending:
                break
            depth = max(self.level(n).depth for n in pending)
            layer = [n for n in pending if self.level(n).depth == depth]
            pending.difference_update(layer)
            for node in layer:
                geoms = [
                    g for g in (self.geometry(k) for k in self.children(node)) if g is not None
                ]
                shape = shapely.union_all(geoms) if geoms else None
                if shape is not None and shape.is_empty:
                    shape = None
                if not same_shape(self.geometry(node), shape):
                    self.set(node, "geometry", shape)  # marks the parent dirty
                self._note(node)
            pending |= self._dirty
            self._dirty = set()

    # -- freezing ----------------------------------------------------------------------
    def finish(self, redissolve: bool = True) -> Edit:
        """Re-dissolve (unless told not to: the changes are exactly the cells set), then
        freeze the draft into an Edit with exact before values."""
        if redissolve:
            self.redissolve()
        project = self.project
        nodes_cells = _cells(project.nodes, self._nodes, skip=self._removed)
        building_cells = _cells(project.buildings, self._buildings)
        worker_cells = _cells(project.workers, self._workers)
        added = self._added_frame() if self._added else None
        removed = None
        positions: tuple[int, ...] = ()
        if self._removed:
            pos = np.sort(project.nodes.index.get_indexer(sorted(self._removed)))
            removed = project.nodes.iloc[pos]
            positions = tuple(int(p) for p in pos)
        moved = building_cells.get("unit_id")
        weights: dict[int, tuple[int, int]] = {}
        if moved is not None:
            rows = project.buildings.loc[list(moved.ids), ["households", "population"]]
            weights = {int(i): (int(h), int(p)) for i, h, p in rows.itertuples()}
        staff = worker_cells.get("grid_id")
        capacity: dict[int, float] = {}
        if staff is not None:
            caps = project.workers.loc[list(staff.ids), "capacity"]
            capacity = {int(i): float(c) for i, c in caps.items()}
        return Edit(
            label=self.label,
            nodes=nodes_cells,
            buildings=building_cells,
            workers=worker_cells,
            added=added,
            removed=removed,
            removed_positions=positions,
            retired={c: i for c, i in self._retired.items() if c not in project.retired_codes},
            next_id=(project.next_id, self.next_id),
            building_weights=weights,
            worker_capacity=capacity,
            warnings=tuple(collect_warnings(self)),
            settings=None
            if self._settings is None or self._settings == project.settings
            else (project.settings, self._settings),
            merge_key=self.merge_key,
        )

    def _added_frame(self) -> gpd.GeoDataFrame:
        nodes = self.project.nodes
        ids = list(self._added)
        columns = [c for c in NODE_COLUMNS if c in nodes.columns]
        data = {c: [self._added[i][c] for i in ids] for c in columns}
        frame = pd.DataFrame(
            data, index=pd.Index(ids, dtype=nodes.index.dtype, name=nodes.index.name)
        )
        for column in columns:
            frame[column] = frame[column].astype(nodes[column].dtype)
        geoms = gpd.GeoSeries(
            [self._added[i]["geometry"] for i in ids], index=frame.index, crs=nodes.crs
        )
        out = gpd.GeoDataFrame(frame, geometry=geoms.rename(nodes.geometry.name), crs=nodes.crs)
        return out[list(nodes.columns)]


def _cells(
    frame: pd.DataFrame, pending: dict[str, dict[int, Any]], skip: set[int] | None = None
) -> dict[str, Cells]:
    out: dict[str, Cells] = {}
    for column, values in pending.items():
        ids, before, after = [], [], []
        olds: dict[int, Any] | None = None
        if len(values) > _LOOKUPS_BEFORE_TABLE:  # one lookup for many rows (a whole county)
            rows = [r for r in values if not (skip and r in skip)]
            at = frame.index.get_indexer(rows)
            if (at < 0).any():
                raise EditError(f"no row with id {rows[int(np.argmax(at < 0))]}")
            olds = dict(zip(rows, frame[column].array[at], strict=True))
        for row_id, value in values.items():
            if skip and row_id in skip:
                continue
            old = olds[row_id] if olds is not None else frame.at[row_id, column]
            if same_value(old, value):
                continue
            ids.append(int(row_id))
            before.append(old)
            after.append(value)
        if ids:
            out[column] = Cells(tuple(ids), tuple(before), tuple(after))
    return out
