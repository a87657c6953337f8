"""Feasibility checks that explain *why* a balancing request cannot be met.

Each check raises :class:`InfeasibleError` with a reason code and the unit /
part indices involved. ``best_achievable_deviation`` gives a simple, valid
lower bound on the maximum relative deviation any plan can reach.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gridplanner.algorithms.adjacency import UnitGraph
from gridplanner.algorithms.errors import InfeasibleError, format_units


@dataclass(frozen=True)
class Region:
    """One connected component of the free units and the parts it receives."""

    units: list[int]
    parts: list[int]


def check_locks(
    graph: UnitGraph,
    locked_label: Sequence[int],
    frozen: set[int],
    n_parts: int,
) -> None:
    """Units locked to the same part must be connectable without crossing units
    locked to another part (frozen parts count as locked)."""
    adj = graph.adjacency_lists
    by_part: dict[int, list[int]] = {}
    for u, k in enumerate(locked_label):
        if k >= 0:
            by_part.setdefault(k, []).append(u)
    for k, units in sorted(by_part.items()):
        if not 0 <= k < n_parts:
            raise InfeasibleError("bad_input", f"unit {units[0]} is locked to part {k}, "
                                  f"which does not exist", units=units[:1])
        seen = {units[0]}
        stack = [units[0]]
        while stack:
            x = stack.pop()
            for y in adj[x]:
                ly = locked_label[y]
                if y not in seen and (ly == k or (ly < 0 and k not in frozen)):
                    seen.add(y)
                    stack.append(y)
        cut_off = [u for u in units if u not in seen]
        if cut_off:
            what = "frozen part" if k in frozen else "locked units of part"
            raise InfeasibleError(
                "locks_conflict",
                f"{what} {k} cannot be contiguous: units {format_units(cut_off)} are separated "
                f"from unit {units[0]} by units locked to other parts (or by an island)",
                units=[*cut_off, units[0]],
                parts=[k],
            )


def allocate_regions(
    graph: UnitGraph,
    weights: Sequence[float],
    free_units: Sequence[int],
    free_parts: Sequence[int],
    targets: Sequence[float],
    band: float,
    locked_label: Sequence[int],
    existing: Sequence[int] | None,
    strict: bool,
) -> list[Region]:
    """Split the free units into connected components and give each whole
    parts. Raises "island" when a component cannot get a part or (strict) when
    its households cannot form whole parts inside the band."""
    sub = graph.subgraph(free_units)
    comps = [[int(free_units[x]) for x in c] for c in sub.components()]
    if not comps:
        return []
    if len(comps) == 1:
        return [Region(sorted(comps[0]), list(free_parts))]
    comp_of = {u: ci for ci, c in enumerate(comps) for u in c}
    assigned: list[list[int]] = [[] for _ in comps]
    owner: dict[int, int] = {}
    for u in free_units:  # parts forced by locked units
        k = locked_label[u]
        if k >= 0 and k not in owner:
            owner[k] = comp_of[u]
            assigned[comp_of[u]].append(k)
    forced = set(owner)
    loads: dict[tuple[int, int], float] = {}
    if existing is not None:  # keep parts where most of their households are
        best: dict[int, tuple[float, int]] = {}
        for u in free_units:
            k = existing[u]
            if k >= 0 and k in free_parts and k not in owner:
                best.setdefault(k, (0.0, -1))
        for u in free_units:
            k = existing[u]
            if k >= 0 and k in best:
                loads[(k, comp_of[u])] = loads.get((k, comp_of[u]), 0.0) + weights[u] + 1e-9
        for (k, c), load in sorted(loads.items()):
            if load > best[k][0]:
                best[k] = (load, c)
        for k in sorted(best):
            owner[k] = best[k][1]
            assigned[best[k][1]].append(k)
    households = [sum(weights[u] for u in c) for c in comps]
    rest = sorted((k for k in free_parts if k not in owner), key=lambda k: (-targets[k], k))
    # every component needs at least one part, then fill the largest need first
    for ci in sorted(range(len(comps)), key=lambda c: (-households[c], c)):
        if not assigned[ci] and rest:
            assigned[ci].append(rest.pop(0))
    # an island still without a part takes one that today's grids kept in an area with
    # several (the one least rooted there): minimal change never strands an island
    for ci in range(len(comps)):
        if not assigned[ci]:
            movable = [(loads.get((k, c), 0.0), k, c) for c in range(len(comps))
                       if len(assigned[c]) > 1 for k in assigned[c] if k not in forced]
            if movable:
                _, k, donor = min(movable)
                assigned[donor].remove(k)
                assigned[ci].append(k)

    def room(c: int) -> bool:  # an area never gets more parts than it has units
        return len(assigned[c]) < len(comps[c])

    for k in rest:
        open_areas = [c for c in range(len(comps)) if room(c)] or list(range(len(comps)))
        ci = max(open_areas, key=lambda c: (
            (households[c] - sum(targets[p] for p in assigned[c])) / max(households[c], 1e-9),
            -c))
        assigned[ci].append(k)
    for ci, comp in enumerate(comps):
        if not assigned[ci]:
            members = sorted(comp)
            raise InfeasibleError(
                "island",
                f"units {format_units(members)} form an island (not connected to the rest) "
                f"and there are not enough parts to give it its own",
                units=members,
            )
    if strict:  # smallest areas first: the island, not the mainland, is named
        for ci in reversed(range(len(comps))):
            _check_island_band(sorted(comps[ci]), households[ci],
                               [targets[k] for k in assigned[ci]], band)
    return [Region(sorted(c), sorted(assigned[ci])) for ci, c in enumerate(comps)]


def _check_island_band(units: list[int], h: float, tgts: list[float], band: float) -> None:
    s = sum(tgts)
    if s > 0 and abs(h - s) / s <= band:
        return
    mean_t = s / len(tgts)
    lo = math.ceil(h / (mean_t * (1 + band)) - 1e-9) if mean_t > 0 else 0
    hi = math.floor(h / (mean_t * (1 - band)) + 1e-9) if mean_t > 0 else 0
    if lo <= hi and lo >= 1:
        hint = f"it would need {lo} part(s) but was given {len(tgts)}"
    else:
        hint = "no whole number of parts fits"
    raise InfeasibleError(
        "island",
        f"units {format_units(units)} form an island with {h:g} households; their parts "
        f"(target {s:g}) would be {100 * (h - s) / s:+.1f}% off, outside ±{100 * band:g}%: "
        f"{hint}",
        units=units,
    )


def check_region(
    graph: UnitGraph,
    weights: Sequence[float],
    region: Region,
    targets: Sequence[float],
    band: float,
    strict: bool,
) -> None:
    """too_many_parts always; unit_too_large and choke_point when ``strict``."""
    if len(region.parts) > len(region.units):
        raise InfeasibleError(
            "too_many_parts",
            f"{len(region.parts)} parts requested for a connected area of only "
            f"{len(region.units)} units ({format_units(region.units)})",
            units=region.units,
            parts=region.parts,
        )
    if not strict:
        return
    tmax = max(targets[k] for k in region.parts)
    tmin = min(targets[k] for k in region.parts)
    upper = tmax * (1 + band)
    big = [u for u in region.units if weights[u] > upper]
    if big:
        u = max(big, key=lambda x: (weights[x], -x))
        raise InfeasibleError(
            "unit_too_large",
            f"unit {u} alone has {weights[u]:g} households, above the upper band "
            f"{upper:g} of the largest part (target {tmax:g} +{100 * band:g}%); "
            f"split the unit or give its part more workers",
            units=big,
        )
    if len(region.parts) > 1:
        _check_choke_points(graph, weights, region, tmin * (1 - band), upper)


def _check_choke_points(
    graph: UnitGraph, weights: Sequence[float], region: Region, lo: float, hi: float
) -> None:
    """At an articulation unit u, every piece of the area hanging off u holds
    whole parts plus a remainder that can only reach the rest through u, so
    all remainders belong to u's part. If they exceed the upper band, u is a
    choke point (valid test; ``lo``/``hi`` are the loosest part bounds)."""
    adj = graph.adjacency_lists
    inside = set(region.units)
    root = region.units[0]
    disc: dict[int, int] = {root: 0}
    low: dict[int, int] = {root: 0}
    wsum: dict[int, float] = {root: weights[root]}
    cnt: dict[int, int] = {root: 1}
    children: dict[int, list[int]] = {root: []}
    stack: list[tuple[int, int, int]] = [(root, -1, 0)]
    while stack:
        u, parent, idx = stack[-1]
        nbrs = adj[u]
        if idx < len(nbrs):
            stack[-1] = (u, parent, idx + 1)
            v = nbrs[idx]
            if v not in inside or v == parent:
                continue
            if v in disc:
                low[u] = min(low[u], disc[v])
            else:
                disc[v] = low[v] = len(disc)
                wsum[v], cnt[v], children[v] = weights[v], 1, []
                children[u].append(v)
                stack.append((v, u, 0))
        else:
            stack.pop()
            if parent >= 0:
                low[parent] = min(low[parent], low[u])
                wsum[parent] += wsum[u]
                cnt[parent] += cnt[u]
    total_w = wsum[root]
    total_n = cnt[root]

    def remainder(h: float, units: int) -> float:
        m = min(math.floor(h / lo + 1e-9) if lo > 0 else units, units)
        return max(0.0, h - m * hi)

    for u in region.units:
        sep = [c for c in children.get(u, []) if low[c] >= disc[u]]
        if u == root and len(children[u]) < 2:
            continue
        if not sep:
            continue
        pieces = [(wsum[c], cnt[c]) for c in sep]
        if u != root:
            # the rest: everything outside u's subtree plus u's non-separated children
            extra_w = sum(wsum[c] for c in children[u] if c not in sep)
            extra_n = sum(cnt[c] for c in children[u] if c not in sep)
            pieces.append((total_w - wsum[u] + extra_w, total_n - cnt[u] + extra_n))
        need = weights[u] + sum(remainder(h, k) for h, k in pieces)
        if need > hi + 1e-9:
            raise InfeasibleError(
                "choke_point",
                f"unit {u} is the only link between {len(pieces)} areas whose households "
                f"cannot be split into whole parts; the part through unit {u} would need at "
                f"least {need:g} households, above the upper band {hi:g}",
                units=[u],
                parts=region.parts,
            )


def best_achievable_deviation(
    weights: Sequence[float],
    regions: Sequence[Region],
    targets: Sequence[float],
    frozen_deviation: Sequence[float] = (),
) -> float:
    """A valid lower bound on max |relative deviation| over all plans:

    * a unit bigger than the largest target of its area puts its part at least
      ``w/t_max - 1`` over;
    * an area whose households ``H`` differ from the sum ``S`` of its parts'
      targets has some part at least ``|H - S| / S`` off (if every part were
      within d, ``|H - S| ≤ d·S``), given the parts the area was allocated;
    * frozen (locked) parts keep their deviation;
    * a part can only hold a sum of whole units: if no subset of its area's units
      adds up to within d of its target, it is at least that far off (subset-sum
      reachability, computed exactly on integer households for areas up to
      ``SUBSET_SUM_LIMIT`` households).
    """
    bound = max((abs(d) for d in frozen_deviation), default=0.0)
    for r in regions:
        if not r.parts:
            continue
        bound = max(bound, subset_sum_bound([weights[u] for u in r.units],
                                            [targets[k] for k in r.parts]))
        bound = max(bound, whole_units_bound([weights[u] for u in r.units],
                                             [targets[k] for k in r.parts]))
        tg = [targets[k] for k in r.parts]
        tmax = max(tg)
        s = sum(tg)
        h = sum(weights[u] for u in r.units)
        if s > 0:
            bound = max(bound, abs(h - s) / s)
        wmax = max((weights[u] for u in r.units), default=0.0)
        if tmax > 0 and wmax > tmax:
            bound = max(bound, wmax / tmax - 1.0)
    return float(bound)


def resolve_targets(
    weights: np.ndarray, n_parts: int | None, capacities: Sequence[float] | None,
    target: float | None,
) -> tuple[np.ndarray, float]:
    """Capacity per part and households per capacity unit T (default: total
    households / total capacity, so targets sum to the households)."""
    if capacities is None and n_parts is None:
        raise InfeasibleError("bad_input", "give either n_parts or capacities")
    if capacities is not None and n_parts is not None and len(capacities) != n_parts:
        raise InfeasibleError("bad_input", f"n_parts={n_parts} but {len(capacities)} capacities")
    cap = np.ones(int(n_parts or 0)) if capacities is None else np.asarray(capacities, float)
    if len(cap) < 1:
        raise InfeasibleError("bad_input", "at least one part is needed")
    if (cap <= 0).any():
        k = int(np.flatnonzero(cap <= 0)[0])
        raise InfeasibleError("bad_input", f"part {k} has no worker capacity ({cap[k]:g})",
                              parts=[k])
    T = float(weights.sum() / cap.sum()) if target is None else float(target)
    if T <= 0:
        raise InfeasibleError("bad_input", "households per worker target must be positive")
    return cap, T


SUBSET_SUM_LIMIT = 200_000


def subset_sum_bound(weights: Sequence[float], targets: Sequence[float]) -> float:
    """Smallest relative distance from the worst-served target to any sum of units.

    Valid lower bound on the max |relative deviation| of any partition: every part
    is a subset of the units, so its households are a reachable subset sum.
    Weights are rounded to whole households; areas with more than
    ``SUBSET_SUM_LIMIT`` households are skipped (bound 0).
    """
    w = np.rint(np.asarray(weights, dtype=np.float64)).astype(np.int64)
    total = int(w.sum())
    if total <= 0 or total > SUBSET_SUM_LIMIT or len(targets) == 0 or (w < 0).any():
        return 0.0
    reach = np.zeros(total + 1, dtype=bool)
    reach[0] = True
    for x in w.tolist():
        if x > 0:
            reach[x:] |= reach[: total + 1 - x].copy()
    sums = np.flatnonzero(reach[1:]) + 1  # a part is never empty
    worst = 0.0
    for t in targets:
        if t <= 0:
            continue
        pos = int(np.searchsorted(sums, t))
        near = [sums[i] for i in (pos - 1, pos) if 0 <= i < len(sums)]
        worst = max(worst, min(abs(float(s) - t) / t for s in near))
    return worst


def whole_units_bound(weights: Sequence[float], targets: Sequence[float]) -> float:
    """The parts share the area's units between them, so their sums are multiples of
    the units' common divisor g and add up to the area's total: a plan within d of
    every target needs whole numbers m_i with t_i(1-d) <= g*m_i <= t_i(1+d) and
    sum(m_i) = total/g. The smallest such d (found by bisection, the infeasible end
    returned so the bound stays valid) bounds every plan from below: 4,109 zones of
    weight 1 into 67 parts can't be within 1.09%. Integer weights only (0 otherwise).
    """
    w = np.asarray(weights, dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64)
    if len(w) == 0 or len(t) == 0 or (t <= 0).any() or (w < 0).any():
        return 0.0
    whole = np.rint(w)
    if not np.allclose(w, whole, rtol=0.0, atol=1e-9) or whole.sum() <= 0:
        return 0.0
    positive = whole[whole > 0].astype(np.int64)
    g = float(np.gcd.reduce(positive))
    total = float(whole.sum()) / g
    share = t / g

    def feasible(d: float) -> bool:
        lo = np.maximum(np.ceil(share * (1.0 - d) - 1e-9), 1.0)
        hi = np.floor(share * (1.0 + d) + 1e-9)
        return bool((lo <= hi).all() and lo.sum() <= total <= hi.sum())

    if feasible(0.0):
        return 0.0
    low, high = 0.0, 1.0
    while not feasible(high):
        low, high = high, high * 2
        if high > 1e6:
            return low
    for _ in range(40):
        mid = (low + high) / 2
        if feasible(mid):
            high = mid
        else:
            low = mid
    return low
