"""Change sets: added, retired, reshaped, renamed, reparented, split, merged, with lineage."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from gridplanner.errors import CodeError
from gridplanner.exchange.changes import compute_changes
from gridplanner.exchange.export import hierarchy_table
from gridplanner.model import Project

X0, Y0, D = 122.97, 39.70, 0.001
GA, GB = "210283001001001001", "210283001001001002"


def _edit(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A2 split in two, B1+B2 merged, A1 moved to grid B under a new code, grid B renamed."""
    t = table.set_index("code")
    rows: dict[str, dict[str, Any]] = {c: dict(t.loc[c]) for c in t.index}
    for gone in (f"{GA}001", f"{GB}001", f"{GB}002"):
        del rows[gone]
    rows[f"{GA}002"]["geometry"] = box(X0, Y0, X0 + D / 2, Y0 + D)
    unit = {"level": "grid_unit", "kind": "ordinary"}
    rows[f"{GA}003"] = {
        **unit,
        "name": "和平东区",
        "parent_code": GA,
        "geometry": box(X0 + D / 2, Y0, X0 + D, Y0 + D),
    }
    rows[f"{GB}003"] = {
        **unit,
        "name": "东南小区",
        "parent_code": GB,
        "geometry": box(X0 + D, Y0, X0 + 2 * D, Y0 + 2 * D),
    }
    rows[f"{GB}004"] = {
        **unit,
        "name": "幸福小区",
        "parent_code": GB,
        "geometry": box(X0, Y0 + D, X0 + D, Y0 + 2 * D),
    }
    rows[GB]["name"] = "幸福社区1-2网格（新）"
    frame = pd.DataFrame.from_dict(rows, orient="index").rename_axis("code").reset_index()
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4490")


@pytest.fixture
def changes(tiny_project: Project) -> dict[str, Any]:
    old = hierarchy_table(tiny_project)
    return compute_changes(old, _edit(old), "210283", 1, 2)


def test_added_and_retired(changes: dict[str, Any]) -> None:
    assert [a["code"] for a in changes["added"]] == [f"{GA}003", f"{GB}003", f"{GB}004"]
    assert [r["code"] for r in changes["retired"]] == [f"{GA}001", f"{GB}001", f"{GB}002"]
    assert changes["summary"] == {
        "added": 3,
        "retired": 3,
        "reshaped": 1,
        "renamed": 1,
        "reparented": 1,
        "splits": 1,
        "merges": 1,
    }


def test_split_with_shares(changes: dict[str, Any]) -> None:
    (split,) = changes["splits"]
    assert split["old_code"] == f"{GA}002"
    assert {s["code"]: s["share"] for s in split["new_codes"]} == pytest.approx(
        {f"{GA}002": 0.5, f"{GA}003": 0.5}, abs=1e-3
    )
    (reshaped,) = changes["reshaped"]
    assert reshaped["code"] == f"{GA}002" and reshaped["kept_share"] == pytest.approx(0.5, abs=1e-3)
    assert reshaped["area_after_m2"] == pytest.approx(reshaped["area_before_m2"] / 2, rel=1e-3)


def test_merge_and_lineage(changes: dict[str, Any]) -> None:
    (merge,) = changes["merges"]
    assert merge["new_code"] == f"{GB}003"
    assert [(s["code"], s["share"]) for s in merge["old_codes"]] == [
        (f"{GB}001", 1.0),
        (f"{GB}002", 1.0),
    ]
    lineage = {item["old_code"]: item["new_codes"] for item in changes["lineage"]}
    assert lineage[f"{GB}001"] == [{"code": f"{GB}003", "share": 1.0}]
    assert lineage[f"{GA}001"] == [{"code": f"{GB}004", "share": 1.0}]
    retired = {r["code"]: r["successors"] for r in changes["retired"]}
    assert retired[f"{GB}002"] == [{"code": f"{GB}003", "share": 1.0}]


def test_reparented_and_renamed(changes: dict[str, Any]) -> None:
    (moved,) = changes["reparented"]
    assert moved == {
        "old_code": f"{GA}001",
        "new_code": f"{GB}004",
        "level": "grid_unit",
        "old_parent_code": GA,
        "new_parent_code": GB,
    }
    (renamed,) = changes["renamed"]
    assert renamed["code"] == GB and renamed["new_name"].endswith("（新）")


def test_no_changes_between_identical_versions(tiny_project: Project) -> None:
    table = hierarchy_table(tiny_project)
    same = compute_changes(table, table, "210283", 1, 2)
    assert all(v == 0 for v in same["summary"].values()) and same["lineage"] == []


def test_first_publication_adds_everything(tiny_project: Project) -> None:
    first = compute_changes(None, hierarchy_table(tiny_project), "210283", None, 1)
    assert first["summary"]["added"] == 10 and first["base_version"] is None


def test_retired_code_is_never_reused(tiny_project: Project) -> None:
    table = hierarchy_table(tiny_project)
    previous = table[table["code"] != f"{GB}002"]
    with pytest.raises(CodeError, match=f"code {GB}002 was retired"):
        compute_changes(previous, table, "210283", 1, 2, retired_codes={f"{GB}002"})
