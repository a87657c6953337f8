"""Rebalancing a plan: contiguous grids, new codes with lineage, minimal change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from gridplanner.balance import BalanceOptions, balance_scope
from gridplanner.cli import main
from gridplanner.errors import GridPlannerError
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups
from gridplanner.store import load_project


@pytest.fixture(scope="module")
def street(sample_street_path: Path) -> Project:
    return load_project(sample_street_path)


@pytest.fixture(scope="module")
def unbalanced_code(sample_street_path: Path) -> str:
    defects = json.loads(sample_street_path.with_suffix(".defects.json").read_text("utf-8"))
    return next(d["codes"][0] for d in defects if d["kind"] == "unbalanced_community")


def _grids_under(project: Project, code: str) -> list[int]:
    scope = project.by_code(code)
    return [g for g in project.level(Level.GRID).index if scope in project.ancestors(g)]


def test_from_scratch_keeps_every_grid_whole(street: Project, unbalanced_code: str) -> None:
    before = street.nodes.copy()
    result = balance_scope(street, unbalanced_code, BalanceOptions(seed=1))
    plan = result.project
    assert street.nodes.equals(before)  # the input plan is untouched
    for grid in _grids_under(plan, unbalanced_code):
        geom = plan.nodes.at[grid, "geometry"]
        assert geom is not None and geom.geom_type == "Polygon", plan.nodes.at[grid, "code"]
    assert all(g.report is not None and g.report.all_contiguous for g in result.groups)
    # ±5% is reached wherever the units allow it; elsewhere the report proves it cannot be
    reports = [g.report for g in result.groups if g.report is not None]
    assert all(r.within_band or r.band_impossible for r in reports)
    assert any(r.band_impossible for r in reports)  # the sample has such a comprehensive grid
    # same units, same ids, households preserved
    assert set(plan.level(Level.GRID_UNIT).index) == set(street.level(Level.GRID_UNIT).index)
    assert (
        compute_rollups(plan).at[plan.root_id, "households"]
        == compute_rollups(street).at[street.root_id, "households"]
    )


def test_moved_units_get_new_codes_and_old_codes_retire(
    street: Project, unbalanced_code: str
) -> None:
    result = balance_scope(street, unbalanced_code, BalanceOptions(seed=1))
    plan = result.project
    assert result.recoded
    scheme = plan.settings.code_scheme
    for unit_id, old, new in result.recoded:
        assert plan.nodes.at[unit_id, "code"] == new
        assert plan.retired_codes[old] == unit_id
        parent = int(plan.nodes.at[unit_id, "parent_id"])
        assert new.startswith(plan.nodes.at[parent, "code"])
        assert scheme.problems(new, Level.GRID_UNIT, plan.nodes.at[parent, "code"]) == []
    assert plan.nodes["code"].is_unique
    assert not set(plan.nodes["code"]) & set(plan.retired_codes)
    assert plan.history[-1].author == "gridplanner balance"


def test_min_change_on_a_plan_in_band_moves_nothing(street: Project) -> None:
    rollups = compute_rollups(street)
    communities = street.level(Level.COMMUNITY).index
    for community in communities:
        grids = _grids_under(street, str(street.nodes.at[community, "code"]))
        ordinary = [g for g in grids if street.nodes.at[g, "kind"] == "ordinary"]
        if ordinary and rollups.loc[ordinary, "in_band"].all() and len(ordinary) >= 3:
            break
    else:
        pytest.fail("the sample should have a community whose grids are all in band")
    code = str(street.nodes.at[community, "code"])
    result = balance_scope(street, code, BalanceOptions(min_change=True))
    assert result.households_moved == 0 and result.recoded == []
    assert all(g.report is not None and g.report.within_band for g in result.groups)


def test_min_change_moves_fewer_households_than_from_scratch(
    street: Project, unbalanced_code: str
) -> None:
    scratch = balance_scope(street, unbalanced_code, BalanceOptions(seed=0))
    gentle = balance_scope(street, unbalanced_code, BalanceOptions(seed=0, min_change=True))
    assert 0 < gentle.households_moved < scratch.households_moved
    rollups = compute_rollups(gentle.project)
    before = compute_rollups(street)
    grids = [
        g for g in _grids_under(street, unbalanced_code) if street.nodes.at[g, "kind"] == "ordinary"
    ]
    assert (~before.loc[grids, "in_band"]).sum() > (~rollups.loc[grids, "in_band"]).sum()


def test_redesign_into_parts_creates_and_retires_grids(
    street: Project, unbalanced_code: str
) -> None:
    comp = next(
        c
        for c in street.level(Level.COMPREHENSIVE_GRID).index
        if str(street.nodes.at[c, "code"]).startswith(unbalanced_code)
        and len(street.children(c)) >= 3
    )
    code = str(street.nodes.at[comp, "code"])
    before = len(street.children(comp))
    result = balance_scope(street, code, BalanceOptions(parts=2))
    plan = result.project
    grids = plan.children(plan.by_code(code))
    assert len(grids) == 2
    assert len(result.retired_grids) == before - 2
    assert all(c in plan.retired_codes for c in result.retired_grids)
    orphans = plan.workers.loc[result.workers_without_grid, "grid_id"]
    assert orphans.isna().all()
    units = plan.children(grids.index[0]).geometry.to_numpy()
    assert shapely.union_all(units).equals(plan.nodes.at[grids.index[0], "geometry"])


def test_scope_must_be_a_group_level(street: Project) -> None:
    grid_code = str(street.level(Level.GRID)["code"].iloc[0])
    with pytest.raises(GridPlannerError, match="balance a district, street, community"):
        balance_scope(street, grid_code)
    with pytest.raises(GridPlannerError, match="no node has code"):
        balance_scope(street, "999")


def test_balance_cli_writes_a_new_version(
    sample_street_path: Path,
    unbalanced_code: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "balanced.gpkg"
    report = tmp_path / "report.json"
    status = main(
        [
            "balance",
            str(sample_street_path),
            "--scope",
            unbalanced_code,
            "--min-change",
            "--out",
            str(out),
            "--report",
            str(report),
        ]
    )
    assert status == 0
    text = capsys.readouterr().out
    assert "all grids contiguous: yes" in text and f"wrote {out}" in text
    assert "4 within their band, 1 where the band is proven out of reach" in text
    assert "不可达" in text  # the 达标 column of the comprehensive grid that cannot make it
    plan = load_project(out)
    assert plan.history[-1].summary.startswith(f"重新平衡 {unbalanced_code}")
    data = json.loads(report.read_text("utf-8"))
    assert data["households_moved"] > 0 and data["recoded"]
    assert sum(g["report"]["band_impossible"] for g in data["groups"]) == 1


def test_the_whole_balance_is_one_reversible_edit(street: Project, unbalanced_code: str) -> None:
    from gridplanner.editing.sameness import copy_plan, plan_differences

    result = balance_scope(street, unbalanced_code, BalanceOptions(seed=2))
    assert result.edit is not None and not result.edit.is_empty
    plan = copy_plan(street)
    result.edit.apply(plan)
    assert plan_differences(plan, result.project) == []  # history is not compared
    result.edit.revert(plan)
    assert plan_differences(street, plan) == []


def test_grids_regroup_into_comprehensive_grids(street: Project) -> None:
    from gridplanner.balance_tier import balance_comprehensive_grids
    from gridplanner.editing.sameness import copy_plan, plan_differences

    street_code = str(street.level(Level.STREET)["code"].iloc[0])
    result = balance_comprehensive_grids(street, street_code, BalanceOptions(seed=0))
    plan = result.project
    comps = plan.level(Level.COMPREHENSIVE_GRID)
    assert len(comps) == len(street.level(Level.COMPREHENSIVE_GRID))
    assert set(comps.geometry.geom_type) == {"Polygon"}  # every one in one piece
    assert all(g.report is not None and g.report.all_contiguous for g in result.groups)
    # grids never leave their community, and codes follow the new prefixes
    for grid in plan.level(Level.GRID).index:
        before, after = street.ancestors(grid)[:3], plan.ancestors(grid)[:3]
        assert before == after
        parent = int(plan.nodes.at[grid, "parent_id"])
        assert str(plan.nodes.at[grid, "code"]).startswith(str(plan.nodes.at[parent, "code"]))
    for unit in plan.level(Level.GRID_UNIT).index:
        parent = int(plan.nodes.at[unit, "parent_id"])
        assert str(plan.nodes.at[unit, "code"]).startswith(str(plan.nodes.at[parent, "code"]))
    assert plan.nodes["code"].is_unique

    # more even than before: the worst community's spread shrinks
    def worst(project: Project) -> float:
        rollups = compute_rollups(project)
        spread = 0.0
        for community in project.level(Level.COMMUNITY).index:
            comps = project.children(int(community)).index
            if len(comps) >= 2:
                households = rollups.loc[comps, "households"].to_numpy(dtype=float)
                spread = max(spread, float(households.max() / households.mean() - 1))
        return spread

    assert worst(plan) < worst(street)
    assert result.edit is not None
    undone = copy_plan(plan)
    result.edit.revert(undone)
    assert plan_differences(street, undone) == []


def test_comprehensive_grid_level_from_the_cli(
    sample_street_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tier.gpkg"
    assert (
        main(
            [
                "balance",
                str(sample_street_path),
                "--scope",
                "210283001",
                "--level",
                "comprehensive_grid",
                "--min-change",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "all comprehensive grids contiguous: yes" in text
    assert load_project(out).history[-1].summary.startswith("综合网格重新平衡 210283001")
