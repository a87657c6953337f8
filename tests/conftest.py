"""Shared fixtures: a tiny hand-built plan and the generated sample street."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from gridplanner.crs import STORAGE_CRS
from gridplanner.levels import Level, NodeKind
from gridplanner.model import FULL_TIME, PART_TIME, Project

X0, Y0, D = 122.97, 39.70, 0.001  # 0.001° ≈ 85 m east-west, 111 m north-south here


def build_tiny_project() -> Project:
    """District → street → community → comprehensive grid → 2 grids → 4 units (2x2).

    Grid A (west column) holds units A1 (north) and A2; grid B (east) holds B1, B2.
    Households: A1 3x100, A2 1x50, B1 2x60, B2 0 (dedicated school grid is not here).
    Workers: A has a full-timer and a part-timer, B one full-timer.
    """
    project = Project(name="测试方案")
    whole = box(X0, Y0, X0 + 2 * D, Y0 + 2 * D)
    district = project.add_node(Level.DISTRICT, "210283", "示例庄河市", whole)
    street = project.add_node(Level.STREET, "210283001", "示例城关街道", whole, district)
    community = project.add_node(Level.COMMUNITY, "210283001001", "示例幸福社区", whole, street)
    comp = project.add_node(
        Level.COMPREHENSIVE_GRID, "210283001001001", "幸福社区第1综合网格", whole, community
    )
    grid_a = project.add_node(
        Level.GRID, "210283001001001001", "幸福社区1-1网格", box(X0, Y0, X0 + D, Y0 + 2 * D), comp
    )
    grid_b = project.add_node(
        Level.GRID,
        "210283001001001002",
        "幸福社区1-2网格",
        box(X0 + D, Y0, X0 + 2 * D, Y0 + 2 * D),
        comp,
        NodeKind.ORDINARY,
    )
    units = {
        "A1": project.add_node(
            Level.GRID_UNIT,
            "210283001001001001001",
            "幸福小区",
            box(X0, Y0 + D, X0 + D, Y0 + 2 * D),
            grid_a,
        ),
        "A2": project.add_node(
            Level.GRID_UNIT,
            "210283001001001001002",
            "和平小区",
            box(X0, Y0, X0 + D, Y0 + D),
            grid_a,
        ),
        "B1": project.add_node(
            Level.GRID_UNIT,
            "210283001001001002001",
            "东方小区",
            box(X0 + D, Y0 + D, X0 + 2 * D, Y0 + 2 * D),
            grid_b,
        ),
        "B2": project.add_node(
            Level.GRID_UNIT,
            "210283001001001002002",
            "南湖小区",
            box(X0 + D, Y0, X0 + 2 * D, Y0 + D),
            grid_b,
        ),
    }
    rows = [
        ("1号楼", 100, 250, units["A1"], Point(X0 + 0.2 * D, Y0 + 1.5 * D)),
        ("2号楼", 100, 260, units["A1"], Point(X0 + 0.5 * D, Y0 + 1.5 * D)),
        ("3号楼", 100, 240, units["A1"], Point(X0 + 0.8 * D, Y0 + 1.5 * D)),
        ("4号楼", 50, 120, units["A2"], Point(X0 + 0.5 * D, Y0 + 0.5 * D)),
        ("5号楼", 60, 150, units["B1"], Point(X0 + 1.3 * D, Y0 + 1.5 * D)),
        ("6号楼", 60, 140, units["B1"], Point(X0 + 1.7 * D, Y0 + 1.5 * D)),
    ]
    ids = project.new_ids(len(rows))
    project.buildings = gpd.GeoDataFrame(
        {
            "name": [r[0] for r in rows],
            "households": [r[1] for r in rows],
            "population": [r[2] for r in rows],
            "unit_id": pd.array([r[3] for r in rows], dtype="Int64"),
        },
        index=pd.Index(ids, name="id"),
        geometry=[r[4] for r in rows],
        crs=STORAGE_CRS,
    )
    workers = [
        ("张伟", "专职网格员", FULL_TIME, 1.0, grid_a, "19900000001"),
        ("李娜", "社区工作者", PART_TIME, 0.5, grid_a, "19900000002"),
        ("王芳", "专职网格员", FULL_TIME, 1.0, grid_b, "19900000003"),
    ]
    frame = pd.DataFrame(
        workers, columns=["name", "role", "employment", "capacity", "grid_id", "phone"]
    )
    frame.index = pd.Index(project.new_ids(len(workers)), name="id")
    frame["grid_id"] = frame["grid_id"].astype("Int64")
    project.workers = frame
    project.record_version("测试员", "手工搭建的测试方案")
    return project


@pytest.fixture
def tiny_project() -> Project:
    """A fresh tiny plan per test."""
    return build_tiny_project()


@pytest.fixture(scope="session")
def sample_street_path() -> Path:
    """The committed sample street project."""
    import gridplanner.sample_data as sample_data

    return Path(sample_data.__file__).parent / "street.gpkg"


@pytest.fixture
def local_tz() -> Iterator[Callable[[str], None]]:
    """Set the process's local time zone (a POSIX TZ string such as ``CST-8``, which
    needs no tz database) for one test; the zone in force before comes back after."""
    import os
    import time

    before = os.environ.get("TZ")

    def use(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield use
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    """A throwaway PostgreSQL + PostGIS cluster for the shared-store tests, started on
    first use and stopped at the end of the session even on failure
    (``tests/support/pgcluster.py``; skipped without PostgreSQL, failed in CI)."""
    import pgcluster

    pgcluster.require_binaries()
    with pgcluster.running_cluster() as cluster:
        yield cluster
