"""Export → import into a fresh project → every attribute and geometry back, per format.

The comparison is generic: every column of the plan's node table (a column added to
the model is covered without touching this file), parents by code, geometry by the
Hausdorff distance in metres on the Gauss–Krüger plane; buildings and workers where
the format carries them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from gridplanner.exchange.export import export_project
from gridplanner.exchange.importing import ImportOptions, import_file
from gridplanner.exchange.shapefile import GBK_LANGUAGE_DRIVER, language_driver
from gridplanner.levels import LEVELS, AreaKind, Level, NodeKind
from gridplanner.model import Project
from gridplanner.store import load_project

NODE_LEVELS = [lv.value for lv in LEVELS]
#: How far a vertex may move: GeoJSON lon/lat is written with 7 decimals (≤ 1.1 cm).
TOLERANCE_M = {"geojson": 0.012, "package": 1e-6, "gpkg": 1e-6, "shapefile": 1e-6}

Source = Callable[[str], tuple[Path, ImportOptions]]


def rich_project(project: Project) -> Project:
    """The tiny plan with every kind of value a node can carry: a dedicated grid with
    its type, the street's and community's NBS kinds, an urban-rural code."""
    nodes = project.nodes
    by_code = {str(c): int(i) for i, c in zip(nodes.index, nodes["code"], strict=True)}
    nodes.at[by_code["210283001"], "kind"] = AreaKind.SUBDISTRICT.value
    nodes.at[by_code["210283001001"], "kind"] = AreaKind.RESIDENTS_COMMITTEE.value
    if "urban_rural_code" in nodes.columns:
        nodes.at[by_code["210283001001"], "urban_rural_code"] = "111"
    nodes.at[by_code["210283001001001002"], "kind"] = NodeKind.DEDICATED.value
    nodes.at[by_code["210283001001001002"], "dedicated_type"] = "学校"
    return project


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, str):
        return value.strip() or None
    return value


def node_records(project: Project) -> dict[str, dict[str, Any]]:
    """Code → every node column (parent as its code), geometry left out."""
    nodes = project.nodes
    codes = nodes["code"]
    skip = {"parent_id", nodes.geometry.name}
    out = {}
    for node_id in nodes.index:
        record = {c: _plain(nodes.at[node_id, c]) for c in nodes.columns if c not in skip}
        parent = nodes.at[node_id, "parent_id"]
        record["parent_code"] = None if pd.isna(parent) else str(codes.at[int(parent)])
        out[str(codes.at[node_id])] = record
    return out


def import_levels(source: Source, levels: list[str], extra: tuple[str, ...] = ()) -> Project:
    """A fresh project with ``levels`` (then buildings/workers) imported from ``source``."""
    project = Project(name="回读")
    for level in [*levels, *extra]:
        path, options = source(level)
        project, _ = import_file(project, path, level, options)
    return project


def assert_same_nodes(before: Project, after: Project, tolerance_m: float) -> None:
    want, got = node_records(before), node_records(after)
    assert sorted(got) == sorted(want)
    for code, record in want.items():
        assert set(record) <= set(got[code]), (code, set(record) - set(got[code]))
        differ = {c: (v, got[code][c]) for c, v in record.items() if got[code][c] != v}
        assert not differ, (code, differ)
    metric = before.measuring_crs()
    a = before.nodes.set_index("code").geometry.to_crs(metric)
    b = after.nodes.set_index("code").geometry.to_crs(metric).reindex(a.index)
    moved = shapely.hausdorff_distance(a.to_numpy(), b.to_numpy())
    assert float(moved.max()) <= tolerance_m, (a.index[int(moved.argmax())], moved.max())
    assert (before.nodes["level"].value_counts() == after.nodes["level"].value_counts()).all()


def people(project: Project) -> Counter[tuple[Any, ...]]:
    codes = project.nodes["code"]
    workers = project.workers
    return Counter(
        (
            w.name,
            w.role,
            w.employment,
            round(float(w.capacity), 6),
            codes.at[int(w.grid_id)],
            _plain(w.phone),
        )
        for w in workers.itertuples()
    )


def buildings(project: Project) -> Counter[tuple[Any, ...]]:
    codes = project.nodes["code"]
    return Counter(
        (
            b.name,
            int(b.households),
            int(b.population),
            None if pd.isna(b.unit_id) else codes.at[int(b.unit_id)],
            round(b.geometry.x, 7),
            round(b.geometry.y, 7),
        )
        for b in project.buildings.itertuples()
    )


def sources(fmt: str, out: Path) -> Source:
    def source(level: str) -> tuple[Path, ImportOptions]:
        if fmt == "gpkg":
            return out, ImportOptions(layer=level)
        if fmt == "package":
            return out, ImportOptions()
        suffix = "shp" if fmt == "shapefile" else "geojson"
        return out / f"{level}.{suffix}", ImportOptions()

    return source


@pytest.mark.parametrize("fmt", ["package", "gpkg", "geojson", "shapefile"])
def test_every_node_attribute_comes_back(tiny_project: Project, tmp_path: Path, fmt: str) -> None:
    before = rich_project(tiny_project)
    out = tmp_path / ("plan.gpkg" if fmt == "gpkg" else fmt)
    export_project(before, fmt, out, include_personal=True)
    people_too = ("worker",) if fmt in ("package", "gpkg") else ()
    after = import_levels(sources(fmt, out), NODE_LEVELS, people_too)
    assert_same_nodes(before, after, TOLERANCE_M[fmt])
    if people_too:
        assert people(after) == people(before)
    assert (after.nodes["kind"] == NodeKind.DEDICATED.value).sum() == 1


def test_gpkg_brings_back_buildings_and_workers(tiny_project: Project, tmp_path: Path) -> None:
    before = rich_project(tiny_project)
    export_project(before, "gpkg", tmp_path / "plan.gpkg")  # no phones without asking
    after = import_levels(
        sources("gpkg", tmp_path / "plan.gpkg"), NODE_LEVELS, ("building", "worker")
    )
    assert buildings(after) == buildings(before)
    no_phone = Counter({(*k[:-1], None): n for k, n in people(before).items()})
    assert people(after) == no_phone


def test_sample_street_shapefile_round_trip_keeps_dedicated_grids(
    sample_street_path: Path, tmp_path: Path
) -> None:
    before = load_project(sample_street_path)
    out = tmp_path / "shp"
    export_project(before, "shapefile", out)
    after = import_levels(sources("shapefile", out), NODE_LEVELS)
    assert_same_nodes(before, after, TOLERANCE_M["shapefile"])
    dedicated = after.nodes[after.nodes["kind"] == NodeKind.DEDICATED.value]
    assert len(dedicated) >= 1 and dedicated["dedicated_type"].notna().all()


def test_gbk_shapefile_reads_right_without_its_cpg(
    sample_street_path: Path, tmp_path: Path
) -> None:
    project = load_project(sample_street_path)
    out = tmp_path / "shp"
    export_project(project, "shapefile", out)
    for dbf in out.glob("*.dbf"):
        assert language_driver(dbf) == GBK_LANGUAGE_DRIVER == 0x4D, dbf.name
    for cpg in out.glob("*.cpg"):
        cpg.unlink()
    frame = pyogrio.read_dataframe(out / "community.shp")  # no encoding given
    want = project.level(Level.COMMUNITY).set_index("code")["name"]
    assert frame.set_index("code")["name"].loc[want.index].tolist() == want.tolist()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in "".join(want))
    after = import_levels(sources("shapefile", out), NODE_LEVELS[:3])  # our importer too
    got = after.level(Level.COMMUNITY).set_index("code")["name"]
    assert got.loc[want.index].tolist() == want.tolist()


def test_xlsx_roster_imports_back(tiny_project: Project, tmp_path: Path) -> None:
    before = rich_project(tiny_project)
    for lang, sheet in (("zh", "网格员"), ("en", "Workers")):
        export_project(
            before, "xlsx", tmp_path / f"h-{lang}.xlsx", include_personal=True, lang=lang
        )
        after = import_levels(sources("gpkg", _gpkg(before, tmp_path)), NODE_LEVELS)
        after, _ = import_file(
            after, tmp_path / f"h-{lang}.xlsx", "worker", ImportOptions(layer=sheet)
        )
        assert people(after) == people(before), lang


def _gpkg(project: Project, tmp_path: Path) -> Path:
    path = tmp_path / "nodes.gpkg"
    if not path.exists():
        export_project(project, "gpkg", path)
    return path


def test_projected_files_import_back(tiny_project: Project, tmp_path: Path) -> None:
    before = rich_project(tiny_project)
    for fmt in ("gpkg", "shapefile", "geojson"):
        out = tmp_path / ("gk.gpkg" if fmt == "gpkg" else f"gk-{fmt}")
        export_project(before, fmt, out, crs="gk")
        after = import_levels(sources(fmt, out), NODE_LEVELS)
        assert_same_nodes(before, after, 0.01)
    frame = gpd.read_file(tmp_path / "gk.gpkg", layer="grid")
    assert frame.crs.to_epsg() == 4550
