"""Balanced, contiguous, compact, minimal-change partitioning of grid units.

``BalancedPartitioner`` is a solver object in the spopt style: parameters in
``__init__``, ``solve()`` returns the labels and sets ``labels_`` and
``report_``. Method:

1. checks that explain infeasibility (islands, oversized units, too many parts,
   conflicting locks, choke points) — see :mod:`.feasibility`;
2. from scratch: balance-aware recursive spanning-tree bisection per connected
   area (:mod:`.construct`), then simulated annealing and a first-improvement
   descent with single moves and swaps over boundary units (:mod:`.local_search`),
   repeated for ``restarts`` seeds, best objective kept;
3. minimal change (``existing`` + ``min_change=True``): start from the existing
   plan, repair only what is broken (unassigned units, disconnected parts), then
   move the fewest households needed to bring parts into the band; a plan
   already inside the band is returned unchanged.

Every part stays contiguous, locked units keep their label, frozen parts are
untouched, and a fixed ``seed`` gives the same labels.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from gridplanner.algorithms.adjacency import IntArray, UnitGraph
from gridplanner.algorithms.band_search import (
    SEARCH_RESOLUTION,
    band_partition,
    max_deviation,
    min_max_deviation,
)
from gridplanner.algorithms.construct import recursive_tree_partition, repair
from gridplanner.algorithms.errors import Cancelled, InfeasibleError
from gridplanner.algorithms.feasibility import (
    Region,
    allocate_regions,
    best_achievable_deviation,
    check_locks,
    check_region,
    resolve_targets,
)
from gridplanner.algorithms.local_search import (
    MoveState,
    anneal,
    compactness_polish,
    improve,
    repair_band,
)
from gridplanner.algorithms.metrics import households_moved
from gridplanner.algorithms.objective import Objective
from gridplanner.algorithms.report import PartitionReport, build_report

if TYPE_CHECKING:
    from gridplanner.algorithms.exact import ExactResult

ProgressFn = Callable[[float, str], None]
MIN_CHANGE_MILP_UNITS = 24  # the min-moves MILP, warm-started with the search's plan,
MIN_CHANGE_MILP_SECONDS = 0.25  # settles most such areas within this (else its best so far)
CancelFn = Callable[[], bool]


class BalancedPartitioner:
    """Partition units into parts with balanced households per worker.

    Give either ``n_parts`` (equal workers) or ``capacities`` (worker capacity
    per part, e.g. ``[1.0, 1.5, 1.0]``); ``target`` is households per capacity
    unit (default: total households / total capacity), so part k aims at
    ``target * capacities[k]``. ``band`` is the allowed relative deviation.

    ``existing`` labels (-1 = unassigned) enable the disruption term and, with
    ``min_change=True``, repair-only mode. ``locked_units`` (indices or a boolean
    mask) keep their existing label; ``locked_parts`` keep all their units.
    ``strict=True`` raises :class:`InfeasibleError` when the band is provably
    out of reach (oversized unit, island, choke point); with ``strict=False``
    the best plan is returned and ``report_.best_achievable_deviation`` says how
    close one can get.

    An area of ≤ ``search_max_units`` units that ends outside the band is settled
    by the band search (:mod:`.band_search`) within ``search_nodes`` search nodes
    (deterministic; ``search_time_limit`` seconds is only a safety net): a plan
    inside the band, or ``report_.band_impossible`` with the exact bound.
    """

    def __init__(
        self,
        graph: UnitGraph,
        weights: npt.ArrayLike,
        n_parts: int | None = None,
        capacities: Sequence[float] | None = None,
        target: float | None = None,
        band: float = 0.05,
        existing: npt.ArrayLike | None = None,
        min_change: bool = False,
        locked_units: npt.ArrayLike | None = None,
        locked_parts: Sequence[int] = (),
        w_balance: float = 1.0,
        w_compactness: float = 0.05,
        w_disruption: float = 0.2,
        seed: int = 0,
        restarts: int = 16,
        min_restarts: int = 3,
        anneal_steps: int | None = None,
        max_iterations: int = 200,
        time_budget: float | None = None,
        strict: bool = True,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
        exact_max_units: int = 12,
        exact_time_limit: float = 0.5,
        search_max_units: int = 64,
        search_nodes: int = 60_000,
        search_time_limit: float = 1.0,
        compactness_polish: bool = True,
    ) -> None:
        self.graph = graph
        self.weights = np.asarray(weights)
        self.n_parts = n_parts
        self.capacities = capacities
        self.target = target
        self.band = float(band)
        self.existing = existing
        self.min_change = min_change
        self.locked_units = locked_units
        self.locked_parts = tuple(int(k) for k in locked_parts)
        self.w_balance = w_balance
        self.w_compactness = w_compactness
        self.w_disruption = w_disruption
        self.seed = seed
        self.restarts = max(1, int(restarts))
        self.min_restarts = max(1, min(int(min_restarts), self.restarts))
        self.anneal_steps = anneal_steps
        self.max_iterations = max_iterations
        self.time_budget = time_budget
        self.strict = strict
        self.progress = progress
        self.cancel = cancel
        self.compactness_polish = compactness_polish
        self.exact_max_units = exact_max_units
        self.exact_time_limit = exact_time_limit
        self.search_max_units = search_max_units
        self.search_nodes = search_nodes
        self.search_time_limit = search_time_limit
        self._exact_bound = 0.0
        self._band_impossible = False
        self.labels_: IntArray | None = None
        self.report_: PartitionReport | None = None

    # ------------------------------------------------------------------------
    def _check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled("balancing cancelled")

    def _progress(self, frac: float, msg: str) -> None:
        if self.progress is not None:
            self.progress(min(max(frac, 0.0), 1.0), msg)

    def _validate(self) -> tuple[np.ndarray, np.ndarray, float, np.ndarray | None, list[int]]:
        g = self.graph
        w = self.weights
        if w.shape != (g.n,):
            raise InfeasibleError("bad_input", f"{len(w)} weights for {g.n} units")
        if not np.all(np.isfinite(w)) or (w < 0).any():
            u = int(np.flatnonzero(~np.isfinite(w) | (w < 0))[0])
            raise InfeasibleError("bad_input", f"unit {u} has invalid households {w[u]}", units=[u])
        cap, T = resolve_targets(w.astype(float), self.n_parts, self.capacities, self.target)
        K = len(cap)
        existing = None
        if self.existing is not None:
            existing = np.asarray(self.existing, dtype=np.int64)
            if existing.shape != (g.n,) or (existing < -1).any() or (existing >= K).any():
                raise InfeasibleError(
                    "bad_input", f"existing labels must be -1..{K - 1}, one per unit"
                )
        locked_label = [-1] * g.n
        if self.locked_units is not None:
            lk = np.asarray(self.locked_units)
            idx = np.flatnonzero(lk) if lk.dtype == bool else lk.astype(np.int64)
            if existing is None:
                raise InfeasibleError("bad_input", "locked units need an existing assignment")
            for u in idx.tolist():
                if existing[u] < 0:
                    raise InfeasibleError(
                        "locks_conflict", f"unit {u} is locked but has no existing part", units=[u]
                    )
                locked_label[u] = int(existing[u])
        for k in self.locked_parts:
            if not 0 <= k < K:
                raise InfeasibleError("bad_input", f"locked part {k} does not exist", parts=[k])
            if existing is None or not (existing == k).any():
                raise InfeasibleError(
                    "locks_conflict",
                    f"locked part {k} has no units in the existing assignment",
                    parts=[k],
                )
            for u in np.flatnonzero(existing == k).tolist():
                locked_label[u] = k
        return w.astype(np.float64), cap, T, existing, locked_label

    # ------------------------------------------------------------------------
    def solve(self) -> IntArray:
        t0 = time.perf_counter()
        deadline = None if self.time_budget is None else t0 + self.time_budget
        self._exact_bound, self._band_impossible = 0.0, False
        g = self.graph
        w, cap, T, existing, locked_label = self._validate()
        K = len(cap)
        targets = (T * cap).tolist()
        frozen = set(self.locked_parts)
        self._progress(0.0, "checking feasibility")
        check_locks(g, locked_label, frozen, K)
        wl = w.tolist()
        free_units = [u for u in range(g.n) if not (existing is not None and existing[u] in frozen)]
        free_parts = [k for k in range(K) if k not in frozen]
        if free_units and not free_parts:
            raise InfeasibleError(
                "locks_conflict",
                "every part is locked but some units are not in a locked part",
                units=free_units,
            )
        ex_list = None if existing is None else existing.tolist()
        regions = allocate_regions(
            g, wl, free_units, free_parts, targets, self.band, locked_label, ex_list, self.strict
        )
        for r in regions:
            check_region(g, wl, r, targets, self.band, self.strict)

        obj = Objective(
            g,
            w,
            targets,
            self.band,
            existing,
            self.w_balance,
            self.w_compactness,
            self.w_disruption,
            frozen_parts=sorted(frozen),
        )
        movable = [locked_label[u] < 0 for u in range(g.n)]
        rng = np.random.default_rng(self.seed)
        if self.min_change and existing is not None:
            labels = self._min_change(obj, existing, regions, targets, locked_label, movable, rng)
        else:
            labels = self._from_scratch(
                obj, existing, regions, targets, cap, locked_label, movable, rng, deadline
            )
        lab = np.asarray(labels, dtype=np.int64)
        lab = self._exact_polish(
            w, cap, T, lab, targets, locked_label, frozen, existing, obj, movable, rng
        )
        frozen_dev = [(float(w[lab == k].sum()) - targets[k]) / targets[k] for k in frozen]
        bound = max(best_achievable_deviation(wl, regions, targets, frozen_dev), self._exact_bound)
        impossible = self._band_impossible or bound > self.band + 1e-12
        self.labels_ = lab
        self.report_ = build_report(
            g,
            w,
            lab,
            cap,
            T,
            self.band,
            existing,
            bound,
            obj.terms(lab),
            time.perf_counter() - t0,
            band_impossible=impossible,
        )
        self._progress(1.0, "done")
        return lab

    # ------------------------------------------------------------------------
    def _exact_polish(
        self,
        w: np.ndarray,
        cap: np.ndarray,
        T: float,
        labels: IntArray,
        targets: list[float],
        locked_label: list[int],
        frozen: set[int],
        existing: np.ndarray | None,
        obj: Objective,
        movable: list[bool],
        rng: np.random.Generator,
    ) -> IntArray:
        """On a small area the heuristic left outside the band, settle it exactly.

        Few units per part make balancing a matching problem that local search
        handles badly. The band search (:mod:`.band_search`, ≤ ``search_max_units``
        units) either finds a plan inside the band or proves there is none and
        bisects to the best reachable deviation, which becomes the report's lower
        bound. In minimal-change mode, when the band is reachable, the MILP's plan
        inside the band that moves the fewest households is taken if it finishes
        (≤ ``MIN_CHANGE_MILP_UNITS`` units). A new plan is kept only when it is
        better; from scratch it is then polished for compactness without letting
        the worst part get worse. With locked units the MILP (≤ ``exact_max_units``)
        does both jobs, as the band search has no locks.
        """
        n = self.graph.n
        if n == 0 or frozen or len(cap) > n:
            return labels
        worst = max_deviation(labels, w, targets)
        if worst <= self.band + 1e-12:
            return labels
        locked = {u: k for u, k in enumerate(locked_label) if k >= 0}
        min_change = self.min_change and existing is not None
        if locked:  # the band search has no locks: the MILP settles small areas
            if n > self.exact_max_units:
                return labels
            within = (
                self._milp(
                    w,
                    cap,
                    T,
                    locked,
                    self.exact_max_units,
                    existing=existing,
                    max_deviation=self.band,
                )
                if min_change
                else None
            )
            if within is not None and within.max_deviation <= self.band + 1e-9:
                return within.labels
            exact = self._milp(w, cap, T, locked, self.exact_max_units, initial_labels=labels)
            if exact is None:
                return labels
            self._exact_bound = max(exact.lower_bound, 0.0)
            return exact.labels if exact.max_deviation < worst - 1e-9 else labels
        if n > self.search_max_units:
            return labels
        deadline = time.perf_counter() + self.search_time_limit
        prefer = existing if min_change else None
        found = band_partition(
            self.graph, w, targets, self.band, self.search_nodes, deadline, prefer=prefer
        )
        better = found.labels
        if found.status == "impossible":
            self._band_impossible = True
            best = min_max_deviation(
                self.graph,
                w,
                targets,
                labels,
                floor=self.band,
                max_nodes=self.search_nodes - found.nodes,
                deadline=deadline,
                prefer=prefer,
            )
            self._exact_bound = best.lower_bound
            better = best.labels if best.max_deviation < worst - SEARCH_RESOLUTION else None
        if better is None:
            return labels
        if existing is not None:
            relabelled = better.tolist()
            _relabel_to_existing(
                relabelled, existing, obj.w_list, Region(list(range(n)), list(range(len(cap)))), cap
            )
            better = np.asarray(relabelled, dtype=np.int64)
        if min_change and found.status == "found" and n <= MIN_CHANGE_MILP_UNITS:
            assert existing is not None  # the fewest households moved inside the band
            within = self._milp(
                w,
                cap,
                T,
                locked,
                MIN_CHANGE_MILP_UNITS,
                existing=existing,
                max_deviation=self.band,
                initial_labels=better,
                time_limit=MIN_CHANGE_MILP_SECONDS,
            )
            if (
                within is not None
                and within.max_deviation <= self.band + 1e-9
                and households_moved(within.labels, existing, w)
                <= households_moved(better, existing, w)
            ):
                return within.labels
        if self.min_change or not self.compactness_polish:
            return better
        state = MoveState(obj, better.tolist())
        compactness_polish(state, movable, rng, check=self._check)
        return np.asarray(state.labels, dtype=np.int64)

    def _milp(
        self,
        w: np.ndarray,
        cap: np.ndarray,
        T: float,
        locked: dict[int, int],
        max_units: int,
        **kw: Any,
    ) -> ExactResult | None:
        """The exact MILP (within ``exact_time_limit`` unless ``time_limit`` is given);
        None if it gives no full plan."""
        from gridplanner.algorithms.exact import exact_partition

        kw.setdefault("time_limit", self.exact_time_limit)
        try:
            res = exact_partition(
                self.graph,
                w,
                capacities=cap.tolist(),
                target=T,
                locked=locked or None,
                max_units=max_units,
                **kw,
            )
        except (InfeasibleError, TimeoutError):
            return None
        return res if (res.labels >= 0).all() else None

    # ------------------------------------------------------------------------
    def _min_change(
        self,
        obj: Objective,
        existing: np.ndarray,
        regions: list[Region],
        targets: list[float],
        locked_label: list[int],
        movable: list[bool],
        rng: np.random.Generator,
    ) -> list[int]:
        g = self.graph
        adj = g.adjacency_lists
        labels = existing.tolist()
        locked = [k >= 0 for k in locked_label]
        for r in regions:
            part_set = set(r.parts)
            for u in r.units:  # a unit whose part went to another area is unassigned
                if labels[u] not in part_set:
                    labels[u] = -1
            repair(adj, obj.w_list, labels, r.units, r.parts, targets, locked)
        self._progress(0.3, "repairing out-of-band parts")
        state = MoveState(obj, labels)
        repair_band(state, movable, check=self._check)
        if state.violation() > 1e-12:  # stuck: allow any improving move
            improve(state, movable, rng, max_passes=self.max_iterations, check=self._check)
        return state.labels

    def _from_scratch(
        self,
        obj: Objective,
        existing: np.ndarray | None,
        regions: list[Region],
        targets: list[float],
        cap: np.ndarray,
        locked_label: list[int],
        movable: list[bool],
        rng: np.random.Generator,
        deadline: float | None,
    ) -> list[int]:
        g = self.graph
        adj = g.adjacency_lists
        locked = [k >= 0 for k in locked_label]
        n_free = sum(len(r.units) for r in regions)
        steps = self.anneal_steps if self.anneal_steps is not None else min(10 * n_free, 20_000)
        best: list[int] | None = None
        best_val = np.inf
        best_viol = np.inf
        base = [-1] * g.n
        if existing is not None:  # frozen parts keep their units
            for u in range(g.n):
                if existing[u] >= 0 and not obj.active[existing[u]]:
                    base[u] = int(existing[u])
        for attempt in range(self.restarts):
            self._check()
            self._progress(
                0.05 + 0.9 * attempt / self.restarts,
                f"balancing (attempt {attempt + 1}/{self.restarts})",
            )
            labels = list(base)
            for r in regions:
                recursive_tree_partition(
                    adj,
                    obj.w_list,
                    r.units,
                    r.parts,
                    targets,
                    locked_label,
                    rng,
                    labels,
                    check=self._check,
                )
                if existing is not None and not any(locked[u] for u in r.units):
                    _relabel_to_existing(labels, existing, obj.w_list, r, cap)
                for u in r.units:
                    if locked[u]:
                        labels[u] = locked_label[u]
                repair(adj, obj.w_list, labels, r.units, r.parts, targets, locked)
            state = MoveState(obj, labels)
            if steps > 0:
                temp = _start_temperature(obj, state, movable, rng)
                labels = anneal(state, movable, rng, steps, temp, temp * 1e-4, self._check)
                state = MoveState(obj, labels)
            improve(state, movable, rng, max_passes=self.max_iterations, check=self._check)
            val = obj.full(state.labels)
            if val < best_val - 1e-12:
                best, best_val, best_viol = list(state.labels), val, state.violation()
            if deadline is not None and time.perf_counter() > deadline:
                break
            if attempt + 1 >= self.min_restarts and best_viol <= 1e-12:
                break  # inside the band: more restarts only polish compactness
        assert best is not None
        if self.compactness_polish:
            state = MoveState(obj, best)
            compactness_polish(state, movable, rng, check=self._check)
            best = list(state.labels)
        return best


def _start_temperature(
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
            deltas.append(abs(obj.delta(state.labels, state.h, u, b)))
    med = float(np.median(deltas)) if deltas else 0.0
    return med if med > 1e-9 else 1e-3


def _relabel_to_existing(
    labels: list[int],
    existing: np.ndarray,
    w: Sequence[float],
    region: Region,
    cap: np.ndarray,
) -> None:
    """Rename parts (only among parts of equal capacity) to maximise the
    households that keep their existing label."""
    parts = region.parts
    pos = {k: i for i, k in enumerate(parts)}
    overlap = np.zeros((len(parts), len(parts)))
    for u in region.units:
        a, e = labels[u], int(existing[u])
        if a in pos and e in pos:
            overlap[pos[a], pos[e]] += w[u] + 1e-6
    c = np.array([cap[k] for k in parts])
    cost = -overlap + np.where(np.isclose(c[:, None], c[None, :]), 0.0, 1e12)
    rows, cols = linear_sum_assignment(cost)
    mapping = {parts[r]: parts[cc] for r, cc in zip(rows.tolist(), cols.tolist(), strict=True)}
    for u in region.units:
        if labels[u] in mapping:
            labels[u] = mapping[labels[u]]


def balance(
    graph: UnitGraph,
    weights: npt.ArrayLike,
    **kwargs: object,
) -> tuple[IntArray, PartitionReport]:
    """Functional shortcut: ``BalancedPartitioner(graph, weights, **kwargs).solve()``."""
    solver = BalancedPartitioner(graph, weights, **kwargs)  # type: ignore[arg-type]
    labels = solver.solve()
    assert solver.report_ is not None
    return labels, solver.report_
