"""A compact, nearly balanced start from METIS (through pymetis): multilevel
coarsen → partition → refine on the unit graph, with the shared boundary length as
the edge weight (so METIS keeps long shared borders inside parts: round parts), the
households as vertex weights and each part's share as its target weight.

Why METIS and not our own multilevel scheme: it is the reference implementation of
exactly this (Karypis & Kumar), runs 4,000 units into 134 parts in tens of
milliseconds, and has a contiguity option. What it does not do is reach a tight band
(it stops around ±3%) or guarantee contiguity on every graph; the balancer's own
local search takes it from there (:mod:`gridplanner.algorithms.partition`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gridplanner.algorithms.adjacency import IntArray, UnitGraph
from gridplanner.algorithms.construct import repair
from gridplanner.algorithms.metrics import part_area_perimeter

#: Integer scale of the edge weights (METIS wants positive integers).
EDGE_SCALE = 10_000
#: Integer scale of the vertex weights (their sum).
VERTEX_SCALE = 10_000_000
#: Allowed imbalance of the METIS start, in thousandths (30 = 3%).
UFACTOR = 30


def metis_labels(
    graph: UnitGraph,
    weights: np.ndarray,
    units: Sequence[int],
    parts: Sequence[int],
    targets: Sequence[float],
    seed: int,
) -> IntArray | None:
    """Labels (from ``parts``) for ``units`` — one connected area — or None when
    METIS is unavailable or fails (the caller falls back to spanning trees)."""
    try:
        import pymetis
    except ImportError:  # pragma: no cover - a core dependency
        return None
    rows = np.asarray(units, dtype=np.int64)
    k = len(parts)
    if k == 1:
        return np.full(len(rows), parts[0], dtype=np.int64)
    sub = graph.subgraph(rows)
    indptr, indices, eids = sub.csr
    lengths = sub.shared_length[eids]
    top = float(lengths.max()) if len(lengths) else 1.0
    eweights = 1 + np.round(lengths / max(top, 1e-9) * (EDGE_SCALE - 1)).astype(np.int64)
    w = np.asarray(weights, dtype=np.float64)[rows]
    total = float(w.sum())
    vweights = np.round(w / total * VERTEX_SCALE).astype(np.int64) if total > 0 else None
    shares = np.asarray([targets[p] for p in parts], dtype=np.float64)
    tpwgts = (shares / shares.sum()).tolist()
    # METIS seeds srand(): glibc gives 0 and 1 the same sequence, so seeds start at 1
    options = pymetis.Options(seed=1 + int(seed) % (2**31 - 2), ufactor=UFACTOR, ncuts=1, contig=1)
    try:
        _, membership = pymetis.part_graph(
            k,
            pymetis.CSRAdjacency(indptr.astype(np.int64), indices.astype(np.int64)),
            vweights=vweights,
            eweights=eweights,
            tpwgts=tpwgts,
            options=options,
        )
    except Exception:  # METIS refuses (e.g. contiguity impossible): fall back
        return None
    local = np.asarray(membership, dtype=np.int64)
    if len(local) != len(rows) or local.min() < 0 or local.max() >= k:
        return None
    return np.asarray(parts, dtype=np.int64)[local]


#: METIS runs (seeds) whose repaired, contiguous results are ranked for the restarts.
POOL_SIZE = 6
#: Ranking a start: its mean Polsby-Popper less this much per unit of its parts' mean
#: deviation beyond the band, and half as much per unit of the worst one's (each
#: percent of imbalance costs some compactness to balance away).
EXCESS_COST = 1.0


def metis_pool(
    graph: UnitGraph,
    weights: np.ndarray,
    units: Sequence[int],
    parts: Sequence[int],
    targets: Sequence[float],
    seed: int,
    band: float,
    size: int = POOL_SIZE,
) -> list[IntArray]:
    """Labels for ``units`` from ``size`` METIS seeds, each made contiguous (METIS's
    contiguity option can fail, and a stray piece joined elsewhere may cost 40% of a
    part), best first: mean Polsby-Popper less the cost of the imbalance left to fix."""
    adj = graph.adjacency_lists
    rows = list(units)
    wl = np.asarray(weights, dtype=np.float64).tolist()
    t = np.asarray([targets[p] for p in parts], dtype=np.float64)
    scored: list[tuple[float, int, IntArray]] = []
    seen: set[bytes] = set()
    for attempt in range(size):
        start = metis_labels(graph, weights, rows, parts, targets, seed * 7919 + attempt)
        if start is None:
            continue
        labels = [-1] * graph.n
        for u, k in zip(rows, start.tolist(), strict=True):
            labels[u] = int(k)
        repair(adj, wl, labels, rows, parts, targets, [False] * graph.n)
        lab = np.asarray(labels, dtype=np.int64)
        key = lab[rows].tobytes()
        if key in seen:
            continue
        seen.add(key)
        area, perim = part_area_perimeter(graph, lab, max(parts) + 1)
        idx = np.asarray(parts, dtype=np.int64)
        a, p = area[idx], perim[idx]
        pp = np.where(p > 0, 4.0 * np.pi * a / np.where(p > 0, p, 1.0) ** 2, 0.0)
        loads = np.bincount(lab[rows], weights=np.asarray(wl)[rows], minlength=max(parts) + 1)
        excess = np.maximum(np.abs(loads[idx] - t) / np.maximum(t, 1e-12) - band, 0.0)
        score = float(pp.mean()) - EXCESS_COST * (float(excess.mean()) + 0.5 * float(excess.max()))
        scored.append((-score, attempt, lab[rows]))
    scored.sort(key=lambda x: (x[0], x[1]))
    return [lab for _, _, lab in scored]
