"""Export: Shapefile (GBK), RFC 7946 GeoJSON, XLSX, GeoPackage and the exchange package."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pyogrio
import pytest
import shapely
from openpyxl import load_workbook

from gridplanner.cli import main
from gridplanner.code_rules import URBAN_RURAL_CODES
from gridplanner.exchange.export import SHAPEFILE_FIELDS, export_project
from gridplanner.exchange.package import (
    Package,
    build_package,
    read_package,
    schema,
    validate_package,
)
from gridplanner.exchange.problems import PackageInvalid
from gridplanner.levels import AreaKind, Level
from gridplanner.model import Project
from gridplanner.store import load_project, save_project


def test_shapefile_export_keeps_chinese_names(sample_street_path: Path, tmp_path: Path) -> None:
    project = load_project(sample_street_path)
    out = tmp_path / "shp"
    export_project(project, "shapefile", out)
    assert (out / "grid_unit.cpg").read_text().strip().upper() in ("GBK", "CP936", "936")
    frame = pyogrio.read_dataframe(out / "grid_unit.shp")  # GDAL honours the .cpg
    want = project.level(Level.GRID_UNIT).set_index("code")["name"]
    got = frame.set_index("code")["name"]
    assert (got.loc[want.index] == want).all() and got.str.contains("小区|屯|村").any()
    assert max(len(c) for c in frame.columns) <= 10
    assert set(SHAPEFILE_FIELDS.values()) - {"cjt349"} <= set(frame.columns)  # cjt349: profile
    doc = (out / "字段说明.csv").read_text(encoding="utf-8-sig")
    assert "parent,parent_code,上级编码" in doc
    raw = (out / "grid_unit.dbf").read_bytes()
    assert want.iloc[0].encode("gbk") in raw  # really GBK on disk


def test_geojson_per_level_is_rfc7946(tiny_project: Project, tmp_path: Path) -> None:
    written = export_project(tiny_project, "geojson", tmp_path / "gj")
    assert [p.name for p in written][:2] == ["district.geojson", "street.geojson"]
    data = json.loads((tmp_path / "gj" / "grid.geojson").read_text(encoding="utf-8"))
    assert "crs" not in data and len(data["features"]) == 2
    ring = data["features"][0]["geometry"]["coordinates"][0]
    if data["features"][0]["geometry"]["type"] == "MultiPolygon":
        ring = ring[0]
    assert shapely.LinearRing(ring).is_ccw  # RFC 7946: exterior rings counter-clockwise
    assert data["features"][0]["properties"]["name"] == "幸福社区1-1网格"


def test_xlsx_keeps_codes_as_text(tiny_project: Project, tmp_path: Path) -> None:
    export_project(tiny_project, "xlsx", tmp_path / "h.xlsx")
    sheet = load_workbook(tmp_path / "h.xlsx")["层级"]
    codes = [c.value for c in sheet["A"]][1:]
    assert "210283001001001001001" in codes and all(isinstance(c, str) for c in codes)
    assert sheet["A2"].data_type == "s" and sheet["A2"].number_format == "@"
    assert [c.value for c in sheet[1]][:4] == ["编码", "名称", "层级", "上级编码"]
    roster = load_workbook(tmp_path / "h.xlsx")["网格员"]
    assert "联系电话" not in [c.value for c in roster[1]]


def test_gpkg_export_has_every_level(tiny_project: Project, tmp_path: Path) -> None:
    export_project(tiny_project, "gpkg", tmp_path / "out.gpkg")
    layers = {str(n) for n, _ in pyogrio.list_layers(tmp_path / "out.gpkg")}
    assert {"district", "grid_unit", "building", "worker"} <= layers
    workers = pyogrio.read_dataframe(tmp_path / "out.gpkg", layer="worker")
    assert "phone" not in workers.columns


def test_package_validates_and_round_trips(tiny_project: Project, tmp_path: Path) -> None:
    out = tmp_path / "pkg.zip"
    export_project(tiny_project, "package", out)
    package = read_package(out)  # validates schema, hashes and references
    manifest = package.manifest
    assert manifest["region_code"] == "210283" and manifest["counts"]["grid_unit"] == 4
    assert manifest["crs"] == "EPSG:4490" and manifest["personal_fields_included"] is False
    nodes = package.hierarchy().set_index("code")
    assert nodes.loc["210283001001001001", "households"] == 350
    assert nodes.loc["210283001001001001", "workers"] == 1.5
    assert package.json("changes.json")["summary"]["added"] == 10
    for name in ("nodes", "workers", "changes", "manifest"):
        jsonschema.Draft202012Validator.check_schema(schema(name))


def _tampered(package: Package, edit: object) -> Package:
    nodes = package.json("nodes.geojson")
    edit(nodes)  # type: ignore[operator]
    files = dict(package.files)
    files["nodes.geojson"] = json.dumps(nodes, ensure_ascii=False).encode()
    return Package(files)


def test_schema_rejects_a_node_without_parent_code(tiny_project: Project) -> None:
    package = build_package(tiny_project)
    nodes = package.json("nodes.geojson")
    grid = next(f for f in nodes["features"] if f["properties"]["level"] == "grid")
    del grid["properties"]["parent_code"]
    errors = list(jsonschema.Draft202012Validator(schema("nodes")).iter_errors(nodes))
    assert errors and "'parent_code' is a required property" in errors[0].message

    def null_parent(n: dict) -> None:  # type: ignore[type-arg]
        n["features"][3]["properties"]["parent_code"] = None

    with pytest.raises(
        PackageInvalid, match=r"nodes\.geojson at features/3/properties/parent_code"
    ):
        validate_package(_tampered(package, null_parent))


def test_package_with_a_parent_code_not_in_it_is_rejected(tiny_project: Project) -> None:
    package = build_package(tiny_project)

    def drop_comprehensive(n: dict) -> None:  # type: ignore[type-arg]
        n["features"] = [
            f for f in n["features"] if f["properties"]["level"] != "comprehensive_grid"
        ]

    with pytest.raises(PackageInvalid) as caught:
        validate_package(_tampered(package, drop_comprehensive))
    text = " ".join(caught.value.errors)
    assert (
        "SHA-256" in text
        and "names parent code 210283001001001, which is not in the package" in text
    )


def test_personal_fields_only_when_asked(
    tiny_project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_project(tiny_project, tmp_path / "p.gpkg")
    assert (
        main(
            [
                "export",
                str(tmp_path / "p.gpkg"),
                "--format",
                "package",
                "--out",
                str(tmp_path / "a"),
            ]
        )
        == 0
    )
    assert "--include-personal" in capsys.readouterr().out
    plain = (tmp_path / "a" / "workers.json").read_text(encoding="utf-8")
    assert "19900000001" not in plain and "phone" not in plain and "张伟" in plain
    assert (
        main(
            [
                "export",
                str(tmp_path / "p.gpkg"),
                "--format",
                "package",
                "--out",
                str(tmp_path / "b"),
                "--include-personal",
            ]
        )
        == 0
    )
    personal = read_package(tmp_path / "b")
    assert personal.manifest["personal_fields_included"] is True
    assert "19900000001" in personal.files["workers.json"].decode()
    for fmt, out in (("xlsx", "h.xlsx"), ("gpkg", "h.gpkg")):
        assert (
            main(
                ["export", str(tmp_path / "p.gpkg"), "--format", fmt, "--out", str(tmp_path / out)]
            )
            == 0
        )
    assert b"19900000001" not in (tmp_path / "h.gpkg").read_bytes()


def test_export_against_a_previous_package(tiny_project: Project, tmp_path: Path) -> None:
    save_project(tiny_project, tmp_path / "p.gpkg")
    assert (
        main(
            [
                "export",
                str(tmp_path / "p.gpkg"),
                "--format",
                "package",
                "--out",
                str(tmp_path / "v1.zip"),
            ]
        )
        == 0
    )
    project = load_project(tmp_path / "p.gpkg")
    project.nodes = project.nodes.copy()  # the loaded columns are read-only views
    project.nodes.loc[project.by_code("210283001001001001001"), "name"] = "幸福家园"
    project.record_version("测试员", "改名")
    save_project(project, tmp_path / "p.gpkg")
    assert (
        main(
            [
                "export",
                str(tmp_path / "p.gpkg"),
                "--format",
                "package",
                "--out",
                str(tmp_path / "v2.zip"),
                "--since",
                str(tmp_path / "v1.zip"),
            ]
        )
        == 0
    )
    changes = read_package(tmp_path / "v2.zip").json("changes.json")
    assert changes["base_version"] == 1 and changes["plan_version"] == 2
    assert changes["summary"]["renamed"] == 1 and changes["summary"]["added"] == 0


# -- the workbook in the chosen language; the machine formats keep the code values ---------
def _sheet_rows(path: Path, sheet: str) -> list[dict[str, object]]:
    rows = list(load_workbook(path)[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _cells(path: Path) -> set[object]:
    book = load_workbook(path)
    return {cell for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row}


RAW_VALUES = {"ordinary", "dedicated", "full_time", "part_time", "grid", "grid_unit", "street"}
RAW_VALUES |= {kind.value for kind in AreaKind} | set(URBAN_RURAL_CODES)


def test_xlsx_reads_in_chinese(sample_street_path: Path, tmp_path: Path) -> None:
    project = load_project(sample_street_path)
    export_project(project, "xlsx", tmp_path / "h.xlsx")
    nodes = _sheet_rows(tmp_path / "h.xlsx", "层级")
    grids = [r for r in nodes if r["层级"] == "网格"]
    assert {r["类型"] for r in grids} == {"普通网格", "专属网格"}
    dedicated = project.level(Level.GRID)
    dedicated = dedicated[dedicated["kind"] == "dedicated"]
    assert {r["编码"] for r in grids if r["类型"] == "专属网格"} == set(dedicated["code"])
    stated = {k.label("zh") for k in AreaKind}  # 街道/镇/乡…, 社区/村… on streets, communities
    others = {r["类型"] for r in nodes if r["层级"] not in ("网格",)}
    assert others - {None} <= stated and len(others - {None}) >= 2
    assert {r["层级"] for r in nodes} == {lv.zh for lv in Level}
    codes = {r["城乡分类代码"] for r in nodes if r["层级"] == "社区"} - {None}
    assert codes and all(c[:3] in URBAN_RURAL_CODES and c[4:] for c in codes)  # 111 主城区
    roster = _sheet_rows(tmp_path / "h.xlsx", "网格员")
    assert {r["专兼职"] for r in roster} == {"专职", "兼职"}
    assert not RAW_VALUES & _cells(tmp_path / "h.xlsx")


def test_xlsx_reads_in_english(
    sample_street_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "h.xlsx"
    args = ["export", str(sample_street_path), "--format", "xlsx", "--out", str(out)]
    assert main([*args, "--lang", "en"]) == 0
    assert load_workbook(out).sheetnames == ["Hierarchy", "Workers"]
    nodes = _sheet_rows(out, "Hierarchy")
    assert list(nodes[0])[:5] == ["Code", "Name", "Level", "Parent code", "Kind"]
    grids = [r for r in nodes if r["Level"] == "Grid"]
    assert {r["Kind"] for r in grids} == {"ordinary grid", "dedicated grid"}
    stated = {r["Kind"] for r in nodes if r["Level"] in ("Street", "Community")} - {None}
    assert stated and stated <= {k.label("en") for k in AreaKind}
    roster = _sheet_rows(out, "Workers")
    assert {r["Employment"] for r in roster} == {"full-time", "part-time"}
    assert not (RAW_VALUES - {k.label("en") for k in AreaKind}) & _cells(out)  # town is English
    assert "普通网格" not in _cells(out) and "兼职" not in _cells(out)


def test_unknown_export_language_is_refused(tiny_project: Project, tmp_path: Path) -> None:
    from gridplanner.exchange.problems import ExchangeError

    with pytest.raises(ExchangeError, match="unknown export language 'fr'"):
        export_project(tiny_project, "xlsx", tmp_path / "h.xlsx", lang="fr")
    assert not (tmp_path / "h.xlsx").exists()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_machine_formats_keep_the_schema_values(
    sample_street_path: Path, tmp_path: Path, lang: str
) -> None:
    """The package, GeoJSON and GeoPackage are read by programs: whatever the language,
    they carry the values nodes.schema.json and workers.schema.json prescribe."""
    project = load_project(sample_street_path)
    export_project(project, "package", tmp_path / "pkg", lang=lang)
    package = read_package(tmp_path / "pkg")  # validates against the schemas
    kinds = {f["properties"]["kind"] for f in package.json("nodes.geojson")["features"]}
    assert {"ordinary", "dedicated"} <= kinds <= {"ordinary", "dedicated"} | set(AreaKind)
    assert {w["employment"] for w in package.json("workers.json")["workers"]} == {
        "full_time",
        "part_time",
    }
    export_project(project, "geojson", tmp_path / "gj", lang=lang)
    grid = json.loads((tmp_path / "gj" / "grid.geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["kind"] for f in grid["features"]} == {"ordinary", "dedicated"}
    export_project(project, "gpkg", tmp_path / "out.gpkg", lang=lang)
    workers = pyogrio.read_dataframe(tmp_path / "out.gpkg", layer="worker")
    assert set(workers["employment"]) == {"full_time", "part_time"}
