"""Tiling checks: every level tiles its parent (全覆盖、无缝隙、不交叉).

Vectorised per level: an STRtree finds sibling pairs whose interiors meet, and
GEOS computes all their intersections in one call; gaps are each parent minus the
union of its children, computed parent by parent in community order (streamed, so
progress and cancel work at city scale). Pieces at or below ``tolerance_m2`` are
ignored; a piece thinner than :data:`SLIVER_WIDTH_M` is a sliver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridplanner.audit.context import (
    AuditContext,
    as_array,
    is_sliver,
    mean_width,
    pieces,
)
from gridplanner.audit.finding import Finding
from gridplanner.levels import LEVELS, Level

Tick = Callable[[str], None]


def tiled_levels() -> list[Level]:
    """Street … grid unit: the levels whose nodes tile a parent."""
    return list(LEVELS[1:])


def _children_with_parent(ctx: AuditContext, level: Level) -> tuple[np.ndarray, np.ndarray]:
    """(child ids, parent ids) of the audited nodes at ``level`` whose parent is audited."""
    ids = ctx.ids_at(level)
    parents = ctx.nodes.loc[ids, "parent_id"]
    ok = parents.notna().to_numpy() & parents.isin(ctx.nodes.index).to_numpy()
    return ids.to_numpy()[ok], parents[ok].astype("int64").to_numpy()


def check_overlaps(ctx: AuditContext, level: Level) -> Iterator[Finding]:
    """Overlaps (and thin overlaps: slivers) between siblings at ``level``."""
    kids, parents = _children_with_parent(ctx, level)
    if len(kids) < 2:
        return
    geoms = as_array(ctx.geom, kids)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = (left < right) & (parents[left] == parents[right])
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return
    inner = shapely.relate_pattern(geoms[left], geoms[right], "2********")
    left, right = left[inner], right[inner]
    shared = shapely.intersection(geoms[left], geoms[right])
    for a, b, geometry in zip(left.tolist(), right.tolist(), shared, strict=True):
        ida, idb = int(kids[a]), int(kids[b])
        for piece in pieces(geometry, ctx.tolerance):
            area = float(piece.area)
            width = mean_width(piece)
            parent = int(parents[a])
            if is_sliver(piece):
                yield ctx.finding(
                    "sliver",
                    (ida, idb),
                    f"{ctx.label(ida, 'zh')} 与 {ctx.code(idb)} 之间有细长重叠 "
                    f"{area:.1f} 平方米(平均宽 {width:.2f} 米), 位于 {ctx.code(parent)} 内",
                    f"thin overlap of {area:.1f} m² (mean width {width:.2f} m) between "
                    f"{ctx.label(ida, 'en')} and {ctx.code(idb)} in {ctx.code(parent)}",
                    piece,
                    area_m2=area,
                    value=width,
                )
            else:
                yield ctx.finding(
                    "overlap",
                    (ida, idb),
                    f"{ctx.label(ida, 'zh')} 与 {ctx.label(idb, 'zh')} 重叠 {area:.0f} 平方米",
                    f"{ctx.label(ida, 'en')} and {ctx.label(idb, 'en')} overlap by {area:.0f} m²",
                    piece,
                    area_m2=area,
                )


def check_outside_parent(ctx: AuditContext, level: Level) -> Iterator[Finding]:
    """Children whose polygon reaches beyond their parent's polygon."""
    kids, parents = _children_with_parent(ctx, level)
    if len(kids) == 0:
        return
    child_g = as_array(ctx.geom, kids)
    parent_g = as_array(ctx.geom, parents)
    outside = shapely.difference(child_g, parent_g)
    big = shapely.area(outside) > ctx.tolerance
    for i in np.flatnonzero(big).tolist():
        parts = pieces(outside[i], ctx.tolerance)
        if not parts:
            continue
        geometry = shapely.union_all(parts)
        area = float(geometry.area)
        kid, parent = int(kids[i]), int(parents[i])
        yield ctx.finding(
            "outside_parent",
            (kid, parent),
            f"{ctx.label(kid, 'zh')} 有 {area:.0f} 平方米越出上级 {ctx.label(parent, 'zh')} 的边界",
            f"{ctx.label(kid, 'en')} reaches {area:.0f} m² beyond its parent "
            f"{ctx.label(parent, 'en')}",
            geometry,
            area_m2=area,
            value=area / max(float(child_g[i].area), 1e-9),
        )


def check_gaps(ctx: AuditContext, level: Level, tick: Tick) -> Iterator[Finding]:
    """Parts of each parent no child covers (gaps; thin ones are slivers) and childless parents."""
    parent_level = level.parent
    assert parent_level is not None
    kids, parents = _children_with_parent(ctx, level)
    parent_ids = ctx.ids_at(parent_level).to_numpy()
    order = np.argsort(parents, kind="stable")
    kids, parents = kids[order], parents[order]
    starts = np.searchsorted(parents, parent_ids, side="left")
    ends = np.searchsorted(parents, parent_ids, side="right")
    by_community = sorted(
        range(len(parent_ids)),
        key=lambda i: ctx.community_of.get(int(parent_ids[i])) or 0,
    )
    last_community: int | None = -1
    for i in by_community:
        parent = int(parent_ids[i])
        community = ctx.community_of.get(parent)
        if community != last_community:
            tick(f"{level.value}: {ctx.code(community) if community else ctx.code(parent)}")
            last_community = community
        members = kids[starts[i] : ends[i]]
        area_geom = ctx.geom.at[parent]
        if area_geom is None or area_geom.is_empty:
            continue
        if len(members) == 0:
            yield ctx.finding(
                "no_children",
                (parent,),
                f"{ctx.label(parent, 'zh')} 没有任何{level.zh}",
                f"{ctx.label(parent, 'en')} has no {level.en.lower()}",
                area_geom,
                area_m2=float(area_geom.area),
            )
            continue
        member_g = as_array(ctx.geom, members)
        uncovered = shapely.difference(area_geom, shapely.union_all(member_g))
        if uncovered.area <= ctx.tolerance:
            continue
        for piece in pieces(uncovered, ctx.tolerance):
            yield _gap_finding(ctx, parent, members, member_g, piece)


def _gap_finding(
    ctx: AuditContext,
    parent: int,
    members: np.ndarray,
    member_g: np.ndarray,
    piece: BaseGeometry,
) -> Finding:
    """A gap piece, naming the children around it (longest shared boundary first)."""
    edge = piece.boundary.buffer(0.05)
    shared = shapely.length(shapely.intersection(shapely.boundary(member_g), edge))
    touching = np.flatnonzero(shared > 0.05)
    touching = touching[np.argsort(-shared[touching], kind="stable")]
    around = tuple(int(members[j]) for j in touching)
    area = float(piece.area)
    width = mean_width(piece)
    near_zh = "、".join(ctx.code(n) for n in around) or "无"
    near_en = ", ".join(ctx.code(n) for n in around) or "none"
    check_id = "sliver" if is_sliver(piece) else "gap"
    kind_zh = "细长缝隙" if check_id == "sliver" else "缝隙"
    kind_en = "thin gap" if check_id == "sliver" else "gap"
    finding = ctx.finding(
        check_id,
        (*around, parent),
        f"{ctx.label(parent, 'zh')} 内有 {area:.0f} 平方米{kind_zh}未被任何下级覆盖"
        f", 相邻: {near_zh}",
        f"{kind_en} of {area:.0f} m² inside "
        f"{ctx.label(parent, 'en')} covered by no child; next to: {near_en}",
        piece,
        area_m2=area,
        value=width,
        place=parent,
        level=str(ctx.nodes.at[int(members[0]), "level"]),
    )
    finding.extra["shared_m"] = [float(shared[j]) for j in touching]
    finding.extra["parent_id"] = parent
    return finding


def check_parent_location(ctx: AuditContext, level: Level) -> Iterator[Finding]:
    """Nodes whose polygon lies (mostly) in another node of the parent level."""
    parent_level = level.parent
    assert parent_level is not None
    kids, parents = _children_with_parent(ctx, level)
    candidates = ctx.ids_at(parent_level).to_numpy()
    if len(kids) == 0 or len(candidates) < 2:
        return
    child_g = as_array(ctx.geom, kids)
    cand_g = as_array(ctx.geom, candidates)
    own = shapely.intersection(child_g, as_array(ctx.geom, parents))
    share = shapely.area(own) / np.maximum(shapely.area(child_g), 1e-9)
    suspect = np.flatnonzero(share < 0.5)
    if len(suspect) == 0:
        return
    tree = shapely.STRtree(cand_g)
    for i in suspect.tolist():
        hits = tree.query(child_g[i], predicate="intersects")
        if len(hits) == 0:
            continue
        areas = shapely.area(shapely.intersection(child_g[i], cand_g[hits]))
        best = int(candidates[hits[int(np.argmax(areas))]])
        kid, parent = int(kids[i]), int(parents[i])
        if best == parent:
            continue
        yield ctx.finding(
            "parent_mismatch",
            (kid, parent, best),
            f"{ctx.label(kid, 'zh')} 登记在 {ctx.code(parent)} 下, 但其图形仅 {share[i]:.0%} "
            f"在该上级内, 主要位于 {ctx.label(best, 'zh')}",
            f"{ctx.label(kid, 'en')} is recorded under {ctx.code(parent)} but only "
            f"{share[i]:.0%} of it lies there; it lies mostly in {ctx.label(best, 'en')}",
            child_g[i],
            area_m2=float(child_g[i].area),
            value=float(share[i]),
        )
