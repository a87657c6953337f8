"""One reversible :class:`~gridplanner.editing.Edit` from two versions of a plan.

Whole-plan operations (the balancer's new plan, an audit fix applied to a copy)
produce a new :class:`~gridplanner.model.Project`; :func:`plan_edit` turns the
difference into an Edit so it goes on the undo stack like any gesture and the
live tallies update incrementally. Qt-free: it only reads the two plans.

Rows the new plan lacks become ``removed`` (with their positions), rows it adds
become ``added`` (at their positions in the new plan), and every other changed
cell becomes :class:`~gridplanner.editing.Cells`. ``apply`` on the old plan
gives the new plan's tables exactly; ``revert`` gives the old ones back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from gridplanner.editing import Cells, Edit
from gridplanner.model import Project


def plan_edit(before: Project, after: Project, label: str) -> Edit:
    """The Edit that turns ``before`` into ``after`` (history is not part of it)."""
    old, new = before.nodes, after.nodes
    removed_mask = ~old.index.isin(new.index)
    added_mask = ~new.index.isin(old.index)
    kept_old = old.index[~removed_mask]
    kept_new = new.index[~added_mask]
    if not kept_old.equals(kept_new):
        raise ValueError("plan_edit: the kept nodes changed order")
    nodes = _cells(old.loc[kept_old], new.loc[kept_new], geometry=old.geometry.name)
    buildings = _cells(before.buildings, after.buildings, geometry=before.buildings.geometry.name)
    workers = _cells(before.workers, after.workers, geometry=None)
    weights: dict[int, tuple[int, int]] = {}
    unit_cells = buildings.get("unit_id")
    if unit_cells is not None:
        frame = after.buildings
        for building in unit_cells.ids:
            weights[building] = (
                int(frame.at[building, "households"]),
                int(frame.at[building, "population"]),
            )
    capacity: dict[int, float] = {}
    grid_cells = workers.get("grid_id")
    if grid_cells is not None:
        for worker in grid_cells.ids:
            capacity[worker] = float(after.workers.at[worker, "capacity"])
    retired = {c: i for c, i in after.retired_codes.items() if c not in before.retired_codes}
    unretired = {c: i for c, i in before.retired_codes.items() if c not in after.retired_codes}
    return Edit(
        label=label,
        nodes=nodes,
        buildings=buildings,
        workers=workers,
        added=new[added_mask] if added_mask.any() else None,
        added_positions=tuple(np.flatnonzero(added_mask).tolist()) if added_mask.any() else None,
        removed=old[removed_mask] if removed_mask.any() else None,
        removed_positions=tuple(np.flatnonzero(removed_mask).tolist()),
        retired=retired,
        unretired=unretired,
        next_id=(before.next_id, after.next_id) if before.next_id != after.next_id else (0, 0),
        building_weights=weights,
        worker_capacity=capacity,
    )


def _cells(a: pd.DataFrame, b: pd.DataFrame, geometry: str | None) -> dict[str, Cells]:
    if not a.index.equals(b.index):
        raise ValueError("plan_edit: buildings and workers must keep their rows")
    out: dict[str, Cells] = {}
    ids = np.asarray(a.index)
    for column in a.columns:
        if column == geometry:
            ga, gb = a[column].to_numpy(), b[column].to_numpy()
            missing_a, missing_b = shapely.is_missing(ga), shapely.is_missing(gb)
            same = missing_a & missing_b
            both = ~missing_a & ~missing_b
            same[both] = shapely.equals_exact(ga[both], gb[both], tolerance=0.0)
            changed = np.flatnonzero(~same)
            before, after = ga[changed], gb[changed]
        else:
            va = a[column].to_numpy(dtype=object, na_value=None)
            vb = b[column].to_numpy(dtype=object, na_value=None)
            changed = np.flatnonzero([not _same(x, y) for x, y in zip(va, vb, strict=True)])
            before, after = va[changed], vb[changed]
        if len(changed):
            out[column] = Cells(
                tuple(int(i) for i in ids[changed]), tuple(before.tolist()), tuple(after.tolist())
            )
    return out


def _same(x: Any, y: Any) -> bool:
    if x is None or y is None:
        return x is None and y is None
    if isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y):
        return True
    return bool(x == y)
