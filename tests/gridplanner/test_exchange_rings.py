"""Every GeoJSON gridplanner writes: exterior rings counter-clockwise, holes clockwise
(RFC 7946 §3.1.6), checked ring by ring with the signed area of what was written."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon, box

from gridplanner.audit import run_audit
from gridplanner.audit.report_html import write_html
from gridplanner.audit.report_json import write_json
from gridplanner.exchange.export import export_project
from gridplanner.exchange.geojson import geometry_object
from gridplanner.layer_partition import write_layer
from gridplanner.model import Project
from gridplanner.store import load_project

X0, Y0, D = 122.97, 39.70, 0.001  # the tiny plan's corner and cell (tests/conftest.py)


def signed_area(ring: list[list[float]]) -> float:
    """Shoelace area: positive for a counter-clockwise ring."""
    total = 0.0
    for (x1, y1, *_), (x2, y2, *_) in itertools.pairwise(ring):
        total += x1 * y2 - x2 * y1
    return total / 2.0


def rings(geojson: Any) -> Iterator[tuple[bool, list[list[float]]]]:
    """(is exterior, ring) for every polygon ring anywhere in a GeoJSON object."""
    if isinstance(geojson, dict):
        kind = geojson.get("type")
        if kind == "Polygon":
            for i, ring in enumerate(geojson["coordinates"]):
                yield i == 0, ring
            return
        if kind == "MultiPolygon":
            for polygon in geojson["coordinates"]:
                for i, ring in enumerate(polygon):
                    yield i == 0, ring
            return
        for value in geojson.values():
            yield from rings(value)
    elif isinstance(geojson, list):
        for value in geojson:
            yield from rings(value)


def wrong_rings(geojson: Any) -> tuple[int, list[str]]:
    """(rings seen, the ones wound the wrong way)."""
    seen, wrong = 0, []
    for exterior, ring in rings(geojson):
        seen += 1
        area = signed_area(ring)
        if (exterior and area <= 0) or (not exterior and area >= 0):
            wrong.append(f"{'exterior' if exterior else 'hole'} area {area:.3g}")
    return seen, wrong


def clockwise_project(project: Project) -> Project:
    """The tiny plan with every ring stored the wrong way round, a hole in unit A1
    (and in its grid and comprehensive grid) and the district as two parts."""
    hole = box(X0 + 0.3 * D, Y0 + 1.3 * D, X0 + 0.6 * D, Y0 + 1.6 * D)
    nodes = project.nodes
    geoms = []
    for code, geom in zip(nodes["code"], nodes.geometry, strict=True):
        if code in ("210283001001001001001", "210283001001001001", "210283001001001"):
            geom = geom.difference(hole)
        if code == "210283":
            geom = shapely.MultiPolygon([geom, box(X0 + 3 * D, Y0, X0 + 4 * D, Y0 + D)])
        geoms.append(shapely.orient_polygons(geom, exterior_cw=True))
    project.nodes = nodes.set_geometry(gpd.GeoSeries(geoms, index=nodes.index, crs=nodes.crs))
    return project


def test_the_fixture_really_is_clockwise(tiny_project: Project) -> None:
    project = clockwise_project(tiny_project)
    raw = [shapely.geometry.mapping(g) for g in project.nodes.geometry]
    seen, wrong = wrong_rings(raw)
    assert seen == len(wrong) == 10 + 3 + 1  # 10 exteriors (district: 2), 3 holes


def test_package_nodes_are_counter_clockwise(tiny_project: Project, tmp_path: Path) -> None:
    export_project(clockwise_project(tiny_project), "package", tmp_path / "pkg")
    nodes = json.loads((tmp_path / "pkg" / "nodes.geojson").read_text("utf-8"))
    seen, wrong = wrong_rings(nodes)
    assert seen == 14 and wrong == []


@pytest.mark.parametrize("crs", [None, "gk", "gk-zone"])
def test_per_level_geojson_is_counter_clockwise(
    tiny_project: Project, tmp_path: Path, crs: str | None
) -> None:
    written = export_project(clockwise_project(tiny_project), "geojson", tmp_path / "gj", crs=crs)
    total = 0
    for path in written:
        seen, wrong = wrong_rings(json.loads(path.read_text("utf-8")))
        assert wrong == [], (path.name, wrong)
        total += seen
    assert total == 14


def test_audit_report_and_map_are_counter_clockwise(
    sample_street_path: Path, tmp_path: Path
) -> None:
    project = load_project(sample_street_path)
    result = run_audit(project)
    report = json.loads(write_json(result, tmp_path / "audit.json").read_text("utf-8"))
    seen, wrong = wrong_rings([f["geometry"] for f in report["findings"]])
    assert seen >= 2 and wrong == []  # the sample's gap and overlap at least
    html = write_html(project, result, tmp_path / "audit.html").read_text("utf-8")
    decoder = json.JSONDecoder()
    embedded, at = [], html.find("_add(")
    while at >= 0:  # folium's geo_json_…_add({...}) calls carry the layers
        with contextlib.suppress(json.JSONDecodeError):
            embedded.append(decoder.raw_decode(html, at + len("_add("))[0])
        at = html.find("_add(", at + 1)
    seen, wrong = wrong_rings(embedded)
    streets_and_communities = int(project.nodes["level"].isin(["street", "community"]).sum())
    assert seen >= streets_and_communities and wrong == []


def test_partition_output_is_counter_clockwise(tmp_path: Path) -> None:
    square = Polygon([(0, 0), (0, 10), (10, 10), (10, 0)], [[(2, 2), (4, 2), (4, 4), (2, 4)]])
    frame = gpd.GeoDataFrame({"part": [1]}, geometry=[square], crs="EPSG:4550")
    write_layer(frame, tmp_path / "parts.geojson")
    seen, wrong = wrong_rings(json.loads((tmp_path / "parts.geojson").read_text("utf-8")))
    assert seen == 2 and wrong == []


def test_geometry_object_orients_and_snaps() -> None:
    clockwise = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])
    assert signed_area(shapely.geometry.mapping(clockwise)["coordinates"][0]) < 0
    out = geometry_object(clockwise, precision=0.5)
    assert signed_area(out["coordinates"][0]) > 0
    assert geometry_object(None) is None
