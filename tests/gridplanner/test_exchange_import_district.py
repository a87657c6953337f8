"""District import: a city's DataV-style GeoJSON of districts (``adcode``/``name``,
GCJ-02), split into one project per district, with broken polygons repaired and
reported, full-width digits normalised, and files in metres refused with the EPSG
code to pass.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon, mapping

from gridplanner.cli import main
from gridplanner.exchange.fieldmap import guess_mapping
from gridplanner.exchange.gcj02 import wgs84_to_gcj02
from gridplanner.exchange.importing import ImportOptions, import_into
from gridplanner.exchange.problems import ImportFailed
from gridplanner.levels import Level
from gridplanner.store import load_project

#: Dalian's ten county-level divisions (GB/T 2260) and a point inside each (WGS84).
DALIAN = [
    ("210202", "中山区", (121.655, 38.915)),
    ("210203", "西岗区", (121.612, 38.912)),
    ("210204", "沙河口区", (121.575, 38.905)),
    ("210211", "甘井子区", (121.52, 38.99)),
    ("210212", "旅顺口区", (121.26, 38.85)),
    ("210213", "金州区", (121.85, 39.15)),
    ("210214", "普兰店区", (122.05, 39.55)),
    ("210224", "长海县", (122.68, 39.18)),  # the islands: drawn as a bow-tie below
    ("210281", "瓦房店市", (121.75, 39.85)),
    ("210283", "庄河市", (122.97, 39.75)),
]
#: The mainland outline the land districts tile (a rough Liaodong peninsula).
MAINLAND = Polygon(
    [
        (121.05, 38.72),
        (121.75, 38.80),
        (122.15, 39.30),
        (122.90, 39.55),
        (123.55, 39.80),
        (123.35, 40.15),
        (122.40, 40.20),
        (121.45, 40.05),
        (121.25, 39.50),
        (121.10, 39.05),
    ]
)
#: 长海县 as a bow-tie ring: two island lobes crossing at (122.75, 39.153),
#: 0.0675 and 0.0169 square degrees, so the shoelace area (lobes cancel) is off.
BOW_TIE = Polygon([(122.45, 39.08), (122.90, 39.19), (122.90, 39.08), (122.45, 39.30)])
GK = Transformer.from_crs("EPSG:4490", "EPSG:4550", always_xy=True)


def districts_wgs84() -> dict[str, Any]:
    """Code → WGS84 polygon: Voronoi cells of the land districts inside the mainland,
    vertices every ~1 km so the GCJ-02 shift bends the edges as on a web map."""
    land = [(c, p) for c, _, p in DALIAN if c != "210224"]
    cells = shapely.voronoi_polygons(
        shapely.MultiPoint([p for _, p in land]), extend_to=MAINLAND.buffer(1)
    )
    out: dict[str, Any] = {}
    for code, point in land:
        cell = next(g for g in cells.geoms if g.contains(shapely.Point(point)))
        out[code] = shapely.segmentize(cell.intersection(MAINLAND), 0.01)
    out["210224"] = BOW_TIE
    return out


def to_gcj02(geom: Any) -> Any:
    def shift(coords: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, shift)


def datav_city(
    path: Path,
    geoms: dict[str, Any],
    codes: dict[str, Any] | None = None,
    only: tuple[str, ...] | None = None,
) -> Path:
    """A DataV-style ``210200_full.json``: GCJ-02 lon/lat, the properties DataV writes
    (``codes`` replaces some adcodes; ``only`` keeps some districts)."""
    features = []
    chosen = [d for d in DALIAN if only is None or d[0] in only]
    for index, (code, name, (lon, lat)) in enumerate(chosen):
        center = [float(v) for v in wgs84_to_gcj02(lon, lat)]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "adcode": (codes or {}).get(code, int(code)),
                    "name": name,
                    "center": center,
                    "centroid": center,
                    "childrenNum": 0,
                    "level": "district",
                    "parent": {"adcode": 210200},
                    "subFeatureIndex": index,
                    "acroutes": [100000, 210000, 210200],
                },
                "geometry": mapping(to_gcj02(geoms[code])),
            }
        )
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        "utf-8",
    )
    return path


def metres(geom: Any) -> Any:
    return shapely.transform(geom, lambda c: np.column_stack(GK.transform(c[:, 0], c[:, 1])))


def test_city_of_ten_districts_imports_one_project_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    geoms = districts_wgs84()
    source = datav_city(tmp_path / "210200_full.json", geoms)
    out = tmp_path / "大连"
    argv = ["import", str(out), str(source), "--level", "district", "--from-gcj02", "--repair"]
    assert main([*argv, "--split-by-district", "--report", str(tmp_path / "r.json")]) == 0
    printed = capsys.readouterr().out
    assert "fields: code←'adcode', name←'name'" in printed
    repaired = [line for line in printed.splitlines() if "repaired" in line]
    assert len(repaired) == 1 and "feature 7 (210224 长海县)" in repaired[0], printed
    assert "Self-intersection" in repaired[0] and "%" in repaired[0]

    projects = sorted(out.glob("*.gpkg"))
    assert [p.name for p in projects] == [f"{c}_{n}.gpkg" for c, n, _ in DALIAN]
    for (code, name, _), path in zip(DALIAN, projects, strict=True):
        project = load_project(path)
        assert project.counts()[Level.DISTRICT.value] == len(project.nodes) == 1
        assert project.district_code == code
        assert project.nodes.at[project.root_id, "name"] == name
        got = project.nodes.geometry[project.root_id]
        want = shapely.make_valid(geoms[code])  # the bow-tie's two islands
        assert got.is_valid and got.geom_type == want.geom_type
        assert metres(got).hausdorff_distance(metres(want)) < 1.0, code  # back from GCJ-02
        assert project.history[-1].summary.startswith("导入 210200_full.json (district)")

    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    (fix,) = report["repairs"]
    before = metres(BOW_TIE).area  # shoelace: the lobes cancel
    after = shapely.make_valid(metres(BOW_TIE)).area
    assert (fix["feature"], fix["code"], fix["name"]) == ("feature 7", "210224", "长海县")
    assert fix["area_before_m2"] == pytest.approx(before, rel=1e-3)
    assert fix["area_after_m2"] == pytest.approx(after, rel=1e-3)
    assert fix["percent_changed"] == pytest.approx(100 * (after - before) / before, abs=0.05)
    assert fix["parts"] == 2 and len(report["projects"]) == 10

    # again, two of them: their projects are updated in place, keeping the district's id
    first = load_project(projects[0])
    argv[2] = str(datav_city(tmp_path / "two.json", geoms, only=("210202", "210224")))
    assert main([*argv, "--split-by-district"]) == 0
    assert "210202 中山区 → " in capsys.readouterr().out
    again = load_project(projects[0])
    assert again.root_id == first.root_id and len(again.history) == 2
    assert [len(load_project(p).history) for p in projects] == [2, 1, 1, 1, 1, 1, 1, 2, 1, 1]
    assert sorted(out.glob("*.gpkg")) == projects


def test_refused_without_repair_naming_the_feature(tmp_path: Path) -> None:
    source = datav_city(tmp_path / "city.json", districts_wgs84())
    out = tmp_path / "out"
    options = ImportOptions(from_gcj02=True, split_by_district=True)
    with pytest.raises(ImportFailed) as caught:
        import_into(out, source, "district", options)
    (problem,) = caught.value.problems
    assert problem.file == "city.json" and problem.feature == "feature 7"
    assert "geometry is broken (Self-intersection" in problem.message
    assert "长海县 (210224)" in problem.message and "--repair" in problem.message
    assert not out.exists()  # nothing written


def test_several_districts_into_one_project_is_refused(tmp_path: Path) -> None:
    source = datav_city(tmp_path / "city.json", districts_wgs84())
    target = tmp_path / "plan.gpkg"
    with pytest.raises(ImportFailed, match=r"holds 10 districts .*--split-by-district"):
        import_into(target, source, "district", ImportOptions(from_gcj02=True, repair=True))
    assert not target.exists()


def test_one_district_into_a_project_then_its_streets(tmp_path: Path) -> None:
    geoms = districts_wgs84()
    frame = pyogrio.read_dataframe(datav_city(tmp_path / "city.json", geoms))
    one = tmp_path / "庄河市.geojson"
    pyogrio.write_dataframe(frame[frame["adcode"] == 210283], one, driver="GeoJSON")
    target = tmp_path / "plan.gpkg"
    report = import_into(target, one, "district", ImportOptions(from_gcj02=True))
    assert report.added == 1 and any("'parent' not used" in n for n in report.notes)
    project = load_project(target)
    assert project.district_code == "210283" and project.nodes.at[project.root_id, "name"] == (
        "庄河市"
    )
    # a street file then hangs under it, and another district is refused
    street = shapely.box(122.9, 39.7, 123.0, 39.8)
    streets = tmp_path / "streets.geojson"
    streets.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"街道代码": "210283001", "街道名称": "城关街道"},
                        "geometry": mapping(street),
                    }
                ],
            },
            ensure_ascii=False,
        ),
        "utf-8",
    )
    import_into(target, streets, "street")
    project = load_project(target)
    assert project.nodes.at[project.by_code("210283001"), "parent_id"] == project.root_id
    other = tmp_path / "金州区.geojson"
    pyogrio.write_dataframe(frame[frame["adcode"] == 210213], other, driver="GeoJSON")
    with pytest.raises(ImportFailed, match="it is district 210283 庄河市"):
        import_into(target, other, "district", ImportOptions(from_gcj02=True))


@pytest.mark.parametrize(
    ("columns", "code", "name"),
    [
        (["adcode", "name", "level", "parent", "center"], "adcode", "name"),
        (["区划代码", "名称"], "区划代码", "名称"),
        (["行政区划代码", "区县名称", "面积"], "行政区划代码", "区县名称"),
        (["code", "name"], "code", "name"),
        (["OBJECTID", "ADCODE", "NAME"], "ADCODE", "NAME"),
    ],
)
def test_district_code_columns_are_guessed(columns: list[str], code: str, name: str) -> None:
    got = guess_mapping(columns, "node", "district")
    assert (got["code"], got["name"]) == (code, name)


def test_adcode_is_guessed_at_other_levels_too() -> None:
    assert guess_mapping(["adcode", "name"], "node", "street")["code"] == "adcode"


def test_full_width_digits_are_normalised_and_named(tmp_path: Path) -> None:
    geoms = districts_wgs84()
    wide = {"210283": "２１０２８３", "210213": " ２１０２１３ "}
    source = datav_city(tmp_path / "city.json", geoms, codes=wide, only=tuple(wide))
    out = tmp_path / "out"
    report = import_into(
        out, source, "district", ImportOptions(from_gcj02=True, repair=True, split_by_district=True)
    )
    (note,) = [n for n in report.notes if "full-width" in n]
    assert "field 'adcode'" in note and "2 features" in note
    assert (
        "feature 0 '２１０２１３' → 210213" in note and "feature 1 '２１０２８３' → 210283" in note
    )
    assert load_project(out / "210283_庄河市.gpkg").district_code == "210283"


def test_full_width_digits_in_street_and_parent_codes(tmp_path: Path) -> None:
    geoms = districts_wgs84()
    target = tmp_path / "plan.gpkg"
    frame = pyogrio.read_dataframe(datav_city(tmp_path / "city.json", geoms))
    one = tmp_path / "one.geojson"
    pyogrio.write_dataframe(frame[frame["adcode"] == 210283], one, driver="GeoJSON")
    import_into(target, one, "district", ImportOptions(from_gcj02=True))
    streets = tmp_path / "streets.geojson"
    props = {"街道代码": "２１０２８３００１", "上级代码": "２１０２８３", "街道名称": "城关街道"}
    feature = {
        "type": "Feature",
        "properties": props,
        "geometry": mapping(shapely.box(122.9, 39.7, 123.0, 39.8)),
    }
    streets.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    report = import_into(target, streets, "street")
    notes = [n for n in report.notes if "full-width" in n]
    assert (
        len(notes) == 2
        and "field '街道代码' (code)" in notes[0]
        and "field '上级代码' (parent)" in notes[1]
    )
    assert "feature 0 '２１０２８３００１' → 210283001" in notes[0]
    project = load_project(target)
    assert project.nodes.at[project.by_code("210283001"), "parent_id"] == project.root_id


def _projected_file(path: Path, crs: str | None, epsg_of_numbers: int) -> Path:
    """Three Zhuanghe districts' cells written in Gauss–Krüger metres."""
    to_gk = Transformer.from_crs("EPSG:4490", f"EPSG:{epsg_of_numbers}", always_xy=True)
    geoms = districts_wgs84()
    cells = [geoms[c] for c in ("210283", "210214", "210281")]
    gk = [
        shapely.transform(g, lambda c: np.column_stack(to_gk.transform(c[:, 0], c[:, 1])))
        for g in cells
    ]
    frame = gpd.GeoDataFrame(
        {"adcode": ["210283", "210214", "210281"], "name": ["庄河市", "普兰店区", "瓦房店市"]},
        geometry=gk,
        crs=crs,
    )
    driver = "GeoJSON" if path.suffix == ".geojson" else None
    with warnings.catch_warnings():  # "'crs' was not provided": on purpose
        warnings.simplefilter("ignore", UserWarning)
        pyogrio.write_dataframe(frame, path, driver=driver)
    if crs is None and path.suffix == ".shp":
        path.with_suffix(".prj").unlink(missing_ok=True)
    return path


@pytest.mark.parametrize(
    ("numbers", "name", "crs", "says", "suggest"),
    [
        (4529, "gk41.geojson", None, "GeoJSON is longitude/latitude", "--crs EPSG:4529"),
        (4529, "gk41.shp", "EPSG:4490", "the file says longitude/latitude", "--crs EPSG:4529"),
        (4550, "cm123.shp", "EPSG:4326", "the file says", "e.g. --crs EPSG:4550 for 123°E"),
        (4550, "cm123_noprj.shp", None, "has no coordinate reference system", "EPSG:4550"),
        (4529, "gk41_noprj.shp", None, "zone prefix 41 (central meridian 123°E)", "EPSG:4529"),
    ],
)
def test_metres_in_degrees_is_refused_with_the_epsg_to_pass(
    tmp_path: Path, numbers: int, name: str, crs: str | None, says: str, suggest: str
) -> None:
    source = _projected_file(tmp_path / name, crs, numbers)
    with pytest.raises(ImportFailed) as caught:
        import_into(tmp_path / "out", source, "district", ImportOptions(split_by_district=True))
    message = str(caught.value)
    assert name in message and says in message and suggest in message, message
    if "no coordinate reference system" not in message:
        assert "feature 0" in message and "metres, not degrees" in message
    # and with the suggested CRS it imports, in the right place
    report = import_into(
        tmp_path / "out",
        source,
        "district",
        ImportOptions(crs=f"EPSG:{numbers}", split_by_district=True),
    )
    assert report.added == 3
    got = load_project(tmp_path / "out" / "210283_庄河市.gpkg")
    want = districts_wgs84()["210283"]
    assert metres(got.nodes.geometry[got.root_id]).hausdorff_distance(metres(want)) < 0.01


def test_zone_less_metres_name_the_projects_own_zone(tmp_path: Path) -> None:
    geoms = districts_wgs84()
    frame = pyogrio.read_dataframe(datav_city(tmp_path / "city.json", geoms))
    one = tmp_path / "one.geojson"
    pyogrio.write_dataframe(frame[frame["adcode"] == 210283], one, driver="GeoJSON")
    target = tmp_path / "plan.gpkg"
    import_into(target, one, "district", ImportOptions(from_gcj02=True))
    source = _projected_file(tmp_path / "streets.shp", None, 4550)
    with pytest.raises(ImportFailed, match="the project lies at central meridian 123°E: pass "
                       "--crs EPSG:4550"):  # fmt: skip
        import_into(target, source, "street")


def test_prefecture_code_is_not_a_district(tmp_path: Path) -> None:
    source = datav_city(tmp_path / "city.json", districts_wgs84(), codes={"210202": 210200})
    with pytest.raises(ImportFailed, match=r"feature 0, field 'adcode': .*210200.* prefecture"):
        import_into(
            tmp_path / "o", source, "district", ImportOptions(repair=True, split_by_district=True)
        )


def test_codes_and_names_are_checked_against_the_gb2260_list(tmp_path: Path) -> None:
    source = datav_city(
        tmp_path / "city.json",
        districts_wgs84(),
        codes={"210224": 210299},
        only=("210224", "210283"),
    )
    text = source.read_text("utf-8").replace("庄河市", "庄河区")
    source.write_text(text, "utf-8")
    report = import_into(
        tmp_path / "o", source, "district", ImportOptions(repair=True, split_by_district=True)
    )
    assert any("feature 0" in n and "210299 is not in the list" in n for n in report.notes)
    assert any("list names 210283 庄河市, the file 庄河区" in n for n in report.notes)


def test_split_is_for_districts_and_folders(tmp_path: Path) -> None:
    source = datav_city(tmp_path / "city.json", districts_wgs84())
    with pytest.raises(ImportFailed, match="is for --level district"):
        import_into(tmp_path / "o", source, "street", ImportOptions(split_by_district=True))
    with pytest.raises(ImportFailed, match="PROJECT names a folder"):
        import_into(tmp_path / "o.gpkg", source, "district", ImportOptions(split_by_district=True))


def test_gbk_shapefile_without_cpg_reads_chinese(tmp_path: Path) -> None:
    """As a platform or an old exporter delivers it: GBK bytes, no .cpg."""
    geoms = districts_wgs84()
    three = DALIAN[:3]
    frame = gpd.GeoDataFrame(
        {"区划代码": [c for c, _, _ in three], "名称": [n for _, n, _ in three]},
        geometry=[geoms[c] for c, _, _ in three],
        crs="EPSG:4490",
    )
    shp = tmp_path / "大连区县.shp"
    pyogrio.write_dataframe(frame, shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink()
    assert b"\xd6\xd0\xc9\xbd\xc7\xf8" in shp.with_suffix(".dbf").read_bytes()  # 中山区 in GBK
    report = import_into(tmp_path / "out", shp, "district", ImportOptions(split_by_district=True))
    assert report.mapping == {"code": "区划代码", "name": "名称"}
    assert any("GBK" in n and "no .cpg" in n for n in report.notes)
    names = sorted(p.name for p in (tmp_path / "out").glob("*.gpkg"))
    assert names == sorted(f"{c}_{n}.gpkg" for c, n, _ in three)


def test_a_town_coded_in_the_subdistrict_range_is_refused_at_import(tmp_path: Path) -> None:
    """The kind column is read before the code is checked: a 镇 coded 001 never lands."""
    target = tmp_path / "plan.gpkg"
    one = tmp_path / "庄河市.geojson"
    frame = pyogrio.read_dataframe(datav_city(tmp_path / "city.json", districts_wgs84()))
    pyogrio.write_dataframe(frame[frame["adcode"] == 210283], one, driver="GeoJSON")
    import_into(target, one, "district", ImportOptions(from_gcj02=True))
    streets = tmp_path / "streets.geojson"
    feature = {
        "type": "Feature",
        "properties": {"街道代码": "210283001", "街道名称": "桃林镇", "类型": "镇"},
        "geometry": mapping(shapely.box(122.9, 39.7, 123.0, 39.8)),
    }
    streets.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False),
        "utf-8",
    )
    with pytest.raises(ImportFailed, match="100–199"):
        import_into(target, streets, "street")
    feature["properties"]["街道代码"] = "210283101"
    streets.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False),
        "utf-8",
    )
    import_into(target, streets, "street")
    project = load_project(target)
    assert project.nodes.at[project.by_code("210283101"), "kind"] == "town"
