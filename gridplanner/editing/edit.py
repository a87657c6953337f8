"""A reversible change set: exact before/after values for every row an edit touches.

An :class:`Edit` is data (STYLE.md pattern 2). ``apply`` and ``revert`` replace the
project's tables with new frames (a shallow copy with the touched columns
rewritten), so a frame someone else holds — a map layer's snapshot — never changes
under them. ``revert`` after ``apply`` restores the plan exactly: the same values,
dtypes, row order, retired codes and id counter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gridplanner.errors import GridPlannerError
from gridplanner.model import Project
from gridplanner.settings import Settings


class EditError(GridPlannerError):
    """An edit that can't be made; the message names the codes and the reason."""


class StaleEditError(EditError):
    """An edit applied to a plan that is not the one it was planned on."""


@dataclass(frozen=True)
class Cells:
    """One column of one table: ``after[k]`` replaces ``before[k]`` in row ``ids[k]``."""

    ids: tuple[int, ...]
    before: tuple[Any, ...]
    after: tuple[Any, ...]

    def inverse(self) -> Cells:
        """The same cells going back."""
        return Cells(self.ids, self.after, self.before)

    def changes(self) -> dict[int, tuple[Any, Any]]:
        """Row id -> (before, after)."""
        return {i: (b, a) for i, b, a in zip(self.ids, self.before, self.after, strict=True)}


@dataclass(frozen=True)
class EditWarning:
    """Something an edit left that the planner should see (not an error)."""

    kind: str  # "grid_split" | "grid_empty" | "unit_without_grid" | "grid_without_worker" | ...
    node_id: int | None
    code: str
    message_zh: str
    message_en: str

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return self.message_en if lang == "en" else self.message_zh


@dataclass(frozen=True)
class Edit:
    """Everything one gesture changes, with exact values both ways.

    ``nodes``, ``buildings`` and ``workers`` map a column to its changed cells.
    ``added`` holds node rows the edit creates (appended, or inserted at
    ``added_positions``); ``removed`` the rows it deletes with their positions in
    the frame before the edit. ``retired`` codes are added to ``retired_codes``,
    ``unretired`` removed. ``building_weights`` (households, population) and
    ``worker_capacity`` travel with the edit so tallies update without the tables.
    ``settings`` (before, after) replaces the plan's settings (a scope's sizing).
    Two edits with the same ``merge_key`` in a row (typing a name) become one undo step
    (:func:`merged`).
    """

    label: str
    nodes: Mapping[str, Cells] = field(default_factory=dict)
    buildings: Mapping[str, Cells] = field(default_factory=dict)
    workers: Mapping[str, Cells] = field(default_factory=dict)
    added: gpd.GeoDataFrame | None = None
    added_positions: tuple[int, ...] | None = None
    removed: gpd.GeoDataFrame | None = None
    removed_positions: tuple[int, ...] = ()
    retired: Mapping[str, int] = field(default_factory=dict)
    unretired: Mapping[str, int] = field(default_factory=dict)
    next_id: tuple[int, int] = (0, 0)
    building_weights: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    worker_capacity: Mapping[int, float] = field(default_factory=dict)
    warnings: tuple[EditWarning, ...] = ()
    settings: tuple[Settings, Settings] | None = None
    merge_key: str | None = None

    # -- what it does --------------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        """True when applying it changes nothing (e.g. painting a unit into its own grid)."""
        return not (
            self.nodes
            or self.buildings
            or self.workers
            or _rows(self.added)
            or _rows(self.removed)
            or self.retired
            or self.unretired
            or (self.settings is not None and self.settings[0] != self.settings[1])
        )

    @property
    def added_ids(self) -> list[int]:
        """Ids of the nodes the edit creates."""
        return [] if self.added is None else [int(i) for i in self.added.index]

    @property
    def removed_ids(self) -> list[int]:
        """Ids of the nodes the edit deletes."""
        return [] if self.removed is None else [int(i) for i in self.removed.index]

    @property
    def recoded(self) -> list[tuple[int, str, str]]:
        """(node id, old code, new code) for every kept node whose code changed."""
        cells = self.nodes.get("code")
        if cells is None:
            return []
        return [
            (i, str(b), str(a))
            for i, b, a in zip(cells.ids, cells.before, cells.after, strict=False)
        ]

    @property
    def touched_node_ids(self) -> set[int]:
        """Every node id with a changed cell, added or removed."""
        ids: set[int] = set(self.added_ids) | set(self.removed_ids)
        for cells in self.nodes.values():
            ids.update(cells.ids)
        return ids

    def inverse(self) -> Edit:
        """The edit that undoes this one."""
        return Edit(
            label=self.label,
            nodes={c: v.inverse() for c, v in self.nodes.items()},
            buildings={c: v.inverse() for c, v in self.buildings.items()},
            workers={c: v.inverse() for c, v in self.workers.items()},
            added=self.removed,
            added_positions=self.removed_positions or None,
            removed=self.added,
            removed_positions=self.added_positions or (),
            retired=self.unretired,
            unretired=self.retired,
            next_id=(self.next_id[1], self.next_id[0]),
            building_weights=self.building_weights,
            worker_capacity=self.worker_capacity,
            warnings=(),
            settings=None if self.settings is None else (self.settings[1], self.settings[0]),
            merge_key=self.merge_key,
        )

    # -- applying ------------------------------------------------------------------
    def apply(self, project: Project) -> Project:
        """Make the change in ``project`` (its tables are replaced); returns it."""
        self._check(project)
        nodes = project.nodes
        if _rows(self.removed):
            assert self.removed is not None
            nodes = nodes.drop(index=self.removed.index)
        if self.nodes:
            nodes = _set_cells(nodes, self.nodes)
        if _rows(self.added):
            assert self.added is not None
            nodes = _insert(nodes, self.added, self.added_positions)
        project.nodes = nodes  # type: ignore[assignment]
        if self.buildings:
            project.buildings = _set_cells(project.buildings, self.buildings)  # type: ignore[assignment]
        if self.workers:
            project.workers = _set_cells(project.workers, self.workers)
        if self.unretired or self.retired:
            retired = dict(project.retired_codes)
            for code in self.unretired:
                retired.pop(code, None)
            retired.update(self.retired)
            project.retired_codes = retired
        if self.next_id != (0, 0):
            project.next_id = self.next_id[1]
        if self.settings is not None:
            project.settings = self.settings[1]
        return project

    def revert(self, project: Project) -> Project:
        """Undo the change in ``project`` (which must be in the state ``apply`` left)."""
        return self.inverse().apply(project)

    def _check(self, project: Project) -> None:
        """Refuse to apply on a plan that is not the one the edit was planned on."""
        nodes = project.nodes
        if _rows(self.removed):
            assert self.removed is not None
            missing = [i for i in self.removed.index if i not in nodes.index]
            if missing:
                raise StaleEditError(
                    f"「{self.label}」: node {missing[0]} is no longer in the plan"
                )
        if _rows(self.added):
            assert self.added is not None
            present = [i for i in self.added.index if i in nodes.index]
            if present:
                raise StaleEditError(f"「{self.label}」: node {present[0]} already exists")
        code = self.nodes.get("code")
        if code is not None and code.ids:
            now = nodes.loc[list(code.ids), "code"].tolist()
            if now != list(code.before):
                raise StaleEditError(
                    f"「{self.label}」 was planned on another version of the plan; plan it again"
                )


def merged(first: Edit, then: Edit) -> Edit | None:
    """``first`` followed by ``then`` as one Edit, when both carry the same ``merge_key``
    and rewrite exactly the same cells (and nothing else); else None."""
    if first.merge_key is None or first.merge_key != then.merge_key:
        return None
    if any(_rows(f) for f in (first.added, first.removed, then.added, then.removed)):
        return None
    if first.retired or first.unretired or then.retired or then.unretired:
        return None
    if first.settings is not None or then.settings is not None:
        if first.nodes or first.buildings or first.workers or then.nodes or then.buildings:
            return None
        if first.settings is None or then.settings is None:
            return None
        return replace(then, settings=(first.settings[0], then.settings[1]))
    tables = ("nodes", "buildings", "workers")
    out: dict[str, dict[str, Cells]] = {}
    for table in tables:
        a, b = getattr(first, table), getattr(then, table)
        if set(a) != set(b) or any(a[c].ids != b[c].ids for c in a):
            return None
        out[table] = {c: Cells(a[c].ids, a[c].before, b[c].after) for c in a}
    return replace(then, nodes=out["nodes"], buildings=out["buildings"], workers=out["workers"])


def _rows(frame: pd.DataFrame | None) -> int:
    return 0 if frame is None else len(frame)


def _set_cells(frame: Any, columns: Mapping[str, Cells]) -> Any:
    """A shallow copy of ``frame`` with the cells rewritten (only those columns copy)."""
    out = frame.copy(deep=False)
    for column, cells in columns.items():
        if not cells.ids:
            continue
        ids = list(cells.ids)
        if column == getattr(frame, "_geometry_column_name", None):
            values = out[column].array.copy()
            values[out.index.get_indexer(ids)] = np.array((*cells.after, None), dtype=object)[:-1]
            out[column] = values
        else:
            out.loc[ids, column] = _values(cells.after, frame[column].dtype)
    return out


def _values(values: tuple[Any, ...], dtype: Any) -> Any:
    """Cell values for ``.loc`` assignment, missing values as the column's NA."""
    if isinstance(dtype, pd.Int64Dtype):
        return pd.array([None if _missing(v) else int(v) for v in values], dtype="Int64")
    return [None if _missing(v) else v for v in values]


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str | bytes) and bool(pd.isna(value)))


def _insert(frame: Any, rows: Any, positions: tuple[int, ...] | None) -> Any:
    """``frame`` with ``rows`` appended, or placed at ``positions`` of the result."""
    joined = pd.concat([frame, rows])
    if positions is None:
        return joined
    total = len(joined)
    is_new = np.zeros(total, dtype=bool)
    is_new[list(positions)] = True
    source = np.empty(total, dtype=np.int64)
    source[~is_new] = np.arange(len(frame))
    order = np.argsort(np.asarray(positions), kind="stable")
    source[np.sort(np.asarray(positions))] = len(frame) + order
    return joined.iloc[source]
