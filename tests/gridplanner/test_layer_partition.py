"""`gridplanner partition`: any polygon layer, K contiguous balanced parts, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from gridplanner.cli import main
from gridplanner.errors import GridPlannerError
from gridplanner.layer_partition import partition_layer, read_polygons


def _layer(tmp_path: Path, crs: str | None = "EPSG:4490", name: str = "村.geojson") -> Path:
    cells = [
        shapely.box(123 + 0.01 * i, 39.7 + 0.01 * j, 123.01 + 0.01 * i, 39.71 + 0.01 * j)
        for i in range(6)
        for j in range(6)
    ]
    frame = gpd.GeoDataFrame(
        {"编号": [f"V{k:02d}" for k in range(36)], "户数": [50 + (k * 7) % 40 for k in range(36)]},
        geometry=cells,
        crs=crs,
    )
    path = tmp_path / name
    frame.to_file(path)
    return path


def test_partition_returns_contiguous_balanced_parts(tmp_path: Path) -> None:
    frame = read_polygons(_layer(tmp_path))
    result = partition_layer(frame, "户数", 4, id_field="编号", seed=3)
    assert sorted(result.features["part"].unique()) == [0, 1, 2, 3]
    assert result.report.all_contiguous
    assert result.report.max_abs_deviation <= 0.05
    assert result.metric_crs == "EPSG:4550"
    for _, part in result.features.groupby("part"):
        assert shapely.union_all(part.geometry.to_numpy()).geom_type == "Polygon"


def test_same_seed_same_labels(tmp_path: Path) -> None:
    frame = read_polygons(_layer(tmp_path))
    a = partition_layer(frame, "户数", 5, seed=9).features["part"].tolist()
    b = partition_layer(frame, "户数", 5, seed=9).features["part"].tolist()
    assert a == b


def test_cli_writes_the_input_with_a_part_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "parts.gpkg"
    assert (
        main(
            [
                "partition",
                str(_layer(tmp_path)),
                "--weight",
                "户数",
                "--parts",
                "3",
                "--out",
                str(out),
                "--id",
                "编号",
                "--report",
                str(tmp_path / "report.json"),
            ]
        )
        == 0
    )
    back = pyogrio.read_dataframe(out)
    assert list(back.columns) == ["编号", "户数", "part", "geometry"]
    assert "all contiguous: yes" in capsys.readouterr().out
    phases = json.loads((tmp_path / "report.json").read_text("utf-8"))["phases"]
    for phase in ("adjacency", "partition", "partition.starts", "partition.balance"):
        assert phases[phase] >= 0.0  # seconds per phase, the solver's own included
    assert phases["partition.resplit"] <= phases["partition"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--weight", "人口", "--parts", "3"], "no field '人口'"),
        (["--weight", "户数", "--parts", "99"], "cannot make 99 parts from 36 features"),
        (["--weight", "户数", "--parts", "2", "--id", "名称"], "no id field '名称'"),
    ],
)
def test_bad_requests_name_the_file_and_field(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    layer = _layer(tmp_path)
    assert main(["partition", str(layer), *args, "--out", str(tmp_path / "o.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert str(layer) in err and message in err and len(err.splitlines()) == 1


def test_negative_weight_names_the_feature(tmp_path: Path) -> None:
    frame = read_polygons(_layer(tmp_path))
    frame.loc[7, "户数"] = -3
    with pytest.raises(GridPlannerError, match=r"feature V07 has field 户数=-3"):
        partition_layer(frame, "户数", 3, source="x.geojson", id_field="编号")


def test_layer_without_crs_is_refused(tmp_path: Path) -> None:
    path = _layer(tmp_path, crs=None, name="nocrs.shp")
    with pytest.raises(GridPlannerError, match=r"nocrs\.shp has no coordinate reference system"):
        read_polygons(path)


def test_crs_can_be_stated_for_a_layer_without_one(tmp_path: Path) -> None:
    path = _layer(tmp_path, crs=None, name="noprj.shp")
    frame = read_polygons(path, crs="EPSG:4490")
    assert frame.crs.to_epsg() == 4490
    assert partition_layer(frame, "户数", 2).report.all_contiguous
