"""The GeoPackage project file: lossless round trip, atomic save, clear refusals."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import shapely

from gridplanner.codes import CodeScheme
from gridplanner.errors import ProjectFileError
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.settings import Sizing
from gridplanner.store import GeoPackageStore, load_project, save_project


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_same_project(a: Project, b: Project) -> None:
    """Every table equal: attributes exactly, geometry exactly (WKB round trip)."""
    assert a.name == b.name
    cols = ["code", "name", "level", "parent_id", "kind", "dedicated_type", "urban_rural_code"]
    left = a.nodes.sort_index()
    right = b.nodes.sort_index()
    pd.testing.assert_frame_equal(
        pd.DataFrame(left[cols]), pd.DataFrame(right[cols]), check_dtype=False
    )
    assert shapely.equals_exact(left.geometry.to_numpy(), right.geometry.to_numpy(), 0).all()
    bcols = ["name", "households", "population", "unit_id"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(a.buildings.sort_index()[bcols]), pd.DataFrame(b.buildings.sort_index()[bcols])
    )
    assert shapely.equals_exact(
        a.buildings.sort_index().geometry.to_numpy(),
        b.buildings.sort_index().geometry.to_numpy(),
        0,
    ).all()
    pd.testing.assert_frame_equal(a.workers.sort_index(), b.workers.sort_index(), check_dtype=False)
    assert a.settings == b.settings
    assert a.history == b.history
    assert a.retired_codes == b.retired_codes
    assert b.next_id >= a.next_id


def test_round_trip_is_lossless(tiny_project: Project, tmp_path: Path) -> None:
    tiny_project.retired_codes["210283001001001001009"] = 77
    tiny_project.settings = tiny_project.settings.with_scope("210283001", Sizing(250, 150, 400))
    path = tmp_path / "方案.gpkg"  # Chinese file name
    save_project(tiny_project, path)
    back = load_project(path)
    assert_same_project(tiny_project, back)
    assert back.nodes.at[back.root_id, "name"] == "示例庄河市"
    assert back.settings.sizing_by_scope["210283001"].target == 250


def test_codes_keep_leading_zeros(tiny_project: Project, tmp_path: Path) -> None:
    project = Project(name="零开头")
    # A local scheme (4-digit root): GB/T 2260 has no district code starting with 0.
    widths = {**CodeScheme().widths, Level.DISTRICT: 4}
    project.settings = type(project.settings)(code_widths=widths)
    district = project.add_node(Level.DISTRICT, "0101", "示例", shapely.box(0, 0, 1, 1))
    project.add_node(Level.STREET, "0101001", "示例街道", shapely.box(0, 0, 1, 1), district)
    save_project(project, tmp_path / "z.gpkg")
    back = load_project(tmp_path / "z.gpkg")
    assert sorted(back.nodes["code"]) == ["0101", "0101001"]
    raw = pyogrio.read_dataframe(tmp_path / "z.gpkg", layer="street")
    assert raw["code"].tolist() == ["0101001"]  # stored as text, not a number


def test_the_sample_street_round_trips(sample_street_path: Path, tmp_path: Path) -> None:
    project = load_project(sample_street_path)
    save_project(project, tmp_path / "again.gpkg")
    assert_same_project(project, load_project(tmp_path / "again.gpkg"))


def test_a_failure_mid_save_leaves_the_previous_file_intact(
    tiny_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.gpkg"
    save_project(tiny_project, path)
    before = _digest(path)
    tiny_project.name = "改过的方案"
    calls = {"n": 0}
    original = GeoPackageStore._write_layer

    def failing(self: GeoPackageStore, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(28, "No space left on device")
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(GeoPackageStore, "_write_layer", failing)
    with pytest.raises(
        ProjectFileError, match=r"plan\.gpkg: could not save.*No space left.*unchanged"
    ):
        save_project(tiny_project, path)
    assert _digest(path) == before
    assert _files(tmp_path) == ["plan.gpkg"]  # no temp left behind
    assert load_project(path).name == "测试方案"


def test_an_interrupted_save_also_leaves_it_intact(
    tiny_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.gpkg"
    save_project(tiny_project, path)
    before = _digest(path)

    def boom(self: GeoPackageStore, *args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(GeoPackageStore, "_write_table", boom)
    with pytest.raises(KeyboardInterrupt):
        save_project(tiny_project, path)
    assert _digest(path) == before
    assert _files(tmp_path) == ["plan.gpkg"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match=r"nothing\.gpkg: no such file"):
        load_project(tmp_path / "nothing.gpkg")


def test_not_a_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "notes.gpkg"
    path.write_text("这不是地理包", encoding="utf-8")
    with pytest.raises(ProjectFileError, match=r"notes\.gpkg: not a readable GeoPackage"):
        load_project(path)


def test_truncated_file(tiny_project: Project, tmp_path: Path) -> None:
    path = tmp_path / "cut.gpkg"
    save_project(tiny_project, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ProjectFileError, match=r"cut\.gpkg: (not a readable GeoPackage|damaged)"):
        load_project(path)


def test_foreign_geopackage_is_named_as_such(tmp_path: Path) -> None:
    import geopandas as gpd

    path = tmp_path / "contractor.gpkg"
    gpd.GeoDataFrame({"名称": ["甲"]}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4490").to_file(
        path
    )
    with pytest.raises(ProjectFileError, match=r"not a gridplanner project.*gridplanner import"):
        load_project(path)


def test_newer_schema_is_refused(tiny_project: Project, tmp_path: Path) -> None:
    path = tmp_path / "future.gpkg"
    save_project(tiny_project, path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE gridplanner_meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(ProjectFileError, match=r"newer gridplanner.*schema 99"):
        load_project(path)


def test_saving_into_a_missing_folder(tiny_project: Project, tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="does not exist"):
        save_project(tiny_project, tmp_path / "no" / "plan.gpkg")


def test_saving_over_a_device_or_pipe_is_refused(tiny_project: Project, tmp_path: Path) -> None:
    """`--out /dev/null` must not replace the device with a project file."""
    fifo = tmp_path / "pipe.gpkg"
    os.mkfifo(fifo)
    with pytest.raises(ProjectFileError, match=r"pipe\.gpkg: is not a regular file"):
        save_project(tiny_project, fifo)
    assert fifo.is_fifo()
    assert _files(tmp_path) == ["pipe.gpkg"]  # no temp file left


def test_a_loaded_project_can_be_edited(sample_street_path: Path) -> None:
    project = load_project(sample_street_path)
    node = project.nodes.index[5]
    project.nodes.loc[node, "name"] = "新名字"
    project.nodes.loc[node, "code"] = str(project.nodes.at[node, "code"])
    project.buildings.loc[project.buildings.index[0], "name"] = "新楼"
    project.workers.loc[project.workers.index[0], "role"] = "志愿者"
    assert project.nodes.at[node, "name"] == "新名字"


def _files(folder: Path) -> list[str]:
    """The files in ``folder`` but the (empty, hidden) project lock files."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))
