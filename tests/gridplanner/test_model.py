"""Model invariants: levels, parents, codes and ids are checked on every addition."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from gridplanner.errors import CodeError, ModelError
from gridplanner.levels import Level
from gridplanner.model import Project


def test_tree_walks_depth_first_by_code(tiny_project: Project) -> None:
    walked = [(d, tiny_project.nodes.at[i, "code"]) for d, i in tiny_project.iter_tree()]
    assert walked[0] == (0, "210283")
    assert [d for d, _ in walked] == [0, 1, 2, 3, 4, 5, 5, 4, 5, 5]
    assert [c for _, c in walked][-2:] == ["210283001001001002001", "210283001001001002002"]


def test_ancestors_and_lookup(tiny_project: Project) -> None:
    unit = tiny_project.by_code("210283001001001002002")
    chain = [tiny_project.nodes.at[i, "code"] for i in tiny_project.ancestors(unit)]
    assert chain == [
        "210283",
        "210283001",
        "210283001001",
        "210283001001001",
        "210283001001001002",
        "210283001001001002002",
    ]
    assert tiny_project.node_level(unit) is Level.GRID_UNIT
    assert tiny_project.district_code == "210283"
    with pytest.raises(ModelError, match="no node has code"):
        tiny_project.by_code("999")


def test_a_child_must_sit_under_the_level_above(tiny_project: Project) -> None:
    community = tiny_project.by_code("210283001001")
    with pytest.raises(ModelError, match="must sit under a comprehensive_grid"):
        tiny_project.add_node(Level.GRID, "210283001001001003", "x", box(0, 0, 1, 1), community)


def test_codes_must_extend_the_parent_and_be_unique(tiny_project: Project) -> None:
    grid = tiny_project.by_code("210283001001001001")
    with pytest.raises(CodeError, match="does not start with its parent"):
        tiny_project.add_node(Level.GRID_UNIT, "210283001001001002009", "x", None, grid)
    with pytest.raises(CodeError, match="already used"):
        tiny_project.add_node(Level.GRID_UNIT, "210283001001001001001", "x", None, grid)


def test_retired_codes_are_never_reused(tiny_project: Project) -> None:
    grid = tiny_project.by_code("210283001001001001")
    tiny_project.retired_codes["210283001001001001003"] = 999
    with pytest.raises(CodeError, match="retired"):
        tiny_project.add_node(Level.GRID_UNIT, "210283001001001001003", "x", None, grid)


def test_ids_are_stable_and_never_reused(tiny_project: Project) -> None:
    before = set(tiny_project.nodes.index) | set(tiny_project.buildings.index)
    new = tiny_project.new_ids(3)
    assert not set(new.tolist()) & before
    assert len(set(new.tolist())) == 3


def test_one_district_only() -> None:
    project = Project()
    project.add_node(Level.DISTRICT, "210283", "示例", None)
    with pytest.raises(ModelError, match="already has a district"):
        project.add_node(Level.DISTRICT, "210282", "示例2", None)


def test_history_numbers_versions(tiny_project: Project) -> None:
    version = tiny_project.record_version("王科长", "调整网格")
    assert version.version == 2 and tiny_project.history[-1].author == "王科长"


def test_counts(tiny_project: Project) -> None:
    assert tiny_project.counts() == {
        "district": 1,
        "street": 1,
        "community": 1,
        "comprehensive_grid": 1,
        "grid": 2,
        "grid_unit": 4,
        "building": 6,
        "worker": 3,
    }


def test_level_parsing() -> None:
    assert Level.parse("unit") is Level.GRID_UNIT
    assert Level.parse("综合网格") is Level.COMPREHENSIVE_GRID
    with pytest.raises(ValueError, match="unknown level"):
        Level.parse("province")
