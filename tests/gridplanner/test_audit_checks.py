"""Each audit check on the tiny hand-built plan, broken one way at a time."""

from __future__ import annotations

import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon, box

from gridplanner.audit import AuditCancelled, Severity, run_audit
from gridplanner.model import Project

X0, Y0, D = 122.97, 39.70, 0.001


def _unit(project: Project, code: str) -> int:
    return project.by_code(code)


def _set_geom(project: Project, node_id: int, geometry: object) -> None:
    values = project.nodes.geometry.to_numpy(copy=True)
    values[project.nodes.index.get_loc(node_id)] = geometry
    project.nodes = project.nodes.set_geometry(values, crs=project.nodes.crs)


A1, A2, B1, B2 = (f"210283001001001{g}" for g in ("001001", "001002", "002001", "002002"))


def test_tiny_plan_has_only_expected_findings(tiny_project: Project) -> None:
    result = run_audit(tiny_project)
    assert result.by_check() == {
        "ratio_out_of_band": 1,
        "community_out_of_band": 1,  # 470 households / 2.5 workers = 188
        "empty_unit": 1,
    }
    assert result.of("ratio_out_of_band")[0].codes == ("210283001001001002",)
    assert result.of("empty_unit")[0].codes == (B2,)
    assert result.exit_code == 1


def test_gap_names_neighbours_longest_boundary_first(tiny_project: Project) -> None:
    a1 = _unit(tiny_project, A1)
    _set_geom(tiny_project, a1, box(X0, Y0 + D, X0 + 0.8 * D, Y0 + 2 * D))  # east strip missing
    gaps = run_audit(tiny_project).of("gap")
    assert len(gaps) == 1
    gap = gaps[0]
    assert gap.codes[0] == A1 and gap.codes[-1] == "210283001001001001"  # parent grid last
    assert gap.area_m2 == pytest.approx(0.2 * 85.6 * 111.0, rel=0.05)
    assert gap.severity is Severity.BLOCKING


def test_overlap_and_outside_parent(tiny_project: Project) -> None:
    a1 = _unit(tiny_project, A1)
    _set_geom(tiny_project, a1, box(X0, Y0 + D, X0 + 1.2 * D, Y0 + 2 * D))  # into B1
    result = run_audit(tiny_project)
    overlap = result.of("overlap")
    assert len(overlap) == 0  # A1 and B1 are cousins (different grids): crossing, not siblings
    outside = result.of("outside_parent")
    assert [f.codes[0] for f in outside] == [A1]
    assert outside[0].area_m2 == pytest.approx(0.2 * 85.6 * 111.0, rel=0.05)
    a2 = _unit(tiny_project, A2)
    _set_geom(tiny_project, a2, box(X0, Y0, X0 + D, Y0 + 1.3 * D))  # into A1: siblings
    assert {frozenset(f.codes) for f in run_audit(tiny_project).of("overlap")} == {
        frozenset({A1, A2})
    }


def test_thin_gap_is_a_sliver(tiny_project: Project) -> None:
    a1 = _unit(tiny_project, A1)
    _set_geom(tiny_project, a1, box(X0, Y0 + 1.01 * D, X0 + D, Y0 + 2 * D))  # 1.1 m strip
    result = run_audit(tiny_project)
    assert [f.check for f in result.findings if f.severity is Severity.BLOCKING] == ["sliver"]


def test_invalid_geometry_names_shapely_reason(tiny_project: Project) -> None:
    bowtie = Polygon([(X0, Y0), (X0 + D, Y0 + D), (X0 + D, Y0), (X0, Y0 + D)])
    _set_geom(tiny_project, _unit(tiny_project, A2), bowtie)
    found = run_audit(tiny_project).of("invalid_geometry")
    assert len(found) == 1 and "Self-intersection" in found[0].message_en


def test_multipart_grid_and_enclave(tiny_project: Project) -> None:
    grid_b = tiny_project.by_code("210283001001001002")
    far = box(X0 + 1.1 * D, Y0, X0 + 2 * D, Y0 + 2 * D)
    _set_geom(tiny_project, grid_b, MultiPolygon([far, box(X0 + D, Y0, X0 + 1.05 * D, Y0 + D)]))
    assert [f.codes for f in run_audit(tiny_project).of("noncontiguous")] == [
        ("210283001001001002",)
    ]


def test_hole_filled_by_sibling_is_an_enclave(tiny_project: Project) -> None:
    a1, a2 = _unit(tiny_project, A1), _unit(tiny_project, A2)
    inner = box(X0 + 0.4 * D, Y0 + 1.4 * D, X0 + 0.6 * D, Y0 + 1.6 * D)
    outer = box(X0, Y0 + D, X0 + D, Y0 + 2 * D).difference(inner)
    _set_geom(tiny_project, a1, outer)
    _set_geom(tiny_project, a2, box(X0, Y0, X0 + D, Y0 + D).union(inner))  # now multipart
    result = run_audit(tiny_project)
    assert [f.codes for f in result.of("enclave")] == [(A2, A1)]
    assert result.of("hole") == []


def test_buildings_outside_multiple_and_mismatch(tiny_project: Project) -> None:
    b = tiny_project.buildings
    ids = b.index.tolist()
    points = b.geometry.to_numpy(copy=True)
    points[0] = Point(X0 - 0.5 * D, Y0 + 1.5 * D)  # west of everything
    tiny_project.buildings = b.set_geometry(points, crs=b.crs)
    tiny_project.buildings.loc[ids[3], "unit_id"] = _unit(tiny_project, B2)  # lies in A2
    tiny_project.buildings.loc[ids[4], "unit_id"] = pd.NA
    result = run_audit(tiny_project)
    assert [f.building_ids for f in result.of("building_outside")] == [(ids[0],)]
    mismatched = {f.building_ids[0]: f.codes[0] for f in result.of("building_unit_mismatch")}
    assert mismatched == {ids[3]: A2, ids[4]: B1}


def test_staffing_and_band(tiny_project: Project) -> None:
    grid_b = tiny_project.by_code("210283001001001002")
    tiny_project.workers = tiny_project.workers[tiny_project.workers["grid_id"] != grid_b]
    result = run_audit(tiny_project)
    assert [f.codes for f in result.of("grid_without_worker")] == [("210283001001001002",)]
    nodes = tiny_project.nodes
    tiny_project.nodes.loc[grid_b, "kind"] = "dedicated"
    tiny_project.workers = pd.concat(
        [tiny_project.workers, tiny_project.workers.iloc[[0]].assign(grid_id=grid_b)]
    )
    tiny_project.workers.index = pd.Index(range(100, 100 + len(tiny_project.workers)), name="id")
    assert run_audit(tiny_project).of("ratio_out_of_band") == []  # dedicated: exempt
    assert nodes is tiny_project.nodes


def test_codes_and_names(tiny_project: Project) -> None:
    nodes = tiny_project.nodes
    a1, a2, b1 = _unit(tiny_project, A1), _unit(tiny_project, A2), _unit(tiny_project, B1)
    nodes.loc[a2, "code"] = "21028300100100100100X"  # not digits
    nodes.loc[b1, "code"] = "210283001001001001003"  # prefix of grid A, not B
    nodes.loc[a2, "name"] = nodes.at[a1, "name"]
    tiny_project.retired_codes["210283001001001002002"] = 999
    result = run_audit(tiny_project)
    assert [f.codes[0] for f in result.of("code_format")] == ["21028300100100100100X"]
    assert [f.codes[0] for f in result.of("code_prefix")] == ["210283001001001001003"]
    assert [f.codes[0] for f in result.of("code_retired")] == [B2]
    assert [set(f.codes) for f in result.of("duplicate_name")] == [{A1, "21028300100100100100X"}]
    nodes.loc[b1, "code"] = A1
    assert [set(f.codes) for f in run_audit(tiny_project).of("code_duplicate")] == [{A1}]


def test_parent_mismatch(tiny_project: Project) -> None:
    a1, b1 = _unit(tiny_project, A1), _unit(tiny_project, B1)
    grid_a = tiny_project.by_code("210283001001001001")
    tiny_project.nodes.loc[b1, "parent_id"] = grid_a  # B1 lies in grid B
    result = run_audit(tiny_project)
    found = result.of("parent_mismatch")
    assert [f.codes for f in found] == [(tiny_project.nodes.at[b1, "code"], "210283001001001001",
                                         "210283001001001002")]  # fmt: skip
    assert a1 not in {n for f in found for n in f.node_ids}


def test_scope_progress_and_cancel(tiny_project: Project) -> None:
    seen: list[float] = []
    result = run_audit(tiny_project, "210283001001001001", progress=lambda p, _m: seen.append(p))
    assert result.by_check() == {}  # grid A alone is clean
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(AuditCancelled):
        run_audit(tiny_project, cancel=lambda: True)
