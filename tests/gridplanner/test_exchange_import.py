"""Import: GBK/UTF-8 Shapefiles, CSV/XLSX, field guesses, and honest failures.

Every failing import must name the file, the feature and the problem, and leave
the project file byte-identical.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from openpyxl import Workbook

from gridplanner.cli import main
from gridplanner.exchange.export import export_project
from gridplanner.exchange.fieldmap import guess_mapping
from gridplanner.exchange.gcj02 import geometries_to_gcj02
from gridplanner.exchange.import_nodes import kind_from_text
from gridplanner.exchange.importing import ImportOptions, employment_from_text, import_into
from gridplanner.exchange.problems import ImportFailed
from gridplanner.levels import KIND_LABELS, LEVELS, Level, NodeKind
from gridplanner.model import EMPLOYMENT_LABELS, FULL_TIME, PART_TIME, Project
from gridplanner.store import load_project, save_project

NODE_LEVELS = [lv for lv in LEVELS if lv is not Level.DISTRICT]


def write_level(
    project: Project, level: Level, path: Path, encoding: str = "GBK", cpg: bool = True
) -> Path:
    """One level as a Shapefile with Chinese column names, as contractors deliver."""
    frame = project.level(level)[["code", "name", "geometry"]].rename(
        columns={"code": "编码", "name": "名称"}
    )
    pyogrio.write_dataframe(frame.reset_index(drop=True), path, encoding=encoding)
    if not cpg:
        path.with_suffix(".cpg").unlink()
    return path


def import_levels(project: Project, folder: Path, target: Path, **kw: bool) -> None:
    for level in NODE_LEVELS:
        shp = write_level(project, level, folder / f"{level.value}.shp", **kw)  # type: ignore[arg-type]
        assert (
            main(
                [
                    "import",
                    str(target),
                    str(shp),
                    "--level",
                    level.value,
                    "--district-name",
                    "示例庄河市",
                ]
            )
            == 0
        )


def test_gbk_shapefile_without_cpg_imports_with_correct_names(
    tiny_project: Project, tmp_path: Path
) -> None:
    target = tmp_path / "新方案.gpkg"
    import_levels(tiny_project, tmp_path, target, cpg=False)
    got = load_project(target)
    want = tiny_project.nodes.set_index("code")
    have = got.nodes.set_index("code")
    assert sorted(have.index) == sorted(want.index)
    assert (have.loc[want.index, "name"] == want["name"]).all()
    assert have.loc["210283001001001001001", "name"] == "幸福小区"
    parents = {c: have.loc[c, "parent_id"] for c in have.index}
    assert got.nodes.loc[parents["210283001001001002001"], "code"] == "210283001001001002"
    assert got.history[-1].summary.startswith("导入 grid_unit.shp")


def test_utf8_shapefile_with_cpg(tiny_project: Project, tmp_path: Path) -> None:
    target = tmp_path / "plan.gpkg"
    import_levels(tiny_project, tmp_path, target, encoding="UTF-8")  # type: ignore[arg-type]
    assert set(load_project(target).nodes["name"]) == set(tiny_project.nodes["name"])


def test_reimport_updates_in_place_keeping_ids(tiny_project: Project, tmp_path: Path) -> None:
    target = tmp_path / "plan.gpkg"
    import_levels(tiny_project, tmp_path, target)
    before = load_project(target)
    tiny_project.nodes.loc[tiny_project.by_code("210283001001001001001"), "name"] = "幸福新区"
    shp = write_level(tiny_project, Level.GRID_UNIT, tmp_path / "again.shp")
    report = import_into(target, shp, "unit")
    after = load_project(target)
    assert report.updated == 4 and report.added == 0
    node = after.by_code("210283001001001001001")
    assert node == before.by_code("210283001001001001001")
    assert after.nodes.at[node, "name"] == "幸福新区"


@pytest.fixture
def saved(tiny_project: Project, tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "plan.gpkg"
    save_project(tiny_project, path)
    return path, path.read_bytes()


def _fails(
    saved: tuple[Path, bytes],
    source: Path,
    level: str,
    *fragments: str,
    options: ImportOptions | None = None,
) -> ImportFailed:
    path, before = saved
    with pytest.raises(ImportFailed) as caught:
        import_into(path, source, level, options)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    assert path.read_bytes() == before  # byte-identical
    return caught.value


def test_wrongly_encoded_shapefile_is_refused(
    tiny_project: Project, saved: tuple[Path, bytes], tmp_path: Path
) -> None:
    frame = tiny_project.level(Level.GRID_UNIT)[["code", "name", "geometry"]]
    shp = tmp_path / "units.shp"
    pyogrio.write_dataframe(frame.reset_index(drop=True), shp, encoding="GBK")
    shp.with_suffix(".cpg").write_text("UTF-8")  # lies: the bytes are GBK
    error = _fails(
        saved,
        shp,
        "unit",
        "units.shp",
        "wrongly encoded",
        "GBK",
        "feature 0",
        "'幸福小区'",
        "--encoding gbk",
    )
    assert error.problems[0].field == "name"


def test_wrongly_encoded_column_name_is_shown_readably(
    tiny_project: Project, saved: tuple[Path, bytes], tmp_path: Path
) -> None:
    shp = write_level(tiny_project, Level.GRID_UNIT, tmp_path / "units.shp")
    shp.with_suffix(".cpg").write_text("UTF-8")
    _fails(saved, shp, "unit", "units.shp", "wrongly encoded", "field '编码'")


def test_truncated_shapefile_is_refused(
    tiny_project: Project, saved: tuple[Path, bytes], tmp_path: Path
) -> None:
    shp = write_level(tiny_project, Level.GRID_UNIT, tmp_path / "units.shp")
    data = shp.read_bytes()
    shp.write_bytes(data[: len(data) - 60])
    _fails(saved, shp, "unit", "units.shp", "truncated")


def test_truncated_geojson_is_refused(tmp_path: Path, saved: tuple[Path, bytes]) -> None:
    source = tmp_path / "cut.geojson"
    source.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "prop')
    _fails(saved, source, "unit", "cut.geojson", "cannot be read")


def test_crs_less_shapefile_is_refused_then_accepted_with_crs(
    tiny_project: Project, saved: tuple[Path, bytes], tmp_path: Path
) -> None:
    shp = write_level(tiny_project, Level.GRID_UNIT, tmp_path / "units.shp")
    shp.with_suffix(".prj").unlink()
    _fails(
        saved,
        shp,
        "unit",
        "units.shp",
        "no coordinate reference system",
        "longitude/latitude",
        "EPSG:4490",
    )
    report = import_into(saved[0], shp, "unit", ImportOptions(crs="EPSG:4490"))
    assert report.updated == 4


def test_broken_geometry_is_refused(
    tiny_project: Project, saved: tuple[Path, bytes], tmp_path: Path
) -> None:
    from shapely.geometry import Polygon

    frame = tiny_project.level(Level.GRID_UNIT)[["code", "name", "geometry"]].reset_index(drop=True)
    x, y = 122.97, 39.70
    frame.loc[2, "geometry"] = Polygon(
        [(x, y), (x + 0.001, y + 0.001), (x + 0.001, y), (x, y + 0.001)]
    )
    source = tmp_path / "units.gpkg"
    pyogrio.write_dataframe(frame, source, layer="units")
    _fails(
        saved, source, "unit", "units.gpkg", "feature 3", "geometry is broken", "Self-intersection"
    )


def test_mojibake_is_detected(
    tiny_project: Project, saved: tuple[Path, bytes], tmp_path: Path
) -> None:
    frame = tiny_project.level(Level.GRID_UNIT)[["code", "name", "geometry"]].reset_index(drop=True)
    frame["name"] = [
        n.encode("gbk").decode("latin-1") for n in frame["name"]
    ]  # 幸福小区 → ÐÒ¸£Ð¡Çø
    source = tmp_path / "units.geojson"
    pyogrio.write_dataframe(frame, source, driver="GeoJSON")
    _fails(saved, source, "unit", "units.geojson", "garbled", "幸福小区", "feature 0", "'name'")


def test_missing_parent_and_bad_code_are_named(
    tiny_project: Project, saved: tuple[Path, bytes], tmp_path: Path
) -> None:
    frame = tiny_project.level(Level.GRID_UNIT)[["code", "name", "geometry"]].reset_index(drop=True)
    frame.loc[0, "code"] = "210283001001001009001"  # grid 009 does not exist
    frame.loc[1, "code"] = "21028300100100100100X"
    source = tmp_path / "units.gpkg"
    pyogrio.write_dataframe(frame, source)
    error = _fails(saved, source, "unit", "grid 210283001001001009 is not in the project")
    assert any("digits only" in str(p) and "feature 2" in str(p) for p in error.problems)


def test_field_guesses_from_chinese_and_english_names() -> None:
    assert guess_mapping(["单元编码", "单元名称", "所属网格编码", "户数"], "node", "grid_unit") == {
        "code": "单元编码",
        "name": "单元名称",
        "parent": "所属网格编码",
    }
    assert guess_mapping(["CODE", "Name", "parent_code"], "node", "grid") == {
        "code": "CODE",
        "name": "Name",
        "parent": "parent_code",
    }
    got = guess_mapping(["楼栋名称", "户数", "人口数", "经度", "纬度"], "building", "building")
    assert got == {"name": "楼栋名称", "households": "户数", "population": "人口数"}
    got = guess_mapping(["姓名", "所属网格编码", "联系电话", "专兼职"], "worker", "worker")
    assert got == {
        "name": "姓名",
        "grid": "所属网格编码",
        "phone": "联系电话",
        "employment": "专兼职",
    }
    assert guess_mapping(["编号", "x"], "node", "grid", {"code": "编号"})["code"] == "编号"


def test_buildings_from_gbk_csv_with_lon_lat(saved: tuple[Path, bytes], tmp_path: Path) -> None:
    source = tmp_path / "楼栋.csv"
    rows = [
        "楼栋名称,户数,人口,经度,纬度",
        "7号楼,40,100,122.9705,39.7015",
        "8号楼,20,51,122.9715,39.7005",
    ]
    source.write_bytes("\n".join(rows).encode("gbk"))
    report = import_into(saved[0], source, "building")
    project = load_project(saved[0])
    new = project.buildings[project.buildings["name"].isin(["7号楼", "8号楼"])]
    units = project.nodes.loc[new["unit_id"].astype(int), "code"].tolist()
    assert report.added == 2 and units == ["210283001001001001001", "210283001001001002002"]
    assert "GBK" in " ".join(report.notes)


def test_bad_numbers_in_csv_name_the_row(saved: tuple[Path, bytes], tmp_path: Path) -> None:
    source = tmp_path / "b.csv"
    source.write_text("name,households,lon,lat\nA,12,122.9705,39.7015\nB,many,122.9715,39.7005\n")
    _fails(saved, source, "building", "b.csv", "row 3", "'households'", "whole number")


def test_workers_from_xlsx(saved: tuple[Path, bytes], tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "所属网格编码", "专兼职", "联系电话"])
    sheet.append(["赵敏", "210283001001001002", "兼职", "19900000009"])
    source = tmp_path / "网格员.xlsx"
    book.save(source)
    import_into(saved[0], source, "worker")
    workers = load_project(saved[0]).workers
    row = workers[workers["name"] == "赵敏"].iloc[0]
    assert (
        row["employment"] == "part_time"
        and row["capacity"] == 0.5
        and row["phone"] == "19900000009"
    )


def test_gcj02_geojson_is_converted(
    tiny_project: Project, saved: tuple[Path, bytes], tmp_path: Path
) -> None:
    frame = tiny_project.level(Level.GRID_UNIT)[["code", "name", "geometry"]].reset_index(drop=True)
    frame["geometry"] = geometries_to_gcj02(frame.geometry.to_numpy())
    source = tmp_path / "web.geojson"
    pyogrio.write_dataframe(
        frame, source, driver="GeoJSON", layer_options={"COORDINATE_PRECISION": 15}
    )
    import_into(saved[0], source, "unit", ImportOptions(from_gcj02=True))
    project = load_project(saved[0])
    for code, geom in zip(
        tiny_project.level(Level.GRID_UNIT)["code"],
        tiny_project.level(Level.GRID_UNIT).geometry,
        strict=True,
    ):
        got = project.nodes.geometry[project.by_code(code)]
        assert got.equals_exact(geom, 1e-8)


def test_cli_import_error_is_one_line(
    saved: tuple[Path, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "x.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": []})[:-5])
    assert main(["import", str(saved[0]), str(source), "--level", "grid"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "x.geojson" in err[0] and "project was not changed" in err[0]
    assert saved[0].read_bytes() == saved[1]


def test_failed_import_into_missing_project_creates_nothing(tmp_path: Path) -> None:
    source = tmp_path / "empty.csv"
    source.write_text("foo,bar\n1,2\n")
    with pytest.raises(ImportFailed, match="no column found for code"):
        import_into(tmp_path / "new.gpkg", source, "street")
    assert not (tmp_path / "new.gpkg").exists()
    assert pd.read_csv(source).shape == (1, 2)


def test_every_problem_is_listed(
    saved: tuple[Path, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.csv"
    rows = ["楼栋名称,户数,人口,经度,纬度"]
    rows += [f"楼{k},many,10,122.97,39.70" for k in range(25)]
    source.write_text("\n".join(rows), encoding="utf-8")
    report = tmp_path / "problems.json"
    argv = ["import", str(saved[0]), str(source), "--level", "building", "--report", str(report)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "25 problems" in err[0] and "not changed" in err[0]
    assert len(err) == 1 + 20 + 1 and "and 5 more" in err[-1]
    assert len(json.loads(report.read_text("utf-8"))["problems"]) == 25
    assert saved[0].read_bytes() == saved[1]


# -- what the XLSX export writes (in either language) reads back -----------------------------
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        *[(label, kind.value) for kind, labels in KIND_LABELS.items() for label in labels],
        *[(kind.value, kind.value) for kind in NodeKind],
        ("Dedicated Grid", "dedicated"),
        (" 专属网格 ", "dedicated"),
        ("专属", "dedicated"),  # the loose words planners write still work
        ("学校专属网格", "dedicated"),
        ("普通", "ordinary"),
        (None, "ordinary"),
    ],
)
def test_kind_labels_read_back(text: str | None, kind: str) -> None:
    assert kind_from_text(text) == kind


@pytest.mark.parametrize(
    ("employment", "role", "value"),
    [
        *[(label, None, value) for value, labels in EMPLOYMENT_LABELS.items() for label in labels],
        *[(value, None, value) for value in EMPLOYMENT_LABELS],
        ("Part-Time", None, PART_TIME),
        ("专职", "兼职网格员", FULL_TIME),  # the employment column says so: it wins
        (None, "兼职网格员", PART_TIME),  # no employment column: the role tells
        ("兼", None, PART_TIME),
        (None, None, FULL_TIME),
    ],
)
def test_employment_labels_read_back(employment: str | None, role: str | None, value: str) -> None:
    assert employment_from_text(employment, role) == value


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_export_round_trips(tiny_project: Project, tmp_path: Path, lang: str) -> None:
    """Planners edit the exported workbook and bring it back: the roster sheet as the
    worker import, the grid rows (joined to their shapes in a GIS) as the grid import."""
    school = tiny_project.by_code("210283001001001002")
    tiny_project.nodes.loc[school, ["kind", "dedicated_type"]] = ["dedicated", "学校"]
    path = tmp_path / "plan.gpkg"
    save_project(tiny_project, path)
    book = tmp_path / "hierarchy.xlsx"
    export_project(tiny_project, "xlsx", book, lang=lang)
    sheets = pd.read_excel(book, sheet_name=None, dtype=str, keep_default_na=False)
    nodes_sheet, roster_sheet = sheets.values()

    roster = tmp_path / "roster.xlsx"
    roster_sheet.to_excel(roster, index=False)
    blank = load_project(path)
    blank.workers = blank.workers.iloc[0:0]
    save_project(blank, path)
    import_into(path, roster, "worker")
    columns = ["name", "role", "employment", "capacity", "grid_id"]
    got = load_project(path).workers[columns].sort_values("name").reset_index(drop=True)
    want = tiny_project.workers[columns].sort_values("name").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)

    level_column = nodes_sheet.columns[2]
    grid_rows = nodes_sheet[nodes_sheet[level_column] == Level.GRID.label(lang)]
    shapes = tiny_project.level(Level.GRID).set_index("code").geometry
    code_column = nodes_sheet.columns[0]
    grids = gpd.GeoDataFrame(
        grid_rows.reset_index(drop=True),
        geometry=shapes.loc[grid_rows[code_column]].to_numpy(),
        crs=tiny_project.nodes.crs,
    )
    source = tmp_path / "grids.gpkg"
    pyogrio.write_dataframe(grids, source, driver="GPKG")
    flattened = load_project(path)
    flattened.nodes["kind"] = "ordinary"
    flattened.nodes["dedicated_type"] = None
    save_project(flattened, path)
    report = import_into(path, source, "grid")
    assert report.updated == 2 and report.mapping["kind"] == grid_rows.columns[4]
    back = load_project(path).level(Level.GRID).set_index("code")
    assert back.loc["210283001001001002", ["kind", "dedicated_type"]].tolist() == [
        "dedicated",
        "学校",
    ]
    assert back.loc["210283001001001001", "kind"] == "ordinary"
