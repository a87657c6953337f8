"""Exact search for a plan inside a deviation band on small areas.

The heuristic ends 5–30 % out of band on areas of a dozen to a few dozen units
split into several parts, and the MILP needs seconds to settle such an area. This
search answers the planner's actual question — *is there any contiguous plan with
every part within ±d of its target?* — by enumerating connected unit sets:

* the lowest-numbered remaining unit (units numbered in breadth-first order from
  a peripheral unit, so the remainder tends to stay in one piece) must belong to
  some part, so the search enumerates every connected set containing it whose
  households fit some remaining part's window, and recurses on the rest;
* a remainder is pruned when one of its connected pieces cannot hold a whole
  number of parts (households between ``m·lo`` and ``m·hi``) or the pieces'
  part counts cannot add up to the parts left;
* parts with the same target are interchangeable, so a remainder is searched
  once per multiset of remaining parts (failures are memoised);
* with one part left the remainder must itself be connected and in the window.

The answer is "found" (with labels), "impossible" (a proof: the search was
exhaustive) or "unknown" (the node budget or deadline ran out). ``min_max_deviation``
runs the same search as a branch and bound: each plan found tightens the band to
just below its deviation (failures stay valid for narrower bands, so the memo is
kept), which ends with the best plan and a proven lower bound for the report.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from gridplanner.algorithms.adjacency import IntArray, UnitGraph

Status = Literal["found", "impossible", "unknown"]
SEARCH_RESOLUTION = 0.002  # the min-max search stops when plan and bound are this close
_EPS = 1e-9


@dataclass(frozen=True)
class BandSearch:
    """Outcome of one search: ``labels`` (part per unit) when ``status == "found"``."""

    status: Status
    labels: IntArray | None
    nodes: int


@dataclass(frozen=True)
class MinMaxDeviation:
    """Best plan found and a proven bound: every plan has max |deviation| of at
    least ``lower_bound`` (when the search proved a band impossible, strictly more).
    ``settled`` when plan and bound are within the resolution asked for."""

    labels: IntArray | None
    max_deviation: float
    lower_bound: float
    settled: bool
    nodes: int


class _OutOfBudget(Exception):
    pass


class _Settled(Exception):
    """The search is over early: a plan inside the band was found (``first_only``),
    or the best plan is within the resolution of the known lower bound."""


def _search_order(n: int, adj: Sequence[Sequence[int]]) -> list[int]:
    """Units in breadth-first order from a peripheral unit (double sweep)."""
    order: list[int] = []
    seen = [False] * n
    for start in range(n):
        if seen[start]:
            continue
        far = start
        for _ in range(2):  # two sweeps find a unit far from the rest
            dist = {far: 0}
            queue = [far]
            for x in queue:
                for y in adj[x]:
                    if y not in dist:
                        dist[y] = dist[x] + 1
                        queue.append(y)
            far = max(queue, key=lambda x: (dist[x], -x))
        queue = [far]
        seen[far] = True
        for x in queue:
            for y in sorted(adj[x]):
                if not seen[y]:
                    seen[y] = True
                    queue.append(y)
        order.extend(queue)
    return order


class _Search:
    def __init__(
        self,
        graph: UnitGraph,
        weights: np.ndarray,
        targets: Sequence[float],
        band: float,
        max_nodes: int,
        deadline: float | None,
        prefer: IntArray | None,
        locked: dict[int, int] | None = None,
        check: Callable[[], None] | None = None,
    ) -> None:
        n = graph.n
        adj = graph.adjacency_lists
        self.order = _search_order(n, adj)
        pos = {u: p for p, u in enumerate(self.order)}
        self.n = n
        self.w = [float(weights[u]) for u in self.order]
        self.nb = [0] * n
        for u in range(n):
            m = 0
            for v in adj[u]:
                m |= 1 << pos[v]
            self.nb[pos[u]] = m
        self.area = [float(graph.area[u]) for u in self.order]
        self.perimeter = [float(graph.perimeter[u]) for u in self.order]
        self.shared: list[dict[int, float]] = [{} for _ in range(n)]
        for a, b, length in zip(
            graph.i.tolist(), graph.j.tolist(), graph.shared_length.tolist(), strict=True
        ):
            self.shared[pos[a]][pos[b]] = self.shared[pos[b]][pos[a]] = float(length)
        self.preferred: list[int] = []  # mask of units per preferred part
        if prefer is not None:
            for k in range(int(np.max(prefer, initial=-1)) + 1):
                members = np.flatnonzero(prefer == k).tolist()
                self.preferred.append(sum((1 << pos[u] for u in members), 0))
        # classes of interchangeable parts: a part with locked units is a class of
        # its own (its set holds exactly its locked units); free parts by target
        lock_masks: dict[int, int] = {}
        for u, k in (locked or {}).items():
            lock_masks[int(k)] = lock_masks.get(int(k), 0) | 1 << pos[int(u)]
        self.all_locked = sum(lock_masks.values(), 0)
        self.targets: list[float] = []
        self.class_parts: list[list[int]] = []
        self.class_lock: list[int] = []
        for k in sorted(lock_masks):
            self.targets.append(float(targets[k]))
            self.class_parts.append([k])
            self.class_lock.append(lock_masks[k])
        for k in sorted((k for k in range(len(targets)) if k not in lock_masks),
                        key=lambda k: (float(targets[k]), k)):  # fmt: skip
            t = float(targets[k])
            if (
                self.class_lock
                and not self.class_lock[-1]
                and math.isclose(t, self.targets[-1], rel_tol=1e-9)
            ):
                self.class_parts[-1].append(k)
            else:
                self.targets.append(t)
                self.class_parts.append([k])
                self.class_lock.append(0)
        self.counts = tuple(len(parts) for parts in self.class_parts)
        self.set_band(band)
        self.max_nodes = max_nodes
        self.deadline = deadline
        self.check = check
        self.nodes = 0
        self.failed: set[tuple[int, tuple[int, ...]]] = set()
        # branch and bound (``optimise``): the sets chosen so far and the best plan
        self.path: list[tuple[int, int, float]] = []
        self.best: list[tuple[int, int, float]] | None = None
        self.best_deviation = math.inf
        self.floor = 0.0
        self.resolution = SEARCH_RESOLUTION
        self.first_only = False  # band_partition: stop at the first plan inside the band

    def set_band(self, band: float) -> None:
        self.band = band
        self.lo = [t * (1 - band) - _EPS * t for t in self.targets]
        self.hi = [t * (1 + band) + _EPS * t for t in self.targets]
        self.lo_min = min(self.lo)
        self.hi_max = max(self.hi)

    # -- helpers ---------------------------------------------------------------
    def _tick(self) -> None:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise _OutOfBudget
        if self.nodes & 1023 == 0:
            if self.deadline is not None and time.perf_counter() > self.deadline:
                raise _OutOfBudget
            if self.check is not None:
                self.check()  # raises when the caller cancels

    def _fits(self, s: int, ws: float, c: int) -> bool:
        """Set ``s`` (households ``ws``) can be a part of class ``c``: inside the
        window, holding exactly that part's locked units (none for a free class)."""
        return self.lo[c] <= ws <= self.hi[c] and s & self.all_locked == self.class_lock[c]

    def _weight(self, mask: int) -> float:
        s = 0.0
        w = self.w
        while mask:
            b = mask & -mask
            s += w[b.bit_length() - 1]
            mask ^= b
        return s

    def _component(self, start: int, allowed: int) -> int:
        seen = start
        frontier = start
        nb = self.nb
        while frontier:
            new = 0
            f = frontier
            while f:
                b = f & -f
                new |= nb[b.bit_length() - 1]
                f ^= b
            frontier = new & allowed & ~seen
            seen |= frontier
        return seen

    def _remainder_ok(self, rest: int, parts_left: int) -> bool:
        """Every piece of ``rest`` must hold a whole number of parts, and the
        pieces' part counts must be able to add up to ``parts_left``."""
        lo_total = hi_total = 0
        while rest:
            comp = self._component(rest & -rest, rest)
            rest &= ~comp
            wc = self._weight(comp)
            m_min = max(1, math.ceil(wc / self.hi_max - 1e-9))
            m_max = min(
                math.floor(wc / self.lo_min + 1e-9) if self.lo_min > 0 else parts_left,
                bin(comp).count("1"),
            )
            if m_min > m_max:
                return False
            lo_total += m_min
            hi_total += m_max
            if lo_total > parts_left:
                return False
        return lo_total <= parts_left <= hi_total

    def _candidates(self, first: int, mask: int) -> list[tuple[int, float]]:
        """Connected sets inside ``mask`` containing ``first`` whose households lie
        between the smallest lower and the largest upper window bound, most
        compact (perimeter² / area) or least disruptive first."""
        found: list[tuple[float, int, float]] = []
        w, nb, lo, hi = self.w, self.nb, self.lo_min, self.hi_max
        perim, area, shared = self.perimeter, self.area, self.shared

        def grow(
            s: int, ws: float, per: float, ar: float, frontier: int, excluded: int, avail: float
        ) -> None:
            self._tick()
            if ws >= lo:
                found.append((per * per / ar if ar > 0 else per, s, ws))
            while frontier:
                x = frontier & -frontier
                frontier ^= x
                xi = x.bit_length() - 1
                nw = ws + w[xi]
                if nw <= hi:
                    s2 = s | x
                    p2 = per + perim[xi] - 2 * sum(ln for v, ln in shared[xi].items() if s >> v & 1)
                    grow(
                        s2,
                        nw,
                        p2,
                        ar + area[xi],
                        (frontier | (nb[xi] & mask)) & ~s2 & ~excluded,
                        excluded,
                        avail,
                    )
                excluded |= x
                avail -= w[xi]
                if avail < lo:
                    return

        total = self._weight(self._component(first, mask))
        fi = first.bit_length() - 1
        blocked = 0  # a locked first unit's set takes no unit locked to another part
        if first & self.all_locked:
            own = next(lock for lock in self.class_lock if lock & first)
            blocked = self.all_locked & ~own
        grow(first, w[fi], perim[fi], area[fi], nb[fi] & mask & ~blocked, blocked, total)
        if self.preferred:
            return sorted(
                ((s, ws) for _, s, ws in found), key=lambda c: self._disruption(c[0], mask)
            )
        found.sort(key=lambda c: c[0])
        return [(s, ws) for _, s, ws in found]

    def _disruption(self, s: int, mask: int) -> float:
        """Households that change part if ``s`` replaces the closest preferred part."""
        ws = self._weight(s)
        return min(ws + self._weight(p & mask) - 2 * self._weight(s & p) for p in self.preferred)

    # -- search ----------------------------------------------------------------
    def optimise(self, mask: int, counts: tuple[int, ...]) -> bool:
        """Depth-first search for plans of ``mask`` with ``counts`` parts. With
        ``first_only`` the first plan inside the band ends it (:class:`_Settled`);
        otherwise it is a branch and bound on the max |deviation|: every complete
        plan found tightens the band to ``resolution`` below its deviation, so the
        search ends with the best plan and a proof that nothing is better by
        ``resolution``.

        Returns True when the subtree held a plan or was cut short (an earlier set
        no longer fits the tightened band); only a subtree explored in full without
        a plan is memoised as failed — valid for every narrower band too."""
        if not all(self.lo[c] <= ws <= self.hi[c] for _, c, ws in self.path):
            return True
        parts_left = sum(counts)
        key = (mask, counts)
        if key in self.failed:
            return False
        self._tick()
        if parts_left == 1:
            c = counts.index(1)
            ws = self._weight(mask)
            if self._component(mask & -mask, mask) == mask and self._fits(mask, ws, c):
                self._record([*self.path, (mask, c, ws)])
                return True
            self.failed.add(key)
            return False
        hit = False
        for s, ws in self._candidates(mask & -mask, mask):
            rest = mask & ~s
            checked = False
            for c, k in enumerate(counts):
                if not k or not self._fits(s, ws, c):
                    continue
                if not checked:
                    if not self._remainder_ok(rest, parts_left - 1):
                        break
                    checked = True
                self.path.append((s, c, ws))
                hit |= self.optimise(rest, (*counts[:c], k - 1, *counts[c + 1 :]))
                self.path.pop()
        if not hit:
            self.failed.add(key)
        return hit

    def _record(self, sets: list[tuple[int, int, float]]) -> None:
        if self.first_only:
            self.best = sets
            raise _Settled
        deviation = max(abs(ws / self.targets[c] - 1) for _, c, ws in sets)
        if deviation < self.best_deviation:
            self.best, self.best_deviation = sets, deviation
        band = self.best_deviation - self.resolution
        if band <= self.floor:
            raise _Settled
        self.set_band(band)

    def labels(self, sets: list[tuple[int, int]]) -> IntArray:
        """Give each set a part of its class (parts in index order)."""
        free = [list(parts) for parts in self.class_parts]
        labels = np.full(self.n, -1, dtype=np.int64)
        for s, c in sets:
            k = free[c].pop(0)
            while s:
                b = s & -s
                labels[self.order[b.bit_length() - 1]] = k
                s ^= b
        return labels


def band_partition(
    graph: UnitGraph,
    weights: npt.ArrayLike,
    targets: Sequence[float],
    band: float,
    max_nodes: int = 200_000,
    deadline: float | None = None,
    prefer: npt.ArrayLike | None = None,
    locked: dict[int, int] | None = None,
    check: Callable[[], None] | None = None,
) -> BandSearch:
    """Is there a contiguous plan with every part k within ±``band`` of
    ``targets[k]``? Exhaustive within ``max_nodes`` search nodes and ``deadline``
    (a ``time.perf_counter()`` value).

    Connected sets are tried most compact first, or — given ``prefer`` labels
    (today's parts, -1 = none) — closest to a preferred part first, so the plan
    found moves few households. ``locked`` maps unit → part: that part's set must
    hold the unit. ``check`` is called every 1,024 nodes (raise to cancel)."""
    w = np.asarray(weights, dtype=np.float64)
    if graph.n == 0 or len(targets) == 0 or len(targets) > graph.n:
        return BandSearch("impossible" if len(targets) > graph.n else "unknown", None, 0)
    pref = None if prefer is None else np.asarray(prefer, dtype=np.int64)
    search = _Search(graph, w, targets, band, max_nodes, deadline, pref, locked, check)
    search.first_only = True
    try:
        search.optimise((1 << graph.n) - 1, search.counts)
    except _OutOfBudget:
        return BandSearch("unknown", None, search.nodes)
    except _Settled:
        assert search.best is not None
        return BandSearch("found", search.labels([(s, c) for s, c, _ in search.best]), search.nodes)
    return BandSearch("impossible", None, search.nodes)


def max_deviation(labels: IntArray, weights: np.ndarray, targets: Sequence[float]) -> float:
    t = np.asarray(targets, dtype=np.float64)
    h = np.bincount(labels, weights=weights, minlength=len(t))
    return float(np.max(np.abs(h - t) / t))


def min_max_deviation(
    graph: UnitGraph,
    weights: npt.ArrayLike,
    targets: Sequence[float],
    start_labels: IntArray | None,
    floor: float = 0.0,
    resolution: float = SEARCH_RESOLUTION,
    max_nodes: int = 200_000,
    deadline: float | None = None,
    prefer: npt.ArrayLike | None = None,
    locked: dict[int, int] | None = None,
    check: Callable[[], None] | None = None,
) -> MinMaxDeviation:
    """The plan with the smallest max |deviation|, to within ``resolution``, by
    branch and bound from the deviation of ``start_labels`` down to ``floor`` (a
    known lower bound). Returns the best plan found (``start_labels`` if nothing
    beats it by ``resolution``) and the largest band proven impossible — a valid
    lower bound on every plan's max |deviation| (``floor`` if the budget ran out)."""
    w = np.asarray(weights, dtype=np.float64)
    start = None if start_labels is None else np.asarray(start_labels, dtype=np.int64)
    start_dev = math.inf if start is None else max_deviation(start, w, targets)
    band = start_dev - resolution if math.isfinite(start_dev) else max(10.0, 2 * floor)
    if band <= floor:
        return MinMaxDeviation(start, start_dev, floor, True, 0)
    pref = None if prefer is None else np.asarray(prefer, dtype=np.int64)
    search = _Search(graph, w, targets, band, max_nodes, deadline, pref, locked, check)
    search.floor, search.resolution = floor, resolution
    settled, lower = True, floor
    try:
        search.optimise((1 << graph.n) - 1, search.counts)
        lower = search.band  # explored in full: nothing within the final band
    except _Settled:
        pass
    except _OutOfBudget:
        settled = False
    if search.best is None:
        return MinMaxDeviation(start, start_dev, max(lower, floor), settled, search.nodes)
    labels = search.labels([(s, c) for s, c, _ in search.best])
    return MinMaxDeviation(
        labels, max_deviation(labels, w, targets), max(lower, floor), settled, search.nodes
    )
