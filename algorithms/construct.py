"""Initial plans: balance-aware recursive spanning-tree bisection, plus repair.

Recursive bisection works like GerryChain's ``recursive_tree_part``: draw a
random spanning tree of a region, cut the one tree edge whose two sides come
closest to the households wanted on each side, recurse. Both sides of a tree
cut are connected, so every part is contiguous by construction. The cut is
lock-aware: a side may only take the locked units of its own parts.

All functions work on python lists (adjacency lists, labels) for speed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def _region_edges(adj: Sequence[Sequence[int]], units: Sequence[int]) -> list[tuple[int, int]]:
    """Edges of the induced subgraph, as positions in ``units``."""
    pos = {u: p for p, u in enumerate(units)}
    return [(pos[u], pos[v]) for u in units for v in adj[u] if v in pos and u < v]


def _random_spanning_tree(
    edges: list[tuple[int, int]], n_units: int, rng: np.random.Generator
) -> tuple[list[int], list[int]]:
    """Random-weight minimum spanning tree (Kruskal) of a region given by its
    ``edges``; returns ``(order, parent)`` with ``order`` a BFS order from a
    random root and ``parent`` indexed by position (-1 for the root)."""
    units = range(n_units)
    keys = rng.random(len(edges)).tolist()
    order_e = sorted(range(len(edges)), key=keys.__getitem__)
    root_of = list(range(len(units)))

    def find(x: int) -> int:
        while root_of[x] != x:
            root_of[x] = root_of[root_of[x]]
            x = root_of[x]
        return x

    tree: list[list[int]] = [[] for _ in units]
    for e in order_e:
        a, b = edges[e]
        ra, rb = find(a), find(b)
        if ra != rb:
            root_of[ra] = rb
            tree[a].append(b)
            tree[b].append(a)
    root = int(rng.integers(len(units)))
    parent = [-2] * len(units)
    parent[root] = -1
    order = [root]
    for x in order:
        for y in tree[x]:
            if parent[y] == -2:
                parent[y] = x
                order.append(y)
    return order, parent


def bisect_region(
    adj: Sequence[Sequence[int]],
    weights: Sequence[float],
    units: Sequence[int],
    want_a: float,
    min_units: tuple[int, int],
    lock_group: Sequence[int],
    rng: np.random.Generator,
    attempts: int,
    tolerance: float,
) -> tuple[list[int], list[int]] | None:
    """Split ``units`` into two connected sides, side A with about ``want_a``
    households. ``lock_group[u]`` is 1/2 for a unit locked to side A/B, 0 if free.
    Returns ``None`` when no lock-consistent cut was found."""
    total = sum(weights[u] for u in units)
    want_b = total - want_a
    lock_a = sum(1 for u in units if lock_group[u] == 1)
    lock_b = sum(1 for u in units if lock_group[u] == 2)
    best: tuple[float, int, list[int], list[int], bool] | None = None
    scale = max(min(want_a, want_b), 1e-9)
    edges = _region_edges(adj, units)
    for _ in range(attempts):
        order, parent = _random_spanning_tree(edges, len(units), rng)
        m = len(units)
        s = [weights[units[p]] for p in range(m)]
        cnt = [1] * m
        la = [1 if lock_group[units[p]] == 1 else 0 for p in range(m)]
        lb = [1 if lock_group[units[p]] == 2 else 0 for p in range(m)]
        for p in reversed(order):
            q = parent[p]
            if q >= 0:
                s[q] += s[p]
                cnt[q] += cnt[p]
                la[q] += la[p]
                lb[q] += lb[p]
        found: tuple[float, int, bool] | None = None
        for p in order[1:]:
            # subtree of p as side A
            if la[p] == lock_a and lb[p] == 0 and cnt[p] >= min_units[0] and (
                m - cnt[p] >= min_units[1]
            ):
                err = abs(s[p] - want_a)
                if found is None or err < found[0]:
                    found = (err, p, True)
            # subtree of p as side B
            if lb[p] == lock_b and la[p] == 0 and cnt[p] >= min_units[1] and (
                m - cnt[p] >= min_units[0]
            ):
                err = abs(total - s[p] - want_a)
                if found is None or err < found[0]:
                    found = (err, p, False)
        if found is None:
            continue
        if best is None or found[0] < best[0]:
            err, p, sub_is_a = found
            best = (err, p, order, parent, sub_is_a)
            if err / scale <= tolerance:
                break
    if best is None:
        return None
    _, p, order, parent, sub_is_a = best
    inside = [False] * len(units)
    inside[p] = True
    for x in order:  # BFS order: parents come before children
        q = parent[x]
        if q >= 0 and inside[q]:
            inside[x] = True
    sub = [units[x] for x in range(len(units)) if inside[x]]
    rest = [units[x] for x in range(len(units)) if not inside[x]]
    return (sub, rest) if sub_is_a else (rest, sub)


def recursive_tree_partition(
    adj: Sequence[Sequence[int]],
    weights: Sequence[float],
    units: Sequence[int],
    parts: Sequence[int],
    targets: Sequence[float],
    locked_label: Sequence[int],
    rng: np.random.Generator,
    labels: list[int],
    attempts: int = 12,
    tolerance: float = 0.01,
    check: Callable[[], None] | None = None,
) -> bool:
    """Assign ``units`` (one connected region) to ``parts`` in ``labels``.

    ``locked_label[u]`` is the part a unit must keep (-1 if free). Returns False
    when some split could not respect the locks (the caller then repairs)."""
    ok = True
    stack: list[tuple[list[int], list[int]]] = [(list(units), list(parts))]
    while stack:
        if check is not None:
            check()
        region, group = stack.pop()
        if len(group) == 1:
            for u in region:
                labels[u] = group[0]
            continue
        # order parts so that parts holding locked units that sit together stay
        # together; otherwise keep the given order (deterministic)
        half = len(group) // 2
        ga, gb = group[:half], group[half:]
        ta = sum(targets[k] for k in ga)
        tb = sum(targets[k] for k in gb)
        total = sum(weights[u] for u in region)
        want_a = total * ta / (ta + tb) if ta + tb > 0 else total / 2
        in_a, in_b = set(ga), set(gb)
        lock_group = _LockGroup(locked_label, in_a, in_b)
        res = bisect_region(
            adj, weights, region, want_a, (len(ga), len(gb)), lock_group, rng, attempts, tolerance
        )
        if res is None:
            ok = False
            res = bisect_region(
                adj, weights, region, want_a, (len(ga), len(gb)), _NoLocks(), rng, attempts,
                tolerance,
            )
            if res is None:  # region too small for its parts: leave to repair
                for u in region:
                    labels[u] = group[0]
                continue
        stack.append((res[1], gb))
        stack.append((res[0], ga))
    return ok


class _LockGroup(Sequence[int]):
    """Lazy view: 1 if a unit is locked to a part of side A, 2 for side B, else 0."""

    def __init__(self, locked: Sequence[int], in_a: set[int], in_b: set[int]) -> None:
        self.locked, self.in_a, self.in_b = locked, in_a, in_b

    def __getitem__(self, u: int) -> int:  # type: ignore[override]
        k = self.locked[u]
        if k < 0:
            return 0
        return 1 if k in self.in_a else (2 if k in self.in_b else 0)

    def __len__(self) -> int:
        return len(self.locked)


class _NoLocks(Sequence[int]):
    def __getitem__(self, u: int) -> int:  # type: ignore[override]
        return 0

    def __len__(self) -> int:
        return 0


def donor_stays_connected(
    adj: Sequence[Sequence[int]], labels: Sequence[int], u: int
) -> bool:
    """Would part ``labels[u]`` stay connected without ``u``? BFS limited to the
    part, stopping as soon as all of u's same-part neighbours are reached."""
    a = labels[u]
    nb = [v for v in adj[u] if labels[v] == a]
    if len(nb) <= 1:
        return True
    need = set(nb)
    start = nb[0]
    need.discard(start)
    seen = {u, start}
    stack = [start]
    while stack:
        x = stack.pop()
        for y in adj[x]:
            if y not in seen and labels[y] == a:
                if y in need:
                    need.discard(y)
                    if not need:
                        return True
                seen.add(y)
                stack.append(y)
    return not need


def pieces_of(adj: Sequence[Sequence[int]], labels: Sequence[int], members: list[int]) -> list[
    list[int]
]:
    """Connected pieces of one part (``members`` share one label)."""
    if not members:
        return []
    k = labels[members[0]]
    seen: set[int] = set()
    out: list[list[int]] = []
    for s in members:
        if s in seen:
            continue
        seen.add(s)
        piece = [s]
        for x in piece:
            for y in adj[x]:
                if y not in seen and labels[y] == k:
                    seen.add(y)
                    piece.append(y)
        out.append(piece)
    return out


#: Rounds of contiguity repair (a join can cut another part, which the next round mends).
REPAIR_ROUNDS = 12


def repair(
    adj: Sequence[Sequence[int]],
    weights: Sequence[float],
    labels: list[int],
    units: Sequence[int],
    parts: Sequence[int],
    targets: Sequence[float],
    locked: Sequence[bool],
) -> None:
    """Make every part in ``parts`` one connected, non-empty piece within ``units``.

    Units labelled -1 or in stray pieces (the piece with the most locked units,
    then the most households, is kept) are re-grown from their neighbours into
    the part with the largest deficit. Locked units keep their label; a stray
    locked piece is joined back by a shortest path of free units. Labels of
    parts outside ``parts`` are left untouched."""
    partset = set(parts)
    for _ in range(REPAIR_ROUNDS):
        members: dict[int, list[int]] = {k: [] for k in parts}
        for u in units:
            if labels[u] in partset:
                members[labels[u]].append(u)
        for k in parts:
            pcs = pieces_of(adj, labels, members[k])
            if len(pcs) <= 1:
                continue
            pcs.sort(key=lambda pc: (-sum(locked[u] for u in pc), -sum(weights[u] for u in pc),
                                     min(pc)))
            for pc in pcs[1:]:
                if any(locked[u] for u in pc):
                    _join(adj, labels, pc, pcs[0], k, locked)
                else:
                    for u in pc:
                        labels[u] = -1
        _regrow(adj, weights, labels, units, parts, targets)
        _fill_empty(adj, weights, labels, units, parts, targets, locked)
        bad = False
        members = {k: [] for k in parts}
        for u in units:
            if labels[u] in partset:
                members[labels[u]].append(u)
        for k in parts:
            if len(pieces_of(adj, labels, members[k])) != 1:
                bad = True
        if not bad:
            return


def _join(
    adj: Sequence[Sequence[int]],
    labels: list[int],
    piece: list[int],
    main: list[int],
    k: int,
    locked: Sequence[bool],
) -> None:
    target = set(main)
    prev: dict[int, int] = {u: -1 for u in piece}
    queue = list(piece)
    for x in queue:
        for y in adj[x]:
            if y in prev:
                continue
            if y in target:
                node = x
                while node >= 0 and labels[node] != k:
                    labels[node] = k
                    node = prev[node]
                return
            if not locked[y]:
                prev[y] = x
                queue.append(y)


def _regrow(
    adj: Sequence[Sequence[int]],
    weights: Sequence[float],
    labels: list[int],
    units: Sequence[int],
    parts: Sequence[int],
    targets: Sequence[float],
) -> None:
    partset = set(parts)
    load = {k: 0.0 for k in parts}
    for u in units:
        if labels[u] in partset:
            load[labels[u]] += weights[u]
    todo = [u for u in units if labels[u] not in partset]
    while todo:
        rest = []
        progressed = False
        for u in todo:
            cands = {labels[v] for v in adj[u] if labels[v] in partset}
            if not cands:
                rest.append(u)
                continue
            k = min(cands, key=lambda c: ((load[c] - targets[c]) / max(targets[c], 1e-9), c))
            labels[u] = k
            load[k] += weights[u]
            progressed = True
        if not progressed:  # unreachable units: give them to the first part
            for u in rest:
                labels[u] = parts[0]
            return
        todo = rest


def _fill_empty(
    adj: Sequence[Sequence[int]],
    weights: Sequence[float],
    labels: list[int],
    units: Sequence[int],
    parts: Sequence[int],
    targets: Sequence[float],
    locked: Sequence[bool],
) -> None:
    partset = set(parts)
    members: dict[int, list[int]] = {k: [] for k in parts}
    for u in units:
        if labels[u] in partset:
            members[labels[u]].append(u)
    for k in parts:
        if members[k]:
            continue
        donors = sorted(
            (c for c in parts if len(members[c]) > 1),
            key=lambda c: (-sum(weights[u] for u in members[c]) / max(targets[c], 1e-9), c),
        )
        for c in donors:
            pick = next(
                (u for u in sorted(members[c], key=lambda x: (weights[x], x))
                 if not locked[u] and donor_stays_connected(adj, labels, u)),
                None,
            )
            if pick is not None:
                labels[pick] = k
                members[c].remove(pick)
                members[k].append(pick)
                break
