"""Rebalancing a plan: contiguous grids, new codes with lineage, minimal change, workers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from gridplanner.balance import run_balance
from gridplanner.balance_request import BalanceRequest, Mode
from gridplanner.cli import main
from gridplanner.errors import PlannerError
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


@pytest.fixture(scope="module")
def understaffed_code(sample_street_path: Path) -> str:
    defects = json.loads(sample_street_path.with_suffix(".defects.json").read_text("utf-8"))
    return next(d["codes"][0] for d in defects if d["kind"] == "community_out_of_band")


def _grids_under(project: Project, code: str) -> list[int]:
    scope = project.by_code(code)
    return [g for g in project.level(Level.GRID).index if scope in project.ancestors(g)]


def test_keeping_grids_keeps_every_grid_whole(street: Project, unbalanced_code: str) -> None:
    before = street.nodes.copy()
    result = run_balance(street, BalanceRequest(unbalanced_code, seed=1))
    plan = result.project
    assert street.nodes.equals(before)  # the input plan is untouched
    for grid in _grids_under(plan, unbalanced_code):
        geom = plan.nodes.at[grid, "geometry"]
        assert geom is not None and geom.geom_type == "Polygon", plan.nodes.at[grid, "code"]
    assert all(g.report is not None and g.report.all_contiguous for g in result.balanced)
    # ±5% is reached wherever the units allow it; elsewhere the report proves it cannot be
    reports = [g.report for g in result.balanced if g.report is not None]
    assert all(r.within_band or r.band_impossible for r in reports)
    assert any(r.band_impossible for r in reports)  # the sample has such a comprehensive grid
    assert set(plan.level(Level.GRID_UNIT).index) == set(street.level(Level.GRID_UNIT).index)
    assert (
        compute_rollups(plan).at[plan.root_id, "households"]
        == compute_rollups(street).at[street.root_id, "households"]
    )


def test_moved_units_get_new_codes_and_old_codes_retire(
    street: Project, unbalanced_code: str
) -> None:
    result = run_balance(street, BalanceRequest(unbalanced_code, seed=1))
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
    for community in street.level(Level.COMMUNITY).index:
        grids = _grids_under(street, str(street.nodes.at[community, "code"]))
        ordinary = [g for g in grids if street.nodes.at[g, "kind"] == "ordinary"]
        if ordinary and rollups.loc[ordinary, "in_band"].all() and len(ordinary) >= 3:
            break
    else:
        pytest.fail("the sample should have a community whose grids are all in band")
    code = str(street.nodes.at[community, "code"])
    result = run_balance(street, BalanceRequest(code, min_change=True))
    assert result.households_moved == 0 and result.recoded == []
    assert all(g.report is not None and g.report.within_band for g in result.balanced)
    assert all(g.staffing is not None and g.staffing.for_band == 0 for g in result.balanced)


def test_min_change_moves_fewer_households_than_from_scratch(
    street: Project, unbalanced_code: str
) -> None:
    scratch = run_balance(street, BalanceRequest(unbalanced_code, seed=0))
    gentle = run_balance(street, BalanceRequest(unbalanced_code, seed=0, min_change=True))
    assert 0 < gentle.households_moved < scratch.households_moved
    rollups = compute_rollups(gentle.project)
    before = compute_rollups(street)
    grids = [
        g for g in _grids_under(street, unbalanced_code) if street.nodes.at[g, "kind"] == "ordinary"
    ]
    assert (~before.loc[grids, "in_band"]).sum() > (~rollups.loc[grids, "in_band"]).sum()


def test_redesign_into_a_number_of_grids_creates_and_retires(
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
    result = run_balance(street, BalanceRequest(code, mode=Mode.COUNT, count=2))
    plan = result.project
    grids = plan.children(plan.by_code(code))
    assert len(grids) == 2
    assert len(result.retired) == before - 2
    assert all(c in plan.retired_codes for c in result.retired)
    orphans = plan.workers.loc[result.workers_without_grid, "grid_id"]
    assert orphans.isna().all()
    units = plan.children(grids.index[0]).geometry.to_numpy()
    assert shapely.union_all(units).equals(plan.nodes.at[grids.index[0], "geometry"])


def test_a_redesign_says_where_every_worker_goes(street: Project, unbalanced_code: str) -> None:
    result = run_balance(street, BalanceRequest(unbalanced_code, mode=Mode.TARGET, target=300))
    plan = result.project
    workers_before = street.workers[
        street.workers["grid_id"].isin(_grids_under(street, unbalanced_code))
    ]
    moved = {m.worker_id: m for m in result.worker_moves}
    for worker, row in workers_before.iterrows():
        grid = plan.workers.at[worker, "grid_id"]
        if worker in moved:  # reported: to a grid of the new plan, or left without one
            code = moved[worker].to_code
            assert (code is None) == bool(grid is None or grid != grid)
            if code is not None:
                assert plan.nodes.at[int(grid), "code"] == code
        else:  # stays with its grid
            assert int(grid) == int(row["grid_id"])
    rollups = compute_rollups(plan)
    for code, missing in result.needing_worker.items():
        grid = plan.by_code(code)
        assert rollups.at[grid, "workers"] == pytest.approx(max(0.0, 1 - missing))
    for group in result.balanced:  # every new grid has about one full-time worker, or is listed
        for code in group.parents:
            grid = plan.by_code(code)
            assert rollups.at[grid, "workers"] >= 1 - 1e-9 or code in result.needing_worker
    assert not (set(result.workers_without_grid) - set(workers_before.index))


def test_a_grid_without_a_worker_receives_no_households(street: Project) -> None:
    rollups = compute_rollups(street)
    grids = street.level(Level.GRID)
    unstaffed = [
        g
        for g in grids.index
        if rollups.at[g, "workers"] == 0 and grids.at[g, "kind"] == "ordinary"
    ]
    assert unstaffed, "the sample has grids without a worker"
    street_code = str(street.level(Level.STREET)["code"].iloc[0])
    for min_change in (False, True):
        result = run_balance(street, BalanceRequest(street_code, min_change=min_change))
        after = compute_rollups(result.project)
        for grid in unstaffed:
            assert after.at[grid, "households"] <= rollups.at[grid, "households"]
        assert any(
            str(street.nodes.at[g, "code"]) in out.kept for out in result.groups for g in unstaffed
        )
    # marked as a vacancy, the grid takes part as if a worker were coming
    code = str(street.nodes.at[unstaffed[0], "code"])
    result = run_balance(street, BalanceRequest(street_code, vacancies=(code,)))
    group = next(g for g in result.groups if code in g.vacancies)
    assert code not in group.kept and code in group.parents


def test_staffing_and_granularity_are_told_apart(
    street: Project, understaffed_code: str, unbalanced_code: str
) -> None:
    result = run_balance(street, BalanceRequest(understaffed_code))
    for group in result.balanced:
        assert group.staffing is not None and group.staffing.for_band >= 1
        words = [w.en for w in group.reasons()]
        assert any(w.startswith("understaffed: about") for w in words)
    result = run_balance(street, BalanceRequest(unbalanced_code))
    proven = [g for g in result.balanced if g.report is not None and g.report.band_impossible]
    assert proven
    for group in proven:
        assert group.staffing is not None and group.staffing.for_band == 0
        assert [w.en.split(":")[0] for w in group.reasons()] == ["units too coarse"]


def test_requests_are_refused_in_the_planners_words(street: Project) -> None:
    grid_code = str(street.level(Level.GRID)["code"].iloc[0])
    cases = [
        (BalanceRequest(grid_code), "在它之内不能重新划分网格", "can't be regrouped inside it"),
        (BalanceRequest("999"), "找不到编码为 999 的区域", "no area has the code 999"),
        (BalanceRequest("210283", mode=Mode.TARGET, target=float("nan")), "目标户数", "target"),
        (BalanceRequest("210283", mode=Mode.COUNT, count=0), "网格数必须", "whole number"),
        (BalanceRequest("210283", mode=Mode.COUNT, count=10_000), "超出范围", "out of range"),
        (BalanceRequest("210283", tolerance=-1), "允许偏差", "tolerance"),
        (BalanceRequest("210283", locked=("123",)), "锁定的网格 123", "locked grid 123"),
        (BalanceRequest("210283", vacancies=(grid_code,)), "不是空缺岗位", "not a vacancy"),
    ]
    for request, zh, en in cases:
        with pytest.raises(PlannerError) as caught:
            run_balance(street, request)
        assert zh in caught.value.message("zh") and en in caught.value.message("en")
        assert "--" not in caught.value.message("zh") + caught.value.message("en")


def test_balance_cli_writes_a_new_version(
    sample_street_path: Path,
    unbalanced_code: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "balanced.gpkg"
    report = tmp_path / "report.json"
    argv = ["balance", str(sample_street_path), "--scope", unbalanced_code, "--min-change"]
    assert main([*argv, "--out", str(out), "--report", str(report), "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert f"wrote {out}" in text
    assert "4 within their tolerance, 1 where it is proven out of reach" in text
    assert "proven out of reach" in text
    plan = load_project(out)
    name = plan.nodes.at[plan.by_code(unbalanced_code), "name"]
    assert plan.history[-1].summary.startswith(f"重新平衡 {name}")
    data = json.loads(report.read_text("utf-8"))
    assert data["households_moved"] > 0 and data["recoded"]
    assert sum(g["report"]["band_impossible"] for g in data["groups"]) == 1


def test_the_bar_target_with_minimal_change_on_the_street(
    sample_street_path: Path, understaffed_code: str, tmp_path: Path
) -> None:
    """`balance street.gpkg --scope 210283101 --target 300 --min-change --report r.json`."""
    report = tmp_path / "r.json"
    argv = ["balance", str(sample_street_path), "--scope", "210283101", "--target", "300"]
    assert (
        main([*argv, "--min-change", "--out", str(tmp_path / "t.gpkg"), "--report", str(report)])
        == 0
    )
    groups = json.loads(report.read_text("utf-8"))["groups"]
    assert len(groups) == 30
    assert all(g["error"] is None for g in groups)
    for g in groups:
        assert g["workers_needed"] >= 0 and "max_deviation_from_target" in g
        if g["code"].startswith(understaffed_code):
            assert g["workers_needed"] >= 1
        elif g["in_band_after"] == len(g["grids"]) and "unstaffed" not in g["kept"].values():
            assert g["workers_needed"] == 0  # every grid in band: nobody is missing
            assert not any(r["en"].startswith("understaffed") for r in g["reasons"])


def test_the_whole_balance_is_one_reversible_edit(street: Project, unbalanced_code: str) -> None:
    from gridplanner.editing.sameness import copy_plan, plan_differences

    for request in (
        BalanceRequest(unbalanced_code, seed=2),
        BalanceRequest(unbalanced_code, mode=Mode.TARGET, target=250, min_change=True),
    ):
        result = run_balance(street, request)
        assert not result.edit.is_empty
        plan = copy_plan(street)
        result.edit.apply(plan)
        assert plan_differences(plan, result.project) == []  # history is not compared
        result.edit.revert(plan)
        assert plan_differences(street, plan) == []


def test_grids_regroup_into_comprehensive_grids(street: Project) -> None:
    from gridplanner.editing.sameness import copy_plan, plan_differences

    street_code = str(street.level(Level.STREET)["code"].iloc[0])
    result = run_balance(street, BalanceRequest(street_code, tier=Level.COMPREHENSIVE_GRID))
    plan = result.project
    comps = plan.level(Level.COMPREHENSIVE_GRID)
    assert len(comps) == len(street.level(Level.COMPREHENSIVE_GRID))
    assert set(comps.geometry.geom_type) == {"Polygon"}  # every one in one piece
    assert all(g.report is not None and g.report.all_contiguous for g in result.balanced)
    for grid in plan.level(Level.GRID).index:  # grids never leave their community
        before, after = street.ancestors(grid)[:3], plan.ancestors(grid)[:3]
        assert before == after
        parent = int(plan.nodes.at[grid, "parent_id"])
        assert str(plan.nodes.at[grid, "code"]).startswith(str(plan.nodes.at[parent, "code"]))
    for unit in plan.level(Level.GRID_UNIT).index:
        parent = int(plan.nodes.at[unit, "parent_id"])
        assert str(plan.nodes.at[unit, "code"]).startswith(str(plan.nodes.at[parent, "code"]))
    assert plan.nodes["code"].is_unique

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
    undone = copy_plan(plan)
    result.edit.revert(undone)
    assert plan_differences(street, undone) == []


def test_comprehensive_grid_level_from_the_cli(
    sample_street_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tier.gpkg"
    argv = ["balance", str(sample_street_path), "--scope", "210283101"]
    assert main([*argv, "--level", "comprehensive_grid", "--min-change", "--out", str(out)]) == 0
    assert "组达到允许偏差" in capsys.readouterr().out
    plan = load_project(out)
    name = plan.nodes.at[plan.by_code("210283101"), "name"]
    assert plan.history[-1].summary.startswith(f"综合网格重新平衡 {name}")


def test_refusals_name_units_not_indices() -> None:
    from gridplanner.algorithms import InfeasibleError
    from gridplanner.balance_words import infeasible_words

    error = InfeasibleError("island", "units 3 form an island", units=[3])
    words = infeasible_words(error, ["甲小区", "乙小区", "丙小区", "新通泰屯"], locked=True)
    assert "新通泰屯" in words.zh and "新通泰屯" in words.en
    assert "锁定" in words.zh and "3" not in words.en
    many = infeasible_words(InfeasibleError("island", "x", units=range(10)), [str(i) for i in
                            range(10)])  # fmt: skip
    assert many.en.endswith("and 2 more") and "等 10 个" in many.zh
