"""Settle a small area the heuristic left outside the band, exactly.

Few units per part make balancing a matching problem that local search handles
badly. The band search (:mod:`.band_search`, areas of ≤ ``search_max_units``
units) either finds a plan inside the band or proves there is none and searches
for the best reachable deviation, which becomes the report's lower bound. In
minimal-change mode, when the band is reachable, the MILP's plan inside the band
that moves the fewest households is taken if it moves fewer (≤
``exact_max_units`` units, warm-started with the search's plan). Locked
units stay in their part in both. A new plan is kept only when it is better
than the heuristic's.

The search runs at most once per area (:meth:`AreaSettler.search` caches it), so
the partitioner can ask early — after its first restarts — and stop restarting
an area whose band is proven out of reach.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from scipy.optimize import linear_sum_assignment

from gridplanner.algorithms.adjacency import IntArray, UnitGraph
from gridplanner.algorithms.band_search import (
    SEARCH_RESOLUTION,
    BandSearch,
    MinMaxDeviation,
    band_partition,
    max_deviation,
    min_max_deviation,
)
from gridplanner.algorithms.errors import InfeasibleError
from gridplanner.algorithms.metrics import households_moved

if TYPE_CHECKING:
    from gridplanner.algorithms.exact import ExactResult


@dataclass(frozen=True)
class Settled:
    """The area's plan after settling; ``source`` says where it came from
    ("heuristic": unchanged). ``bound`` is a proven lower bound on max |deviation|
    (0 when none was proven); ``impossible``: no plan reaches the band."""

    labels: IntArray
    source: Literal["heuristic", "search", "milp"]
    bound: float = 0.0
    impossible: bool = False


@dataclass(frozen=True)
class SettleLimits:
    exact_max_units: int = 24  # the minimal-moves MILP, warm-started with the search's plan,
    exact_time_limit: float = 0.25  # settles most such areas within this (else its best so far)
    search_max_units: int = 64
    search_nodes: int = 120_000
    search_time_limit: float = 2.0


class AreaSettler:
    """Exact settling of one partitioning problem (all its units, all its parts)."""

    def __init__(
        self,
        graph: UnitGraph,
        weights: np.ndarray,
        capacities: np.ndarray,
        target: float,
        band: float,
        existing: np.ndarray | None,
        min_change: bool,
        limits: SettleLimits,
        locked: dict[int, int] | None = None,
        check: Callable[[], None] | None = None,
    ) -> None:
        self.graph = graph
        self.w = weights
        self.cap = capacities
        self.T = target
        self.targets = (target * capacities).tolist()
        self.band = band
        self.existing = existing
        self.min_change = min_change and existing is not None
        self.limits = limits
        self.locked = dict(locked or {})
        self.check = check
        self._search: tuple[BandSearch, MinMaxDeviation | None] | None = None

    def searchable(self, has_frozen: bool) -> bool:
        """Small enough for the search; frozen parts (kept exactly) are not modelled."""
        n = self.graph.n
        return 0 < n <= self.limits.search_max_units and len(self.cap) <= n and not has_frozen

    def search(self, labels: IntArray) -> tuple[BandSearch, MinMaxDeviation | None]:
        """The band search (once): a plan inside the band, or the proof that there
        is none plus the branch and bound from ``labels`` to the best reachable deviation."""
        if self._search is None:
            limits = self.limits
            deadline = time.perf_counter() + limits.search_time_limit
            prefer = self.existing if self.min_change else None
            found = band_partition(
                self.graph, self.w, self.targets, self.band, limits.search_nodes, deadline,
                prefer=prefer, locked=self.locked, check=self.check,
            )  # fmt: skip
            best = None
            if found.status == "impossible":
                best = min_max_deviation(
                    self.graph, self.w, self.targets, labels, floor=self.band,
                    max_nodes=limits.search_nodes - found.nodes, deadline=deadline, prefer=prefer,
                    locked=self.locked, check=self.check,
                )  # fmt: skip
            self._search = (found, best)
        return self._search

    def settle(self, labels: IntArray, has_frozen: bool) -> Settled:
        """The heuristic's ``labels`` if inside the band (or nothing exact applies),
        else the exact answer: a plan inside the band, or the best reachable plan
        with the proof that the band is out of reach."""
        if not self.searchable(has_frozen):
            return Settled(labels, "heuristic")
        worst = max_deviation(labels, self.w, self.targets)
        if worst <= self.band + 1e-12:
            return Settled(labels, "heuristic")
        found, best = self.search(labels)
        impossible = found.status == "impossible"
        bound = best.lower_bound if best is not None else 0.0
        better = found.labels
        if best is not None:
            better = best.labels if best.max_deviation < worst - SEARCH_RESOLUTION else None
        if better is None:
            return Settled(labels, "heuristic", bound, impossible)
        if self.existing is not None:  # parts holding locked units keep their label
            fixed = set(self.locked.values())
            free = [k for k in range(len(self.cap)) if k not in fixed]
            better = relabel_to_existing(better, self.existing, self.w, self.cap, free)
        if self.min_change and found.status == "found" and \
                self.graph.n <= self.limits.exact_max_units:  # fmt: skip
            assert self.existing is not None  # the fewest households moved inside the band
            within = self._milp(
                existing=self.existing, max_deviation=self.band, initial_labels=better
            )
            if (
                within is not None
                and within.max_deviation <= self.band + 1e-9
                and households_moved(within.labels, self.existing, self.w)
                <= households_moved(better, self.existing, self.w)
            ):
                return Settled(within.labels, "milp")
        return Settled(better, "search", bound, impossible)

    def _milp(self, **kw: Any) -> ExactResult | None:
        """The exact MILP within ``exact_time_limit``; None if it gives no full plan."""
        from gridplanner.algorithms.exact import exact_partition

        try:
            res = exact_partition(
                self.graph, self.w, capacities=self.cap.tolist(), target=self.T,
                locked=self.locked or None, max_units=self.limits.exact_max_units,
                time_limit=self.limits.exact_time_limit, **kw,
            )  # fmt: skip
        except (InfeasibleError, TimeoutError):
            return None
        return res if (res.labels >= 0).all() else None


def relabel_to_existing(
    labels: IntArray,
    existing: np.ndarray,
    w: Sequence[float] | np.ndarray,
    cap: np.ndarray,
    parts: Sequence[int],
) -> IntArray:
    """``labels`` with ``parts`` renamed (only among parts of equal capacity) so
    that the most households keep their existing label."""
    out = labels.tolist()
    relabel_in_place(out, existing, w, list(range(len(labels))), parts, cap)
    return np.asarray(out, dtype=np.int64)


def relabel_in_place(
    labels: list[int],
    existing: np.ndarray,
    w: Sequence[float] | np.ndarray,
    units: Sequence[int],
    parts: Sequence[int],
    cap: np.ndarray,
) -> None:
    """Rename ``parts`` among ``units`` (only among parts of equal capacity) to
    maximise the households that keep their existing label."""
    pos = {k: i for i, k in enumerate(parts)}
    overlap = np.zeros((len(parts), len(parts)))
    for u in units:
        a, e = labels[u], int(existing[u])
        if a in pos and e in pos:
            overlap[pos[a], pos[e]] += w[u] + 1e-6
    c = np.array([cap[k] for k in parts])
    cost = -overlap + np.where(np.isclose(c[:, None], c[None, :]), 0.0, 1e12)
    rows, cols = linear_sum_assignment(cost)
    mapping = {parts[r]: parts[cc] for r, cc in zip(rows.tolist(), cols.tolist(), strict=True)}
    for u in units:
        if labels[u] in mapping:
            labels[u] = mapping[labels[u]]
