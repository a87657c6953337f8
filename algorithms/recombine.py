"""Re-split two neighbouring parts: their union bisected afresh, kept when rounder.

After balancing, the border between two parts is wherever the last moves left it:
ragged. :func:`resplit_pairs` takes neighbouring parts, least compact pair first,
bisects their union with METIS on the shared-boundary weights (the cut it minimises
is the border's length, so the new border is short and straight), brings the two back
within the band by moving units across that border only (the moves that spoil the
form least), and keeps the result when the objective — cut length, Polsby-Popper and
balance — is lower and both parts are contiguous; otherwise every move is undone.
A recombination step in the sense of ReCom (DeFord, Duchin & Solomon), with a
min-cut bisection in place of a random spanning tree: it optimises, it does not
sample.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from gridplanner.algorithms.construct import donor_stays_connected
from gridplanner.algorithms.local_search import EPS, MoveState
from gridplanner.algorithms.metrics import part_connected

#: Integer scales METIS needs (edge weights, vertex weights).
EDGE_SCALE = 10_000
VERTEX_SCALE = 1_000_000
#: METIS's allowed imbalance of a bisection, in thousandths; the moves that follow
#: take the pair the rest of the way.
UFACTOR = 10
#: At most this many balancing moves after a bisection.
MAX_PAIR_MOVES = 400


def resplit_pairs(
    state: MoveState,
    movable: Sequence[bool],
    seed: int,
    deadline: float,
    check: Callable[[], None] | None = None,
) -> int:
    """Re-split neighbouring pairs of active parts (see the module docstring) until a
    sweep changes nothing or ``deadline`` (a ``time.perf_counter()`` value) passes.
    Returns the number of pairs re-split."""
    obj = state.obj
    if obj.w_shape <= 0 or state.shape is None:
        return 0
    try:
        import pymetis
    except ImportError:  # pragma: no cover - a core dependency
        return 0
    members: list[set[int]] = [set() for _ in range(obj.k)]
    for u, k in enumerate(state.labels):
        if k >= 0:
            members[k].add(u)
    rng = np.random.default_rng(seed)
    version = [0] * obj.k  # bumped when a part changes
    tried: dict[tuple[int, int], tuple[int, int, int]] = {}  # pair -> versions, tries
    made = 0
    while time.perf_counter() < deadline:
        attempted = False
        # no part may end further from its share than the worst one is now
        worst = max([_dev(state, k) for k in range(obj.k) if obj.active[k]] + [0.0])
        limit = max(obj.band, worst) + EPS
        for a, b in _pairs_in_order(state, members):
            if time.perf_counter() >= deadline:
                break
            if check is not None:
                check()
            va, vb, count = tried.get((a, b), (-1, -1, 0))
            if (va, vb) != (version[a], version[b]):
                count = 0
            if count >= TRIES:
                continue
            attempted = True
            if _resplit(state, members, a, b, movable, limit, rng, pymetis):
                version[a] += 1
                version[b] += 1
                made += 1
                count = 0
            else:
                count += 1
            tried[(a, b)] = (version[a], version[b], count)
        if not attempted:
            break
    return made


#: Bisections (METIS seeds) tried on a pair before it is left until one of its parts
#: changes.
TRIES = 3


def _pairs_in_order(state: MoveState, members: list[set[int]]) -> list[tuple[int, int]]:
    """Neighbouring active parts: pairs with a part outside the band first, then the
    least compact pairs."""
    obj = state.obj
    out = [_dev(state, k) > obj.band + EPS for k in range(obj.k)]
    area, perim = state.shape  # type: ignore[misc]
    pp = [
        4.0 * np.pi * area[k] / (perim[k] * perim[k]) if perim[k] > 1e-12 else 0.0
        for k in range(obj.k)
    ]
    labels, lens = state.labels, obj.len_nbrs
    pairs: set[tuple[int, int]] = set()
    for a in range(obj.k):
        if not obj.active[a]:
            continue
        for u in members[a]:
            for v, length in lens[u]:
                b = labels[v]
                if b > a and obj.active[b] and length > 0:
                    pairs.add((a, b))
    return sorted(pairs, key=lambda p: (not (out[p[0]] or out[p[1]]), pp[p[0]] + pp[p[1]], p))


def _resplit(
    state: MoveState, members: list[set[int]], a: int, b: int, movable: Sequence[bool],
    limit: float, rng: np.random.Generator, pymetis: object,
) -> bool:  # fmt: skip
    obj = state.obj
    units = sorted(members[a] | members[b])
    if len(units) < 3 or not all(movable[u] for u in units):
        return False
    local = _bisect(state, units, a, b, rng, pymetis)
    if local is None:
        return False
    new = [a if x == 0 else b for x in local.tolist()]
    if abs(obj.t_list[a] - obj.t_list[b]) <= 1e-9 * obj.t_list[a]:
        keep = sum(state.labels[u] == n for u, n in zip(units, new, strict=True))
        if 2 * keep < len(units):  # equal shares: the labels may swap sides
            new = [b if n == a else a for n in new]
    violation = _violation(state, a, b)
    done: list[tuple[int, int]] = []  # (unit, its part before)
    total = 0.0
    side = {a: set(), b: set()}  # type: dict[int, set[int]]
    for u, n in zip(units, new, strict=True):
        side[n].add(u)
        if state.labels[u] != n:
            done.append((u, state.labels[u]))
            total += state.delta(u, n)
            state.apply(u, n)
    if not done:
        return False
    total += _balance_pair(state, side, a, b, min(limit, obj.band + EPS), done)
    adj = obj.graph.adjacency_lists
    closer = _violation(state, a, b) - violation  # the band first, then the form
    ok = (
        (closer < -EPS or (closer <= EPS and total < -EPS))
        and _within(state, a, limit)
        and _within(state, b, limit)
        and part_connected(adj, state.labels, a, next(iter(side[a])), state.size[a])
        and part_connected(adj, state.labels, b, next(iter(side[b])), state.size[b])
    ) if side[a] and side[b] else False  # fmt: skip
    if ok:
        state.moves -= len(done) - 1  # one re-split
        members[a], members[b] = side[a], side[b]
        return True
    for u, home in reversed(done):
        state.apply(u, home)
    state.moves -= 2 * len(done)
    return False


def _bisect(
    state: MoveState, units: list[int], a: int, b: int, rng: np.random.Generator,
    pymetis: object,
) -> np.ndarray | None:  # fmt: skip
    """METIS's bisection of ``units`` (0 = part a's side, 1 = b's), or None."""
    obj = state.obj
    pos = {u: i for i, u in enumerate(units)}
    xadj = [0]
    adjncy: list[int] = []
    lengths: list[float] = []
    for u in units:
        for v, length in obj.graph.weighted_neighbours[u]:  # edges only, not severed ones
            j = pos.get(v)
            if j is not None:
                adjncy.append(j)
                lengths.append(length)
        xadj.append(len(adjncy))
    if not adjncy:
        return None
    ln = np.maximum(np.asarray(lengths), 0.0)  # a penalised barrier: cheapest to cut
    eweights = 1 + np.round(ln / max(float(ln.max()), 1e-9) * (EDGE_SCALE - 1)).astype(np.int64)
    w = np.asarray([obj.w_list[u] for u in units])
    total = float(w.sum())
    vweights = (
        np.maximum(np.round(w / total * VERTEX_SCALE), 1).astype(np.int64) if total > 0 else None
    )
    share = obj.t_list[a] / (obj.t_list[a] + obj.t_list[b])
    options = pymetis.Options(  # type: ignore[attr-defined]
        seed=int(rng.integers(1, 2**31 - 1)), ufactor=UFACTOR, contig=1
    )
    try:
        _, membership = pymetis.part_graph(  # type: ignore[attr-defined]
            2,
            pymetis.CSRAdjacency(np.asarray(xadj), np.asarray(adjncy)),  # type: ignore[attr-defined]
            vweights=vweights,
            eweights=eweights,
            tpwgts=[share, 1.0 - share],
            options=options,
        )
    except Exception:  # METIS refuses (e.g. contiguity impossible): leave the pair
        return None
    out = np.asarray(membership, dtype=np.int64)
    return out if len(out) == len(units) and set(out.tolist()) == {0, 1} else None


def _dev(state: MoveState, k: int) -> float:
    t = state.obj.t_list[k]
    return abs(state.h[k] - t) / t


def _violation(state: MoveState, a: int, b: int) -> float:
    obj = state.obj
    return obj.part_terms(a, state.h[a])[0] + obj.part_terms(b, state.h[b])[0]


def _within(state: MoveState, k: int, limit: float) -> bool:
    return _dev(state, k) <= limit


def _balance_pair(
    state: MoveState, side: dict[int, set[int]], a: int, b: int, limit: float,
    done: list[tuple[int, int]],
) -> float:  # fmt: skip
    """Move units across the a-b border, the least harmful to the form first, until
    both parts are within ``limit``; returns the objective change."""
    obj = state.obj
    adj = obj.graph.adjacency_lists
    labels, t = state.labels, obj.t_list
    total = 0.0
    for _ in range(MAX_PAIR_MOVES):
        if _within(state, a, limit) and _within(state, b, limit):
            break
        src, dst = (a, b) if state.h[a] / t[a] > state.h[b] / t[b] else (b, a)
        before = max(_dev(state, a), _dev(state, b))
        best: tuple[float, int] | None = None
        for u in side[src]:
            if not any(labels[v] == dst for v in adj[u]):
                continue
            wu = obj.w_list[u]
            after = max(
                abs(state.h[src] - wu - t[src]) / t[src], abs(state.h[dst] + wu - t[dst]) / t[dst]
            )
            if after >= before - EPS:
                continue
            form = state.delta_form(u, src, dst) - (before - after)
            better = best is None or form < best[0]
            if better and state.size[src] > 1 and donor_stays_connected(adj, labels, u):
                best = (form, u)
        if best is not None:
            total += _move(state, side, best[1], src, dst, done)
        else:
            swapped = _exchange(state, side, src, dst, before, done)
            if swapped is None:
                break
            total += swapped
    return total


def _move(
    state: MoveState, side: dict[int, set[int]], u: int, src: int, dst: int,
    done: list[tuple[int, int]],
) -> float:  # fmt: skip
    done.append((u, src))
    delta = state.delta(u, dst)
    state.apply(u, dst)
    side[src].discard(u)
    side[dst].add(u)
    return delta


#: Exchanges tried (best estimate first) when no single move brings the pair closer.
EXCHANGE_TRIES = 12


def _exchange(
    state: MoveState, side: dict[int, set[int]], src: int, dst: int, before: float,
    done: list[tuple[int, int]],
) -> float | None:  # fmt: skip
    """A unit of ``src`` for a lighter one of ``dst`` across their border (a finer step
    than a move) when that brings the pair closer to the band; the objective change,
    or None."""
    obj = state.obj
    adj = obj.graph.adjacency_lists
    labels, t, w = state.labels, obj.t_list, obj.w_list
    out = [u for u in side[src] if any(labels[v] == dst for v in adj[u])]
    back = [v for v in side[dst] if any(labels[x] == src for x in adj[v])]
    form = {u: state.delta_form(u, src, dst) for u in out}
    form.update({v: state.delta_form(v, dst, src) for v in back})
    options: list[tuple[float, int, int]] = []
    for u in out:
        for v in back:
            net = w[u] - w[v]
            if net <= 0:
                continue
            after = max(
                abs(state.h[src] - net - t[src]) / t[src], abs(state.h[dst] + net - t[dst]) / t[dst]
            )
            if after < before - EPS:
                options.append((form[u] + form[v] - (before - after), u, v))
    options.sort()
    for _, u, v in options[:EXCHANGE_TRIES]:
        if state.size[src] <= 1 or not donor_stays_connected(adj, labels, u):
            continue
        mark = len(done)
        total = _move(state, side, u, src, dst, done)
        joins = any(labels[x] == src for x in adj[v])
        if joins and state.size[dst] > 1 and donor_stays_connected(adj, labels, v):
            return total + _move(state, side, v, dst, src, done)
        _move(state, side, u, dst, src, done)  # undo: u back home
        del done[mark:]
        state.moves -= 2
    return None
