"""Grouping buildings into grid units: compact, contiguous, within household limits.

Geometry-free: buildings are positions, household weights and an adjacency graph
(who is next to whom inside one enclosure); units are adjacency, weights, shared
boundary lengths and whether the boundary may be crossed. Two steps:

* :func:`split_by_households` cuts one connected set of buildings into groups of at
  most ``max_households`` by recursive inertial bisection (the cut runs across the
  set's long axis at the household share each side needs, so groups come out
  compact), repairing each cut so both sides stay connected in the graph. A single
  building over the limit ends up alone.
* :func:`merge_small` joins units under ``min_households`` to a neighbour they may
  cross into (same enclosure, or across a minor road) while the sum stays within
  ``max_households``; the neighbour sharing the longest boundary wins (compact).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def components(pairs: np.ndarray, nodes: np.ndarray, size: int | None = None) -> list[np.ndarray]:
    """The connected pieces of the subgraph that (m, 2) edge ``pairs`` induce on
    ``nodes`` (most nodes first)."""
    nodes = np.asarray(nodes, dtype=np.int64)
    if len(nodes) == 0:
        return []
    size = int(size if size is not None else max(int(nodes.max()), int(pairs.max(initial=0))) + 1)
    local = np.full(size, -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    a, b = (local[pairs[:, 0]], local[pairs[:, 1]]) if len(pairs) else (np.empty(0, int),) * 2
    keep = (a >= 0) & (b >= 0)
    graph = coo_matrix(
        (np.ones(int(keep.sum()), dtype=np.int8), (a[keep], b[keep])),
        shape=(len(nodes), len(nodes)),
    )
    count, labels = connected_components(graph, directed=False)
    pieces = [nodes[labels == k] for k in range(count)]
    return sorted(pieces, key=len, reverse=True)


def split_by_households(
    xy: np.ndarray, weights: np.ndarray, pairs: np.ndarray, max_households: float
) -> np.ndarray:
    """A group label per node: each group is connected by the (m, 2) edge ``pairs`` and
    holds at most ``max_households`` unless it is a single node heavier than that.

    The edges must connect all nodes (call it per connected component)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    xy = np.asarray(xy, dtype=float)
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    labels = np.full(n, -1, dtype=np.int64)
    stack = [np.arange(n)]
    group = 0
    while stack:
        nodes = stack.pop()
        total = float(weights[nodes].sum())
        if total <= max_households or len(nodes) == 1:
            labels[nodes] = group
            group += 1
            continue
        first, second = _bisect(xy[nodes], weights[nodes], total, max_households)
        first, second = _connected_sides(pairs, nodes[first], nodes[second], weights)
        if len(first) == 0 or len(second) == 0:  # no connected cut: peel one node off
            first, second = _peel(pairs, nodes, xy, weights)
        stack.extend([second, first])
    return labels


def _bisect(
    xy: np.ndarray, weights: np.ndarray, total: float, max_households: float
) -> tuple[np.ndarray, np.ndarray]:
    """Positions on each side of a cut across the long axis at the needed share."""
    parts = math.ceil(total / max_households)
    share = (parts // 2) / parts
    centred = xy - xy.mean(axis=0)
    cov = centred.T @ centred
    if not np.isfinite(cov).all() or np.allclose(cov, 0.0):
        axis = np.array([1.0, 0.0])
    else:
        _, vectors = np.linalg.eigh(cov)
        axis = vectors[:, -1]
    order = np.argsort(centred @ axis, kind="stable")
    cumulative = np.cumsum(weights[order])
    cut = int(np.argmin(np.abs(cumulative[:-1] - share * total))) + 1
    return order[:cut], order[cut:]


def _connected_sides(
    pairs: np.ndarray, first: np.ndarray, second: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Make both sides connected: stray pieces of one side go to the other, twice."""
    pieces = components(pairs, first, len(weights))
    if len(pieces) > 1:
        keep = max(pieces, key=lambda p: (weights[p].sum(), len(p)))
        moved = [p for p in pieces if p is not keep]
        first, second = keep, np.concatenate([second, *moved])
    pieces = components(pairs, second, len(weights))
    if len(pieces) > 1:
        keep = max(pieces, key=lambda p: (weights[p].sum(), len(p)))
        moved = [p for p in pieces if p is not keep]
        second, first = keep, np.concatenate([first, *moved])
    return np.sort(first), np.sort(second)


def _peel(
    pairs: np.ndarray, nodes: np.ndarray, xy: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One node whose removal leaves the rest connected (the farthest such from the
    centre): always exists in a connected graph (a leaf of a spanning tree)."""
    centre = xy[nodes].mean(axis=0)
    far = np.argsort(-np.hypot(*(xy[nodes] - centre).T), kind="stable")
    for position in far.tolist():
        rest = np.delete(nodes, position)
        if len(components(pairs, rest, len(weights))) == 1:
            return nodes[position : position + 1], rest
    return nodes[:1], nodes[1:]


@dataclass(frozen=True)
class Border:
    """Units ``a`` and ``b`` share ``length`` metres of boundary; ``crossable`` when
    a unit may span it (no major road, river, railway or coast along it)."""

    a: int
    b: int
    length: float
    crossable: bool


def merge_small(
    weights: np.ndarray, borders: list[Border], min_households: float, max_households: float
) -> np.ndarray:
    """A label per unit after joining every unit under ``min_households`` (smallest
    first) to the crossable neighbour with the longest shared boundary whose sum stays
    within ``max_households``. Units that have no such neighbour stay as they are."""
    n = len(weights)
    parent = np.arange(n)
    load = np.asarray(weights, dtype=float).copy()
    edges: list[dict[int, list[float]]] = [{} for _ in range(n)]  # root -> [length, crossable]
    for border in borders:
        if border.a == border.b:
            continue
        for u, v in ((border.a, border.b), (border.b, border.a)):
            entry = edges[u].setdefault(v, [0.0, 1.0])
            entry[0] += border.length
            entry[1] = min(entry[1], 1.0 if border.crossable else 0.0)
    heap = [(load[i], i) for i in range(n) if load[i] < min_households]
    heapq.heapify(heap)
    while heap:
        weight, unit = heapq.heappop(heap)
        if parent[unit] != unit or weight != load[unit] or load[unit] >= min_households:
            continue
        options = [
            (length, -load[v], v)
            for v, (length, crossable) in edges[unit].items()
            if crossable and load[unit] + load[v] <= max_households
        ]
        if not options:
            continue
        _, _, into = max(options)
        parent[unit] = into
        load[into] += load[unit]
        for v, (length, crossable) in edges[unit].items():
            if v == into:
                continue
            entry = edges[into].setdefault(v, [0.0, 1.0])
            entry[0] += length
            entry[1] = min(entry[1], crossable)
            back = edges[v].pop(unit)
            other = edges[v].setdefault(into, [0.0, 1.0])
            other[0] += back[0]
            other[1] = min(other[1], back[1])
        edges[into].pop(unit, None)
        edges[unit] = {}
        if load[into] < min_households:
            heapq.heappush(heap, (load[into], into))
    for i in range(n):  # path compression: every unit to its final root
        root = i
        while parent[root] != root:
            root = parent[root]
        parent[i] = root
    return parent
