"""Tessellating an enclosure around its buildings, and the units that come of it.

Each building (an *atom*: a point, or a footprint) gets the part of the enclosure
closer to it than to any other building — a Voronoi cell for a point, and for a
footprint the union of the cells of points along its shrunk outline (momepy's
morphological tessellation, Fleischmann et al. 2020: shrink 0.4 m, points every
``segment`` metres). Groups of atoms become unit polygons as the union of their
cells cut to the enclosure, so the units of an enclosure tile it exactly (the cells
of one diagram share their edges vertex for vertex). Metric coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import Delaunay, QhullError
from shapely.geometry.base import BaseGeometry

#: Footprints are shrunk by this much (metres) so touching buildings keep apart.
SHRINK_M = 0.4
#: Metres of fixed jitter on the seeds (far below any drawing's precision).
JITTER_M = 1e-4
#: Points along a footprint's outline are this far apart at most (metres).
SEGMENT_M = 2.0


@dataclass(frozen=True)
class Seeds:
    """Generator points of one enclosure: ``xy`` (unique), ``atom`` (whose each is)."""

    xy: np.ndarray
    atom: np.ndarray


def seeds_for(
    atom_xy: np.ndarray,
    footprints: np.ndarray | None = None,
    shrink: float = SHRINK_M,
    segment: float = SEGMENT_M,
) -> Seeds:
    """Seeds of atoms at ``atom_xy``; where ``footprints[i]`` is a polygon, points
    along its shrunk outline stand for atom ``i`` instead of its position."""
    atom_xy = np.asarray(atom_xy, dtype=float).reshape(-1, 2)
    xy_parts = [atom_xy]
    owner_parts = [np.arange(len(atom_xy))]
    if footprints is not None and len(footprints):
        has = np.flatnonzero(~shapely.is_missing(footprints) & ~shapely.is_empty(footprints))
        if len(has):
            shrunk = shapely.buffer(footprints[has], -shrink, quad_segs=2)
            outline = shapely.segmentize(shapely.boundary(shrunk), segment)
            coords, index = shapely.get_coordinates(outline, return_index=True)
            usable = np.zeros(len(has), dtype=bool)
            usable[np.unique(index)] = True
            keep_point = np.ones(len(atom_xy), dtype=bool)
            keep_point[has[usable]] = False  # collapsed footprints keep their point
            xy_parts = [atom_xy[keep_point], coords]
            owner_parts = [np.flatnonzero(keep_point), has[index]]
    xy = np.concatenate(xy_parts)
    atom = np.concatenate(owner_parts)
    xy, first = np.unique(np.round(xy, 6), axis=0, return_index=True)
    return Seeds(xy, atom[first])


def atom_graph(seeds: Seeds, atoms: int, enclosure: BaseGeometry) -> np.ndarray:
    """(m, 2) pairs of atoms that are Delaunay neighbours through the enclosure (the
    segment between their seeds stays inside it)."""
    n = len(seeds.xy)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    if n == 2:
        pairs = np.array([[0, 1]])
    else:
        try:
            tri = Delaunay(seeds.xy, qhull_options="QJ")
            simplices = tri.simplices
            pairs = np.concatenate(
                [simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]]
            )
        except QhullError:  # all on a line: neighbours along it
            order = np.lexsort(seeds.xy.T[::-1])
            pairs = np.column_stack([order[:-1], order[1:]])
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    owners = seeds.atom[pairs]
    between = owners[:, 0] != owners[:, 1]
    pairs, owners = pairs[between], owners[between]
    if len(pairs) == 0:
        return np.empty((0, 2), dtype=np.int64)
    segments = shapely.linestrings(np.stack([seeds.xy[pairs[:, 0]], seeds.xy[pairs[:, 1]]], axis=1))
    shapely.prepare(enclosure)
    inside = shapely.covered_by(segments, enclosure)
    shapely.destroy_prepared(enclosure)
    return np.unique(np.sort(owners[inside], axis=1), axis=0)


def group_polygons(
    seeds: Seeds, atom_group: np.ndarray, groups: int, enclosure: BaseGeometry
) -> np.ndarray:
    """One polygon per group: the union of its atoms' cells, cut to the enclosure."""
    if groups == 1:
        return np.array([enclosure], dtype=object)
    frame = shapely.envelope(enclosure).buffer(10.0, join_style="mitre")
    # A hair of fixed jitter: exactly cocircular seeds (the corners of a square
    # footprint, a surveyed lattice) make degenerate cells.
    jitter = np.random.default_rng(len(seeds.xy)).uniform(-JITTER_M, JITTER_M, seeds.xy.shape)
    diagram = shapely.voronoi_polygons(
        shapely.MultiPoint(seeds.xy + jitter), extend_to=frame, ordered=True
    )
    cells = np.asarray(diagram.geoms, dtype=object)
    seed_group = atom_group[seeds.atom]
    order = np.argsort(seed_group, kind="stable")
    bounds = np.flatnonzero(np.diff(seed_group[order])) + 1
    unions = np.empty(groups, dtype=object)
    for members in np.split(order, bounds):
        parts = shapely.get_parts(cells[members])  # a cell may come as a collection
        parts = parts[shapely.get_type_id(parts) == 3]
        try:
            union = shapely.coverage_union_all(parts)
        except shapely.errors.GEOSException:  # not an exact coverage: the robust union
            union = shapely.union_all(shapely.make_valid(parts))
        unions[seed_group[members[0]]] = union
    missing = shapely.is_missing(unions)
    unions[missing] = shapely.Polygon()
    return shapely.intersection(unions, enclosure)


def anchored_pieces(
    polygons: np.ndarray, atom_xy: np.ndarray, atom_group: np.ndarray
) -> tuple[list[BaseGeometry], list[np.ndarray]]:
    """Split each group polygon into its pieces: a piece holding atoms of its group is a
    unit of its own (with those atoms); a piece holding none (a corner the enclosure's
    shape cut off from its building) joins the neighbouring piece it shares the most
    boundary with. Returns (polygons, atom indices per polygon)."""
    units: list[BaseGeometry] = []
    members: list[np.ndarray] = []
    orphans: list[BaseGeometry] = []
    for group, polygon in enumerate(polygons.tolist()):
        atoms = np.flatnonzero(atom_group == group)
        pieces = [p for p in shapely.get_parts(polygon) if p.geom_type == "Polygon" and p.area > 0]
        if len(pieces) <= 1:
            if pieces:
                units.append(pieces[0])
                members.append(atoms)
            continue
        inside = np.zeros((len(pieces), len(atoms)), dtype=bool)
        for k, piece in enumerate(pieces):
            inside[k] = shapely.contains_xy(piece, atom_xy[atoms, 0], atom_xy[atoms, 1])
        held = np.asarray(inside.any(axis=1), dtype=bool)
        if not held.any():
            held[int(np.argmax([p.area for p in pieces]))] = True
            inside[np.flatnonzero(held)[0]] = True
        placed = inside.any(axis=0)
        first_held = int(np.flatnonzero(held)[0])
        for k, piece in enumerate(pieces):
            if not held[k]:
                orphans.append(piece)
                continue
            mine = inside[k] | (~placed if k == first_held else False)
            units.append(piece)
            members.append(atoms[mine])
    return absorb(units, members, orphans)


def absorb(
    units: list[BaseGeometry], members: list[np.ndarray], orphans: list[BaseGeometry]
) -> tuple[list[BaseGeometry], list[np.ndarray]]:
    """Join each orphan piece to the unit it shares the longest boundary with."""
    if not orphans or not units:
        return units + orphans, members + [np.empty(0, dtype=np.int64)] * len(orphans)
    tree = shapely.STRtree(np.asarray(units, dtype=object))
    extra: dict[int, list[BaseGeometry]] = {}
    left: list[BaseGeometry] = []
    for piece in orphans:
        near = tree.query(piece, predicate="intersects")
        if len(near) == 0:
            left.append(piece)
            continue
        shared = shared_length(piece, np.asarray(units, dtype=object)[near])
        if shared.max() <= 0.0:
            left.append(piece)
            continue
        extra.setdefault(int(near[int(np.argmax(shared))]), []).append(piece)
    out = list(units)
    for index, pieces in extra.items():
        out[index] = shapely.union_all([out[index], *pieces])
    return out + left, members + [np.empty(0, dtype=np.int64)] * len(left)


#: Boundaries closer than this (metres) are the same boundary.
SAME_EDGE_M = 0.05


def shared_length(polygon: BaseGeometry, others: np.ndarray) -> np.ndarray:
    """Metres of ``polygon``'s boundary running along each of ``others``' boundaries
    (robust to the last-digit differences of separately computed edges)."""
    near = shapely.buffer(shapely.boundary(others), SAME_EDGE_M, quad_segs=1)
    length = shapely.length(shapely.intersection(polygon.boundary, near))
    return np.where(length > 4 * SAME_EDGE_M, length, 0.0)


def cleaned(geometry: BaseGeometry, smallest_m2: float = 0.01) -> BaseGeometry:
    """A union without the dust separately computed edges leave: parts and holes
    under ``smallest_m2``."""
    parts = []
    for part in shapely.get_parts(geometry):
        if part.geom_type != "Polygon" or part.area < smallest_m2:
            continue
        holes = [r for r in part.interiors if shapely.Polygon(r).area >= smallest_m2]
        parts.append(shapely.Polygon(part.exterior, holes))
    if not parts:
        return geometry
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
