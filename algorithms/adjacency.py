"""Unit adjacency graph, built once from geometry at the edge of the algorithms.

Everything downstream (partitioning, metrics, the exact MILP) works on
:class:`UnitGraph` only: arrays of edges with shared boundary lengths plus the
area and perimeter of every unit. Coordinates are expected in a projected CRS
(metres), so lengths and areas are in metres and square metres.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gridplanner.algorithms.shared_edges import matched_shared_lengths

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

BarrierMode = Literal["forbid", "penalise"]


@dataclass(frozen=True, eq=False)
class UnitGraph:
    """Rook adjacency of ``n`` units.

    Edges are stored once with ``i < j``. ``barrier[e]`` flags an edge crossing a
    barrier in "penalise" mode; its compactness cost is multiplied by
    ``barrier_penalty`` (keeping such an edge *inside* a part costs, cutting it is
    free). Edges removed by a barrier in "forbid" mode are not edges at all, but
    their shared length is kept in ``severed_*`` so part perimeters stay exact.
    """

    n: int
    i: IntArray
    j: IntArray
    shared_length: FloatArray
    area: FloatArray
    perimeter: FloatArray
    barrier: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    barrier_penalty: float = 1.0
    severed_i: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    severed_j: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    severed_length: FloatArray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))

    def __post_init__(self) -> None:
        m = len(self.i)
        if len(self.j) != m or len(self.shared_length) != m:
            raise ValueError("edge arrays i, j, shared_length must have the same length")
        if len(self.barrier) == 0 and m:
            object.__setattr__(self, "barrier", np.zeros(m, dtype=bool))
        if len(self.area) != self.n or len(self.perimeter) != self.n:
            raise ValueError("area and perimeter need one value per unit")
        if m and (self.i.min() < 0 or max(self.i.max(), self.j.max()) >= self.n):
            raise ValueError("edge endpoint out of range")

    # -- construction helpers -------------------------------------------------
    @classmethod
    def from_edges(
        cls,
        n: int,
        edges: Sequence[tuple[int, int]] | npt.ArrayLike,
        lengths: npt.ArrayLike | None = None,
        area: npt.ArrayLike | None = None,
        perimeter: npt.ArrayLike | None = None,
    ) -> UnitGraph:
        """A graph without geometry (tests, synthetic data): unit lengths/areas."""
        e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        lo, hi = np.minimum(e[:, 0], e[:, 1]), np.maximum(e[:, 0], e[:, 1])
        keep = lo != hi
        ln = np.ones(len(e)) if lengths is None else np.asarray(lengths, dtype=np.float64)
        key = np.unique(np.stack([lo[keep], hi[keep]], axis=1), axis=0, return_index=True)
        pairs, first = key
        ln = ln[keep][first]
        a = np.ones(n) if area is None else np.asarray(area, dtype=np.float64)
        p = np.full(n, 4.0) if perimeter is None else np.asarray(perimeter, dtype=np.float64)
        return cls(n, pairs[:, 0].copy(), pairs[:, 1].copy(), ln, a, p)

    # -- derived structures (cached; the dataclass itself stays immutable) ----
    @cached_property
    def csr(self) -> tuple[IntArray, IntArray, IntArray]:
        """``(indptr, indices, edge_ids)``: neighbours of u are
        ``indices[indptr[u]:indptr[u+1]]`` and the matching edge ids."""
        m = len(self.i)
        src = np.concatenate([self.i, self.j])
        dst = np.concatenate([self.j, self.i])
        eid = np.concatenate([np.arange(m), np.arange(m)])
        order = np.lexsort((dst, src))
        counts = np.bincount(src, minlength=self.n)
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return indptr, dst[order].astype(np.int64), eid[order].astype(np.int64)

    @cached_property
    def adjacency_lists(self) -> list[list[int]]:
        """Python lists of neighbours (fast in pure-python inner loops)."""
        indptr, indices, _ = self.csr
        flat = indices.tolist()
        ptr = indptr.tolist()
        return [flat[ptr[u] : ptr[u + 1]] for u in range(self.n)]

    @cached_property
    def edge_cut_cost(self) -> FloatArray:
        """Compactness cost of cutting each edge: its length, or ``-penalty*length``
        for a penalised barrier edge (cutting along a barrier is rewarded)."""
        cost = self.shared_length.astype(np.float64).copy()
        cost[self.barrier] = -self.barrier_penalty * self.shared_length[self.barrier]
        return cost

    @cached_property
    def weighted_neighbours(self) -> list[list[tuple[int, float]]]:
        """Per unit: ``(neighbour, edge_cut_cost)`` pairs."""
        indptr, indices, eids = self.csr
        cost = self.edge_cut_cost[eids].tolist()
        flat = indices.tolist()
        ptr = indptr.tolist()
        return [
            list(zip(flat[ptr[u] : ptr[u + 1]], cost[ptr[u] : ptr[u + 1]], strict=True))
            for u in range(self.n)
        ]

    @cached_property
    def length_neighbours(self) -> list[list[tuple[int, float]]]:
        """Per unit: ``(neighbour, shared boundary length)``, severed edges included
        (what a part's perimeter loses when both sides are in it)."""
        out: list[list[tuple[int, float]]] = [[] for _ in range(self.n)]
        for a, b, ln in (
            (self.i, self.j, self.shared_length),
            (self.severed_i, self.severed_j, self.severed_length),
        ):
            for x, y, length in zip(a.tolist(), b.tolist(), ln.tolist(), strict=True):
                out[x].append((y, length))
                out[y].append((x, length))
        return out

    @property
    def n_edges(self) -> int:
        return len(self.i)

    def neighbours(self, u: int) -> IntArray:
        """Indices of the units sharing a boundary with unit ``u``."""
        indptr, indices, _ = self.csr
        return indices[indptr[u] : indptr[u + 1]]

    def component_labels(self) -> IntArray:
        """Component id per unit (components numbered by their smallest unit)."""
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        mat = coo_matrix((np.ones(len(self.i)), (self.i, self.j)), shape=(self.n, self.n))
        _, lab = connected_components(mat, directed=False)
        # renumber by first occurrence so the order is stable and meaningful
        _, first = np.unique(lab, return_index=True)
        order = np.argsort(first)
        remap = np.empty(len(order), dtype=np.int64)
        remap[order] = np.arange(len(order))
        return remap[lab].astype(np.int64)

    def components(self) -> list[IntArray]:
        """Connected components as sorted unit-index arrays, largest first
        (ties by smallest unit). Islands are reported, never merged."""
        lab = self.component_labels()
        comps = [np.flatnonzero(lab == c) for c in range(int(lab.max()) + 1)] if self.n else []
        comps.sort(key=lambda c: (-len(c), int(c[0])))
        return comps

    def subgraph(self, indices: Sequence[int] | npt.ArrayLike) -> UnitGraph:
        """The induced graph on ``indices`` (renumbered 0..k-1 in the given order)."""
        idx = np.asarray(indices, dtype=np.int64)
        pos = np.full(self.n, -1, dtype=np.int64)
        pos[idx] = np.arange(len(idx))

        def _keep(a: IntArray, b: IntArray) -> tuple[BoolArray, IntArray, IntArray]:
            pa, pb = pos[a], pos[b]
            k = (pa >= 0) & (pb >= 0)
            lo = np.minimum(pa[k], pb[k])
            hi = np.maximum(pa[k], pb[k])
            return k, lo, hi

        k, lo, hi = _keep(self.i, self.j)
        ks, slo, shi = _keep(self.severed_i, self.severed_j)
        return UnitGraph(
            n=len(idx),
            i=lo,
            j=hi,
            shared_length=self.shared_length[k],
            area=self.area[idx],
            perimeter=self.perimeter[idx],
            barrier=self.barrier[k],
            barrier_penalty=self.barrier_penalty,
            severed_i=slo,
            severed_j=shi,
            severed_length=self.severed_length[ks],
        )

    def to_networkx(self) -> nx.Graph:
        """A networkx graph (for inspection and tests; not used in inner loops)."""
        g = nx.Graph()
        for u in range(self.n):
            g.add_node(u, area=float(self.area[u]), perimeter=float(self.perimeter[u]))
        for a, b, ln, bar in zip(
            self.i.tolist(),
            self.j.tolist(),
            self.shared_length.tolist(),
            self.barrier.tolist(),
            strict=True,
        ):
            g.add_edge(a, b, shared_length=ln, barrier=bar)
        return g


def _as_geometry_array(geoms: Sequence[Any] | npt.NDArray[Any]) -> npt.NDArray[Any]:
    if hasattr(geoms, "values") and hasattr(geoms, "crs"):  # GeoSeries
        geoms = np.asarray(geoms.values, dtype=object)
    arr = np.asarray(geoms, dtype=object)
    if arr.ndim != 1:
        raise ValueError("geoms must be a one-dimensional sequence of geometries")
    return arr


def repair_polygons(geoms: Sequence[Any] | npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Invalid polygons made valid down to their polygonal parts.

    ``make_valid`` can turn a self-intersecting polygon into a GeometryCollection of
    polygons and stray lines, whose boundary is then undefined: such a unit would get
    no neighbours and look like an island. Here the lines and points are dropped and
    the polygons kept (a Polygon or MultiPolygon); valid geometries pass unchanged.
    """
    arr = _as_geometry_array(geoms).copy()
    present = ~shapely.is_missing(arr)
    bad = np.flatnonzero(present & ~shapely.is_valid(arr))
    if len(bad) == 0:
        return arr
    fixed = shapely.make_valid(arr[bad])
    for k, geom in zip(bad.tolist(), fixed.tolist(), strict=True):
        arr[k] = _polygonal(geom)
    return arr


def _polygonal(geom: Any) -> Any:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def attach_islands(
    graph: UnitGraph, geoms: Sequence[Any] | npt.NDArray[Any]
) -> tuple[UnitGraph, list[Attachment]]:
    """Join every island (a connected piece other than the largest) to the nearest unit
    of the rest by a virtual edge of zero shared length (it never counts as boundary),
    repeating until the graph is connected. Returns the joined graph and what was
    attached where, and how far."""
    arr = _as_geometry_array(geoms)
    attachments: list[Attachment] = []
    g = graph
    while True:
        labels = g.component_labels()
        sizes = np.bincount(labels)
        if len(sizes) <= 1:
            return g, attachments
        main = int(np.argmax(sizes))
        rest = np.flatnonzero(labels == main)
        tree = shapely.STRtree(arr[rest])
        new_i: list[int] = []
        new_j: list[int] = []
        for component in range(len(sizes)):
            if component == main:
                continue
            members = np.flatnonzero(labels == component)
            near, far = tree.query_nearest(arr[members], return_distance=True, all_matches=False)
            best = int(np.argmin(far))
            unit, to = int(members[near[0][best]]), int(rest[near[1][best]])
            attachments.append(Attachment(tuple(members.tolist()), unit, to, float(far[best])))
            new_i.append(min(unit, to))
            new_j.append(max(unit, to))
        g = _with_edges(g, np.array(new_i, dtype=np.int64), np.array(new_j, dtype=np.int64))


@dataclass(frozen=True)
class Attachment:
    """An island joined to the rest: its units, the unit joined, to which, how far (m)."""

    units: tuple[int, ...]
    unit: int
    to: int
    distance: float


def _with_edges(g: UnitGraph, i: IntArray, j: IntArray) -> UnitGraph:
    return UnitGraph(
        g.n,
        np.concatenate([g.i, i]),
        np.concatenate([g.j, j]),
        np.concatenate([g.shared_length, np.zeros(len(i))]),
        g.area,
        g.perimeter,
        barrier=np.concatenate([g.barrier, np.zeros(len(i), dtype=bool)]),
        barrier_penalty=g.barrier_penalty,
        severed_i=g.severed_i,
        severed_j=g.severed_j,
        severed_length=g.severed_length,
    )


def build_adjacency(
    geoms: Sequence[Any] | npt.NDArray[Any],
    barriers: Sequence[Any] | None = None,
    barrier_mode: BarrierMode = "forbid",
    tolerance: float = 1e-6,
    barrier_penalty: float = 2.0,
    snap: float = 0.0,
    match_segments: bool = False,
) -> UnitGraph:
    """Rook adjacency of polygons: two units are neighbours when their shared
    boundary is longer than ``tolerance`` (touching at a point does not count).

    ``match_segments`` finds shared borders by matching identical segments first
    (:mod:`.shared_edges`; GEOS only for the rest): the same graph, several times
    faster on detailed coverages; used without barriers and snapping only.

    ``snap > 0`` also joins boundaries that are within ``snap`` of each other
    (slivers from hand digitising); the shared length is then the length of one
    boundary inside the other's ``snap`` buffer.

    A pair is separated by a barrier line when the path from the representative
    point of one unit, through the midpoint of their shared boundary, to the
    representative point of the other crosses a barrier. ``barrier_mode``
    "forbid" drops such edges (their length stays in ``severed_*`` for
    perimeters); "penalise" keeps them, flagged, with ``barrier_penalty`` as the
    compactness cost multiplier.
    """
    if barrier_mode not in ("forbid", "penalise"):
        raise ValueError(f"barrier_mode must be 'forbid' or 'penalise', not {barrier_mode!r}")
    arr = _as_geometry_array(geoms)
    n = len(arr)
    if n and shapely.is_missing(arr).any():
        bad = np.flatnonzero(shapely.is_missing(arr))
        raise ValueError(f"units without geometry: {bad[:10].tolist()}")
    arr = repair_polygons(arr)  # an invalid polygon must not become a false island
    area = shapely.area(arr).astype(np.float64) if n else np.zeros(0)
    perimeter = shapely.length(arr).astype(np.float64) if n else np.zeros(0)
    empty = np.zeros(0, dtype=np.int64)
    if n < 2:
        return UnitGraph(n, empty, empty.copy(), np.zeros(0), area, perimeter)

    if match_segments and snap <= 0 and (barriers is None or len(barriers) == 0):
        matched = matched_shared_lengths(arr, tolerance)
        if matched is not None:
            mi, mj, ml = matched
            return UnitGraph(n, mi, mj, ml, area, perimeter, barrier_penalty=barrier_penalty)
    tree = shapely.STRtree(arr)
    if snap > 0:
        left, right = tree.query(arr, predicate="dwithin", distance=snap)
    else:
        left, right = tree.query(arr, predicate="intersects")
    keep = left < right
    left, right = left[keep].astype(np.int64), right[keep].astype(np.int64)
    bounds = shapely.boundary(arr)
    if snap > 0:
        shared = shapely.intersection(bounds[left], shapely.buffer(bounds[right], snap))
    else:
        shared = shapely.intersection(bounds[left], bounds[right])
    length = shapely.length(shared)
    ok = length > tolerance
    left, right, length, shared = left[ok], right[ok], length[ok], shared[ok]

    crosses = np.zeros(len(left), dtype=bool)
    if barriers is not None and len(barriers) and len(left):
        crosses = _crossing_edges(arr, left, right, shared, _as_geometry_array(barriers))

    if barrier_mode == "forbid":
        keep_e = ~crosses
        return UnitGraph(
            n,
            left[keep_e],
            right[keep_e],
            length[keep_e].astype(np.float64),
            area,
            perimeter,
            barrier=np.zeros(int(keep_e.sum()), dtype=bool),
            barrier_penalty=barrier_penalty,
            severed_i=left[crosses],
            severed_j=right[crosses],
            severed_length=length[crosses].astype(np.float64),
        )
    return UnitGraph(
        n,
        left,
        right,
        length.astype(np.float64),
        area,
        perimeter,
        barrier=crosses,
        barrier_penalty=barrier_penalty,
    )


def _crossing_edges(
    arr: npt.NDArray[Any],
    left: IntArray,
    right: IntArray,
    shared: npt.NDArray[Any],
    barriers: npt.NDArray[Any],
) -> BoolArray:
    """Edges whose rep-point → shared-midpoint → rep-point path meets a barrier."""
    rep = shapely.get_coordinates(shapely.point_on_surface(arr))
    mid = shapely.get_coordinates(
        shapely.line_interpolate_point(shapely.line_merge(shared), 0.5, normalized=True)
    )
    if len(mid) != len(left):  # degenerate shared geometry: fall back to centroids
        mid = shapely.get_coordinates(shapely.centroid(shared))
    coords = np.stack([rep[left], mid, rep[right]], axis=1)
    paths = shapely.linestrings(coords)
    btree = shapely.STRtree(barriers)
    hit, _ = btree.query(paths, predicate="intersects")
    out = np.zeros(len(left), dtype=bool)
    out[np.unique(hit)] = True
    return out
