"""Compare a plan with a saved version: which grids changed, by stable id."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from gridplanner.levels import Level
from gridplanner.model import Project

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"


@dataclass(frozen=True)
class GridChange:
    """How one grid (by id) differs from the other version."""

    grid_id: int
    status: str  # "added" | "removed" | "changed"
    code_before: str | None
    code_after: str | None
    units_added: tuple[int, ...] = ()
    units_removed: tuple[int, ...] = ()
    units_reshaped: tuple[int, ...] = ()
    geometry_changed: bool = False

    @property
    def code_changed(self) -> bool:
        """True when the grid kept its id but got a new code."""
        return self.status == CHANGED and self.code_before != self.code_after


@dataclass
class Comparison:
    """Every grid that differs between ``before`` and ``after``."""

    grids: dict[int, GridChange] = field(default_factory=dict)

    @property
    def changed_grid_ids(self) -> set[int]:
        """Ids of grids added, removed or changed (for highlighting on the map)."""
        return set(self.grids)

    def summary(self) -> dict[str, int]:
        """How many grids were added, removed, changed."""
        out = {ADDED: 0, REMOVED: 0, CHANGED: 0}
        for change in self.grids.values():
            out[change.status] += 1
        return out


def compare(before: Project, after: Project) -> Comparison:
    """Grids whose units, outline or code differ between two versions of a plan."""
    ga, gb = before.level(Level.GRID), after.level(Level.GRID)
    ua, ub = before.level(Level.GRID_UNIT), after.level(Level.GRID_UNIT)
    added: dict[int, list[int]] = {}
    removed: dict[int, list[int]] = {}
    parents = pd.concat(
        [ua["parent_id"].rename("a"), ub["parent_id"].rename("b")], axis=1, join="outer"
    )
    pa = parents["a"].to_numpy(dtype=object, na_value=None)
    pb = parents["b"].to_numpy(dtype=object, na_value=None)
    for unit, a, b in zip(parents.index.tolist(), pa.tolist(), pb.tolist(), strict=True):
        if a == b:
            continue
        if a is not None:
            removed.setdefault(int(a), []).append(int(unit))
        if b is not None:
            added.setdefault(int(b), []).append(int(unit))
    reshaped: dict[int, list[int]] = {}
    common_units = ua.index.intersection(ub.index)
    for unit in _reshaped(ua.geometry, ub.geometry, common_units):
        parent = ub.at[unit, "parent_id"]
        if not pd.isna(parent):
            reshaped.setdefault(int(parent), []).append(unit)
    common = ga.index.intersection(gb.index)
    outline = set(_reshaped(ga.geometry, gb.geometry, common))
    out = Comparison()
    for grid in ga.index.difference(gb.index).tolist():
        out.grids[grid] = GridChange(grid, REMOVED, str(ga.at[grid, "code"]), None)
    for grid in gb.index.difference(ga.index).tolist():
        out.grids[grid] = GridChange(
            grid, ADDED, None, str(gb.at[grid, "code"]), tuple(sorted(added.get(grid, [])))
        )
    codes_a = ga.loc[common, "code"].to_numpy(dtype=object)
    codes_b = gb.loc[common, "code"].to_numpy(dtype=object)
    for grid, ca, cb in zip(common.tolist(), codes_a.tolist(), codes_b.tolist(), strict=True):
        change = GridChange(
            grid,
            CHANGED,
            str(ca),
            str(cb),
            tuple(sorted(added.get(grid, []))),
            tuple(sorted(removed.get(grid, []))),
            tuple(sorted(reshaped.get(grid, []))),
            grid in outline,
        )
        if (
            ca != cb
            or change.units_added
            or change.units_removed
            or change.units_reshaped
            or change.geometry_changed
        ):
            out.grids[grid] = change
    return out


def _reshaped(a: pd.Series, b: pd.Series, ids: pd.Index) -> list[int]:
    """Ids in ``ids`` whose geometry differs (same objects are skipped cheaply)."""
    if len(ids) == 0:
        return []
    ga = a.loc[ids].to_numpy()
    gb = b.loc[ids].to_numpy()
    same = np.array([x is y for x, y in zip(ga, gb, strict=True)])
    todo = np.flatnonzero(~same)
    if len(todo) == 0:
        return []
    left, right = ga[todo], gb[todo]
    missing = shapely.is_missing(left) | shapely.is_missing(right)
    equal = np.zeros(len(todo), dtype=bool)
    both = ~missing
    equal[both] = shapely.equals_exact(left[both], right[both], tolerance=0.0)
    check = np.flatnonzero(both & ~equal)
    if len(check):
        equal[check] = shapely.equals(left[check], right[check])
    equal[missing] = shapely.is_missing(left[missing]) & shapely.is_missing(right[missing])
    return [int(i) for i in ids[todo[~equal]]]
