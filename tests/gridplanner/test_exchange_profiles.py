"""Export profiles: CJ/T 349-2010 grid codes, projected CRS, and the audit status in the
manifest as the reference receiver stores and shows it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import box

from gridplanner.cli import main
from gridplanner.exchange.audit_status import audit_status
from gridplanner.exchange.cjt349 import (
    CJT349Options,
    cjt349_mapping,
    code_problems,
    split_code,
    table_problems,
)
from gridplanner.exchange.export import export_project
from gridplanner.exchange.package import Package, build_package, read_package, validate_package
from gridplanner.exchange.problems import ExchangeError, PackageInvalid
from gridplanner.exchange.publish import push_project
from gridplanner.exchange.push import PushClient, PushSettings
from gridplanner.exchange.receiver import running_receiver
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.store import load_project, save_project

X0, Y0, D = 122.97, 39.70, 0.001
FAST = PushSettings(chunk_size=64 * 1024, backoff_base=0.01, backoff_max=0.05, timeout=10)


# -- CJ/T 349-2010 ------------------------------------------------------------------
def street_of(grids_per_community: list[int]) -> Project:
    """One street of communities in a west→east row, each 1×1 cell; a community with
    4 grids has them 2×2, coded so that code order is not reading order."""
    project = Project(name="CJ/T 349")
    whole = box(X0, Y0, X0 + len(grids_per_community) * D, Y0 + D)
    district = project.add_node(Level.DISTRICT, "210283", "示例庄河市", whole)
    street = project.add_node(Level.STREET, "210283001", "示例城关街道", whole, district)
    for i, count in enumerate(grids_per_community):
        x = X0 + i * D
        cell = box(x, Y0, x + D, Y0 + D)
        code = f"210283001{i + 1:03d}"
        community = project.add_node(Level.COMMUNITY, code, f"示例第{i + 1}社区", cell, street)
        if not count:
            continue
        comp = project.add_node(
            Level.COMPREHENSIVE_GRID, f"{code}001", f"第{i + 1}综合网格", cell, community
        )
        h = D / 2
        quarters = [
            box(x + h, Y0, x + D, Y0 + h),  # south-east
            box(x, Y0, x + h, Y0 + h),  # south-west
            box(x + h, Y0 + h, x + D, Y0 + D),  # north-east
            box(x, Y0 + h, x + h, Y0 + D),  # north-west
        ]
        shapes = [cell] if count == 1 else quarters[:count]
        for j, shape in enumerate(shapes):
            project.add_node(
                Level.GRID, f"{code}001{j + 1:03d}", f"网格{i + 1}-{j + 1}", shape, comp
            )
    return project


def test_grids_are_numbered_left_to_right_top_to_bottom_with_00_alone() -> None:
    project = street_of([4, 1, 0])
    mapping = cjt349_mapping(project).code_of()
    # grid 004 is the north-west quarter, 003 north-east, 002 south-west, 001 south-east
    reading = [mapping[f"210283001001001{j:03d}"][-2:] for j in (4, 3, 2, 1)]
    assert reading == ["01", "02", "03", "04"]
    assert mapping["210283001002001001"] == "000000" + "210283" + "001" + "002" + "00"
    assert mapping["210283001003"] == "00000021028300100300"  # a community without grids
    assert table_problems(mapping.values()) == []


def test_merged_communities_are_601_on_in_reading_order() -> None:
    project = street_of([1, 1, 1, 1])
    c = [f"210283001{i:03d}" for i in (1, 2, 3, 4)]
    options = CJT349Options.make("010100", [[c[2], c[3]], [c[0], c[1]]])
    result = cjt349_mapping(project, options)
    codes = result.code_of()
    assert codes[f"{c[0]}001001"] == codes[f"{c[1]}001001"] == "01010021028300160100"
    assert codes[f"{c[2]}001001"] == codes[f"{c[3]}001001"] == "01010021028300160200"
    merged = [g for g in result.grids if g.convention == "merged"]
    assert [g.community_codes for g in merged] == [(c[0], c[1]), (c[2], c[3])]
    assert merged[0].name == "示例第1社区、示例第2社区"
    with pytest.raises(ExchangeError, match="do not touch"):
        cjt349_mapping(project, CJT349Options.make(None, [[c[0], c[2]]]))
    with pytest.raises(ExchangeError, match="not a community"):
        cjt349_mapping(project, CJT349Options.make(None, [[c[0], "210283001009"]]))
    with pytest.raises(ExchangeError, match="two groups"):
        cjt349_mapping(project, CJT349Options.make(None, [[c[0], c[1]], [c[1], c[2]]]))
    with pytest.raises(ExchangeError, match="6 digits"):
        CJT349Options.make("01010")


def test_the_validator_names_each_broken_segment() -> None:
    good = "00000021028300100101"
    assert code_problems(good) == [] and split_code(good)["community"] == "001"
    broken = {
        good[:-1]: "19 digits",
        good[:-1] + "x": "20 ASCII digits",
        "000000" + "990283" + "00100101": "GB/T 2260",
        "000000" + "210283" + "000" + "00101": "street code 000",
        "000000" + "210283" + "001" + "600" + "00": "community code 600",
        "000000" + "210283" + "001" + "601" + "01": "sequence must be 00",
    }
    for code, words in broken.items():
        assert any(words in p for p in code_problems(code)), (code, code_problems(code))
    stem = "00000021028300100"
    assert "beside numbered" in " ".join(table_problems([stem + "100", stem + "101"]))
    assert "not 01…n" in " ".join(table_problems([stem + "101", stem + "103"]))
    assert "given to 2 grids" in " ".join(table_problems([stem + "101", stem + "101"]))


def test_cli_cjt349_package_writes_20_digit_codes_that_validate(
    sample_street_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pkg"
    args = ["export", str(sample_street_path), "--format", "package", "--profile", "cjt349"]
    assert main([*args, "--out", str(out), "--skip-audit"]) == 0
    package = read_package(out)  # schemas, hashes, and every CJ/T 349 code checked
    assert package.manifest["profile"] == "cjt349"
    assert "cjt349.json" in package.manifest["files"]
    grids = [
        f["properties"]
        for f in package.json("nodes.geojson")["features"]
        if f["properties"]["level"] == "grid"
    ]
    project = load_project(sample_street_path)
    assert len(grids) == len(project.level(Level.GRID)) > 50
    for grid in grids:
        code = grid["cjt349_code"]
        assert len(code) == 20 and code.isdigit() and code_problems(code) == [], code
        part = split_code(code)
        assert part["district"] == project.district_code
        assert part["street"] + part["community"] == grid["code"][6:12]
    document = package.json("cjt349.json")
    assert table_problems(g["cjt349_code"] for g in document["grids"]) == []
    assert {r["code"] for r in document["mapping"]} >= {g["code"] for g in grids}
    assert document["object_code"] == "000000" and document["grid_level"] == "grid"


def test_a_package_whose_grid_code_disagrees_with_its_table_is_refused() -> None:
    project = street_of([4])
    package = build_package(project, cjt349=cjt349_mapping(project))
    nodes = package.json("nodes.geojson")
    grid = next(f for f in nodes["features"] if f["properties"]["level"] == "grid")
    grid["properties"]["cjt349_code"] = "00000021028300100199"
    files = dict(package.files, **{"nodes.geojson": json.dumps(nodes).encode()})
    with pytest.raises(PackageInvalid) as caught:
        validate_package(Package(files))
    assert "maps it to" in " ".join(caught.value.errors)


# -- projected exports ----------------------------------------------------------------
@pytest.mark.parametrize(("spec", "epsg"), [("gk", 4550), ("gk-zone", 4529), ("EPSG:4549", 4549)])
def test_projected_gpkg_is_in_metres_and_transforms_back(
    tiny_project: Project, tmp_path: Path, spec: str, epsg: int
) -> None:
    out = tmp_path / "plan.gpkg"
    export_project(tiny_project, "gpkg", out, crs=spec)
    units = gpd.read_file(out, layer="grid_unit")
    assert units.crs.to_epsg() == epsg
    minx, miny, _, _ = units.total_bounds
    if spec == "gk-zone":
        assert 41_000_000 < minx < 42_000_000  # zone 41 prefixed to the easting
    else:
        assert 100_000 < minx < 900_000 and 4_000_000 < miny < 5_000_000
    want = tiny_project.level(Level.GRID_UNIT).set_index("code").geometry
    back = units.set_index("code").geometry.to_crs(4490).reindex(want.index)
    metres = "EPSG:4550"
    moved = shapely.hausdorff_distance(
        back.to_crs(metres).to_numpy(), want.to_crs(metres).to_numpy()
    )
    assert float(moved.max()) < 0.01


def test_projected_geojson_and_shapefile_name_their_crs(
    tiny_project: Project, tmp_path: Path
) -> None:
    export_project(tiny_project, "geojson", tmp_path / "gj", crs="gk")
    data = json.loads((tmp_path / "gj" / "grid.geojson").read_text("utf-8"))
    assert data["crs"]["properties"]["name"].endswith("EPSG::4550")
    x, y = data["features"][0]["geometry"]["coordinates"][0][0][:2]
    assert 100_000 < x < 900_000 and 4_000_000 < y < 5_000_000
    export_project(tiny_project, "shapefile", tmp_path / "shp", crs="gk")
    assert pyogrio.read_info(tmp_path / "shp" / "grid.shp")["crs"] == "EPSG:4550"
    export_project(tiny_project, "geojson", tmp_path / "ll")
    assert "crs" not in json.loads((tmp_path / "ll" / "grid.geojson").read_text("utf-8"))


def test_a_crs_where_it_cannot_apply_is_refused(tiny_project: Project, tmp_path: Path) -> None:
    with pytest.raises(ExchangeError, match="EPSG:4490"):
        export_project(tiny_project, "package", tmp_path / "pkg", crs="gk")
    with pytest.raises(ExchangeError, match="xlsx"):
        export_project(tiny_project, "xlsx", tmp_path / "h.xlsx", crs="gk")
    with pytest.raises(Exception, match="expected gk"):
        export_project(tiny_project, "gpkg", tmp_path / "a.gpkg", crs="utm")


# -- the audit status in the manifest, at the receiver --------------------------------
def broken(project: Project) -> Project:
    """The tiny plan with unit A1 reaching out of its grid (two blocking findings)."""
    nodes = project.nodes
    unit = nodes.index[nodes["code"] == "210283001001001001001"][0]
    nodes.loc[[unit], "geometry"] = [box(X0, Y0 + D, X0 + 1.5 * D, Y0 + 2 * D)]
    return project


def test_the_manifest_records_the_audit(
    tiny_project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = audit_status(tiny_project)
    export_project(tiny_project, "package", tmp_path / "clean")
    audit = read_package(tmp_path / "clean").manifest["audit"]
    assert audit == {
        "status": "clean",
        "blocking": 0,
        "warning": status.warning,
        "info": status.info,
    }
    save_project(broken(tiny_project), tmp_path / "broken.gpkg")
    base = ["export", str(tmp_path / "broken.gpkg"), "--format", "package"]
    assert main([*base, "--out", str(tmp_path / "over")]) == 0  # today's rule: proceed
    assert "exported despite 2 blocking" in capsys.readouterr().out
    audit = read_package(tmp_path / "over").manifest["audit"]
    assert audit["status"] == "overridden" and audit["blocking"] == 2
    assert main([*base, "--out", str(tmp_path / "skip"), "--skip-audit"]) == 0
    assert read_package(tmp_path / "skip").manifest["audit"]["status"] == "not_run"


def test_the_schema_refuses_a_clean_status_with_blocking_findings(tiny_project: Project) -> None:
    package = build_package(tiny_project)
    manifest = package.manifest
    manifest["audit"] = {"status": "clean", "blocking": 3, "warning": 0, "info": 0}
    files = dict(package.files, **{"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(PackageInvalid, match="audit"):
        validate_package(Package(files))


def test_the_receiver_stores_and_shows_the_audit(
    tiny_project: Project, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "plan.gpkg"
    save_project(broken(tiny_project), path)
    caplog.set_level(logging.INFO, logger="gridplanner.receiver")
    with running_receiver(tmp_path / "rx") as url:
        receipt = push_project(path, url, allow_blocking=True, settings=FAST, token="t")
        assert receipt["audit"]["status"] == "overridden" and receipt["audit"]["blocking"] == 2
        older = build_package(load_project(path))  # a manifest from before the audit status
        manifest = older.manifest
        del manifest["audit"]
        manifest["plan_version"] = 7
        manifest["idempotency_key"] = manifest["idempotency_key"].replace("-v1-", "-v7-")
        files = dict(older.files, **{"manifest.json": json.dumps(manifest).encode()})
        client = PushClient(url, "t", FAST)
        try:
            client.upload(Package(files))
            listed = {v["plan_version"]: v["audit"] for v in client.versions("210283")}
            answer = client.request("GET", "/regions/210283/versions/1").json()
        finally:
            client.close()
    assert listed[1]["status"] == "overridden" and listed[1]["blocking"] == 2
    assert listed[7] == {"status": "not_recorded"}
    assert answer["receipt"]["audit"] == answer["manifest"]["audit"] == listed[1]
    assert "version 1: audit overridden (2 blocking" in caplog.text
