"""Shape checks on each node's own polygon: validity, parts, holes and enclaves."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import shapely

from gridplanner.audit.context import AuditContext, as_array
from gridplanner.audit.finding import Finding
from gridplanner.levels import Level

#: Grids and grid units must be one polygon (blocking); higher levels may have islands.
CONTIGUOUS_LEVELS = (Level.GRID, Level.GRID_UNIT)


def check_validity(ctx: AuditContext) -> Iterator[Finding]:
    """Missing/empty polygons and invalid ones (with shapely's reason)."""
    raw = ctx.raw_geom.to_numpy()
    ids = ctx.raw_geom.index.to_numpy()
    missing = shapely.is_missing(raw) | shapely.is_empty(raw)
    for i in np.flatnonzero(missing).tolist():
        node = int(ids[i])
        yield ctx.finding(
            "empty_geometry",
            (node,),
            f"{ctx.label(node, 'zh')} 没有面图形",
            f"{ctx.label(node, 'en')} has no polygon",
            None,
        )
    present = ~missing
    invalid = np.zeros(len(raw), dtype=bool)
    invalid[present] = ~shapely.is_valid(raw[present])
    for i in np.flatnonzero(invalid).tolist():
        node = int(ids[i])
        reason = shapely.is_valid_reason(raw[i])
        yield ctx.finding(
            "invalid_geometry",
            (node,),
            f"{ctx.label(node, 'zh')} 的图形无效: {reason}",
            f"{ctx.label(node, 'en')} has an invalid polygon: {reason}",
            raw[i],
            area_m2=float(raw[i].area),
            level=None,
        )


def check_parts(ctx: AuditContext) -> Iterator[Finding]:
    """Nodes in several parts: blocking for grids and units, a warning above."""
    geoms = ctx.geom.to_numpy()
    ids = ctx.geom.index.to_numpy()
    parts = shapely.get_num_geometries(geoms)
    for i in np.flatnonzero(parts > 1).tolist():
        node = int(ids[i])
        polys = [p for p in geoms[i].geoms if p.area > 0]
        if len(polys) < 2:
            continue
        polys.sort(key=lambda p: -p.area)
        detached = shapely.union_all(polys[1:])
        area = float(detached.area)
        level = Level(ctx.nodes.at[node, "level"])
        check_id = "noncontiguous" if level in CONTIGUOUS_LEVELS else "multipart_area"
        yield ctx.finding(
            check_id,
            (node,),
            f"{ctx.label(node, 'zh')} 由 {len(polys)} 块不相连的面组成, "
            f"主体以外共 {area:.0f} 平方米",
            f"{ctx.label(node, 'en')} is in {len(polys)} separate parts; "
            f"{area:.0f} m² lie apart from the main part",
            geoms[i],  # all parts: which one is "the" grid is for the planner to decide
            area_m2=area,
            value=float(len(polys)),
        )


def check_holes(ctx: AuditContext) -> Iterator[Finding]:
    """Interior rings: an enclave when siblings fill them, a hole when nothing does."""
    geoms = ctx.geom.to_numpy()
    ids = ctx.geom.index.to_numpy()
    rings = shapely.get_num_interior_rings(geoms)
    multi = shapely.get_num_geometries(geoms) > 1
    suspects = np.flatnonzero((rings > 0) | multi)
    if len(suspects) == 0:
        return
    level_of = ctx.nodes["level"]
    parent_of = ctx.nodes["parent_id"]
    tree = shapely.STRtree(geoms)
    for i in suspects.tolist():
        node = int(ids[i])
        polys = list(geoms[i].geoms) if multi[i] else [geoms[i]]
        for poly in polys:
            for ring in poly.interiors:
                hole = shapely.Polygon(ring)
                area = float(hole.area)
                if area <= ctx.tolerance:
                    continue
                hits = tree.query(hole, predicate="intersects")
                fillers = [
                    int(ids[h])
                    for h in hits.tolist()
                    if int(ids[h]) != node
                    and level_of.at[int(ids[h])] == level_of.at[node]
                    and parent_of.at[int(ids[h])] == parent_of.at[node]
                    and geoms[h].intersection(hole).area > ctx.tolerance
                ]
                filled = (
                    shapely.union_all(as_array(ctx.geom, fillers)).intersection(hole).area
                    if fillers
                    else 0.0
                )
                if fillers and area - filled <= ctx.tolerance:
                    for inner in fillers:
                        yield ctx.finding(
                            "enclave",
                            (inner, node),
                            f"{ctx.label(inner, 'zh')} 被 {ctx.label(node, 'zh')} 完全包围",
                            f"{ctx.label(inner, 'en')} is surrounded by {ctx.label(node, 'en')}",
                            ctx.geom.at[inner],
                            area_m2=float(ctx.geom.at[inner].area),
                        )
                else:
                    open_area = area - filled
                    yield ctx.finding(
                        "hole",
                        (node,),
                        f"{ctx.label(node, 'zh')} 内有 {open_area:.0f} 平方米空洞未被同级填满",
                        f"{ctx.label(node, 'en')} has a hole of {open_area:.0f} m² "
                        "no sibling fills",
                        hole,
                        area_m2=open_area,
                    )
