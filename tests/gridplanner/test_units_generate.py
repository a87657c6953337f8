"""Generated grid units on a generated sample street: the bars, the edit, the inputs."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString

from gridplanner.audit import run_audit
from gridplanner.cli import main
from gridplanner.crs import STORAGE_CRS
from gridplanner.errors import PlannerError
from gridplanner.exchange.importing import ImportOptions, import_into
from gridplanner.levels import Level, NodeKind
from gridplanner.model import Project
from gridplanner.sample import generate_sample
from gridplanner.store import load_project, save_project
from gridplanner.units_check import check_units
from gridplanner.units_generate import GeneratedUnits, UnitRequest, generate_units

COVERAGE = {"gap", "overlap", "sliver", "outside_parent", "building_multiple",
            "building_unit_mismatch", "invalid_geometry", "empty_geometry",
            "noncontiguous"}  # fmt: skip


@pytest.fixture(scope="module")
def street() -> Project:
    return generate_sample("street", 0)[0]


@pytest.fixture(scope="module")
def generated(street: Project) -> GeneratedUnits:
    return generate_units(street, UnitRequest(street.district_code))


def community(project: Project, index: int = 0) -> int:
    """A community with an ordinary comprehensive grid, biggest first."""
    frame = project.level(Level.COMMUNITY).to_crs(project.measuring_crs())
    return int(frame.area.sort_values(ascending=False).index[index])


def test_the_units_of_the_street_meet_the_bars(street: Project, generated: GeneratedUnits) -> None:
    after = generated.edit.apply(street.copy())
    check = check_units(after, street.district_code, 150, 20)
    assert check.crossing_major_roads == []
    assert check.buildings_unassigned == []
    assert check.over_max == [] and check.max_households_several <= 150
    assert set(check.under_min) <= {str(after.nodes.at[u, "code"]) for u in generated.kept}
    found = {(f.check, f.level) for f in run_audit(after).findings if f.check in COVERAGE}
    assert found == set()
    district = after.nodes.at[after.root_id, "geometry"]
    outside = [f for f in run_audit(after).findings if f.check == "building_outside"]
    assert all(
        not district.intersects(after.buildings.geometry.loc[f.building_ids[0]]) for f in outside
    )
    assert generated.enclosures > len(after.level(Level.COMPREHENSIVE_GRID))  # roads cut


def test_generation_is_one_reversible_edit(street: Project, generated: GeneratedUnits) -> None:
    project = street.copy()
    nodes, buildings = project.nodes.copy(), project.buildings.copy()
    generated.edit.apply(project)
    assert len(project.level(Level.GRID_UNIT)) == len(generated.unit_ids) + len(generated.kept)
    generated.edit.revert(project)
    pd.testing.assert_frame_equal(project.nodes, nodes)
    pd.testing.assert_frame_equal(project.buildings, buildings)
    assert project.retired_codes == street.retired_codes and project.next_id == street.next_id


def test_codes_names_and_grids_follow_the_rules(street: Project, generated: GeneratedUnits) -> None:
    after = generated.edit.apply(street.copy())
    nodes = after.nodes
    units = after.level(Level.GRID_UNIT)
    codes = units["code"].astype(str)
    assert codes.is_unique
    old = set(street.level(Level.GRID_UNIT).drop(index=generated.kept)["code"].astype(str))
    assert old <= set(after.retired_codes) and not old & set(codes)
    for unit in generated.unit_ids[:80]:
        grid = int(nodes.at[unit, "parent_id"])
        comp = int(nodes.at[grid, "parent_id"])
        assert str(nodes.at[unit, "code"]).startswith(str(nodes.at[grid, "code"]))
        assert nodes.at[grid, "kind"] == NodeKind.ORDINARY.value
        name = str(nodes.at[int(nodes.at[comp, "parent_id"]), "name"])
        assert str(nodes.at[unit, "name"]).startswith(f"{name}第")
        spill = shapely.difference(
            nodes.at[unit, "geometry"], nodes.at[comp, "geometry"].buffer(1e-7)
        )
        assert spill.area < 1e-10  # never across a comprehensive grid's boundary
    assert set(generated.kept) <= set(units.index)  # dedicated grids' units kept as drawn


def test_a_major_road_is_never_spanned_and_the_check_sees_one_that_is(street: Project) -> None:
    node = community(street)
    shape = street.nodes.at[node, "geometry"]
    (x0, _, x1, _), y = shape.bounds, shape.centroid.y
    road = shapely.intersection(LineString([(x0, y), (x1, y)]), shape)
    project = street.copy()
    extra = gpd.GeoDataFrame({"kind": ["road"], "name": ["测试大道"], "road_class": ["主干道"]},
                             geometry=[road], crs=STORAGE_CRS)  # fmt: skip
    project.reference_lines = pd.concat([project.reference_lines, extra], ignore_index=True)
    code = str(street.nodes.at[node, "code"])
    after = generate_units(project, UnitRequest(code)).edit.apply(project.copy())
    assert check_units(after, code, 150, 20).crossing_major_roads == []
    # the same line as a branch road does not cut: some unit spans it, and the check says so
    project.reference_lines.loc[project.reference_lines.index[-1], "road_class"] = "支路"
    spanning = generate_units(project, UnitRequest(code)).edit.apply(project.copy())
    assert check_units(spanning, code, 150, 20, ("支路",)).crossing_major_roads != []


def test_requests_that_cannot_be_met_are_refused_in_words(street: Project) -> None:
    grid = str(street.level(Level.GRID)["code"].iloc[0])
    with pytest.raises(PlannerError, match="综合网格"):
        generate_units(street, UnitRequest(grid))
    with pytest.raises(PlannerError, match="下限"):
        generate_units(street, UnitRequest(street.district_code, 50, 80))
    with pytest.raises(PlannerError, match="没有编码"):
        generate_units(street, UnitRequest("999999"))


def test_footprints_with_address_points_make_one_building_each(street: Project) -> None:
    node = community(street, 1)
    code = str(street.nodes.at[node, "code"])
    metric = street.measuring_crs()
    inside = street.buildings[street.buildings.intersects(street.nodes.at[node, "geometry"])]
    points = inside.to_crs(metric).geometry
    first, second = points.iloc[0], points.iloc[1]
    joint = shapely.box(*shapely.union_all([first, second]).buffer(3.0).bounds)  # both in one
    shapes = [joint, *[p.buffer(4.0, cap_style="square") for p in points.iloc[2:]]]
    footprints = gpd.GeoSeries(shapes, crs=metric).to_crs(STORAGE_CRS).to_numpy()
    result = generate_units(street, UnitRequest(code, footprints=footprints))
    after = result.edit.apply(street.copy())
    check = check_units(after, code, 150, 20)
    assert check.buildings_unassigned == [] and check.over_max == []
    units = after.buildings.loc[inside.index[:2], "unit_id"]
    assert units.iloc[0] == units.iloc[1]  # two address points of one building, one unit


def test_cli_generates_then_the_balancer_runs_on_the_units(
    street: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out, balanced = tmp_path / "s.gpkg", tmp_path / "u.gpkg", tmp_path / "b.gpkg"
    save_project(street, source)
    code = str(street.nodes.at[community(street), "code"])
    report = tmp_path / "r.json"
    args = ["units", "generate", str(source), "--scope", code, "--out", str(out)]
    assert main([*args, "--report", str(report), "--cut-classes", "主干路,次干路"]) == 0
    assert json.loads(report.read_text("utf-8"))["cut_classes"][:2] == ["主干道", "次干道"]
    assert "跨越主要道路的单元 0 个" in capsys.readouterr().out
    assert main(["balance", str(out), "--scope", code, "--out", str(balanced)]) == 0
    assert len(load_project(balanced).level(Level.GRID_UNIT)) == len(
        load_project(out).level(Level.GRID_UNIT)
    )
    grid = str(street.level(Level.GRID)["code"].iloc[0])
    assert main(["units", "generate", str(source), "--scope", grid, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]


def test_a_road_layer_imports_with_its_class_and_round_trips(
    street: Project, tmp_path: Path
) -> None:
    path = tmp_path / "p.gpkg"
    save_project(street, path)
    x, y = street.nodes.at[street.root_id, "geometry"].centroid.coords[0]
    roads = gpd.GeoDataFrame(
        {"名称": ["甲路", "乙路", "丙巷"], "道路等级": ["主干路", "次干道", "residential"]},
        geometry=[LineString([(x, y), (x + 0.01, y)]), LineString([(x, y), (x, y + 0.01)]),
                  LineString([(x, y), (x - 0.01, y)])],
        crs=STORAGE_CRS,
    )  # fmt: skip
    source = tmp_path / "roads.geojson"
    roads.to_file(source, driver="GeoJSON")
    report = import_into(path, source, "road", ImportOptions())
    assert report.mapping == {"name": "名称", "road_class": "道路等级"}
    lines = load_project(path).reference_lines
    mine = lines[lines["name"].isin(["甲路", "乙路", "丙巷"])]
    assert mine["road_class"].tolist() == ["主干道", "次干道", "支路"]
    assert set(lines.loc[lines["kind"] != "road", "kind"]) == {"river", "coast"}
    assert np.all(mine["kind"] == "road") and len(lines[lines["kind"] == "road"]) == 3  # replaced
