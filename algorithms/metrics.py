"""Small pure metric functions on arrays, shared by the balancer, audit and UI.

Conventions: ``labels`` is an int array with one part index per unit (``-1`` =
unassigned, ignored by tallies); ``weights`` are households per unit;
``targets`` are households per part; deviation is relative:
``(households - target) / target``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gridplanner.algorithms.adjacency import FloatArray, IntArray, UnitGraph


@dataclass(frozen=True)
class PartTallies:
    """Per-part load figures (arrays indexed by part)."""

    households: FloatArray
    capacity: FloatArray
    target: FloatArray
    ratio: FloatArray  # households per capacity unit (户/人)
    deviation: FloatArray  # (households - target) / target


def part_households(labels: npt.ArrayLike, weights: npt.ArrayLike, n_parts: int) -> FloatArray:
    """Households per part (unassigned units are ignored)."""
    lab = np.asarray(labels, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    ok = lab >= 0
    return np.bincount(lab[ok], weights=w[ok], minlength=n_parts).astype(np.float64)


def relative_deviation(households: npt.ArrayLike, targets: npt.ArrayLike) -> FloatArray:
    """``(h - t) / t``; a zero target yields 0 for an empty part and +inf otherwise."""
    h = np.asarray(households, dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (h - t) / t
    d[(t == 0) & (h == 0)] = 0.0
    return d


def part_tallies(
    labels: npt.ArrayLike,
    weights: npt.ArrayLike,
    capacities: Sequence[float] | npt.ArrayLike,
    target_per_capacity: float,
) -> PartTallies:
    """Households, capacity, target (= T × capacity), ratio and deviation per part."""
    cap = np.asarray(capacities, dtype=np.float64)
    h = part_households(labels, weights, len(cap))
    target = target_per_capacity * cap
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cap > 0, h / np.where(cap > 0, cap, 1.0), np.inf)
    return PartTallies(h, cap, target, ratio, relative_deviation(h, target))


def cut_edges(graph: UnitGraph, labels: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Boolean mask over ``graph`` edges whose endpoints are in different parts."""
    lab = np.asarray(labels, dtype=np.int64)
    return np.asarray(lab[graph.i] != lab[graph.j])


def cut_length(graph: UnitGraph, labels: npt.ArrayLike) -> float:
    """Total shared boundary length between different parts (geometric, metres).

    Boundaries severed by a forbidding barrier count as cut when their two
    units are in different parts, like any other shared boundary."""
    lab = np.asarray(labels, dtype=np.int64)
    total = float(graph.shared_length[cut_edges(graph, lab)].sum())
    if len(graph.severed_i):
        sev = lab[graph.severed_i] != lab[graph.severed_j]
        total += float(graph.severed_length[sev].sum())
    return total


def total_shared_length(graph: UnitGraph) -> float:
    """All internal shared boundary length (the denominator of cut fraction)."""
    return float(graph.shared_length.sum() + graph.severed_length.sum())


def part_area_perimeter(
    graph: UnitGraph, labels: npt.ArrayLike, n_parts: int
) -> tuple[FloatArray, FloatArray]:
    """Area and perimeter of each part: perimeter = Σ unit perimeters − 2 × the
    boundary shared by units of the same part (including severed boundaries)."""
    lab = np.asarray(labels, dtype=np.int64)
    ok = lab >= 0
    area = np.bincount(lab[ok], weights=graph.area[ok], minlength=n_parts)
    perim = np.bincount(lab[ok], weights=graph.perimeter[ok], minlength=n_parts).astype(
        np.float64
    )
    for a, b, ln in (
        (graph.i, graph.j, graph.shared_length),
        (graph.severed_i, graph.severed_j, graph.severed_length),
    ):
        if len(a) == 0:
            continue
        same = (lab[a] == lab[b]) & (lab[a] >= 0)
        perim -= 2.0 * np.bincount(lab[a][same], weights=ln[same], minlength=n_parts)
    return area.astype(np.float64), np.maximum(perim, 0.0).astype(np.float64)


def polsby_popper(graph: UnitGraph, labels: npt.ArrayLike, n_parts: int) -> FloatArray:
    """Polsby-Popper compactness 4πA/P² per part (1 = disc; 0 for an empty part)."""
    area, perim = part_area_perimeter(graph, labels, n_parts)
    with np.errstate(divide="ignore", invalid="ignore"):
        pp = np.where(perim > 0, 4.0 * np.pi * area / np.where(perim > 0, perim, 1.0) ** 2, 0.0)
    return pp.astype(np.float64)


def households_moved(
    labels: npt.ArrayLike, existing: npt.ArrayLike, weights: npt.ArrayLike
) -> float:
    """Households in units whose label differs from an existing assignment
    (units unassigned in ``existing`` are not counted as moved)."""
    lab = np.asarray(labels, dtype=np.int64)
    old = np.asarray(existing, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    moved = (old >= 0) & (lab != old)
    return float(w[moved].sum())


def part_connected(
    adj: Sequence[Sequence[int]], labels: Sequence[int], k: int, start: int, size: int
) -> bool:
    """Is part ``k`` (``size`` units, containing ``start``) connected?"""
    seen = {start}
    stack = [start]
    while stack:
        x = stack.pop()
        for y in adj[x]:
            if y not in seen and labels[y] == k:
                seen.add(y)
                stack.append(y)
    return len(seen) == size


def part_contiguity(graph: UnitGraph, labels: npt.ArrayLike, n_parts: int) -> list[bool]:
    """Whether each part is one connected piece of the adjacency graph
    (an empty part counts as not contiguous)."""
    lab = np.asarray(labels, dtype=np.int64).tolist()
    adj = graph.adjacency_lists
    members: list[list[int]] = [[] for _ in range(n_parts)]
    for u, k in enumerate(lab):
        if 0 <= k < n_parts:
            members[k].append(u)
    out: list[bool] = []
    for k in range(n_parts):
        out.append(bool(members[k]) and part_connected(adj, lab, k, members[k][0], len(members[k])))
    return out


def part_pieces(graph: UnitGraph, labels: npt.ArrayLike, part: int) -> list[IntArray]:
    """The connected pieces of one part, largest first."""
    lab = np.asarray(labels, dtype=np.int64)
    members = np.flatnonzero(lab == part)
    if len(members) == 0:
        return []
    sub = graph.subgraph(members)
    return [members[c] for c in sub.components()]
