"""Shared boundary lengths of a polygon coverage by matching identical segments.

Intersecting every pair of neighbouring boundaries with GEOS costs an overlay per pair:
11 s for China's 2,875 counties (4.2 million vertices). In a coverage drawn from one
topology (administrative boundaries, census and precinct layers), two neighbours'
shared border is the same run of segments in both, vertex for vertex: hashing every
segment (endpoints ordered) and grouping equal ones gives each pair's shared length in
linear time. Segments not matched exactly once elsewhere (the layer's outer edge, or
borders digitised twice with different vertices) are intersected with GEOS, as before,
but only those, and only against segments whose boxes they touch. When most segments
find no twin the layer is not such a coverage and ``None`` tells the caller to overlay.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Above this share of segments without a twin, overlaying whole boundaries is cheaper.
MAX_UNMATCHED = 0.5
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)


def matched_shared_lengths(
    polygons: npt.NDArray[Any], tolerance: float
) -> tuple[IntArray, IntArray, FloatArray] | None:
    """(i, j, length) for every pair i < j of ``polygons`` (valid Polygons or
    MultiPolygons) sharing more than ``tolerance`` of boundary, or None (see above)."""
    n = len(polygons)
    parts, owner = shapely.get_parts(polygons, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, vertex_ring = shapely.get_coordinates(rings, return_index=True)
    if len(xy) < 2:
        return None
    along = vertex_ring[:-1] == vertex_ring[1:]
    a, b = xy[:-1][along], xy[1:][along]
    poly = owner[ring_of[vertex_ring[:-1][along]]].astype(np.int64)
    length = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])
    keep = length > 0
    a, b, length, poly = a[keep], b[keep], length[keep], poly[keep]
    m = len(a)
    if m == 0:
        return None
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    seg = np.empty((m, 4))
    seg[:, :2] = np.where(swap[:, None], b, a)  # endpoints ordered: direction ignored
    seg[:, 2:] = np.where(swap[:, None], a, b)
    # group equal segments: sort by a 64-bit hash, then confirm equality exactly
    key = (seg.view(np.uint64) * _MIX).sum(axis=1, dtype=np.uint64)  # wraps: a hash
    order = np.argsort(key)
    k = key[order]
    first = np.ones(m, dtype=bool)
    first[1:] = k[1:] != k[:-1]
    group = np.cumsum(first) - 1
    count = np.bincount(group)[group]
    twin = np.flatnonzero(first & (count == 2))
    twin = twin[np.all(seg[order[twin]] == seg[order[twin + 1]], axis=1)]
    p1, p2 = poly[order[twin]], poly[order[twin + 1]]
    own = p1 != p2
    twin, p1, p2 = twin[own], p1[own], p2[own]
    matched = np.zeros(m, dtype=bool)
    matched[order[twin]] = True
    matched[order[twin + 1]] = True
    if (~matched).sum() > MAX_UNMATCHED * m:
        return None
    pair_i = [np.minimum(p1, p2)]
    pair_j = [np.maximum(p1, p2)]
    pair_len = [length[order[twin]]]
    rest = np.flatnonzero(~matched)
    if len(rest):
        ri, rj, rl = _overlaps(seg[rest], poly[rest])
        pair_i.append(ri)
        pair_j.append(rj)
        pair_len.append(rl)
    i, j, ln = np.concatenate(pair_i), np.concatenate(pair_j), np.concatenate(pair_len)
    code, where = np.unique(i * n + j, return_inverse=True)
    total = np.bincount(where, weights=ln).astype(np.float64)
    ok = total > tolerance
    return (code[ok] // n).astype(np.int64), (code[ok] % n).astype(np.int64), total[ok]


def _overlaps(seg: FloatArray, poly: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Lengths shared by unmatched segments of different polygons (GEOS, pair by pair
    of segments whose boxes touch)."""
    lines = shapely.linestrings(seg.reshape(-1, 2, 2))
    left, right = shapely.STRtree(lines).query(lines)
    near = (left < right) & (poly[left] != poly[right])
    left, right = left[near], right[near]
    common = shapely.length(shapely.intersection(lines[left], lines[right]))
    hit = common > 0
    pl, pr = poly[left[hit]], poly[right[hit]]
    return np.minimum(pl, pr), np.maximum(pl, pr), common[hit]
