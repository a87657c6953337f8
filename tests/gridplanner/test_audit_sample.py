"""Regression on the generated sample: every built-in defect found, nothing else blocking."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from gridplanner.audit import AuditResult, Finding, Severity, run_audit
from gridplanner.audit.fixes import fix_project
from gridplanner.model import Project
from gridplanner.store import load_project

#: Defect kind (generator) -> audit check id.
KIND_TO_CHECK = {
    "gap": "gap",
    "overlap": "overlap",
    "building_outside": "building_outside",
    "split_grid": "noncontiguous",
    "community_out_of_band": "community_out_of_band",
    "grid_without_worker": "grid_without_worker",
    "unbalanced_community": "community_unbalanced",
}
NEAR_M = 5.0  # the defect's point lies within this distance of the finding's geometry


def _distance_m(project: Project, finding: Finding, lon: float, lat: float) -> float:
    to_m = Transformer.from_crs("EPSG:4490", project.measuring_crs(), always_xy=True)
    x, y = to_m.transform(lon, lat)

    def xy(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(to_m.transform(coords[:, 0], coords[:, 1]))

    return float(shapely.distance(shapely.transform(finding.geometry, xy), shapely.Point(x, y)))


def _match(project: Project, result: AuditResult, defects: list[dict]) -> set[str]:
    """Check every defect has its finding; return the ids of the matched findings."""
    matched: set[str] = set()
    for d in defects:
        check = KIND_TO_CHECK[d["kind"]]
        hits = [
            f
            for f in result.of(check)
            if set(d["codes"]) <= set(f.codes)
            and _distance_m(project, f, d["lon"], d["lat"]) <= NEAR_M
        ]
        assert hits, f"defect {d['kind']} {d['codes']} at {d['lon']},{d['lat']} not found"
        matched.update(f.id for f in hits)
    return matched


def _assert_defects_exactly(project: Project, defects: list[dict]) -> AuditResult:
    result = run_audit(project)
    matched = _match(project, result, defects)
    blocking = {f.id for f in result.findings if f.severity is Severity.BLOCKING}
    assert blocking <= matched, [
        f.message_en for f in result.findings if f.id in blocking - matched
    ]
    return result


def test_street_defects_found_and_nothing_else_blocks(sample_street_path: Path) -> None:
    project = load_project(sample_street_path)
    defects = json.loads(sample_street_path.with_suffix(".defects.json").read_text("utf-8"))
    result = _assert_defects_exactly(project, defects)
    assert result.exit_code == 2
    # Naturally small grids are warnings, never blocking.
    assert all(f.severity is Severity.WARNING for f in result.of("ratio_out_of_band"))


def test_street_fix_leaves_only_decisions(sample_street_path: Path) -> None:
    project = load_project(sample_street_path)
    outcome = fix_project(project)
    applied = sorted(s.check for s in outcome.applied)
    assert applied == ["building_unit_mismatch", "gap", "overlap"]
    left = {f.check for f in outcome.result.findings if f.severity is Severity.BLOCKING}
    # a grid in two pieces, two houses beyond the district border, an unstaffed grid
    assert left == {"noncontiguous", "building_outside", "grid_without_worker"}
    assert len(outcome.result.of("building_outside")) == 2
    assert project.nodes.geometry.equals(load_project(sample_street_path).nodes.geometry)


@pytest.mark.slow
def test_county_defects_found_and_fixed(tmp_path: Path) -> None:
    from gridplanner.sample import generate_sample

    project, defects = generate_sample("county", 0)
    _assert_defects_exactly(project, [d.to_dict() for d in defects])
    outcome = fix_project(project)
    left = {f.check for f in outcome.result.findings if f.severity is Severity.BLOCKING}
    assert left == {"noncontiguous", "building_outside", "grid_without_worker"}
