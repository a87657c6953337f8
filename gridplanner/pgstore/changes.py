"""A change set for the shared store: which rows to update, add and delete, and the
row versions they were planned on.

:func:`diff_checkout` compares a checkout's local plan with the base it was checked
out as (every row of the base carries its row version); :func:`diff_save` compares a
whole plan with what the database holds now, trusting only the rows it had loaded.
Both give a :class:`ChangeSet` that :mod:`gridplanner.pgstore.apply` writes in one
transaction — or refuses whole, naming the rows someone else changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely

from gridplanner.levels import Level
from gridplanner.model import Project, Version
from gridplanner.settings import Settings

#: The entity frames a change set writes, in the order their rows are locked.
KINDS = ("nodes", "building", "worker")
#: Marks a row the change set expects to exist but that its base never had.
NEVER_SEEN = -1


@dataclass
class TableChange:
    """The rows of one table a change set writes or relies on."""

    name: str  # the table: a level, "building" or "worker"
    kind: str  # the frame: nodes, building, worker
    updates: dict[int, tuple[str, ...]] = field(default_factory=dict)  # id -> changed columns
    rows: pd.DataFrame | None = None  # the new values of updated and inserted rows
    inserts: list[int] = field(default_factory=list)
    deletes: list[int] = field(default_factory=list)
    expected: dict[int, int] = field(default_factory=dict)  # written id -> version planned on
    reads: dict[int, int] = field(default_factory=dict)  # id -> version that must still hold

    @property
    def written(self) -> list[int]:
        return sorted(set(self.updates) | set(self.deletes) | set(self.inserts))

    @property
    def is_empty(self) -> bool:
        return not (self.updates or self.inserts or self.deletes)


@dataclass
class ChangeSet:
    """Everything one commit (or one whole-plan save) writes."""

    tables: list[TableChange] = field(default_factory=list)
    retired_add: dict[str, int] = field(default_factory=dict)
    retired_remove: list[str] = field(default_factory=list)
    settings: tuple[Settings, Settings] | None = None  # (planned on, wanted)
    history: list[Version] = field(default_factory=list)
    next_id: int | None = None
    name: str | None = None
    labels: dict[tuple[str, int], str] = field(default_factory=dict)  # (table, id) -> words

    @property
    def is_empty(self) -> bool:
        return (
            all(t.is_empty for t in self.tables)
            and not self.retired_add
            and not self.retired_remove
            and (self.settings is None or self.settings[0] == self.settings[1])
        )

    def row_count(self) -> int:
        """Rows written."""
        return sum(len(t.written) for t in self.tables)

    def node_ids(self) -> set[int]:
        """Every node written (updated, added or deleted)."""
        return {i for t in self.tables if t.kind == "nodes" for i in t.written}

    def label(self, name: str, row_id: int) -> str:
        return self.labels.get((name, row_id), f"{name} {row_id}")


# -- comparing frames ------------------------------------------------------------------
def changed_rows(
    before: pd.DataFrame, after: pd.DataFrame
) -> tuple[dict[int, tuple[str, ...]], list[int], list[int]]:
    """(id -> changed columns, added ids, removed ids) between two frames indexed by id;
    columns only one of them has are not compared."""
    common = before.index.intersection(after.index)
    added = [int(i) for i in after.index.difference(before.index)]
    removed = [int(i) for i in before.index.difference(after.index)]
    columns = [c for c in after.columns if c in before.columns]
    a, b = before.loc[common], after.loc[common]
    geometry = getattr(after, "_geometry_column_name", None)
    flags = np.zeros((len(common), len(columns)), dtype=bool)
    for k, column in enumerate(columns):
        if column == geometry:
            ga = np.asarray(a[column].array, dtype=object)
            gb = np.asarray(b[column].array, dtype=object)
            missing_a, missing_b = shapely.is_missing(ga), shapely.is_missing(gb)
            both = ~missing_a & ~missing_b
            same = missing_a & missing_b
            same[both] = shapely.equals_exact(ga[both], gb[both], tolerance=0.0)
            flags[:, k] = ~same
        else:
            flags[:, k] = ~_same_values(a[column], b[column])
    rows, cols = np.nonzero(flags)
    updates: dict[int, list[str]] = {}
    ids = common.to_numpy()
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        updates.setdefault(int(ids[r]), []).append(columns[c])
    return {i: tuple(c) for i, c in updates.items()}, added, removed


def _same_values(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality where every kind of missing value equals every other."""
    left = a.to_numpy(dtype=object, na_value=None)
    right = b.to_numpy(dtype=object, na_value=None)
    return np.asarray(left == right, dtype=bool)


def _table_of(kind: str, frame: pd.DataFrame, row_id: int) -> str:
    return str(frame.at[row_id, "level"]) if kind == "nodes" else kind


def _split(
    kind: str,
    before: pd.DataFrame,
    after: pd.DataFrame,
    updates: dict[int, tuple[str, ...]],
    added: list[int],
    removed: list[int],
) -> dict[str, TableChange]:
    """One TableChange per table (nodes: per level) holding the rows of ``after``."""
    out: dict[str, TableChange] = {}

    def change(name: str) -> TableChange:
        return out.setdefault(name, TableChange(name=name, kind=kind))

    for row_id, columns in updates.items():
        if kind == "nodes" and "level" in columns:
            raise ValueError(f"node {row_id} changed its level; a node never does")
        change(_table_of(kind, after, row_id)).updates[row_id] = columns
    for row_id in added:
        change(_table_of(kind, after, row_id)).inserts.append(row_id)
    for row_id in removed:
        change(_table_of(kind, before, row_id)).deletes.append(row_id)
    for tc in out.values():
        ids = list(tc.updates) + tc.inserts
        tc.rows = after.loc[ids] if ids else None
    return out


def labels_for(project: Project, ids: Mapping[str, list[int]]) -> dict[tuple[str, int], str]:
    """Words naming rows for messages: ``网格 幸福1-1网格（210283…）``."""
    out: dict[tuple[str, int], str] = {}
    for name, row_ids in ids.items():
        if name == "building":
            frame = project.buildings
            for i in row_ids:
                if i in frame.index:
                    out[(name, i)] = f"楼栋/building {frame.at[i, 'name']}（{i}）"
        elif name == "worker":
            frame = project.workers
            for i in row_ids:
                if i in frame.index:
                    out[(name, i)] = f"网格员/worker {frame.at[i, 'name']}（{i}）"
        else:
            nodes = project.nodes
            level = Level(name)
            for i in row_ids:
                if i in nodes.index:
                    code, node_name = nodes.at[i, "code"], nodes.at[i, "name"]
                    out[(name, i)] = f"{level.zh}/{level.value} {node_name}（{code}）"
    return out


def _changed_since_load(frame: pd.DataFrame, loaded: pd.Series | None) -> set[int]:
    """Ids of rows of ``frame`` that are new or differ from their hash at load."""
    if loaded is None:
        return {int(i) for i in frame.index}
    now = row_hashes(frame)
    then = loaded.reindex(now.index)
    differs = then.isna().to_numpy() | (now.to_numpy() != then.fillna(0).to_numpy(np.uint64))
    return {int(i) for i in now.index[differs]}


def _frames(project: Project) -> dict[str, pd.DataFrame]:
    return {"nodes": project.nodes, "building": project.buildings, "worker": project.workers}


# -- a checkout against its base ---------------------------------------------------------
def diff_checkout(
    base: Project, local: Project, versions: Mapping[str, Mapping[int, int]]
) -> ChangeSet:
    """What the planner changed in a checkout: ``local`` against ``base``, each written
    row expecting the version it had at checkout (``versions[table][id]``). Parents a
    new or moved node hangs under, units a building moved into and grids a worker
    moved to must still be as they were (read set)."""
    cs = ChangeSet()
    tables: dict[str, TableChange] = {}
    for kind, before in _frames(base).items():
        after = _frames(local)[kind]
        updates, added, removed = changed_rows(before, after)
        for name, tc in _split(kind, before, after, updates, added, removed).items():
            known = versions.get(name, {})
            for row_id in list(tc.updates) + tc.deletes:
                tc.expected[row_id] = int(known.get(row_id, NEVER_SEEN))
            tables[name] = tc
    _add_reads(tables, base, local, versions)
    cs.tables = [tables[n] for n in _ordered(tables)]
    cs.retired_add = {c: i for c, i in local.retired_codes.items() if c not in base.retired_codes}
    cs.retired_remove = [c for c in base.retired_codes if c not in local.retired_codes]
    if local.settings != base.settings:
        cs.settings = (base.settings, local.settings)
    if local.history[: len(base.history)] == base.history:
        cs.history = list(local.history[len(base.history) :])
    cs.next_id = None  # new ids come from the checkout's reserved block: the counter is past it
    ids = {t.name: t.written + list(t.reads) for t in cs.tables}
    cs.labels = labels_for(base, ids)
    cs.labels.update({k: v for k, v in labels_for(local, ids).items() if k not in cs.labels})
    return cs


def _add_reads(
    tables: dict[str, TableChange],
    base: Project,
    local: Project,
    versions: Mapping[str, Mapping[int, int]],
) -> None:
    """Rows a change relies on without writing them: they must not have changed."""
    wanted: set[int] = set()
    nodes_after, nodes_before = local.nodes, base.nodes
    for tc in tables.values():
        if tc.kind == "nodes":
            for row_id in tc.inserts:
                wanted.add(_as_int(nodes_after.at[row_id, "parent_id"]))
            for row_id, columns in tc.updates.items():
                if "parent_id" in columns:
                    wanted.add(_as_int(nodes_after.at[row_id, "parent_id"]))
                    wanted.add(_as_int(nodes_before.at[row_id, "parent_id"]))
        elif tc.kind == "building":
            for row_id, columns in tc.updates.items():
                if "unit_id" in columns:
                    wanted.add(_as_int(local.buildings.at[row_id, "unit_id"]))
        elif tc.kind == "worker":
            for row_id, columns in tc.updates.items():
                if "grid_id" in columns:
                    wanted.add(_as_int(local.workers.at[row_id, "grid_id"]))
    written = {i for t in tables.values() if t.kind == "nodes" for i in t.written}
    for node in wanted - written - {-1}:
        if node not in nodes_before.index:
            continue
        name = str(nodes_before.at[node, "level"])
        tc = tables.setdefault(name, TableChange(name=name, kind="nodes"))
        tc.reads[node] = int(versions.get(name, {}).get(node, NEVER_SEEN))


def _as_int(value: Any) -> int:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return -1
    return int(value)


def _ordered(tables: Mapping[str, TableChange]) -> list[str]:
    order = [lv.value for lv in Level] + ["building", "worker"]
    return [n for n in order if n in tables]


# -- a whole plan against the database -----------------------------------------------------
def row_hashes(frame: pd.DataFrame) -> pd.Series:
    """One 64-bit hash per row of ``frame`` (values and exact geometry), by id."""
    geometry = getattr(frame, "_geometry_column_name", None)
    plain = [c for c in frame.columns if c != geometry]
    hashes = pd.util.hash_pandas_object(frame[plain], index=False).to_numpy(dtype=np.uint64)
    if geometry is not None:
        wkb = np.asarray(shapely.to_wkb(np.asarray(frame[geometry].array, dtype=object)))
        shapes = pd.util.hash_array(np.asarray(wkb, dtype=object))
        hashes = hashes * np.uint64(1_000_003) ^ shapes
    return pd.Series(hashes, index=frame.index)


def plan_hashes(project: Project) -> dict[str, pd.Series]:
    """:func:`row_hashes` of the nodes, buildings and workers."""
    return {kind: row_hashes(frame) for kind, frame in _frames(project).items()}


def diff_save(
    current: Project,
    project: Project,
    loaded: Mapping[str, Mapping[int, int]],
    loaded_plan: tuple[Settings, int, frozenset[str], Mapping[str, pd.Series]],
) -> ChangeSet:
    """What saving ``project`` over the database's ``current`` plan writes. A row counts
    as the planner's change when it differs from the row as loaded (its hash then):
    it is written expecting the version it was loaded with, so a row someone changed
    since is refused; rows the planner left alone keep whatever others committed, and
    rows others added since are kept."""
    loaded_settings, loaded_history, loaded_retired, hashes = loaded_plan
    cs = ChangeSet()
    tables: dict[str, TableChange] = {}
    for kind, before in _frames(current).items():
        after = _frames(project)[kind]
        updates, added, removed = changed_rows(before, after)
        mine = _changed_since_load(after, hashes.get(kind))
        updates = {i: c for i, c in updates.items() if i in mine}
        for name, tc in _split(kind, before, after, updates, added, removed).items():
            known = loaded.get(name, {})
            for row_id in tc.updates:
                tc.expected[row_id] = int(known.get(row_id, NEVER_SEEN))
            tc.deletes = [i for i in tc.deletes if i in known]  # others' new rows stay
            for row_id in tc.deletes:
                tc.expected[row_id] = int(known[row_id])
            for row_id in [i for i in tc.inserts if i in known]:  # deleted since it was loaded
                tc.inserts.remove(row_id)
                if row_id in mine:  # ... and changed here: refused (the row is gone)
                    tc.updates[row_id] = ()
                    tc.expected[row_id] = int(known[row_id])
            tables[name] = tc
    cs.tables = [tables[n] for n in _ordered(tables)]
    cs.retired_add = {
        c: i for c, i in project.retired_codes.items() if c not in current.retired_codes
    }
    cs.retired_remove = [
        c for c in loaded_retired if c not in project.retired_codes and c in current.retired_codes
    ]
    if project.settings != loaded_settings:
        cs.settings = (loaded_settings, project.settings)
    cs.history = list(project.history[loaded_history:])
    cs.next_id = project.next_id
    cs.name = project.name
    ids = {t.name: t.written for t in cs.tables}
    cs.labels = labels_for(current, ids)
    cs.labels.update({k: v for k, v in labels_for(project, ids).items() if k not in cs.labels})
    return cs


def merge_settings(
    now: Settings, planned: Settings, wanted: Settings
) -> tuple[Settings, list[str]]:
    """``now`` with what changed from ``planned`` to ``wanted`` (per scope for sizing);
    the names of settings that changed both ways are returned as clashes."""
    from dataclasses import fields, replace

    clashes: list[str] = []
    scopes = dict(now.sizing_by_scope)
    for code in set(planned.sizing_by_scope) | set(wanted.sizing_by_scope):
        before, after = planned.sizing_by_scope.get(code), wanted.sizing_by_scope.get(code)
        if before == after:
            continue
        if now.sizing_by_scope.get(code) != before:
            clashes.append(f"sizing_by_scope[{code}]")
        if after is None:
            scopes.pop(code, None)
        else:
            scopes[code] = after
    changes: dict[str, Any] = {"sizing_by_scope": scopes}
    for f in fields(Settings):
        if f.name == "sizing_by_scope":
            continue
        before, after = getattr(planned, f.name), getattr(wanted, f.name)
        if before == after:
            continue
        if getattr(now, f.name) != before:
            clashes.append(f.name)
        changes[f.name] = after
    return replace(now, **changes), clashes
