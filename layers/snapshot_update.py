"""Bring a :class:`~gridplanner.layers.snapshot.MapData` up to date after edits, touching
only what they changed.

An edit says which nodes changed (:class:`~gridplanner.editing.change.PlanChange`):
a level whose outlines changed gets only those features re-projected (the others'
geometry, rings and labels points are reused, the spatial index is rebuilt in one
vectorised call), and attribute rows are rewritten only for the nodes whose figures,
names or kind changed. Colours are keyed by node id: a feature keeps its colour across
edits, and only new or reshaped features get one, chosen against their neighbours
(nothing else is recoloured). The result is a new snapshot; the old one, which a
render worker may be reading, is never modified.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np
import pandas as pd
import shapely

from gridplanner.editing.change import PlanChange
from gridplanner.layers.geometry import Rings, rings_of
from gridplanner.layers.snapshot import (
    PALETTE_SIZE,
    Attributes,
    LevelGeometry,
    MapData,
    build_attributes,
    grid_rows,
)
from gridplanner.levels import Level, NodeKind
from gridplanner.model import Project

ToLocal = Callable[[np.ndarray], np.ndarray]


def with_changes(
    data: MapData, project: Project, rollups: pd.DataFrame, change: PlanChange
) -> MapData:
    """``data`` after ``change``: changed outlines re-projected, changed rows rewritten."""
    levels = dict(data.levels)
    if change.geometry:
        for level, geo in data.levels.items():
            if _touches(geo, project, change):
                levels[level] = updated_level(
                    geo, project, data.project_geometries, change.geometry
                )
    if change.everything:
        return replace(data, levels=levels, attributes=build_attributes(project, rollups, levels))
    attributes = updated_attributes(data, levels, project, rollups, change)
    return replace(data, levels=levels, attributes=attributes)


def _touches(geo: LevelGeometry, project: Project, change: PlanChange) -> bool:
    """Whether any node whose outline changed is, or was, on this level."""
    ids = np.fromiter(change.geometry, dtype=np.int64, count=len(change.geometry))
    if len(ids) == 0:
        return False
    if np.isin(ids, geo.ids).any():
        return True
    nodes = project.nodes
    present = nodes.index.intersection(ids)
    return bool((nodes.loc[present, "level"] == geo.level.value).any())


def updated_level(
    geo: LevelGeometry, project: Project, to_local: ToLocal, changed: Iterable[int]
) -> LevelGeometry:
    """``geo`` with the ``changed`` nodes re-read from ``project`` (dropped when gone or
    on another level now, added when new); the other features are reused as they are."""
    wanted = np.fromiter(set(changed), dtype=np.int64)
    keep = ~np.isin(geo.ids, wanted)
    nodes = project.nodes
    present = nodes.loc[nodes.index.intersection(wanted)]
    present = present[
        (present["level"] == geo.level.value)
        & present.geometry.notna()
        & ~present.geometry.is_empty
    ]
    fresh = shapely.orient_polygons(to_local(present.geometry.values.to_numpy()))
    fresh_ids = present.index.to_numpy(dtype=np.int64)
    geoms = np.concatenate([geo.geoms[keep], fresh])
    new_rings = rings_of(fresh) if len(fresh) else None
    return LevelGeometry(
        level=geo.level,
        ids=np.concatenate([geo.ids[keep], fresh_ids]),
        geoms=geoms,
        rings=_joined(geo.rings, keep, new_rings),
        tree=shapely.STRtree(geoms),
        label_xy=np.concatenate(
            [geo.label_xy[keep], shapely.get_coordinates(shapely.point_on_surface(fresh))]
        ).reshape(-1, 2),
        size=np.concatenate([geo.size[keep], np.sqrt(shapely.area(fresh))]),
    )


def _joined(rings: Rings, keep: np.ndarray, fresh: Rings | None) -> Rings:
    """The kept features' rings (renumbered in order) followed by the fresh ones'."""
    kept = rings.select(keep)
    renumber = np.cumsum(keep) - 1
    feature = renumber[kept.feature] if len(kept.feature) else kept.feature
    if fresh is None:
        return Rings(kept.xy, kept.start, feature)
    offset = int(keep.sum())
    start = np.concatenate([kept.start[:-1], fresh.start + len(kept.xy)])
    return Rings(
        np.ascontiguousarray(np.concatenate([kept.xy, fresh.xy]), dtype=np.float64),
        start.astype(np.int64),
        np.concatenate([feature, fresh.feature + offset]).astype(np.int64),
    )


def updated_attributes(
    data: MapData,
    levels: dict[Level, LevelGeometry],
    project: Project,
    rollups: pd.DataFrame,
    change: PlanChange,
) -> Attributes:
    """Attribute arrays with only the changed rows rewritten; a level whose geometry was
    rebuilt is re-aligned (its colours kept by id)."""
    old = data.attributes
    nodes = project.nodes
    changed_ids = np.fromiter(change.tallies | change.nodes, dtype=np.int64)
    out: dict[str, dict[Level, np.ndarray]] = {
        k: {}
        for k in ("names", "households", "workers", "ratio", "deviation", "dedicated", "colour")
    }
    for level, geo in levels.items():
        before = data.levels[level]
        if geo is before:
            rows = geo.row_of(changed_ids)
            for key in out:
                out[key][level] = getattr(old, key)[level]
            if len(rows):
                _write_rows(out, level, geo.ids[rows], rows, nodes, rollups)
            continue
        everything = np.arange(len(geo.ids))
        for key in ("names", "households", "workers", "ratio", "deviation", "dedicated"):
            out[key][level] = np.empty(len(geo.ids), dtype=getattr(old, key)[level].dtype)
        _write_rows(out, level, geo.ids, everything, nodes, rollups)
        out["colour"][level] = stable_colours(before, old.colour[level], geo, change.geometry)
    if change.structure or any(levels[lv] is not data.levels[lv] for lv in levels):
        grid_row = grid_rows(nodes, levels[Level.GRID_UNIT], levels[Level.GRID])
    else:
        grid_row = old.grid_row
    return Attributes(grid_row=grid_row, **out)  # type: ignore[arg-type]


def _write_rows(
    out: dict[str, dict[Level, np.ndarray]],
    level: Level,
    ids: np.ndarray,
    rows: np.ndarray,
    nodes: pd.DataFrame,
    rollups: pd.DataFrame,
) -> None:
    """Rewrite ``rows`` of every attribute array of ``level`` (copies: never in place)."""
    frame = rollups.reindex(ids)
    values = {
        "names": nodes["name"].reindex(ids).fillna("").astype(str).to_numpy(dtype=object),
        "households": frame["households"].fillna(0).to_numpy(dtype=np.int64),
        "workers": frame["workers"].fillna(0).to_numpy(dtype=np.float64),
        "ratio": frame["households_per_worker"].to_numpy(dtype=np.float64),
        "deviation": frame["deviation"].to_numpy(dtype=np.float64),
        "dedicated": (nodes["kind"].reindex(ids) == NodeKind.DEDICATED.value).to_numpy(),
    }
    for key, value in values.items():
        array = out[key][level].copy()
        array[rows] = value
        out[key][level] = array


def stable_colours(
    before: LevelGeometry, colours: np.ndarray, after: LevelGeometry, reshaped: Iterable[int] = ()
) -> np.ndarray:
    """Colours for ``after``, keyed by id: every feature keeps its colour, except that a
    new feature, or a ``reshaped`` one that now touches a neighbour of its colour, gets
    the first palette colour none of its neighbours has (re-solved only there)."""
    out = np.full(len(after.ids), -1, dtype=np.int64)
    if len(before.ids):
        order = np.argsort(before.ids)
        pos = np.clip(np.searchsorted(before.ids[order], after.ids), 0, len(order) - 1)
        known = before.ids[order][pos] == after.ids
        out[known] = colours[order[pos[known]]]
    check = np.union1d(np.flatnonzero(out < 0), after.row_of(np.fromiter(reshaped, np.int64)))
    if len(check) == 0:
        return out
    left, right = after.tree.query(after.geoms[check], predicate="intersects")
    neighbours: dict[int, list[int]] = {}
    for a, b in zip(check[left].tolist(), right.tolist(), strict=True):
        if a != b:
            neighbours.setdefault(a, []).append(b)
    for row in check.tolist():
        used = {int(out[k]) for k in neighbours.get(row, ()) if out[k] >= 0}
        if out[row] < 0 or out[row] in used:
            out[row] = next((c for c in range(PALETTE_SIZE) if c not in used), row % PALETTE_SIZE)
    return out
