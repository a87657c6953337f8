"""Buildings and staffing: every household in exactly one unit, every grid staffed in band."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import shapely

from gridplanner.audit.context import UNBALANCED_CV, AuditContext, as_array
from gridplanner.audit.finding import Finding
from gridplanner.levels import Level, NodeKind
from gridplanner.settings import Sizing
from gridplanner.staffing import staffing_need, within_band

BLOCK = 200_000  # buildings per STRtree query block (progress and memory at city scale)


def check_buildings(ctx: AuditContext) -> Iterator[Finding]:
    """Buildings in no unit, in several units, or stored under another unit."""
    units = ctx.ids_at(Level.GRID_UNIT).to_numpy()
    unit_g = as_array(ctx.geom, units)
    valid = ~(shapely.is_missing(unit_g) | shapely.is_empty(unit_g))
    units, unit_g = units[valid], unit_g[valid]
    tree = shapely.STRtree(unit_g)
    frame = ctx.buildings
    points = frame.geometry.to_numpy()
    stored = frame["unit_id"].to_numpy(dtype=float, na_value=np.nan)
    ids = frame.index.to_numpy()
    for start in range(0, len(points), BLOCK):
        chunk = points[start : start + BLOCK]
        where, hit = tree.query(chunk, predicate="intersects")
        counts = np.bincount(where, minlength=len(chunk))
        first = np.full(len(chunk), -1, dtype=np.int64)
        first[where[::-1]] = hit[::-1]
        for i in np.flatnonzero(counts == 0).tolist():
            yield _outside(ctx, int(ids[start + i]), chunk[i], stored[start + i], tree, units)
        for i in np.flatnonzero(counts > 1).tolist():
            inside = tuple(int(units[h]) for h in hit[where == i])
            bid = int(ids[start + i])
            yield ctx.finding(
                "building_multiple",
                inside,
                f"楼栋 {bid}「{frame.at[bid, 'name']}」同时位于 {len(inside)} 个网格单元内: "
                + "、".join(ctx.code(u) for u in inside),
                f"building {bid} ({frame.at[bid, 'name']}) lies in {len(inside)} grid units: "
                + ", ".join(ctx.code(u) for u in inside),
                chunk[i],
                level="building",
                building_ids=(bid,),
            )
        single = np.flatnonzero(counts == 1)
        actual = units[first[single]].astype(float)
        differs = actual != stored[start + single]  # NaN (no stored unit) differs too
        for i, unit in zip(single[differs].tolist(), actual[differs].tolist(), strict=True):
            bid = int(ids[start + i])
            was = stored[start + i]
            unit_id = int(unit)
            involved: tuple[int, ...]
            if math.isnan(was):
                zh_was, en_was, involved = "未登记单元", "no unit", (unit_id,)
            else:
                zh_was = en_was = _code_or_id(ctx, int(was))
                involved = (
                    (unit_id, int(was)) if int(was) in ctx.project.nodes.index else (unit_id,)
                )
            yield ctx.finding(
                "building_unit_mismatch",
                involved,
                f"楼栋 {bid}「{frame.at[bid, 'name']}」位于 {ctx.label(unit_id, 'zh')}, "
                f"但登记为 {zh_was}",
                f"building {bid} ({frame.at[bid, 'name']}) lies in {ctx.label(unit_id, 'en')} "
                f"but is recorded under {en_was}",
                chunk[i],
                level="building",
                building_ids=(bid,),
            )


def _code_or_id(ctx: AuditContext, node: int) -> str:
    return ctx.code(node) if node in ctx.project.nodes.index else f"#{node}(不存在/missing)"


def _outside(
    ctx: AuditContext,
    bid: int,
    point: shapely.Geometry,
    stored: float,
    tree: shapely.STRtree,
    units: np.ndarray,
) -> Finding:
    name = ctx.buildings.at[bid, "name"]
    hh = int(ctx.buildings.at[bid, "households"])
    nearest_idx = tree.nearest(point) if len(units) else None
    involved: tuple[int, ...] = ()
    near_zh = near_en = ""
    distance = None
    if nearest_idx is not None:
        nearest = int(units[int(nearest_idx)])
        distance = float(shapely.distance(point, tree.geometries[int(nearest_idx)]))
        near_zh = f", 最近的单元 {ctx.code(nearest)} 相距 {distance:.0f} 米"
        near_en = f"; nearest unit {ctx.code(nearest)} is {distance:.0f} m away"
        involved = (nearest,)
    f = ctx.finding(
        "building_outside",
        (),
        f"楼栋 {bid}「{name}」({hh} 户)不在任何网格单元内{near_zh}",
        f"building {bid} ({name}, {hh} households) lies in no grid unit{near_en}",
        point,
        level="building",
        value=distance,
        building_ids=(bid,),
        place=involved[0] if involved else None,
    )
    f.extra["nearest_unit"] = involved[0] if involved else None
    f.extra["stored_unit"] = None if math.isnan(stored) else int(stored)
    return f


def check_staffing(ctx: AuditContext) -> Iterator[Finding]:
    """Empty units and grids, grids without a worker, ratios out of band."""
    r = ctx.rollups
    units = ctx.ids_at(Level.GRID_UNIT)
    for unit in units[(r.loc[units, "buildings"] == 0).to_numpy()].tolist():
        yield ctx.finding(
            "empty_unit",
            (unit,),
            f"{ctx.label(unit, 'zh')} 内没有楼栋",
            f"{ctx.label(unit, 'en')} has no building",
            ctx.geom.at[unit],
        )
    grids = ctx.ids_at(Level.GRID)
    g = r.loc[grids]
    dedicated = (ctx.nodes.loc[grids, "kind"] == NodeKind.DEDICATED.value).to_numpy()
    unstaffed = (g["worker_count"] == 0).to_numpy()
    empty = ~unstaffed & ~dedicated & (g["households"] == 0).to_numpy()
    out = ~unstaffed & ~dedicated & ~empty & ~g["in_band"].to_numpy(dtype=bool)
    for grid in grids[unstaffed | empty | out].tolist():
        hh, workers = float(r.at[grid, "households"]), float(r.at[grid, "workers"])
        geometry = ctx.geom.at[grid]
        if int(r.at[grid, "worker_count"]) == 0:
            yield ctx.finding(
                "grid_without_worker",
                (grid,),
                f"{ctx.label(grid, 'zh')} 没有网格员({hh:.0f} 户)",
                f"{ctx.label(grid, 'en')} has no worker ({hh:.0f} households)",
                geometry,
                value=hh,
            )
        elif hh == 0:
            yield ctx.finding(
                "empty_grid",
                (grid,),
                f"{ctx.label(grid, 'zh')} 没有住户",
                f"{ctx.label(grid, 'en')} has no household",
                geometry,
            )
        else:
            ratio = float(r.at[grid, "households_per_worker"])
            lo, hi = float(r.at[grid, "band_min"]), float(r.at[grid, "band_max"])
            yield ctx.finding(
                "ratio_out_of_band",
                (grid,),
                f"{ctx.label(grid, 'zh')} 户/人配比 {ratio:.0f}({hh:.0f} 户 / "
                f"{workers:g} 人), 超出范围 {lo:.0f}–{hi:.0f}",
                f"{ctx.label(grid, 'en')}: {ratio:.0f} households per worker ({hh:.0f} / "
                f"{workers:g}), outside the band {lo:.0f}–{hi:.0f}",
                geometry,
                value=ratio,
            )
    yield from _workers(ctx)
    yield from _communities(ctx)


def _workers(ctx: AuditContext) -> Iterator[Finding]:
    workers = ctx.project.workers
    grids = ctx.project.nodes.index[ctx.project.nodes["level"] == Level.GRID.value]
    loose = workers[workers["grid_id"].isna() | ~workers["grid_id"].isin(grids)]
    if ctx.nodes.index.size != ctx.project.nodes.index.size:
        return  # a scoped audit cannot tell where an unassigned worker belongs
    for wid, row in loose.iterrows():
        f = ctx.finding(
            "worker_unassigned",
            (),
            f"网格员 {wid}「{row['name']}」未分配到任何网格",
            f"worker {wid} ({row['name']}) belongs to no grid",
            None,
            level="worker",
        )
        f.extra["worker_id"] = int(wid)  # type: ignore[call-overload]
        yield f


def _communities(ctx: AuditContext) -> Iterator[Finding]:
    r = ctx.rollups
    grids = ctx.nodes[
        (ctx.nodes["level"] == Level.GRID.value) & (ctx.nodes["kind"] != NodeKind.DEDICATED.value)
    ]
    community = pd.Series({g: ctx.community_of.get(int(g)) for g in grids.index}, dtype=object)
    for comm in ctx.ids_at(Level.COMMUNITY).tolist():
        ratio = float(r.at[comm, "households_per_worker"])
        lo, hi = float(r.at[comm, "band_min"]), float(r.at[comm, "band_max"])
        geometry = ctx.geom.at[comm]
        if not math.isnan(ratio) and not within_band(ratio, lo, hi):
            hh, workers = float(r.at[comm, "households"]), float(r.at[comm, "workers"])
            sizing = Sizing(float(r.at[comm, "target"]), lo, hi)
            need = staffing_need(hh, workers, sizing)
            if need.for_band:
                staff_zh = f"; 需增加约 {need.for_band} 名网格员才能进入范围"
                staff_en = f"; about {need.for_band} more workers bring it inside the band"
            else:
                staff_zh = f"; 网格员多出约 {need.surplus} 名"
                staff_en = f"; about {need.surplus} workers more than the band needs"
            finding = ctx.finding(
                "community_out_of_band",
                (comm,),
                f"{ctx.label(comm, 'zh')} 户/人配比 {ratio:.0f}, 超出范围 {lo:.0f}–{hi:.0f}"
                f"({hh:.0f} 户 / {workers:g} 人){staff_zh}",
                f"{ctx.label(comm, 'en')}: {ratio:.0f} households per worker, outside "
                f"{lo:.0f}–{hi:.0f} ({hh:.0f} / {workers:g}){staff_en}",
                geometry,
                value=ratio,
            )
            finding.extra.update(need.to_dict())
            yield finding
            continue
        members = community.index[community == comm]
        ratios = r.loc[members, "households_per_worker"].dropna()
        if len(ratios) < 3:
            continue
        cv = float(ratios.std(ddof=0) / ratios.mean()) if ratios.mean() > 0 else 0.0
        if cv > UNBALANCED_CV:
            yield ctx.finding(
                "community_unbalanced",
                (comm,),
                f"{ctx.label(comm, 'zh')} 内 {len(ratios)} 个网格的户/人配比相差悬殊"
                f"(变异系数 {cv:.2f}, {ratios.min():.0f}–{ratios.max():.0f}), 建议重新平衡",
                f"the {len(ratios)} grids of {ctx.label(comm, 'en')} carry very unequal loads "
                f"(coefficient of variation {cv:.2f}, {ratios.min():.0f}–{ratios.max():.0f}); "
                "rebalance it",
                geometry,
                value=cv,
            )
