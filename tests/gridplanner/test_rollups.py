"""Rollups: households, workers and load at every level, scoped sizing, dedicated grids."""

from __future__ import annotations

import math

import pytest

from gridplanner.levels import NodeKind
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups
from gridplanner.settings import Sizing


def test_rollups_sum_up_the_tree(tiny_project: Project) -> None:
    r = compute_rollups(tiny_project)
    code = tiny_project.by_code
    assert r.at[code("210283001001001001001"), "households"] == 300
    assert r.at[code("210283001001001002002"), "households"] == 0
    assert r.at[code("210283001001001001"), "households"] == 350
    assert r.at[code("210283001001001001"), "workers"] == 1.5
    assert r.at[code("210283001001001001"), "worker_count"] == 2
    assert r.at[code("210283001001001001"), "households_per_worker"] == pytest.approx(350 / 1.5)
    assert r.at[code("210283001001001002"), "households_per_worker"] == 120
    root = tiny_project.root_id
    assert r.at[root, "households"] == 470 and r.at[root, "population"] == 1160
    assert r.at[root, "workers"] == 2.5 and r.at[root, "buildings"] == 6
    assert r.at[root, "deviation"] == pytest.approx(470 / 2.5 / 300 - 1)


def test_band_and_deviation(tiny_project: Project) -> None:
    r = compute_rollups(tiny_project)
    a, b = tiny_project.by_code("210283001001001001"), tiny_project.by_code("210283001001001002")
    assert bool(r.at[a, "in_band"]) and not bool(r.at[b, "in_band"])  # 233 in, 120 below 200
    assert r.at[b, "deviation"] == pytest.approx(120 / 300 - 1)


def test_scope_sizing_overrides_the_default(tiny_project: Project) -> None:
    tiny_project.settings = tiny_project.settings.with_scope("210283001001", Sizing(100, 80, 150))
    r = compute_rollups(tiny_project)
    b = tiny_project.by_code("210283001001001002")
    assert r.at[b, "target"] == 100 and bool(r.at[b, "in_band"])
    assert r.at[tiny_project.root_id, "target"] == 300  # above the scope: default


def test_dedicated_grids_are_exempt_from_the_band(tiny_project: Project) -> None:
    b = tiny_project.by_code("210283001001001002")
    tiny_project.nodes.loc[b, "kind"] = NodeKind.DEDICATED.value
    assert bool(compute_rollups(tiny_project).at[b, "in_band"])


def test_a_grid_without_workers_has_no_ratio(tiny_project: Project) -> None:
    b = tiny_project.by_code("210283001001001002")
    tiny_project.workers = tiny_project.workers[tiny_project.workers["grid_id"] != b]
    r = compute_rollups(tiny_project)
    assert r.at[b, "workers"] == 0 and math.isnan(r.at[b, "households_per_worker"])
    assert not bool(r.at[b, "in_band"])


def test_buildings_in_no_unit_count_nowhere(tiny_project: Project) -> None:
    first = tiny_project.buildings.index[0]
    tiny_project.buildings.loc[first, "unit_id"] = None
    assert compute_rollups(tiny_project).at[tiny_project.root_id, "households"] == 370


def test_sizing_needs_an_ordered_band() -> None:
    with pytest.raises(ValueError, match="band_min"):
        Sizing(target=600, band_min=200, band_max=500)
