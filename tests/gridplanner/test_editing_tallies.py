"""Live tallies: incremental updates equal the full recompute, edit after edit."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_edits import OPERATIONS

from gridplanner.editing import (
    Edit,
    EditError,
    Tallies,
    assign_units,
)
from gridplanner.editing.sameness import copy_plan, plan_differences
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
