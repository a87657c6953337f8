"""Balance a compact start without spoiling it: worst part first, on its boundary only.

After a multilevel start (:mod:`gridplanner.algorithms.metis_start`) every part is
compact and within a few percent of its share. :func:`balance_worst_first` brings the
parts into the band by looking, each step, only at the part furthest outside it: an
overweight part gives one of its boundary units to a neighbouring part, an underweight
part takes one from a neighbour — of the moves that lower the band violation, the one
that spoils the form least (cut length and Polsby-Popper, the balance gained weighed
in), keeping the donor contiguous: taking the largest unit that fits instead cost
NAT's US counties 0.05–0.12 of mean Polsby-Popper at k = 25. When no single move
helps that part, an exchange of two adjacent boundary units is tried (a finer step:
the difference of two units' households); then a transfer along a short chain of parts
to the nearest one with room (each link a unit, or a unit out and another back, netting
about what came in — diffusion load balancing with whole units); when all fail the
part is set aside and the next worst is taken. Each step costs the part's boundary, not
the whole graph: 4,000 units into 134 parts balance to 1% in about two seconds, where
scanning every unit per move took half a minute. :func:`polish_form` then trades the
band's slack for Polsby-Popper with exchanges of two units, the steps single moves
can't take when one unit is a few percent of a part.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence

import numpy as np

from gridplanner.algorithms.construct import donor_stays_connected
from gridplanner.algorithms.local_search import EPS, MoveState
from gridplanner.algorithms.metrics import part_connected


def balance_worst_first(
    state: MoveState,
    movable: Sequence[bool],
    max_moves: int = 20_000,
    check: Callable[[], None] | None = None,
    aim: float | None = None,
    deadline: float | None = None,
) -> int:
    """Bring every active part inside the band, worst part first (see the module
    docstring); ``aim`` a tighter band to aim at (the polish that follows may then
    trade the slack for compactness); stop at ``deadline`` (a ``time.perf_counter()``
    value) if given. Returns the number of moves made (an exchange or a chain transfer
    counts as one)."""
    obj = state.obj
    band, shape = obj.band, obj.w_shape
    if aim is not None:
        obj.band = min(band, aim)
    obj.w_shape = 0.0  # exchanges and chains judge the balance alone
    try:
        return _balance(state, movable, max_moves, check, shape, deadline)
    finally:
        obj.band, obj.w_shape = band, shape


def _balance(
    state: MoveState,
    movable: Sequence[bool],
    max_moves: int,
    check: Callable[[], None] | None,
    shape: float,
    deadline: float | None,
) -> int:
    obj = state.obj
    adj = obj.graph.adjacency_lists
    members: list[set[int]] = [set() for _ in range(obj.k)]
    for u, k in enumerate(state.labels):
        if k >= 0:
            members[k].add(u)
    start = state.moves
    stuck: dict[int, set[int]] = {}  # part set aside -> the parts around it
    steps = 0
    while state.moves - start < max_moves:
        steps += 1
        if check is not None and (state.moves - start) % 256 == 0:
            check()
        if deadline is not None and steps % 32 == 0 and time.perf_counter() > deadline:
            break  # out of time: the plan so far is no worse than the start
        worst = _worst_part(state, set(stuck))
        if worst < 0:
            break
        before = list(state.h)
        move = _best_move(state, members, worst, movable, adj, shape)
        if move is not None:
            u, b = move
            a = state.labels[u]
            state.apply(u, b)
            members[a].discard(u)
            members[b].add(u)
        elif not (
            _best_swap(state, members, worst, movable, adj)
            or _chain_transfer(state, members, worst, movable, adj)
        ):
            stuck[worst] = _around(state, members, worst, adj, STUCK_RADIUS)
            continue
        # loads changed here: the parts set aside near it may move again
        changed = {k for k, (x, y) in enumerate(zip(before, state.h, strict=True)) if x != y}
        for part in [p for p, near in stuck.items() if near & changed]:
            del stuck[part]
    return state.moves - start


#: A part set aside is tried again once a part this many steps away changed load.
STUCK_RADIUS = 3


def _around(
    state: MoveState, members: list[set[int]], part: int, adj: Sequence[Sequence[int]],
    radius: int,
) -> set[int]:  # fmt: skip
    """``part`` and the parts within ``radius`` steps of it."""
    seen, frontier = {part}, [part]
    for _ in range(radius):
        nxt = [
            r for q in frontier for r in _part_neighbours(state, members, q, adj) if r not in seen
        ]  # fmt: skip
        seen.update(nxt)
        frontier = nxt
    return seen


def _worst_part(state: MoveState, skip: set[int]) -> int:
    """The active part furthest outside the band (-1: all inside, or all set aside)."""
    obj = state.obj
    best, worst = EPS, -1
    for k in range(obj.k):
        if k in skip or not obj.active[k]:
            continue
        violation = obj.part_terms(k, state.h[k])[0]
        if violation > best:
            best, worst = violation, k
    return worst


def _moves_for(
    state: MoveState, members: list[set[int]], part: int, movable: Sequence[bool],
    adj: Sequence[Sequence[int]],
) -> list[tuple[int, int]]:  # fmt: skip
    """(unit, new part) moves touching ``part``: its boundary units outward when it is
    over its share, its neighbours' boundary units inward when under."""
    obj = state.obj
    labels = state.labels
    over = state.h[part] > obj.t_list[part]
    out: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for u in members[part]:
        for v in adj[u]:
            b = labels[v]
            if b == part or b < 0 or not obj.active[b]:
                continue
            move = (u, b) if over else (v, part)
            if move not in seen and movable[move[0]]:
                seen.add(move)
                out.append(move)
    return out


def _best_move(
    state: MoveState, members: list[set[int]], part: int, movable: Sequence[bool],
    adj: Sequence[Sequence[int]], shape: float,
) -> tuple[int, int] | None:  # fmt: skip
    """Of the moves that lower the band violation, the one that spoils the form least
    (cut length and Polsby-Popper; a move that improves it first), the violation it
    removes weighed in at :data:`PROGRESS` (so a large unit that fixes the part at once
    beats several small ones of about the same form)."""
    obj = state.obj
    labels, h = state.labels, state.h
    ranked: list[tuple[float, int, int]] = []
    for u, b in _moves_for(state, members, part, movable, adj):
        a = labels[u]
        dv, db = obj.delta_balance(h, u, a, b)
        if dv >= -EPS and not (dv <= EPS and db < -EPS):
            continue
        form = obj.w_compactness * obj.delta_compactness(labels, u, a, b)
        if state.shape is not None and shape > 0:
            form += shape * obj.delta_shape(labels, state.shape, u, a, b)
        ranked.append((form + PROGRESS * (dv + obj.w_balance * db), u, b))
    ranked.sort()
    for _, u, b in ranked:
        if state.size[labels[u]] > 1 and donor_stays_connected(adj, labels, u):
            return u, b
    return None


#: Weight of the balance gained against the form spoiled when choosing a move.
PROGRESS = 1.0


def _best_swap(
    state: MoveState, members: list[set[int]], part: int, movable: Sequence[bool],
    adj: Sequence[Sequence[int]],
) -> bool:  # fmt: skip
    """Exchange a boundary unit of ``part`` with an adjacent one of a neighbour when
    that lowers the objective and keeps both parts contiguous."""
    obj = state.obj
    labels = state.labels
    options: list[tuple[float, int, int]] = []
    for u in members[part]:
        if not movable[u]:
            continue
        for v in adj[u]:
            b = labels[v]
            if b == part or b < 0 or not obj.active[b] or not movable[v]:
                continue
            if obj.w_list[u] == obj.w_list[v]:
                continue
            d1 = state.delta(u, b)
            state.apply(u, b)
            d2 = state.delta(v, part)
            state.apply(u, part)
            state.moves -= 2
            if d1 + d2 < -EPS:
                options.append((d1 + d2, u, v))
    for _, u, v in sorted(options)[:20]:
        b = labels[v]
        saved = state.moves
        state.apply(u, b)
        state.apply(v, part)
        if part_connected(adj, labels, part, v, state.size[part]) and part_connected(
            adj, labels, b, u, state.size[b]
        ):
            state.moves = saved + 1
            members[part].discard(u)
            members[part].add(v)
            members[b].discard(v)
            members[b].add(u)
            return True
        state.apply(v, b)
        state.apply(u, part)
        state.moves = saved
    return False


#: How far (in parts) a chain transfer looks for a part with room, and how many
#: chains it tries.
CHAIN_DEPTH = 6
CHAIN_TRIES = 8


def _part_neighbours(
    state: MoveState, members: list[set[int]], part: int, adj: Sequence[Sequence[int]]
) -> set[int]:
    labels = state.labels
    out = {labels[v] for u in members[part] for v in adj[u]}
    out.discard(part)
    out.discard(-1)
    return {b for b in out if state.obj.active[b]}


def _chain_transfer(
    state: MoveState, members: list[set[int]], part: int, movable: Sequence[bool],
    adj: Sequence[Sequence[int]],
) -> bool:  # fmt: skip
    """Pass ``part``'s excess (or deficit) along a short chain of neighbouring parts to
    one with room (nearest first, the most room first; at most :data:`CHAIN_TRIES`
    chains); kept only when the whole chain lowers the objective."""
    obj = state.obj
    t, band = obj.t_list, obj.band
    over = state.h[part] > t[part]
    parents: dict[int, int] = {part: -1}
    frontier = [part]
    ends: list[tuple[int, float, int]] = []
    for depth in range(CHAIN_DEPTH):
        nxt: list[int] = []
        for q in frontier:
            for r in sorted(_part_neighbours(state, members, q, adj)):
                if r in parents:
                    continue
                parents[r] = q
                nxt.append(r)
                room = t[r] * (1 + band) - state.h[r] if over else state.h[r] - t[r] * (1 - band)
                if room > 0:
                    ends.append((depth, -room / t[r], r))
        frontier = nxt
        if not frontier or len(ends) >= CHAIN_TRIES:
            break
    for _, _, end in sorted(ends)[:CHAIN_TRIES]:
        path = [end]
        while parents[path[-1]] != -1:
            path.append(parents[path[-1]])
        path.reverse()  # part … end
        if not over:
            path.reverse()  # end … part: the units flow towards the part
        if _push_along(state, members, path, movable, adj):
            return True
    return False


def _push_along(
    state: MoveState, members: list[set[int]], path: list[int], movable: Sequence[bool],
    adj: Sequence[Sequence[int]],
) -> bool:  # fmt: skip
    """Pass an amount from each part of ``path`` to the next — the first part's excess,
    then what came in — each link a unit moved, or a unit moved and another moved back
    (a finer net amount); undone unless the whole chain lowers the objective."""
    obj = state.obj
    first = path[0]
    want = abs(state.h[first] - obj.t_list[first])
    done: list[tuple[int, int]] = []
    total = 0.0
    complete = True
    for here, there in itertools.pairwise(path):
        link = _link(state, members, here, there, want, movable, adj)
        if link is None:
            complete = False
            break
        net, delta, moved = link
        total += delta
        done.extend(moved)
        want = net
    if complete and total < -EPS:
        state.moves -= len(done) - 1  # one transfer
        return True
    _undo(state, members, done)
    return False


def _undo(state: MoveState, members: list[set[int]], done: list[tuple[int, int]]) -> None:
    labels = state.labels
    for u, home in reversed(done):
        there = labels[u]
        state.apply(u, home)
        members[there].discard(u)
        members[home].add(u)
        state.moves -= 2


def _link(
    state: MoveState, members: list[set[int]], here: int, there: int, want: float,
    movable: Sequence[bool], adj: Sequence[Sequence[int]],
) -> tuple[float, float, list[tuple[int, int]]] | None:  # fmt: skip
    """Move about ``want`` households from ``here`` to ``there``: the single unit or the
    pair (one out, one back) whose net is closest, keeping both parts contiguous (local
    checks only). Returns (net, objective change, [(unit, its part before)]) as
    applied, or None."""
    obj = state.obj
    labels, w = state.labels, obj.w_list
    out = [u for u in members[here] if movable[u] and any(labels[v] == there for v in adj[u])]
    back = [v for v in members[there] if movable[v] and any(labels[x] == here for x in adj[v])]
    options: list[tuple[float, int, int]] = [(abs(w[u] - want), u, -1) for u in out]
    options += [
        (abs(w[u] - w[v] - want), u, v) for u in out for v in back if w[u] > w[v]
    ]  # fmt: skip
    options.sort()
    for _, u, v in options[:24]:
        if state.size[here] <= 1 or not donor_stays_connected(adj, labels, u):
            continue
        delta = state.delta(u, there)
        state.apply(u, there)
        members[here].discard(u)
        members[there].add(u)
        moved = [(u, here)]
        if v < 0:
            return w[u], delta, moved
        joins = any(labels[x] == here for x in adj[v])  # v still touches ``here``
        keeps = any(labels[x] == there and x != v for x in adj[u])  # u not held by v alone
        if joins and keeps and state.size[there] > 1 and donor_stays_connected(adj, labels, v):
            delta += state.delta(v, here)
            state.apply(v, here)
            members[there].discard(v)
            members[here].add(v)
            moved.append((v, there))
            return w[u] - w[v], delta, moved
        _undo(state, members, moved)
    return None


def _any(units: set[int]) -> int:
    return next(iter(units)) if units else -1


def polish_form(
    state: MoveState,
    movable: Sequence[bool],
    rng: np.random.Generator,
    max_passes: int = 4,
    check: Callable[[], None] | None = None,
) -> int:
    """Exchange two adjacent boundary units of different parts where that improves the
    form (cut length and, when weighted, Polsby-Popper) and keeps both parts contiguous
    and within ``max(worst deviation now, band)``: the finer steps single moves can't
    take when one unit is a few percent of a part. Returns the exchanges made."""
    obj = state.obj
    adj = obj.graph.adjacency_lists
    labels, w, t = state.labels, obj.w_list, obj.t_list
    ei, ej = obj.graph.i, obj.graph.j
    limit = (
        max([abs(state.h[k] - t[k]) / t[k] for k in range(obj.k) if obj.active[k]] + [obj.band])
        + EPS
    )
    made = 0
    for _ in range(max_passes):
        if check is not None:
            check()
        improved = False
        for e in rng.permutation(len(ei)).tolist():
            u, v = int(ei[e]), int(ej[e])
            a, b = labels[u], labels[v]
            if a == b or a < 0 or b < 0 or not (movable[u] and movable[v]):
                continue
            if not (obj.active[a] and obj.active[b]) or w[u] == w[v]:
                continue
            shift = w[u] - w[v]
            if abs(state.h[a] - shift - t[a]) / t[a] > limit:
                continue
            if abs(state.h[b] + shift - t[b]) / t[b] > limit:
                continue
            if not donor_stays_connected(adj, labels, u):
                continue
            gain = state.delta_form(u, a, b)
            state.apply(u, b)
            ok = donor_stays_connected(adj, labels, v) and any(
                labels[x] == a for x in adj[v] if x != u
            )
            if ok:
                gain += state.delta_form(v, b, a)
                if gain < -EPS:
                    state.apply(v, a)
                    if part_connected(adj, labels, b, u, state.size[b]):
                        state.moves -= 1
                        made += 1
                        improved = True
                        continue
                    state.apply(v, b)
                    state.moves -= 2
            state.apply(u, a)
            state.moves -= 2
        if not improved:
            break
    return made
