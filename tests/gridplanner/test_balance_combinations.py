"""Every combination a planner can pick works on the sample street: tier × mode × minimal
change × locks (× vacancies on the grid tier). No group ends in an internal error, the
deviation is reported against both the even load and the planner's target, locked grids
stay exactly as they were, and a grid without a worker never gains households unless it
was marked as a vacancy."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from gridplanner.balance import run_balance
from gridplanner.balance_request import ALL_VACANCIES, BalanceRequest, Mode
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups
from gridplanner.store import load_project

STREET = "210283101"


@pytest.fixture(scope="module")
def street(sample_street_path: Path) -> Project:
    return load_project(sample_street_path)


def _locks(project: Project, tier: Level) -> tuple[str, ...]:
    """Two ordinary parents of the first group that has three or more."""
    group_level = tier.parent
    assert group_level is not None
    for group in project.level(group_level).index:
        kids = project.children(int(group))
        kids = kids[kids["kind"] == "ordinary"]
        if len(kids) >= 3:
            return tuple(sorted(kids["code"].astype(str))[:2])
    raise AssertionError("no group with three parents")


COMBINATIONS = [
    (tier, mode, min_change, locked, vacancies)
    for tier, mode, min_change, locked, vacancies in itertools.product(
        (Level.GRID, Level.COMPREHENSIVE_GRID), Mode, (False, True), (False, True), (False, True)
    )
    if not (vacancies and tier is Level.COMPREHENSIVE_GRID)
]


@pytest.mark.parametrize(
    ("tier", "mode", "min_change", "locked", "vacancies"),
    COMBINATIONS,
    ids=[
        f"{t.value}-{m.value}-{'min' if c else 'scratch'}-{'locks' if lk else 'nolocks'}"
        f"{'-vacancies' if v else ''}"
        for t, m, c, lk, v in COMBINATIONS
    ],
)
def test_every_combination_works(
    street: Project, tier: Level, mode: Mode, min_change: bool, locked: bool, vacancies: bool
) -> None:
    locks = _locks(street, tier) if locked else ()
    request = BalanceRequest(
        STREET,
        tier=tier,
        mode=mode,
        count=3 if mode is Mode.COUNT else None,
        min_change=min_change,
        locked=locks,
        vacancies=(ALL_VACANCIES,) if vacancies else (),
        seed=3,
    )
    result = run_balance(street, request)
    assert [g.code for g in result.groups if g.error is not None] == []
    assert result.balanced
    for group in result.balanced:
        assert group.report is not None and group.report.all_contiguous, group.code
        assert math.isfinite(group.report.max_abs_deviation)  # against the even load
        assert math.isfinite(group.max_target_deviation)  # against the planner's target
        assert group.target > 0
    plan, before, after = result.project, compute_rollups(street), compute_rollups(result.project)
    for code in locks:  # locked parents keep exactly their children
        node = street.by_code(code)
        assert set(plan.children(node).index) == set(street.children(node).index)
    if tier is Level.GRID and mode is Mode.KEEP:
        grids = street.level(Level.GRID)
        unstaffed = [
            g for g in grids.index
            if before.at[g, "workers"] == 0 and grids.at[g, "kind"] == "ordinary"
        ]  # fmt: skip
        assert unstaffed
        gained = [g for g in unstaffed if after.at[g, "households"] > before.at[g, "households"]]
        if not vacancies:
            assert gained == []
    assert after.at[plan.root_id, "households"] == before.at[street.root_id, "households"]
