"""The generated units as one Edit: grids, codes, names, buildings, outlines.

How new units relate to today's grids: the scope's units are replaced (their codes
retired), dedicated grids' units are kept; each new unit joins the grid of its own
comprehensive grid that held most of its households (ties and empty units: the
grid it overlaps most), and every grid that had units keeps at least one (it takes
the unit holding most of its households from a grid with several). Nothing crosses
a comprehensive grid's boundary, so comprehensive grids, communities and streets
keep their outlines; grids take the union of their new units. A community without a
comprehensive grid (a fresh import) gets one, and one without grids a grid, to hold
its units — ``gridplanner balance --mode target`` then draws the grids.
Codes run in reading order under each grid; names are the community's name and the
unit's number in the community in reading order (阳光社区第3单元).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from gridplanner.algorithms.tessellate import cleaned, shared_length
from gridplanner.algorithms.unit_grouping import components
from gridplanner.codes import number_in_reading_order, reading_order_of
from gridplanner.editing import Edit
from gridplanner.editing.draft import Draft
from gridplanner.levels import Level, NodeKind

if TYPE_CHECKING:
    from gridplanner.model import Project
    from gridplanner.units_generate import Area, Layout


#: Dust left by last-digit differences (square degrees: about 0.01 m²).
DUST_DEG2 = 1e-12


@dataclass
class BuiltEdit:
    edit: Edit
    unit_ids: list[int] = field(default_factory=list)
    households: dict[int, int] = field(default_factory=dict)
    single_building: set[int] = field(default_factory=set)
    outside: list[int] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    empty_grids: list[str] = field(default_factory=list)


def build_edit(
    project: Project,
    scope: int,
    areas: list[Area],
    layout: Layout,
    kept: list[int],
    to_lonlat: Transformer,
) -> BuiltEdit:
    """One Edit replacing the scope's units (all but ``kept``) by ``layout``'s."""
    from gridplanner.units_generate import transform

    nodes, buildings = project.nodes, project.buildings
    draft = Draft(project, "")
    kept_set = set(kept)
    old_units = [u for u in project.descendants_at(scope, Level.GRID_UNIT) if u not in kept_set]
    old_set = set(old_units)
    count = len(layout.polygons)
    placed = np.fromiter(
        layout.building_unit.keys(), dtype=np.int64, count=len(layout.building_unit)
    )
    new_index = np.array(
        [-1 if u is None else u for u in layout.building_unit.values()], dtype=np.int64
    )
    rows = buildings.index.get_indexer(placed)
    weight = buildings["households"].to_numpy(dtype=float)[rows]
    old_unit = buildings["unit_id"].to_numpy(dtype=float, na_value=np.nan)[rows]
    parents = nodes["parent_id"].to_numpy(dtype=float, na_value=np.nan)
    at = nodes.index.get_indexer(np.nan_to_num(old_unit, nan=-1).astype(np.int64))
    old_grid = np.where(at >= 0, parents[np.maximum(at, 0)], np.nan)
    inside = new_index >= 0
    households = np.bincount(new_index[inside], weights=weight[inside], minlength=count)
    votes: list[dict[int, float]] = [{} for _ in range(count)]
    voting = inside & ~np.isnan(old_grid)
    tally = (
        pd.DataFrame({"unit": new_index[voting], "grid": old_grid[voting].astype(np.int64),
                      "hh": weight[voting]})
        .groupby(["unit", "grid"])["hh"].sum()
    )  # fmt: skip
    for (unit, grid), hh in tally.items():
        votes[int(unit)][int(grid)] = float(hh)
    lonlat = transform(np.asarray(layout.polygons, dtype=object), to_lonlat)
    lonlat = np.array([valid(g) if not g.is_valid else g for g in lonlat], dtype=object)
    built = BuiltEdit(edit=Edit(label=""))
    unit_grid = np.full(count, -1, dtype=np.int64)
    for index, area in enumerate(areas):
        members = [u for u in range(count) if layout.area[u] == index]
        if not members:
            continue
        grids = _grids_of(draft, area, built)
        pick = _choose_grids(project, grids, members, votes, lonlat[members])
        shapes = np.asarray(layout.polygons, dtype=object)[members]
        pick = _join_pieces(shapes, households[members], pick, len(grids))
        unit_grid[members] = np.asarray(grids, dtype=np.int64)[pick]
    for unit in old_units:
        draft.retire(str(nodes.at[unit, "code"]), unit)
        draft.remove_node(unit)
    new_id = _add_units(draft, project, areas, layout, lonlat, unit_grid)
    was = np.nan_to_num(old_unit, nan=-1).astype(np.int64)
    gone = ~inside & np.isin(was, np.fromiter(old_set, dtype=np.int64, count=len(old_set)))
    for building in placed[gone].tolist():
        draft.set_building_unit(building, None)
        built.outside.append(building)
    target = np.where(inside, new_id[np.maximum(new_index, 0)], -1)
    for building, unit in zip(placed[inside & (target != was)].tolist(),
                              target[inside & (target != was)].tolist(), strict=True):  # fmt: skip
        draft.set_building_unit(building, unit)
    old_grids = [int(g) for g in nodes.loc[old_units, "parent_id"].dropna().unique().tolist()]
    _grid_outlines(draft, project, lonlat, unit_grid, kept, old_grids, built)
    scope_name = nodes.at[scope, "name"]
    draft.label = f"生成网格单元 {scope_name}（{count} 个）"
    built.edit = draft.finish(redissolve=False)
    built.unit_ids = [int(i) for i in new_id.tolist()]
    built.households = {int(new_id[u]): round(float(households[u])) for u in range(count)}
    built.single_building = {int(new_id[u]) for u in range(count) if layout.single[u]}
    return built


def _grids_of(draft: Draft, area: Area, built: BuiltEdit) -> list[int]:
    """The ordinary grids that may hold the area's units (created when there are none)."""
    comp = area.comp
    if comp is None:
        community = area.community
        name = str(draft.get(community, "name"))
        code = draft.free_code(community, Level.COMPREHENSIVE_GRID)
        geometry = draft.geometry(community)
        comp = draft.new_node(
            Level.COMPREHENSIVE_GRID, code, f"{name}第{int(code[-3:])}综合网格", community, geometry
        )
        built.created.append(code)
        area.comp = comp
    grids = [
        g for g in draft.children(comp) if str(draft.get(g, "kind")) != NodeKind.DEDICATED.value
    ]
    if not grids:
        code = draft.free_code(comp, Level.GRID)
        community_name = str(draft.get(area.community, "name"))
        grid = draft.new_node(
            Level.GRID, code, f"{community_name}{int(code[-6:-3])}-{int(code[-3:])}网格", comp, None
        )
        built.created.append(code)
        grids = [grid]
    return grids


def _choose_grids(
    project: Project,
    grids: list[int],
    members: list[int],
    votes: list[dict[int, float]],
    shapes: np.ndarray,
) -> np.ndarray:
    """Per unit (its lon/lat ``shapes``), the grid (its index in ``grids``) holding most
    of its households (else overlapping it most); then every grid that had units takes
    one back if it was left with none."""
    nodes = project.nodes
    old = [g for g in grids if g in nodes.index and nodes.at[g, "geometry"] is not None]
    overlap = np.zeros((len(members), len(grids)))
    for j, grid in enumerate(grids):
        if grid in old:
            outline = shapely.make_valid(nodes.at[grid, "geometry"])
            overlap[:, j] = shapely.area(shapely.intersection(shapes, outline))
    share = np.array([[votes[u].get(g, 0.0) for g in grids] for u in members])
    score = share * 1e6 + overlap / max(float(overlap.max()), 1e-18)
    pick = np.argmax(score, axis=1)
    for j, grid in enumerate(grids):  # keep every grid that had units alive
        if grid not in old or (pick == j).any():
            continue
        counts = np.bincount(pick, minlength=len(grids))
        movable = np.flatnonzero(counts[pick] > 1)
        if len(movable):
            best = movable[int(np.argmax(score[movable, j]))]
            pick[best] = j
    return pick


def _add_units(
    draft: Draft,
    project: Project,
    areas: list[Area],
    layout: Layout,
    lonlat: np.ndarray,
    unit_grid: np.ndarray,
) -> np.ndarray:
    """New unit nodes: codes in reading order under each grid, names per community."""
    crs = project.measuring_crs()
    names = np.empty(len(lonlat), dtype=object)
    community = np.array([areas[a].community for a in layout.area], dtype=np.int64)
    for c in np.unique(community).tolist():
        members = np.flatnonzero(community == c)
        prefix = str(draft.get(c, "name"))
        for rank, k in enumerate(reading_order_of(lonlat[members], crs).tolist()):
            names[members[k]] = f"{prefix}第{rank + 1}单元"
    new_id = np.zeros(len(lonlat), dtype=np.int64)
    retired = draft.retired_codes()
    for grid in np.unique(unit_grid).tolist():
        members = np.flatnonzero(unit_grid == grid)
        used = [draft.code(k) for k in draft.children(grid)]
        codes = number_in_reading_order(
            draft.scheme, draft.code(grid), Level.GRID_UNIT, lonlat[members], used, retired,
            crs=crs,
        )  # fmt: skip
        for k, code in zip(members.tolist(), codes, strict=True):
            new_id[k] = draft.new_node(Level.GRID_UNIT, code, str(names[k]), grid, lonlat[k])
    return new_id


def _grid_outlines(
    draft: Draft,
    project: Project,
    lonlat: np.ndarray,
    unit_grid: np.ndarray,
    kept: list[int],
    old_grids: list[int],
    built: BuiltEdit,
) -> None:
    """Each touched grid takes the union of its units; grids left empty are named."""
    nodes = project.nodes
    kept_of: dict[int, list[BaseGeometry]] = {}
    for unit in kept:
        kept_of.setdefault(int(nodes.at[unit, "parent_id"]), []).append(nodes.at[unit, "geometry"])
    for grid in sorted(set(unit_grid.tolist()) | set(old_grids)):
        members = np.flatnonzero(unit_grid == grid)
        pieces = [lonlat[k] for k in members.tolist()] + kept_of.get(grid, [])
        if not pieces:
            draft.set(grid, "geometry", None)
            built.empty_grids.append(draft.code(grid))
            continue
        # In stored coordinates: a union made in metres can turn invalid on the way back.
        draft.set(grid, "geometry", valid(shapely.union_all(np.asarray(pieces, dtype=object))))


def valid(shape: BaseGeometry) -> BaseGeometry:
    """``shape`` as a valid (multi)polygon without the dust of last-digit differences."""
    if not shape.is_valid:
        shape = shapely.make_valid(shape)
    return cleaned(shape, DUST_DEG2)


def _join_pieces(
    shapes: np.ndarray, households: np.ndarray, pick: np.ndarray, grids: int
) -> np.ndarray:
    """Make every grid one piece: a grid's units cut off from its main piece (the one
    with most households) join the neighbouring grid they share most boundary with."""
    pairs, lengths = _unit_adjacency(shapes)
    pick = pick.copy()
    for _ in range(len(shapes)):
        changed = False
        for grid in range(grids):
            mine = np.flatnonzero(pick == grid)
            pieces = components(pairs, mine, len(shapes))
            if len(pieces) <= 1:
                continue
            main = max(pieces, key=lambda p: (households[p].sum(), len(p)))
            for piece in pieces:
                if piece is main:
                    continue
                inside = np.isin(pairs, piece)
                border = inside[:, 0] ^ inside[:, 1]
                other = np.where(inside[border, 0], pairs[border, 1], pairs[border, 0])
                score = np.bincount(pick[other], weights=lengths[border], minlength=grids)
                score[grid] = 0.0
                if score.max() > 0:
                    pick[piece] = int(np.argmax(score))
                    changed = True
        if not changed:
            break
    return pick


def _unit_adjacency(shapes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(m, 2) pairs of units sharing an edge, and its length (metres)."""
    if len(shapes) < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    lengths = np.zeros(len(left))
    for a in np.unique(left).tolist():
        at = np.flatnonzero(left == a)
        lengths[at] = shared_length(shapes[a], shapes[right[at]])
    touching = lengths > 0
    return np.column_stack([left[touching], right[touching]]), lengths[touching]
