"""Change sets between two published versions, with area-overlap lineage.

For each level, codes only in the new version are *added*, codes only in the
old are *retired*; a kept code is *renamed* or *reshaped* when its name or
polygon changed. Overlaps of old and new polygons (measured in the CGCS2000
Gauss–Krüger zone of the data) give the lineage: which share of each old area
now lies in which new code. An old node whose area went to two or more new codes
was *split* (1→n); a new node made from two or more old ones was *merged* (n→1);
an old node whose whole area lives on under a new code with a different parent
was *reparented*. A retired code is never reused for a new area.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridplanner.crs import STORAGE_CRS, measuring_epsg
from gridplanner.errors import CodeError
from gridplanner.levels import LEVELS

MIN_SHARE = 0.01  # lineage below 1 % of an old area is drawing noise
PART_SHARE = 0.05  # a split or merge part holds at least 5 % of the old area
SAME_SHARE = 0.99  # "the same area" for reparenting
RESHAPE_IOU = 0.9999  # kept code whose polygon overlaps itself less than this was reshaped
CHANGE_KINDS = ("added", "retired", "reshaped", "renamed", "reparented", "splits", "merges")


def empty_hierarchy() -> gpd.GeoDataFrame:
    """A hierarchy table with no rows (the base of a first publication)."""
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype=object) for c in ("code", "name", "level", "parent_code")},
        geometry=gpd.GeoSeries([], crs=STORAGE_CRS),
        crs=STORAGE_CRS,
    )


def compute_changes(
    old: gpd.GeoDataFrame | None,
    new: gpd.GeoDataFrame,
    region_code: str,
    base_version: int | None,
    plan_version: int,
    retired_codes: Iterable[str] = (),
) -> dict[str, Any]:
    """The change set from ``old`` to ``new`` (hierarchy tables with code, name, level,
    parent_code and geometry in EPSG:4490). Raises :class:`CodeError` when a retired
    code reappears."""
    old = empty_hierarchy() if old is None else old
    retired_before = set(retired_codes)
    reused = sorted(set(new["code"]) & retired_before - set(old["code"]))
    if reused:
        raise CodeError(
            f"code {reused[0]} was retired in an earlier version and is never reused for a new "
            f"area ({len(reused)} such code(s)); give the node a fresh code"
        )
    out: dict[str, Any] = {k: [] for k in (*CHANGE_KINDS, "lineage")}
    both = pd.concat([old.geometry, new.geometry])
    both = both[~both.is_empty & both.notna()]
    epsg = measuring_epsg(both.total_bounds) if len(both) else 4550
    for level in LEVELS:
        o = old[old["level"] == level.value].to_crs(epsg=epsg)
        n = new[new["level"] == level.value].to_crs(epsg=epsg)
        _level_changes(level.value, o, n, out)
    out["summary"] = {k: len(out[k]) for k in CHANGE_KINDS}
    return {
        "schema_version": 1,
        "region_code": region_code,
        "base_version": base_version,
        "plan_version": plan_version,
        **out,
    }


def _level_changes(
    level: str, old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, out: dict[str, Any]
) -> None:
    old_rows = {str(r.code): r for r in old.itertuples(index=False)}
    new_rows = {str(r.code): r for r in new.itertuples(index=False)}
    old_area = {
        c: float(r.geometry.area) if r.geometry is not None else 0.0 for c, r in old_rows.items()
    }
    new_area = {
        c: float(r.geometry.area) if r.geometry is not None else 0.0 for c, r in new_rows.items()
    }
    overlap = _overlaps(old, new)  # (old code, new code) -> m²
    to_new: dict[str, dict[str, float]] = {}
    from_old: dict[str, dict[str, float]] = {}
    for (oc, nc), area in overlap.items():
        if old_area[oc] > 0:
            to_new.setdefault(oc, {})[nc] = area / old_area[oc]
        if new_area[nc] > 0:
            from_old.setdefault(nc, {})[oc] = area / new_area[nc]

    for code in sorted(set(new_rows) - set(old_rows)):
        row = new_rows[code]
        out["added"].append(
            {
                "code": code,
                "level": level,
                "name": str(row.name),
                "parent_code": _opt(row.parent_code),
            }
        )
    for code in sorted(set(old_rows) - set(new_rows)):
        row = old_rows[code]
        out["retired"].append(
            {
                "code": code,
                "level": level,
                "name": str(row.name),
                "successors": _shares(to_new.get(code, {}), MIN_SHARE),
            }
        )
        successors = to_new.get(code, {})
        if len(successors) >= 1:
            best, share = max(successors.items(), key=lambda kv: kv[1])
            back = from_old.get(best, {}).get(code, 0.0)
            if share >= SAME_SHARE and back >= SAME_SHARE and best not in old_rows:
                old_parent, new_parent = _opt(row.parent_code), _opt(new_rows[best].parent_code)
                if old_parent != new_parent:
                    out["reparented"].append(
                        {
                            "old_code": code,
                            "new_code": best,
                            "level": level,
                            "old_parent_code": old_parent,
                            "new_parent_code": new_parent,
                        }
                    )
    for code in sorted(set(old_rows) & set(new_rows)):
        before, after = old_rows[code], new_rows[code]
        if str(before.name) != str(after.name):
            out["renamed"].append(
                {
                    "code": code,
                    "level": level,
                    "old_name": str(before.name),
                    "new_name": str(after.name),
                }
            )
        if _opt(before.parent_code) != _opt(after.parent_code):
            out["reparented"].append(
                {
                    "old_code": code,
                    "new_code": code,
                    "level": level,
                    "old_parent_code": _opt(before.parent_code),
                    "new_parent_code": _opt(after.parent_code),
                }
            )
        kept = overlap.get((code, code), 0.0)
        union = old_area[code] + new_area[code] - kept
        if union > 0 and kept / union < RESHAPE_IOU:
            out["reshaped"].append(
                {
                    "code": code,
                    "level": level,
                    "area_before_m2": round(old_area[code], 1),
                    "area_after_m2": round(new_area[code], 1),
                    "kept_share": _round(kept / old_area[code] if old_area[code] else 0.0),
                }
            )
    for code in sorted(old_rows):
        parts = _shares(to_new.get(code, {}), PART_SHARE)
        if len(parts) >= 2:
            out["splits"].append({"old_code": code, "level": level, "new_codes": parts})
        moved = {nc: s for nc, s in to_new.get(code, {}).items() if nc != code}
        if code not in new_rows or _shares(moved, MIN_SHARE):
            out["lineage"].append(
                {
                    "old_code": code,
                    "level": level,
                    "new_codes": _shares(to_new.get(code, {}), MIN_SHARE),
                }
            )
    for code in sorted(new_rows):
        sources = {
            oc: to_new[oc][code]
            for oc in from_old.get(code, {})
            if to_new.get(oc, {}).get(code, 0) >= 0.5
        }
        if len(sources) >= 2:
            out["merges"].append(
                {"new_code": code, "level": level, "old_codes": _shares(sources, 0.0)}
            )


def _overlaps(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> dict[tuple[str, str], float]:
    if old.empty or new.empty:
        return {}
    old_geoms = old.geometry.to_numpy()
    new_geoms = new.geometry.to_numpy()
    tree = shapely.STRtree(new_geoms)
    left, right = tree.query(old_geoms, predicate="intersects")
    if not len(left):
        return {}
    areas = shapely.area(shapely.intersection(old_geoms[left], new_geoms[right]))
    old_codes = old["code"].astype(str).to_numpy()
    new_codes = new["code"].astype(str).to_numpy()
    out: dict[tuple[str, str], float] = {}
    for i, j, a in zip(left, right, areas, strict=True):
        if a > 0:
            key = (str(old_codes[i]), str(new_codes[j]))
            out[key] = out.get(key, 0.0) + float(a)
    return out


def _shares(shares: Mapping[str, float], floor: float) -> list[dict[str, Any]]:
    kept = [(c, _round(s)) for c, s in shares.items() if s >= floor]
    kept.sort(key=lambda cs: (-cs[1], cs[0]))
    return [{"code": c, "share": s} for c, s in kept]


def _round(value: float) -> float:
    return float(min(1.0, max(0.0, round(float(value), 4))))


def _opt(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return str(value)


def newly_retired(changes: Mapping[str, Any]) -> list[str]:
    """Codes the change set retires (to add to the project's retired codes)."""
    return [r["code"] for r in changes["retired"]]
