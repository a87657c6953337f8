"""Reversible edits: painting units and grids, moving workers, exact undo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import shapely
from shapely.geometry import LineString, Point

from gridplanner.editing import (
    Edit,
    EditError,
    StaleEditError,
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
from gridplanner.errors import GridPlannerError
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.store import load_project

X0, Y0, D = 122.97, 39.70, 0.001  # as in tests/conftest.py
GA, GB = "210283001001001001", "210283001001001002"
A1, A2, B1, B2 = (f"{GA}001", f"{GA}002", f"{GB}001", f"{GB}002")


@pytest.fixture(scope="module")
def street_plan(sample_street_path: Path) -> Project:
    return load_project(sample_street_path)


def test_painting_a_unit_recodes_it_under_the_new_grid(tiny_project: Project) -> None:
    p = tiny_project
    before = copy_plan(p)
    unit, grid = p.by_code(A2), p.by_code(GB)
    edit = assign_units(p, [unit], grid)
    assert plan_differences(before, p) == []  # planning never touches the plan
    assert edit.recoded == [(unit, A2, f"{GB}003")]
    edit.apply(p)
    assert p.nodes.at[unit, "code"] == f"{GB}003"  # the id stays, the code follows the grid
    assert p.nodes.at[unit, "parent_id"] == grid
    assert p.retired_codes[A2] == unit
    # outlines are dissolved from the units
    a, b = p.nodes.at[p.by_code(GA), "geometry"], p.nodes.at[grid, "geometry"]
    assert a.equals(p.nodes.at[p.by_code(A1), "geometry"])
    assert b.area == pytest.approx(3 * D * D)
    assert (
        p.nodes.at[p.by_code("210283001001001"), "geometry"]
        is before.nodes.at[p.by_code("210283001001001"), "geometry"]
    )  # the comprehensive grid's outline did not change
    assert edit.label.startswith("网格单元 和平小区 划入 ")


def test_several_units_are_numbered_west_to_east_north_to_south(tiny_project: Project) -> None:
    p = tiny_project
    edit = assign_units(p, [p.by_code(B2), p.by_code(B1)], p.by_code(GA))
    assert dict((i, new) for i, _, new in edit.recoded) == {
        p.by_code(B1): f"{GA}003",
        p.by_code(B2): f"{GA}004",
    }


def test_retired_codes_are_never_handed_out_again(tiny_project: Project) -> None:
    p = tiny_project
    assign_units(p, [p.by_code(A2)], p.by_code(GB)).apply(p)
    unit = p.by_code(f"{GB}003")
    edit = assign_units(p, [unit], p.by_code(GA))
    assert edit.recoded == [(unit, f"{GB}003", f"{GA}003")]  # not A2, which is retired


def test_painting_into_the_own_grid_is_an_empty_edit(tiny_project: Project) -> None:
    p = tiny_project
    edit = assign_units(p, [p.by_code(A1)], p.by_code(GA))
    assert edit.is_empty
    before = copy_plan(p)
    edit.apply(p)
    assert plan_differences(before, p) == []


def test_painting_a_grid_moves_its_units_codes_along(tiny_project: Project) -> None:
    p = tiny_project
    comp = p.by_code("210283001001001")
    other = p.add_node(
        Level.COMPREHENSIVE_GRID,
        "210283001001002",
        "幸福社区第2综合网格",
        None,
        p.by_code("210283001001"),
    )
    edit = assign_grids(p, [p.by_code(GB)], other)
    edit.apply(p)
    grid = p.by_code("210283001001002001")
    assert int(p.nodes.at[grid, "parent_id"]) == other
    kids = sorted(p.children(grid)["code"])
    assert kids == ["210283001001002001001", "210283001001002001002"]
    assert {GB, B1, B2} <= set(p.retired_codes)
    assert p.nodes.at[other, "geometry"].equals(p.nodes.at[grid, "geometry"])
    assert p.nodes.at[comp, "geometry"].area == pytest.approx(2 * D * D)


def test_crossing_a_community_is_refused_unless_asked(street_plan: Project) -> None:
    p = street_plan
    units = p.level(Level.GRID_UNIT)
    grids = p.level(Level.GRID)
    unit = int(units.index[0])
    home = p.ancestors(unit)[2]
    far = next(int(g) for g in grids.index if p.ancestors(int(g))[2] != home)
    with pytest.raises(EditError, match="statistical boundaries"):
        assign_units(p, [unit], far)
    edit = assign_units(p, [unit], far, allow_cross_community=True)
    assert edit.nodes["geometry"].ids  # community outlines were re-dissolved too
    touched = set(edit.nodes["geometry"].ids)
    assert home in touched and p.ancestors(far)[2] in touched


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: assign_units(p, [p.by_code(GA)], p.by_code(GB)), f"{GA} is a grid"),
        (lambda p: assign_units(p, [p.by_code(A1)], p.by_code(B1)), f"{B1} is a grid_unit"),
        (lambda p: assign_units(p, [999], p.by_code(GB)), "no grid_unit with id 999"),
        (lambda p: move_worker(p, 999, p.by_code(GB)), "no worker with id 999"),
        (lambda p: merge_grids(p, [p.by_code(GA)]), "at least two"),
    ],
)
def test_bad_input_raises_a_clear_error(
    tiny_project: Project, call: Callable[[Project], Edit], message: str
) -> None:
    with pytest.raises(GridPlannerError, match=message):
        call(tiny_project)


def test_moving_a_worker(tiny_project: Project) -> None:
    p = tiny_project
    worker = int(p.workers.index[2])  # 王芳, grid B's only worker
    edit = move_worker(p, worker, p.by_code(GA))
    assert [w.kind for w in edit.warnings] == ["grid_without_worker"]
    assert edit.warnings[0].code == GB
    edit.apply(p)
    assert p.workers.at[worker, "grid_id"] == p.by_code(GA)


def _operations() -> list[Callable[[Project], Edit]]:
    return [
        lambda p: assign_units(p, [p.by_code(A2), p.by_code(A1)], p.by_code(GB)),
        lambda p: split_grid(
            p, p.by_code(GA), LineString([(X0 - D, Y0 + D), (X0 + 2 * D, Y0 + D)])
        ),
        lambda p: split_unit(
            p, p.by_code(A1), LineString([(X0 + D / 2, Y0), (X0 + D / 2, Y0 + 3 * D)])
        ),
        lambda p: merge_grids(p, [p.by_code(GA), p.by_code(GB)]),
        lambda p: merge_units(p, [p.by_code(A1), p.by_code(A2)]),
        lambda p: move_vertex(p, Point(X0 + D, Y0 + D), Point(X0 + 1.3 * D, Y0 + 0.8 * D)),
        lambda p: move_worker(p, int(p.workers.index[0]), p.by_code(GB)),
    ]


@pytest.mark.parametrize("index", range(len(_operations())))
def test_revert_restores_the_plan_exactly_and_apply_again_repeats(
    tiny_project: Project, index: int
) -> None:
    p = tiny_project
    original = copy_plan(p)
    edit = _operations()[index](p)
    assert not edit.is_empty
    edit.apply(p)
    after = copy_plan(p)
    assert plan_differences(original, after)
    edit.revert(p)
    assert plan_differences(original, p) == []
    edit.apply(p)
    assert plan_differences(after, p) == []
    edit.inverse().inverse().revert(p)
    assert plan_differences(original, p) == []


def test_applying_to_another_version_of_the_plan_is_refused(tiny_project: Project) -> None:
    p = tiny_project
    edit = assign_units(p, [p.by_code(A2)], p.by_code(GB))
    edit.apply(p)
    with pytest.raises(StaleEditError):
        edit.apply(p)


def test_apply_replaces_tables_instead_of_mutating_them(tiny_project: Project) -> None:
    p = tiny_project
    nodes = p.nodes
    snapshot = nodes.copy()
    assign_units(p, [p.by_code(A2)], p.by_code(GB)).apply(p)
    assert p.nodes is not nodes
    assert nodes.equals(snapshot)
    assert shapely.equals_exact(nodes.geometry.to_numpy(), snapshot.geometry.to_numpy(), 0).all()
