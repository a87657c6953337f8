"""The sample generator: deterministic, realistic sizes, and the defects it promises."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups
from gridplanner.sample import Defect, generate_sample


@pytest.fixture(scope="module")
def street() -> tuple[Project, list[Defect]]:
    return generate_sample("street", 0)


def _metres(frame: gpd.GeoDataFrame, project: Project) -> gpd.GeoSeries:
    return frame.geometry.to_crs(project.measuring_crs())


def test_same_seed_same_project() -> None:
    a, da = generate_sample("street", 7)
    b, db = generate_sample("street", 7)
    pd.testing.assert_frame_equal(
        pd.DataFrame(a.nodes.drop(columns="geometry")),
        pd.DataFrame(b.nodes.drop(columns="geometry")),
    )
    assert shapely.equals_exact(a.nodes.geometry.to_numpy(), b.nodes.geometry.to_numpy(), 0).all()
    pd.testing.assert_frame_equal(a.workers, b.workers)
    assert (a.buildings["households"] == b.buildings["households"]).all()
    assert da == db
    c, _ = generate_sample("street", 8)
    assert (
        not a.level(Level.GRID_UNIT).geometry.geom_equals(c.level(Level.GRID_UNIT).geometry).all()
    )


def test_street_size(street: tuple[Project, list[Defect]]) -> None:
    project, _ = street
    counts = project.counts()
    assert counts["street"] == 1 and counts["community"] == 8
    assert counts["comprehensive_grid"] == 30 and counts["grid"] == 120
    assert 360 <= counts["grid_unit"] <= 460
    assert 4_000 <= counts["building"] <= 6_500
    households = int(project.buildings["households"].sum())
    assert 24_000 <= households <= 38_000
    assert project.measuring_crs() == "EPSG:4550"
    assert (project.nodes["name"].str.contains("示例").sum()) >= 1  # clearly fictional


def test_codes_nest_and_are_unique(street: tuple[Project, list[Defect]]) -> None:
    project, _ = street
    nodes = project.nodes
    assert nodes["code"].is_unique
    scheme = project.settings.code_scheme
    for node_id, row in nodes.iterrows():
        level = Level(row["level"])
        parent = None if pd.isna(row["parent_id"]) else nodes.at[int(row["parent_id"]), "code"]
        assert scheme.problems(row["code"], level, parent) == [], node_id


def test_units_tile_each_level_except_the_planted_defects(
    street: tuple[Project, list[Defect]],
) -> None:
    project, defects = street
    grids = project.level(Level.GRID)
    split = {d.codes[0] for d in defects if d.kind == "split_grid"}
    multi = set(grids.loc[grids.geometry.geom_type == "MultiPolygon", "code"])
    assert multi == split
    # every community is tiled by its comprehensive grids (area within 1 m²)
    comps = project.level(Level.COMPREHENSIVE_GRID)
    comm = project.level(Level.COMMUNITY)
    comp_area = _metres(comps, project).area.groupby(comps["parent_id"].to_numpy()).sum()
    comm_area = _metres(comm, project).area
    assert np.allclose(comp_area.loc[comm.index].to_numpy(), comm_area.to_numpy(), atol=1.0)


def test_buildings_lie_in_their_unit(street: tuple[Project, list[Defect]]) -> None:
    project, defects = street
    units = project.level(Level.GRID_UNIT)
    placed = project.buildings[project.buildings["unit_id"].notna()]
    own = units.geometry.loc[placed["unit_id"].astype("int64").to_numpy()].to_numpy()
    assert shapely.contains(own, placed.geometry.to_numpy()).all()
    hits = gpd.sjoin(placed[["geometry"]], units[["geometry"]], predicate="within")
    assert hits.index.value_counts().max() == 1  # none inside two units
    loose = project.buildings[project.buildings["unit_id"].isna()]
    assert len(loose) == sum(d.kind == "building_outside" for d in defects) == 3
    assert not gpd.sjoin(loose[["geometry"]], units[["geometry"]], predicate="within").shape[0]


def test_gap_and_overlap_are_real(street: tuple[Project, list[Defect]]) -> None:
    project, defects = street
    by_kind = {d.kind: d for d in defects}
    units = project.level(Level.GRID_UNIT).set_index("code")
    metres = units.geometry.to_crs(project.measuring_crs())
    a, b = by_kind["overlap"].codes
    assert metres[a].intersection(metres[b]).area > 100
    a, b = by_kind["gap"].codes
    grid_id = int(units.at[a, "parent_id"])
    grid = project.nodes.loc[[grid_id]].geometry.to_crs(project.measuring_crs()).iloc[0]
    members = metres[units["parent_id"] == grid_id]
    assert grid.difference(shapely.union_all(members.to_numpy())).area > 100


def test_load_defects(street: tuple[Project, list[Defect]]) -> None:
    project, defects = street
    rollups = compute_rollups(project)
    by_kind = {d.kind: d for d in defects}
    community = project.by_code(by_kind["community_out_of_band"].codes[0])
    assert rollups.at[community, "households_per_worker"] > 2 * 500
    empty = project.by_code(by_kind["grid_without_worker"].codes[0])
    assert rollups.at[empty, "workers"] == 0
    skewed = project.by_code(by_kind["unbalanced_community"].codes[0])
    grids = [
        g
        for g in project.nodes.index
        if project.node_level(g) is Level.GRID
        and skewed in project.ancestors(g)
        and project.nodes.at[g, "kind"] == "ordinary"
    ]
    ratios = rollups.loc[grids, "households_per_worker"]
    assert ratios.max() > 500 and ratios.min() < 200
    assert 200 <= rollups.at[skewed, "households_per_worker"] <= 500


def test_dedicated_grids_exist(street: tuple[Project, list[Defect]]) -> None:
    project, _ = street
    dedicated = project.nodes[project.nodes["kind"] == "dedicated"]
    assert len(dedicated) >= 2
    assert set(dedicated["level"]) == {"grid"}
    assert dedicated["dedicated_type"].notna().all()


def test_workers_are_mixed_full_and_part_time(street: tuple[Project, list[Defect]]) -> None:
    project, _ = street
    kinds = project.workers["employment"].value_counts()
    assert kinds["full_time"] > 0 and kinds["part_time"] > 0
    assert set(project.workers.loc[project.workers["employment"] == "part_time", "capacity"]) == {
        0.5
    }
    assert project.workers["phone"].str.fullmatch(r"1990000\d{4}").all()


@pytest.mark.slow
def test_county_size_and_totals() -> None:
    project, defects = generate_sample("county", 0)
    counts = project.counts()
    assert counts["grid_unit"] >= 3_500 and counts["building"] >= 80_000
    assert counts["street"] == 25 and counts["grid"] == 1_200
    rollups = compute_rollups(project)
    assigned = project.buildings[project.buildings["unit_id"].notna()]
    root = project.root_id
    assert rollups.at[root, "households"] == int(assigned["households"].sum())
    assert rollups.at[root, "population"] == int(assigned["population"].sum())
    assert {d.kind for d in defects} >= {
        "gap",
        "overlap",
        "building_outside",
        "split_grid",
        "community_out_of_band",
    }
