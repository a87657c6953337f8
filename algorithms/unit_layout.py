"""Lay out the grid units of one area (a comprehensive grid, or a community).

The area is cut into enclosures by its barrier lines; an enclosure within the
household limits is one unit; a bigger one is tessellated around its buildings and
split into compact contiguous groups of at most ``max_households``; then every unit
under ``min_households`` joins a neighbour across a minor road (never across a
major road, a river, a railway or the coast) while the sum stays within the limit.
The units tile the area. Plain data in and out, metric coordinates, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridplanner.algorithms import enclosures
from gridplanner.algorithms.tessellate import (
    anchored_pieces,
    atom_graph,
    cleaned,
    group_polygons,
    seeds_for,
    shared_length,
)
from gridplanner.algorithms.unit_grouping import (
    Border,
    components,
    merge_small,
    split_by_households,
)

#: Metres: the snap-rounding grid the final units are noded on (slivers thinner vanish).
GRID_M = 1e-4
#: A shared boundary with more than this many metres along a hard line can't be crossed.
HARD_ALONG_M = 1.0


@dataclass(frozen=True)
class AreaUnits:
    """The units of one area: polygons, the atoms each holds and their households."""

    polygons: list[BaseGeometry]
    atoms: list[np.ndarray]
    households: np.ndarray
    enclosures: int


def lay_out_units(
    area: BaseGeometry,
    atom_xy: np.ndarray,
    atom_households: np.ndarray,
    hard: np.ndarray,
    soft: np.ndarray,
    max_households: float,
    min_households: float,
    footprints: np.ndarray | None = None,
    snap: float = enclosures.SNAP_M,
    join: float = enclosures.JOIN_M,
) -> AreaUnits:
    """Units of ``area`` for atoms at ``atom_xy`` (with footprints where given)."""
    atom_xy = np.asarray(atom_xy, dtype=float).reshape(-1, 2)
    weights = np.asarray(atom_households, dtype=float)
    pieces, hard_lines = enclosures.cut(area, hard, soft, snap, join)
    where = enclosure_of(pieces, atom_xy)
    polygons: list[BaseGeometry] = []
    members: list[np.ndarray] = []
    for e, enclosure in enumerate(pieces.tolist()):
        ids = np.flatnonzero(where == e)
        if weights[ids].sum() <= max_households or len(ids) <= 1:
            polygons.append(enclosure)
            members.append(ids)
            continue
        shapes = None if footprints is None else footprints[ids]
        seeds = seeds_for(atom_xy[ids], shapes)
        pairs = atom_graph(seeds, len(ids), enclosure)
        labels = np.full(len(ids), -1, dtype=np.int64)
        groups = 0
        for part in components(pairs, np.arange(len(ids)), len(ids)):
            local = np.full(len(ids), -1, dtype=np.int64)
            local[part] = np.arange(len(part))
            inner = local[pairs]
            inner = inner[(inner >= 0).all(axis=1)]
            found = split_by_households(
                atom_xy[ids][part], weights[ids][part], inner, max_households
            )
            labels[part] = found + groups
            groups += int(found.max()) + 1
        shapes_out = group_polygons(seeds, labels, groups, enclosure)
        units, held = anchored_pieces(shapes_out, atom_xy[ids], labels)
        polygons.extend(units)
        members.extend(ids[h] for h in held)
    households = np.array([weights[m].sum() for m in members], dtype=float)
    borders = unit_borders(polygons, hard_lines)
    roots = merge_small(households, borders, min_households, max_households)
    merged = _dissolve(polygons, members, roots, weights, len(pieces))
    return AreaUnits(
        exact_cover(merged.polygons, area), merged.atoms, merged.households, len(pieces)
    )


def enclosure_of(pieces: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """The enclosure each point lies in (the nearest one for a point in none)."""
    where = np.full(len(xy), -1, dtype=np.int64)
    if len(xy) == 0:
        return where
    tree = shapely.STRtree(pieces)
    points = shapely.points(xy)
    point, hit = tree.query(points, predicate="intersects")
    where[point[::-1]] = hit[::-1]  # the first enclosure hit wins
    lost = np.flatnonzero(where < 0)
    if len(lost):
        point, hit = tree.query_nearest(points[lost], all_matches=False)
        where[lost[point]] = hit
    return where


def unit_borders(polygons: list[BaseGeometry], hard_lines: np.ndarray) -> list[Border]:
    """Neighbouring units with their shared boundary length and whether a unit may
    span it (no hard line runs along it)."""
    if len(polygons) < 2:
        return []
    shapes = np.asarray(polygons, dtype=object)
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    hard = None
    if len(hard_lines):
        hard = shapely.buffer(shapely.union_all(hard_lines), 0.05, quad_segs=1)
    out: list[Border] = []
    for a in np.unique(left).tolist():
        others = right[left == a]
        lengths = shared_length(shapes[a], shapes[others])
        for b, length in zip(others.tolist(), lengths.tolist(), strict=True):
            if length <= 0.0:
                continue
            crossable = True
            if hard is not None:
                along = shapely.intersection(
                    shapes[a].boundary, shapely.buffer(shapes[b].boundary, 0.05, quad_segs=1)
                )
                crossable = float(shapely.length(shapely.intersection(along, hard))) < HARD_ALONG_M
            out.append(Border(a, b, length, crossable))
    return out


def exact_cover(polygons: list[BaseGeometry], area: BaseGeometry) -> list[BaseGeometry]:
    """The units rebuilt from one noded linework, so neighbours share every edge vertex
    for vertex and together cover ``area``: the faces of the area's boundary and all
    unit boundaries, noded by snap-rounding to :data:`GRID_M` (so the hair-thin slivers
    separately computed edges leave collapse), each given to the unit it lies in (a face
    in none: to the one it shares most boundary with)."""
    if len(polygons) <= 1:
        return [area] if polygons else []
    shapes = np.asarray(polygons, dtype=object)
    lines = np.concatenate([[area.boundary], shapely.boundary(shapes)])
    noded = shapely.union_all(lines, grid_size=GRID_M)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    inner = shapely.point_on_surface(faces)
    keep = shapely.contains(area, inner)
    faces, inner = faces[keep], inner[keep]
    owner = np.full(len(faces), -1, dtype=np.int64)
    face, unit = shapely.STRtree(shapes).query(inner, predicate="within")
    owner[face[::-1]] = unit[::-1]
    for f in np.flatnonzero(owner < 0).tolist():
        near = shapely.STRtree(shapes).query(faces[f], predicate="intersects")
        if len(near):
            owner[f] = int(near[int(np.argmax(shared_length(faces[f], shapes[near])))])
    out: list[BaseGeometry] = []
    for k in range(len(polygons)):
        mine = faces[owner == k]
        out.append(shapely.coverage_union_all(mine) if len(mine) else polygons[k])
    return out


def _dissolve(
    polygons: list[BaseGeometry],
    members: list[np.ndarray],
    roots: np.ndarray,
    weights: np.ndarray,
    count: int,
) -> AreaUnits:
    out_polygons: list[BaseGeometry] = []
    out_atoms: list[np.ndarray] = []
    for root in np.unique(roots).tolist():
        group = np.flatnonzero(roots == root)
        if len(group) == 1:
            shape = polygons[group[0]]
        else:
            shape = cleaned(shapely.union_all([polygons[g] for g in group.tolist()]))
        out_polygons.append(shape)
        out_atoms.append(np.concatenate([members[g] for g in group.tolist()]))
    households = np.array([weights[a].sum() for a in out_atoms], dtype=float)
    return AreaUnits(out_polygons, out_atoms, households, count)
