"""Random plan edits for property tests: each picks its target with a seeded RNG and
returns an Edit (or raises EditError when the plan offers nothing to do)."""

from __future__ import annotations

import random
from collections.abc import Callable

from shapely.geometry import LineString, Point

from gridplanner.editing import (
    Edit,
    EditError,
    assign_grids,
    assign_units,
    merge_grids,
    merge_units,
    move_vertex,
    move_worker,
    split_grid,
    split_unit,
)
from gridplanner.editing.topology import units_near
from gridplanner.levels import Level
from gridplanner.model import Project


def _pick(rng: random.Random, items: list[int]) -> int:
    return items[rng.randrange(len(items))]


def _siblings(p: Project, node: int) -> list[int]:
    parent = p.nodes.at[node, "parent_id"]
    return [int(i) for i in p.nodes.index[p.nodes["parent_id"] == parent] if i != node]


def _community(p: Project, node: int) -> int:
    return p.ancestors(node)[2]


def _across(shape: object) -> LineString:
    minx, _, maxx, _ = shape.bounds  # type: ignore[attr-defined]
    y = shape.centroid.y  # type: ignore[attr-defined]
    return LineString([(minx - 0.01, y), (maxx + 0.01, y)])


def _paint(p: Project, rng: random.Random) -> Edit:
    unit = _pick(rng, p.level(Level.GRID_UNIT).index.tolist())
    shape = p.nodes.at[unit, "geometry"]
    home = int(p.nodes.at[unit, "parent_id"])
    grids = {int(p.nodes.at[u, "parent_id"]) for u in units_near(p, shape)} - {home}
    grids = {g for g in grids if _community(p, g) == _community(p, unit)}
    if not grids:
        raise EditError("no neighbouring grid")
    return assign_units(p, [unit], _pick(rng, sorted(grids)))


def _worker(p: Project, rng: random.Random) -> Edit:
    grid = _pick(rng, p.level(Level.GRID).index.tolist())
    return move_worker(
        p, _pick(rng, p.workers.index.tolist()), None if rng.random() < 0.2 else grid
    )


def _merge_units(p: Project, rng: random.Random) -> Edit:
    unit = _pick(rng, p.level(Level.GRID_UNIT).index.tolist())
    shape = p.nodes.at[unit, "geometry"]
    mates = [
        u for u in _siblings(p, unit) if shape.intersection(p.nodes.at[u, "geometry"]).length > 0
    ]
    if not mates:
        raise EditError("no touching sibling")
    return merge_units(p, [unit, _pick(rng, mates)])


def _split_unit(p: Project, rng: random.Random) -> Edit:
    unit = _pick(rng, p.level(Level.GRID_UNIT).index.tolist())
    return split_unit(p, unit, _across(p.nodes.at[unit, "geometry"]))


def _merge_grids(p: Project, rng: random.Random) -> Edit:
    grid = _pick(rng, p.level(Level.GRID).index.tolist())
    mates = _siblings(p, grid)
    if not mates:
        raise EditError("no sibling grid")
    return merge_grids(p, [grid, _pick(rng, mates)])


def _split_grid(p: Project, rng: random.Random) -> Edit:
    grid = _pick(rng, p.level(Level.GRID).index.tolist())
    shape = p.nodes.at[grid, "geometry"]
    if shape is None:
        raise EditError("empty grid")
    return split_grid(p, grid, _across(shape))


def _move_grid(p: Project, rng: random.Random) -> Edit:
    grid = _pick(rng, p.level(Level.GRID).index.tolist())
    comp = int(p.nodes.at[grid, "parent_id"])
    comps = [c for c in _siblings(p, comp)]
    if not comps:
        raise EditError("one comprehensive grid only")
    return assign_grids(p, [grid], _pick(rng, comps))


def _reshape(p: Project, rng: random.Random) -> Edit:
    unit = _pick(rng, p.level(Level.GRID_UNIT).index.tolist())
    shape = p.nodes.at[unit, "geometry"]
    coords = list(shape.exterior.coords)
    x, y = coords[rng.randrange(len(coords) - 1)]
    c = shape.centroid
    return move_vertex(p, Point(x, y), Point(x + 0.1 * (c.x - x), y + 0.1 * (c.y - y)))


OPERATIONS: list[Callable[[Project, random.Random], Edit]] = [
    _paint, _paint, _paint, _worker, _merge_units, _split_unit, _merge_grids, _split_grid,
    _move_grid, _reshape,
]  # fmt: skip
