"""Live tallies: incremental updates equal the full recompute, edit after edit."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from gridplanner.editing import (
    Edit,
    EditError,
    Tallies,
    assign_grids,
    assign_units,
    merge_grids,
    merge_units,
    move_vertex,
    move_worker,
    split_grid,
    split_unit,
)
from gridplanner.editing.sameness import copy_plan, plan_differences
from gridplanner.editing.topology import units_near
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups
from gridplanner.settings import Sizing
from gridplanner.store import load_project


@pytest.fixture(scope="module")
def street_plan(sample_street_path: Path) -> Project:
    return load_project(sample_street_path)


def _same_as_recompute(tallies: Tallies, project: Project) -> None:
    expected = compute_rollups(project)
    pd.testing.assert_frame_equal(tallies.frame(expected.index), expected, check_exact=True)


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


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, len(OPERATIONS) - 1), st.integers(0, 2**32)),
        min_size=1,
        max_size=6,
    ),
    scoped=st.booleans(),
)
def test_incremental_tallies_equal_the_recompute(
    street_plan: Project, steps: list[tuple[int, int]], scoped: bool
) -> None:
    p = copy_plan(street_plan)
    if scoped:  # a community with its own sizing: moved nodes must pick up the right target
        community = str(p.level(Level.COMMUNITY)["code"].iloc[0])
        p.settings = p.settings.with_scope(community, Sizing(250.0, 150.0, 400.0))
    original = copy_plan(p)
    tallies = Tallies(p)
    applied: list[Edit] = []
    for op, seed in steps:
        try:
            edit = OPERATIONS[op](p, random.Random(seed))
        except EditError:
            continue
        edit.apply(p)
        changed = tallies.update(edit)
        applied.append(edit)
        _same_as_recompute(tallies, p)
        assert changed <= set(p.nodes.index)
    for edit in reversed(applied):
        edit.revert(p)
        tallies.update(edit.inverse())
    assert plan_differences(original, p) == []
    _same_as_recompute(tallies, p)


def test_tallies_of_the_tiny_plan(tiny_project: Project) -> None:
    p = tiny_project
    tallies = Tallies(p)
    a = p.by_code("210283001001001001")
    b = p.by_code("210283001001001002")
    assert tallies[a].households == 350 and tallies[a].workers == 1.5
    edit = assign_units(p, [p.by_code("210283001001001001002")], b)
    edit.apply(p)
    changed = tallies.update(edit)
    assert {a, b} <= changed and p.root_id in changed
    assert tallies[a].households == 300 and tallies[b].households == 170
    assert tallies[b].households_per_worker == 170.0
    assert tallies[b].deviation == pytest.approx(170 / 300 - 1)
    assert not tallies[b].in_band
    grids = tallies.level_frame(Level.GRID)
    assert grids.index.tolist() == [a, b]
    _same_as_recompute(tallies, p)
