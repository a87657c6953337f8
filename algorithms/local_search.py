"""Boundary local search: move one boundary unit to a neighbouring part.

A move is allowed when the unit is not locked, neither part is frozen, the
donor part keeps at least one unit and stays connected (checked by a BFS
limited to the donor part, see :func:`donor_stays_connected`). The receiving
part stays connected because the unit touches it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from gridplanner.algorithms.construct import donor_stays_connected
from gridplanner.algorithms.metrics import part_connected
from gridplanner.algorithms.objective import Objective

EPS = 1e-12


class MoveState:
    """Labels, household tallies and part sizes (and, when the objective has a shape
    term, part areas and perimeters), updated move by move."""

    def __init__(self, obj: Objective, labels: Sequence[int]) -> None:
        self.obj = obj
        self.labels = [int(x) for x in labels]
        self.h = [0.0] * obj.k
        self.size = [0] * obj.k
        for u, k in enumerate(self.labels):
            if k >= 0:
                self.h[k] += obj.w_list[u]
                self.size[k] += 1
        self.shape = obj.shape_state(self.labels)
        self.moves = 0

    def delta(self, u: int, b: int) -> float:
        """Change of the objective if ``u`` moved to ``b`` (incremental form)."""
        return self.obj.delta(self.labels, self.h, u, b, self.shape)

    def delta_form(self, u: int, a: int, b: int) -> float:
        """Change of the form terms alone (cut length, and shape when weighted)."""
        obj = self.obj
        d = obj.w_compactness * obj.delta_compactness(self.labels, u, a, b)
        if self.shape is not None:
            d += obj.w_shape * obj.delta_shape(self.labels, self.shape, u, a, b)
        return d

    def apply(self, u: int, b: int) -> None:
        a = self.labels[u]
        obj = self.obj
        wu = obj.w_list[u]
        if self.shape is not None:
            sa, sb = obj.shared_with(self.labels, u, a, b)
            area, perim = self.shape
            au, pu = obj.unit_area[u], obj.unit_perimeter[u]
            area[a] -= au
            area[b] += au
            perim[a] += 2.0 * sa - pu
            perim[b] += pu - 2.0 * sb
        self.h[a] -= wu
        self.h[b] += wu
        self.size[a] -= 1
        self.size[b] += 1
        self.labels[u] = b
        self.moves += 1

    def violation(self) -> float:
        return sum(self.obj.part_terms(k, self.h[k])[0] for k in range(self.obj.k))


def _candidates(
    state: MoveState, u: int, movable: Sequence[bool], active: Sequence[bool]
) -> list[int]:
    labels = state.labels
    a = labels[u]
    out: list[int] = []
    for v in state.obj.graph.adjacency_lists[u]:
        b = labels[v]
        if b != a and b >= 0 and active[b] and b not in out:
            out.append(b)
    return out


def improve(
    state: MoveState,
    movable: Sequence[bool],
    rng: np.random.Generator,
    max_passes: int = 50,
    check: Callable[[], None] | None = None,
) -> int:
    """First-improvement descent on the full objective, in random unit order.
    Returns the number of moves made."""
    obj = state.obj
    adj = obj.graph.adjacency_lists
    active = obj.active
    n = obj.graph.n
    start = state.moves
    for _ in range(max_passes):
        if check is not None:
            check()
        improved = False
        for u in rng.permutation(n).tolist():
            if not movable[u]:
                continue
            a = state.labels[u]
            if a < 0 or not active[a] or state.size[a] <= 1:
                continue
            cands = _candidates(state, u, movable, active)
            if not cands:
                continue
            best_b, best_d = -1, -EPS
            for b in cands:
                d = state.delta(u, b)
                if d < best_d:
                    best_b, best_d = b, d
            if best_b >= 0 and donor_stays_connected(adj, state.labels, u):
                state.apply(u, best_b)
                improved = True
        if not improved and not _swap_pass(state, movable, rng):
            break
    return state.moves - start


def _swap_pass(state: MoveState, movable: Sequence[bool], rng: np.random.Generator) -> bool:
    """Exchange two adjacent boundary units of different parts when that
    improves the objective and keeps both parts connected."""
    obj = state.obj
    adj = obj.graph.adjacency_lists
    active = obj.active
    labels = state.labels
    improved = False
    for u in rng.permutation(obj.graph.n).tolist():
        a = labels[u]
        if not movable[u] or a < 0 or not active[a]:
            continue
        for v in adj[u]:
            b = labels[v]
            if b == a or b < 0 or not movable[v] or not active[b]:
                continue
            if obj.w_list[u] == obj.w_list[v]:
                continue
            d1 = state.delta(u, b)
            saved = state.moves
            state.apply(u, b)
            d2 = state.delta(v, a)
            if d1 + d2 < -EPS:
                state.apply(v, a)
                if part_connected(adj, labels, a, v, state.size[a]) and part_connected(
                    adj, labels, b, u, state.size[b]
                ):
                    state.moves = saved + 1  # a swap counts as one move
                    improved = True
                    break
                state.apply(v, b)
            state.apply(u, a)
            state.moves = saved
    return improved


def repair_band(
    state: MoveState,
    movable: Sequence[bool],
    max_moves: int = 10_000,
    check: Callable[[], None] | None = None,
) -> int:
    """Minimal-change repair: steepest descent on band violation only, each step
    choosing the move that removes the most violation per household moved
    (ties: least disruption, then compactness). Stops as soon as every active
    part is inside the band, so a plan already inside the band is untouched."""
    obj = state.obj
    adj = obj.graph.adjacency_lists
    active = obj.active
    made = 0
    while made < max_moves and state.violation() > EPS:
        if check is not None:
            check()
        best: tuple[float, float, float, int, int] | None = None
        for u in range(obj.graph.n):
            if not movable[u]:
                continue
            a = state.labels[u]
            if a < 0 or not active[a] or state.size[a] <= 1:
                continue
            for b in _candidates(state, u, movable, active):
                dv, db = obj.delta_balance(state.h, u, a, b)
                if dv >= -EPS:
                    continue
                wu = max(obj.w_list[u], 1e-9)
                dd = obj.delta_disruption(u, a, b)
                dc = obj.delta_compactness(state.labels, u, a, b)
                key = (dv / wu + 1e-6 * db, dd, dc, u, b)
                if (best is None or key < best) and donor_stays_connected(adj, state.labels, u):
                    best = key
        if best is None:
            break
        state.apply(best[3], best[4])
        made += 1
    return made


def anneal(
    state: MoveState,
    movable: Sequence[bool],
    rng: np.random.Generator,
    steps: int,
    temp_start: float = 0.5,
    temp_end: float = 1e-4,
    check: Callable[[], None] | None = None,
) -> list[int]:
    """Simulated annealing over boundary moves (a random cut edge, a random
    direction), geometric cooling; returns the best labels seen. The state
    ends at the last accepted plan, so callers reset it to the returned labels."""
    obj = state.obj
    graph = obj.graph
    adj = graph.adjacency_lists
    active = obj.active
    m = graph.n_edges
    if m == 0 or steps <= 0:
        return list(state.labels)
    ei = graph.i.tolist()
    ej = graph.j.tolist()
    labels = state.labels
    current = obj.full(labels)
    best_val, best = current, list(labels)
    ratio = (temp_end / temp_start) ** (1.0 / max(steps, 1))
    temp = temp_start
    picks = rng.integers(0, 2 * m, size=steps).tolist()
    coins = rng.random(steps).tolist()
    for step in range(steps):
        temp *= ratio
        if check is not None and step % 2048 == 0:
            check()
        e = picks[step]
        u, v = (ei[e >> 1], ej[e >> 1]) if e & 1 else (ej[e >> 1], ei[e >> 1])
        a, b = labels[u], labels[v]
        if a == b or not movable[u] or a < 0 or b < 0 or not active[a] or not active[b]:
            continue
        if state.size[a] <= 1:
            continue
        d = state.delta(u, b)
        if d > 0 and coins[step] >= np.exp(-d / temp):
            continue
        if not donor_stays_connected(adj, labels, u):
            continue
        state.apply(u, b)
        current += d
        if current < best_val - EPS:
            best_val, best = current, list(labels)
    return best


def compactness_polish(
    state: MoveState,
    movable: Sequence[bool],
    rng: np.random.Generator,
    max_passes: int = 20,
    check: Callable[[], None] | None = None,
) -> int:
    """Shorten the cut boundary without making the worst part any worse.

    A boundary unit moves when that lowers the cut length, keeps both parts
    contiguous, and leaves both parts' |deviation| within ``M = max(worst
    |deviation| now, band)``: balance already reached is kept (a plan inside the
    band stays inside it), only slack inside the band is traded for compactness.
    Returns the number of moves made.
    """
    obj = state.obj
    adj = obj.graph.adjacency_lists
    active = obj.active
    targets = obj.targets.tolist()
    n = obj.graph.n

    def dev(k: int, h: float) -> float:
        return abs(h - targets[k]) / targets[k] if targets[k] > 0 else 0.0

    limit = (
        max([dev(k, state.h[k]) for k in range(obj.k) if active[k]] + [obj.band], default=obj.band)
        + EPS
    )
    start = state.moves
    for _ in range(max_passes):
        if check is not None:
            check()
        improved = False
        for u in rng.permutation(n).tolist():
            a = state.labels[u]
            if not movable[u] or a < 0 or not active[a] or state.size[a] <= 1:
                continue
            wu = obj.w_list[u]
            if dev(a, state.h[a] - wu) > limit:
                continue
            best_b, best_c = -1, -EPS
            for b in _candidates(state, u, movable, active):
                if dev(b, state.h[b] + wu) > limit:
                    continue
                c = state.delta_form(u, a, b)
                if c < best_c:
                    best_b, best_c = b, c
            if best_b >= 0 and donor_stays_connected(adj, state.labels, u):
                state.apply(u, best_b)
                improved = True
        if not improved:
            break
    return state.moves - start


def start_temperature(
    obj: Objective, state: MoveState, movable: Sequence[bool], rng: np.random.Generator
) -> float:
    """Median |delta| of a sample of boundary moves: uphill moves of typical
    size are accepted with probability ~1/e at the start."""
    g = obj.graph
    if g.n_edges == 0:
        return 1.0
    deltas = []
    for e in rng.integers(0, g.n_edges, size=min(200, 4 * g.n_edges)).tolist():
        u, v = int(g.i[e]), int(g.j[e])
        a, b = state.labels[u], state.labels[v]
        if a != b and movable[u] and a >= 0 and b >= 0 and obj.active[a] and obj.active[b]:
            deltas.append(abs(state.delta(u, b)))
    med = float(np.median(deltas)) if deltas else 0.0
    return med if med > 1e-9 else 1e-3
