"""Balanced, contiguous, compact, minimal-change partitioning of grid units.

``BalancedPartitioner`` is a solver object in the spopt style: parameters in
``__init__``, ``solve()`` returns the labels and sets ``labels_`` and
``report_``. Method:

1. checks that explain infeasibility (islands, oversized units, too many parts,
   conflicting locks, choke points) — see :mod:`.feasibility`;
2. from scratch: balance-aware recursive spanning-tree bisection per connected
   area (:mod:`.construct`), then simulated annealing and a first-improvement
   descent with single moves and swaps over boundary units (:mod:`.local_search`),
   repeated for ``restarts`` seeds, best objective kept; with ``start="metis"``
   (polygon layers) ranked METIS starts (:mod:`.metis_start`) balanced worst part
   first (:mod:`.refine`), the restarts closest to the band then most compact kept,
   then neighbouring parts re-split (:mod:`.recombine`) within the time budget;
3. minimal change (``existing`` + ``min_change=True``): start from the existing
   plan, repair only what is broken (unassigned units, disconnected parts), then
   move the fewest households needed to bring parts into the band; a plan
   already inside the band is returned unchanged.

Every part stays contiguous, locked units keep their label, frozen parts are
untouched, and a fixed ``seed`` gives the same labels (as long as a ``time_budget``
does not cut the restarts or re-splitting short).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import numpy.typing as npt

from gridplanner.algorithms.adjacency import IntArray, UnitGraph
from gridplanner.algorithms.construct import recursive_tree_partition, repair
from gridplanner.algorithms.defaults import BALANCE_TOLERANCE
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
    start_temperature,
)
from gridplanner.algorithms.metis_start import POOL_SIZE, metis_labels, metis_pool
from gridplanner.algorithms.metrics import part_contiguity
from gridplanner.algorithms.objective import Objective
from gridplanner.algorithms.recombine import resplit_pairs
from gridplanner.algorithms.refine import balance_worst_first, polish_form
from gridplanner.algorithms.report import PartitionReport, build_report
from gridplanner.algorithms.settle import AreaSettler, SettleLimits, relabel_in_place

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


#: Added to the objective of a restart whose contiguity repair failed (locks can make
#: it fail): a contiguous plan from another restart is always preferred.
NOT_CONTIGUOUS = 1e9
#: Descent passes after a multilevel start (it is compact; a few passes settle it).
METIS_DESCENT_PASSES = 4
#: Restarts stop once inside the band and this many in a row gained less than
#: PLATEAU_GAIN of the objective (a compactness plateau).
PLATEAU_RESTARTS = 2
#: The balance after a multilevel start aims at this share of the band (the polish
#: then spends the slack on compactness).
AIM = 0.5
POLISH_ROUNDS = 3
PLATEAU_GAIN = 0.002
#: With a time budget, the restarts of a multilevel start may take this share of it;
#: re-splitting pairs of parts (:mod:`.recombine`) the rest, at least
#: RESPLIT_MIN_SECONDS (it stops sooner once no pair improves).
RESTART_SHARE = 0.5
RESPLIT_MIN_SECONDS = 1.0


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
    inside the band, or ``report_.band_impossible`` with the exact bound. In
    minimal-change mode an area of ≤ ``exact_max_units`` units then gets the MILP's
    plan that moves the fewest households (``exact_time_limit`` seconds).
    """

    def __init__(
        self,
        graph: UnitGraph,
        weights: npt.ArrayLike,
        n_parts: int | None = None,
        capacities: Sequence[float] | None = None,
        target: float | None = None,
        band: float = BALANCE_TOLERANCE,
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
        exact_max_units: int = 24,
        exact_time_limit: float = 0.25,
        search_max_units: int = 64,
        search_nodes: int = 120_000,
        search_time_limit: float = 2.0,
        compactness_polish: bool = True,
        start: str = "tree",
        w_shape: float = 0.0,
    ) -> None:
        if start not in ("tree", "metis"):
            raise ValueError(f"start must be 'tree' or 'metis', not {start!r}")
        self.start = start
        self.w_shape = float(w_shape)
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
        self.limits = SettleLimits(
            exact_max_units, exact_time_limit, search_max_units, search_nodes, search_time_limit
        )
        self.labels_: IntArray | None = None
        self.report_: PartitionReport | None = None
        #: Seconds spent per phase of the last solve (starts, balance, search, resplit,
        #: polish), for reports.
        self.phases_: dict[str, float] = {}

    # ------------------------------------------------------------------------
    def _check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled("balancing cancelled")

    @contextmanager
    def _phase(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.phases_[name] = self.phases_.get(name, 0.0) + time.perf_counter() - began

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
        self.phases_ = {}
        deadline = None if self.time_budget is None else t0 + self.time_budget
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
            w_shape=self.w_shape,
        )
        movable = [locked_label[u] < 0 for u in range(g.n)]
        rng = np.random.default_rng(self.seed)
        locks = {u: k for u, k in enumerate(locked_label) if k >= 0}
        settler = AreaSettler(
            g, w, cap, T, self.band, existing, self.min_change, self.limits, locks, self._check
        )
        if self.min_change and existing is not None:
            labels = self._min_change(obj, existing, regions, targets, locked_label, movable, rng)
        else:
            proof = settler if settler.searchable(bool(frozen)) else None
            labels = self._from_scratch(
                obj, existing, regions, targets, cap, locked_label, movable, rng, deadline, proof
            )
        settled = settler.settle(np.asarray(labels, dtype=np.int64), bool(frozen))
        lab = settled.labels
        if settled.source == "search" and not self.min_change and self.compactness_polish:
            state = MoveState(obj, lab.tolist())  # the search's plan is not polished yet
            compactness_polish(state, movable, rng, check=self._check)
            lab = np.asarray(state.labels, dtype=np.int64)
        frozen_dev = [(float(w[lab == k].sum()) - targets[k]) / targets[k] for k in frozen]
        bound = max(best_achievable_deviation(wl, regions, targets, frozen_dev), settled.bound)
        impossible = settled.impossible or bound > self.band + 1e-12
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
        proof: AreaSettler | None,
    ) -> list[int]:
        """Restarts of construction + annealing + descent, best objective kept. Stops
        after ``min_restarts`` once inside the band, or once ``proof`` (the band
        search) shows the band is out of reach — more restarts cannot reach it."""
        g = self.graph
        adj = g.adjacency_lists
        locked = [k >= 0 for k in locked_label]
        n_free = sum(len(r.units) for r in regions)
        tree_steps = (
            self.anneal_steps if self.anneal_steps is not None else min(10 * n_free, 20_000)
        )
        best: list[int] | None = None
        best_val = np.inf
        best_viol = np.inf
        base = [-1] * g.n
        if existing is not None:  # frozen parts keep their units
            for u in range(g.n):
                if existing[u] >= 0 and not obj.active[existing[u]]:
                    base[u] = int(existing[u])
        started, plateau = time.perf_counter(), 0
        best_broken = True
        pools: dict[int, list[IntArray]] = {}  # per area: METIS starts, best first
        taken = 0  # multilevel starts used so far
        for attempt in range(self.restarts):
            self._check()
            self._progress(
                0.05 + 0.9 * attempt / self.restarts,
                f"balancing (attempt {attempt + 1}/{self.restarts})",
            )
            labels = list(base)
            # A multilevel start is compact already (annealing would only undo it); when
            # it misses the band, every other restart is a spanning-tree one instead.
            multilevel = self.start == "metis" and (best_viol <= 1e-12 or attempt % 2 == 0)
            steps = 0 if multilevel else tree_steps
            for index, r in enumerate(regions):
                start = None
                if multilevel and not any(locked[u] for u in r.units):
                    start = self._metis_start(pools, index, r, obj, targets, taken)
                if start is not None:
                    for u, k in zip(r.units, start.tolist(), strict=True):
                        labels[u] = int(k)
                else:
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
                    relabel_in_place(labels, existing, obj.w_list, r.units, r.parts, cap)
                for u in r.units:
                    if locked[u]:
                        labels[u] = locked_label[u]
                repair(adj, obj.w_list, labels, r.units, r.parts, targets, locked)
            taken += multilevel
            state = MoveState(obj, labels)
            if steps > 0:
                with self._phase("search"):
                    temp = start_temperature(obj, state, movable, rng)
                    labels = anneal(state, movable, rng, steps, temp, temp * 1e-4, self._check)
                    state = MoveState(obj, labels)
            elif multilevel:  # into the band from the compact start, worst first
                with self._phase("balance"):
                    balance_worst_first(
                        state,
                        movable,
                        check=self._check,
                        aim=self.band * AIM,
                        deadline=self._restarts_end(started, deadline),
                    )
            with self._phase("search"):
                if not multilevel:
                    improve(state, movable, rng, max_passes=self.max_iterations, check=self._check)
                elif state.violation() > 1e-12:  # the band not reached: any improving move
                    improve(state, movable, rng, max_passes=METIS_DESCENT_PASSES, check=self._check)
            val = obj.full(state.labels)
            broken = not all(part_contiguity(g, np.asarray(state.labels), obj.k))
            if broken:
                val += NOT_CONTIGUOUS  # a repair that failed: any contiguous plan beats it
            viol = state.violation()
            if self.start == "metis" and broken != best_broken:
                better = not broken
            elif self.start == "metis" and abs(viol - best_viol) > 1e-12:
                better = viol < best_viol  # closer to the band first, however compact
            else:
                better = val < best_val - 1e-12
            if better:
                gain = val < best_val - PLATEAU_GAIN * abs(best_val) or viol < best_viol - 1e-12
                plateau = 0 if gain else plateau + 1
                best, best_val, best_viol = list(state.labels), val, viol
                best_broken = broken
            else:
                plateau += 1
            now = time.perf_counter()
            last = self._restarts_end(started, deadline)
            if last is not None and now + (now - started) / (attempt + 1) > last:
                break  # another restart would not finish in time
            if self.start == "metis" and best_viol <= 1e-12 and plateau >= PLATEAU_RESTARTS:
                break  # inside the band and no longer getting more compact
            if attempt + 1 >= self.min_restarts and best_viol <= 1e-12:
                break  # inside the band: more restarts only polish compactness
            if attempt + 1 == self.min_restarts and proof is not None and best is not None:
                found, _ = proof.search(np.asarray(best, dtype=np.int64))
                if found.status == "impossible":
                    break
        assert best is not None
        if self.compactness_polish:
            state = MoveState(obj, best)
            if self.start == "metis":
                until = max(
                    deadline if deadline is not None else 0.0,
                    time.perf_counter() + RESPLIT_MIN_SECONDS,
                )
                with self._phase("resplit"):
                    resplit_pairs(state, movable, self.seed, until, self._check)
            with self._phase("polish"):
                self._polish(state, movable, rng)
            best = list(state.labels)
        return best

    def _restarts_end(self, started: float, deadline: float | None) -> float | None:
        """When restarts must end: with a multilevel start, re-splitting pairs gets the
        rest of the budget."""
        if deadline is None or self.start != "metis":
            return deadline
        return started + RESTART_SHARE * (deadline - started)

    def _metis_start(
        self, pools: dict[int, list[IntArray]], index: int, region: Region, obj: Objective,
        targets: list[float], taken: int,
    ) -> IntArray | None:  # fmt: skip
        """The ``taken``-th multilevel start of area ``index``: the ranked pool's, then
        further METIS seeds."""
        if index not in pools:
            with self._phase("starts"):
                pools[index] = metis_pool(
                    obj.graph, obj.w, region.units, region.parts, targets, self.seed, self.band
                )
        pool = pools[index]
        if taken < len(pool):
            return pool[taken]
        seed = self.seed * 7919 + POOL_SIZE + taken
        return metis_labels(obj.graph, obj.w, region.units, region.parts, targets, seed)

    def _polish(self, state: MoveState, movable: list[bool], rng: np.random.Generator) -> None:
        compactness_polish(state, movable, rng, check=self._check)
        if self.start == "metis":  # exchanges: the steps single moves can't take
            for _ in range(POLISH_ROUNDS):
                made = polish_form(state, movable, rng, check=self._check)
                made += compactness_polish(state, movable, rng, check=self._check)
                if not made:
                    break


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
