"""Group unit cells into grids, comprehensive grids, communities and streets.

Top-down region growing on the cells' rook adjacency: each parent's units are split
into contiguous, roughly balanced children. Crude on purpose (it makes sample data,
not plans); the real balancer lives in ``gridplanner.algorithms``.
"""

from __future__ import annotations

import heapq

import numpy as np
import shapely

RIVER_CROSSING = -1


def rook_neighbours(
    cells: np.ndarray, side: np.ndarray, min_shared_m: float = 1.0
) -> list[list[int]]:
    """Neighbour lists: cells sharing more than ``min_shared_m`` of boundary on one bank."""
    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    boundaries = shapely.boundary(cells)
    shared = shapely.length(shapely.intersection(boundaries[left], boundaries[right]))
    keep = (shared > min_shared_m) & (side[left] == side[right])
    neighbours: list[list[int]] = [[] for _ in range(len(cells))]
    for a, b in zip(left[keep].tolist(), right[keep].tolist(), strict=True):
        neighbours[a].append(b)
        neighbours[b].append(a)
    return neighbours


def components(members: np.ndarray, neighbours: list[list[int]]) -> list[np.ndarray]:
    """Connected pieces of ``members`` (largest first, ties by lowest index)."""
    inside = set(members.tolist())
    seen: set[int] = set()
    pieces: list[np.ndarray] = []
    for start in members.tolist():
        if start in seen:
            continue
        stack, piece = [start], []
        seen.add(start)
        while stack:
            node = stack.pop()
            piece.append(node)
            for nb in neighbours[node]:
                if nb in inside and nb not in seen:
                    seen.add(nb)
                    stack.append(nb)
        pieces.append(np.array(sorted(piece)))
    return sorted(pieces, key=lambda p: (-len(p), int(p[0])))


def allocate(totals: np.ndarray, k: int, caps: np.ndarray) -> np.ndarray:
    """Split ``k`` parts among groups in proportion to ``totals`` (≥1 each, ≤ cap)."""
    share = totals / max(totals.sum(), 1e-9) * k
    out = np.minimum(np.maximum(1, np.floor(share).astype(int)), caps)
    while out.sum() < k:
        room = out < caps
        if not room.any():
            break
        gap = np.where(room, share - out, -np.inf)
        out[int(np.argmax(gap))] += 1
    while out.sum() > k and (out > 1).any():
        gap = np.where(out > 1, share - out, np.inf)
        out[int(np.argmin(gap))] -= 1
    return out


def split_region(
    members: np.ndarray,
    k: int,
    neighbours: list[list[int]],
    weight: np.ndarray,
    xy: np.ndarray,
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Split ``members`` into about ``k`` contiguous groups of similar weight."""
    pieces = components(members, neighbours)
    if k <= len(pieces):  # fewer parts than pieces: keep pieces whole, pack them
        bins: list[list[np.ndarray]] = [[] for _ in range(max(k, 1))]
        loads = np.zeros(max(k, 1))
        for piece in pieces:
            target = int(np.argmin(loads))
            bins[target].append(piece)
            loads[target] += weight[piece].sum()
        return [np.concatenate(b) for b in bins if b]
    counts = allocate(
        np.array([weight[p].sum() for p in pieces], dtype=float),
        k,
        np.array([len(p) for p in pieces]),
    )
    groups: list[np.ndarray] = []
    for piece, count in zip(pieces, counts, strict=True):
        groups.extend(
            _refine(
                _grow(piece, int(count), neighbours, weight, xy, rng), neighbours, weight, xy, rng
            )
        )
    return groups


def _refine(
    groups: list[np.ndarray],
    neighbours: list[list[int]],
    weight: np.ndarray,
    xy: np.ndarray,
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Merge the lightest group into a neighbour and split the heaviest, while it helps."""
    for _ in range(2 * len(groups)):
        loads = np.array([weight[g].sum() for g in groups])
        light, heavy = int(np.argmin(loads)), int(np.argmax(loads))
        if len(groups) < 3 or loads[light] >= 0.5 * loads.mean() or light == heavy:
            break
        owner = {int(u): i for i, g in enumerate(groups) for u in g}
        touching = {owner[nb] for u in groups[light] for nb in neighbours[u] if nb in owner} - {
            light
        }
        if not touching:
            break
        partner = min(touching, key=lambda i: loads[i])
        merged = np.sort(np.concatenate([groups[light], groups[partner]]))
        target = heavy if heavy not in (light, partner) else None
        if target is None or len(groups[target]) < 2:
            break
        halves = _grow(groups[target], 2, neighbours, weight, xy, rng)
        new = [g for i, g in enumerate(groups) if i not in (light, partner, target)]
        new.extend([merged, *halves])
        new_loads = np.array([weight[g].sum() for g in new])
        if new_loads.min() <= loads.min() or new_loads.max() > loads.max():
            break
        groups = new
    return groups


def _grow(
    piece: np.ndarray,
    k: int,
    neighbours: list[list[int]],
    weight: np.ndarray,
    xy: np.ndarray,
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Region growing from ``k`` spread-out seeds, lightest region first."""
    if k <= 1 or len(piece) <= 1:
        return [piece]
    pts = xy[piece]
    first = int(rng.integers(len(piece)))
    seeds = [first]
    dist = np.linalg.norm(pts - pts[first], axis=1)
    while len(seeds) < k:
        nxt = int(np.argmax(dist))
        seeds.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(pts - pts[nxt], axis=1))
    label = {int(u): -1 for u in piece}
    load = np.zeros(k)
    frontier: list[list[tuple[float, int]]] = [[] for _ in range(k)]
    for part, local in enumerate(seeds):
        unit = int(piece[local])
        label[unit] = part
        load[part] += weight[unit]
        for nb in neighbours[unit]:
            if label.get(nb, -2) == -1:
                heapq.heappush(frontier[part], (_dist(xy, nb, unit), nb))
    seed_xy = xy[piece[seeds]]
    remaining = len(piece) - k
    while remaining > 0:
        order = np.argsort(load, kind="stable")
        grown = False
        for part in order.tolist():
            heap = frontier[part]
            while heap and label[heap[0][1]] != -1:
                heapq.heappop(heap)
            if not heap:
                continue
            _, unit = heapq.heappop(heap)
            label[unit] = part
            load[part] += weight[unit]
            remaining -= 1
            for nb in neighbours[unit]:
                if label.get(nb, -2) == -1:
                    d = float(np.hypot(*(xy[nb] - seed_xy[part])))
                    heapq.heappush(heap, (d, nb))
            grown = True
            break
        if not grown:  # cannot happen on a connected piece; keep leftovers together
            leftovers = [u for u, lab in label.items() if lab == -1]
            for unit in leftovers:
                label[unit] = int(np.argmin(load))
            break
    return [np.array(sorted(u for u, lab in label.items() if lab == part)) for part in range(k)]


def _dist(xy: np.ndarray, a: int, b: int) -> float:
    return float(np.hypot(*(xy[a] - xy[b])))
