"""Cross-check the vectorised audit against a brute-force pairwise shapely implementation."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from gridplanner.audit import run_audit
from gridplanner.crs import STORAGE_CRS
from gridplanner.levels import Level
from gridplanner.model import Project

X0, Y0, D = 122.97, 39.70, 0.001


def _random_plan(seed: int) -> Project:
    """One grid of 4x4 jittered units (random gaps and overlaps) and random buildings."""
    rng = np.random.default_rng(seed)
    project = Project(name="brute")
    whole = box(X0, Y0, X0 + 4 * D, Y0 + 4 * D)
    parent = project.add_node(Level.DISTRICT, "210283", "区", whole)
    for level, code in [(Level.STREET, "001"), (Level.COMMUNITY, "001"),
                        (Level.COMPREHENSIVE_GRID, "001"), (Level.GRID, "001")]:  # fmt: skip
        parent = project.add_node(
            level, str(project.nodes.at[parent, "code"]) + code, level.zh, whole, parent
        )
    for i, j in itertools.product(range(4), range(4)):
        dx0, dy0, dx1, dy1 = rng.normal(0, 0.04 * D, 4) * (rng.random(4) < 0.4)
        cell = box(
            X0 + i * D + dx0, Y0 + j * D + dy0, X0 + (i + 1) * D + dx1, Y0 + (j + 1) * D + dy1
        )
        project.add_node(Level.GRID_UNIT, f"210283001001001001{4 * i + j + 1:03d}", f"单元{i}{j}",
                         cell.intersection(whole), parent)  # fmt: skip
    n = 60
    xs, ys = rng.uniform(X0 - 0.1 * D, X0 + 4.1 * D, n), rng.uniform(Y0, Y0 + 4 * D, n)
    project.buildings = gpd.GeoDataFrame(
        {"name": [f"{k}号楼" for k in range(n)], "households": np.full(n, 10),
         "population": np.full(n, 25), "unit_id": pd.array([pd.NA] * n, dtype="Int64")},
        index=pd.Index(project.new_ids(n), name="id"),
        geometry=[Point(x, y) for x, y in zip(xs, ys, strict=True)], crs=STORAGE_CRS,
    )  # fmt: skip
    return project


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_brute_force(seed: int) -> None:
    project = _random_plan(seed)
    result = run_audit(project)
    tol = project.settings.tolerance_m2
    metric = project.nodes.to_crs(project.measuring_crs())
    units = metric[metric["level"] == Level.GRID_UNIT.value]
    grid = metric[metric["level"] == Level.GRID.value].geometry.iloc[0]
    codes = units["code"].tolist()
    geoms = units.geometry.tolist()

    expected_overlaps = {}
    for a, b in itertools.combinations(range(len(geoms)), 2):
        inter = geoms[a].intersection(geoms[b])
        for piece in getattr(inter, "geoms", [inter]):
            if piece.geom_type == "Polygon" and piece.area > tol:
                key = frozenset((codes[a], codes[b]))
                expected_overlaps[key] = expected_overlaps.get(key, 0.0) + piece.area
    found_overlaps: dict[frozenset[str], float] = {}
    for f in result.of("overlap") + [s for s in result.of("sliver") if len(s.codes) == 2]:
        key = frozenset(f.codes)
        found_overlaps[key] = found_overlaps.get(key, 0.0) + float(f.area_m2 or 0)
    assert found_overlaps.keys() == expected_overlaps.keys()
    for key, area in expected_overlaps.items():
        assert found_overlaps[key] == pytest.approx(area, rel=1e-6, abs=1e-3)

    uncovered = grid
    for g in geoms:
        uncovered = uncovered.difference(g)
    expected_gap = sum(p.area for p in getattr(uncovered, "geoms", [uncovered]) if p.area > tol)
    found_gap = sum(
        float(f.area_m2 or 0) for f in result.findings
        if f.check in ("gap", "sliver") and "parent_id" in f.extra
    )  # fmt: skip
    assert found_gap == pytest.approx(expected_gap, rel=1e-6, abs=1e-3)

    points = project.buildings.to_crs(project.measuring_crs()).geometry
    inside = [[c for c, g in zip(codes, geoms, strict=True) if g.intersects(p)] for p in points]
    ids = project.buildings.index.tolist()
    outside = {ids[k] for k, hit in enumerate(inside) if not hit}
    multiple = {ids[k] for k, hit in enumerate(inside) if len(hit) > 1}
    single = {ids[k]: hit[0] for k, hit in enumerate(inside) if len(hit) == 1}
    assert {f.building_ids[0] for f in result.of("building_outside")} == outside
    assert {f.building_ids[0] for f in result.of("building_multiple")} == multiple
    assert {f.building_ids[0]: f.codes[0] for f in result.of("building_unit_mismatch")} == single
    assert shapely.is_valid(np.array(geoms)).all()
