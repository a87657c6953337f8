"""The balancing objective: a full form and an incremental (single-move) form.

objective = penalty × band_violation
          + w_balance × Σ_k dev_k²
          + w_compactness × compactness
          + w_shape × mean_k (1 − PP_k)
          + w_disruption × moved_households / total_households

* ``dev_k = (h_k - t_k) / t_k``; ``band_violation = Σ_k max(0, |dev_k| - band)²``
  (large ``penalty``: getting into the band comes first);
* ``compactness = (Σ_cut-edges cost_e + Σ_barrier-edges penalty·len_e) / Σ len_e``
  where ``cost_e`` is the edge length (or ``-penalty·length`` for a penalised
  barrier edge): a cut-boundary fraction that is ≥ 0 and lower is better;
* ``PP_k = 4π A_k / P_k²`` is part k's Polsby-Popper score (area over squared
  perimeter, 1 for a disc): the shape term rewards round parts directly, where the cut
  length only rewards short boundaries overall. Its incremental form needs the parts'
  areas and perimeters, which :class:`~gridplanner.algorithms.local_search.MoveState`
  keeps (``shape``);
* moved households are counted against an existing assignment (0 without one).

Locked parts are excluded from the balance terms (they cannot change).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gridplanner.algorithms.adjacency import UnitGraph
from gridplanner.algorithms.defaults import BALANCE_TOLERANCE
from gridplanner.algorithms.metrics import part_area_perimeter


@dataclass(frozen=True)
class ObjectiveTerms:
    band_violation: float
    balance: float
    compactness: float
    disruption: float
    total: float
    shape: float = 0.0


class Objective:
    """Holds the data of one balancing problem and evaluates labels or moves."""

    def __init__(
        self,
        graph: UnitGraph,
        weights: npt.ArrayLike,
        targets: Sequence[float] | npt.ArrayLike,
        band: float = BALANCE_TOLERANCE,
        existing: npt.ArrayLike | None = None,
        w_balance: float = 1.0,
        w_compactness: float = 0.05,
        w_disruption: float = 0.2,
        band_penalty: float = 1000.0,
        frozen_parts: Sequence[int] = (),
        w_shape: float = 0.0,
    ) -> None:
        self.graph = graph
        self.w = np.asarray(weights, dtype=np.float64)
        self.targets = np.asarray(targets, dtype=np.float64)
        self.k = len(self.targets)
        self.band = float(band)
        self.w_balance = float(w_balance)
        self.w_compactness = float(w_compactness)
        self.w_disruption = float(w_disruption)
        self.band_penalty = float(band_penalty)
        self.existing = (
            np.full(graph.n, -1, dtype=np.int64)
            if existing is None
            else np.asarray(existing, dtype=np.int64)
        )
        total_len = float(graph.shared_length.sum())
        self.length_scale = 1.0 / total_len if total_len > 0 else 0.0
        self.barrier_constant = float(
            (graph.barrier_penalty * graph.shared_length[graph.barrier]).sum()
        )
        total_w = float(self.w.sum())
        self.household_scale = 1.0 / total_w if total_w > 0 else 0.0
        # python-side copies for the inner loop
        self.active = [True] * self.k
        for p in frozen_parts:
            self.active[int(p)] = False
        self.t_list = [float(t) if t > 0 else 1.0 for t in self.targets.tolist()]
        self.w_list = self.w.tolist()
        self.existing_list = self.existing.tolist()
        self.nbrs = graph.weighted_neighbours
        self.w_shape = float(w_shape)
        self.n_active = max(1, sum(self.active))
        if self.w_shape > 0:
            self.unit_area = graph.area.tolist()
            self.unit_perimeter = graph.perimeter.tolist()
            self.len_nbrs = graph.length_neighbours

    # -- per-part balance contribution ---------------------------------------
    def part_terms(self, k: int, h: float) -> tuple[float, float]:
        """(band violation, squared deviation) of part ``k`` with ``h`` households."""
        if not self.active[k]:
            return 0.0, 0.0
        d = (h - self.t_list[k]) / self.t_list[k]
        over = abs(d) - self.band
        return (over * over if over > 0 else 0.0), d * d

    # -- full form -----------------------------------------------------------
    def terms(self, labels: npt.ArrayLike) -> ObjectiveTerms:
        lab = np.asarray(labels, dtype=np.int64)
        h = np.bincount(lab, weights=self.w, minlength=self.k)
        viol = bal = 0.0
        for k in range(self.k):
            v, b = self.part_terms(k, float(h[k]))
            viol += v
            bal += b
        g = self.graph
        cut = lab[g.i] != lab[g.j]
        comp = (float(g.edge_cut_cost[cut].sum()) + self.barrier_constant) * self.length_scale
        moved = (self.existing >= 0) & (lab != self.existing)
        dis = float(self.w[moved].sum()) * self.household_scale
        shape = 0.0
        if self.w_shape > 0:
            area, perim = part_area_perimeter(g, lab, self.k)
            shape = sum(
                1.0 - _pp(float(area[k]), float(perim[k])) for k in range(self.k) if self.active[k]
            ) / self.n_active
        total = (
            self.band_penalty * viol
            + self.w_balance * bal
            + self.w_compactness * comp
            + self.w_shape * shape
            + self.w_disruption * dis
        )
        return ObjectiveTerms(viol, bal, comp, dis, total, shape)

    def shape_state(self, labels: Sequence[int]) -> tuple[list[float], list[float]] | None:
        """Per part (area, perimeter) for the incremental shape term (None without one)."""
        if self.w_shape <= 0:
            return None
        area, perim = part_area_perimeter(self.graph, np.asarray(labels), self.k)
        return area.tolist(), perim.tolist()

    def shared_with(self, labels: Sequence[int], u: int, a: int, b: int) -> tuple[float, float]:
        """Boundary ``u`` shares with the rest of part ``a`` and with part ``b``."""
        sa = sb = 0.0
        for v, length in self.len_nbrs[u]:
            lv = labels[v]
            if lv == a and v != u:
                sa += length
            elif lv == b:
                sb += length
        return sa, sb

    def delta_shape(
        self, labels: Sequence[int], shape: tuple[list[float], list[float]], u: int, a: int,
        b: int,
    ) -> float:  # fmt: skip
        """Change of mean (1 − PP) when ``u`` moves a → b (O(degree))."""
        area, perim = shape
        sa, sb = self.shared_with(labels, u, a, b)
        au, pu = self.unit_area[u], self.unit_perimeter[u]
        d = 0.0
        if self.active[a]:
            d += _pp(area[a], perim[a]) - _pp(area[a] - au, perim[a] - pu + 2.0 * sa)
        if self.active[b]:
            d += _pp(area[b], perim[b]) - _pp(area[b] + au, perim[b] + pu - 2.0 * sb)
        return d / self.n_active

    def full(self, labels: npt.ArrayLike) -> float:
        return self.terms(labels).total

    # -- incremental form ----------------------------------------------------
    def delta_balance(self, h: Sequence[float], u: int, a: int, b: int) -> tuple[float, float]:
        """Change of (band violation, balance) when unit ``u`` moves a → b."""
        wu = self.w_list[u]
        va0, ba0 = self.part_terms(a, h[a])
        vb0, bb0 = self.part_terms(b, h[b])
        va1, ba1 = self.part_terms(a, h[a] - wu)
        vb1, bb1 = self.part_terms(b, h[b] + wu)
        return va1 + vb1 - va0 - vb0, ba1 + bb1 - ba0 - bb0

    def delta_compactness(self, labels: Sequence[int], u: int, a: int, b: int) -> float:
        d = 0.0
        for v, c in self.nbrs[u]:
            lv = labels[v]
            if lv == a:
                d += c  # becomes cut
            elif lv == b:
                d -= c  # no longer cut
        return d * self.length_scale

    def delta_disruption(self, u: int, a: int, b: int) -> float:
        e = self.existing_list[u]
        if e < 0:
            return 0.0
        return self.w_list[u] * ((b != e) - (a != e)) * self.household_scale

    def delta(
        self,
        labels: Sequence[int],
        h: Sequence[float],
        u: int,
        b: int,
        shape: tuple[list[float], list[float]] | None = None,
    ) -> float:
        """Change of the total objective when unit ``u`` moves to part ``b`` (``shape``:
        the parts' areas and perimeters, when the objective has a shape term)."""
        a = labels[u]
        dv, db = self.delta_balance(h, u, a, b)
        out = (
            self.band_penalty * dv
            + self.w_balance * db
            + self.w_compactness * self.delta_compactness(labels, u, a, b)
            + self.w_disruption * self.delta_disruption(u, a, b)
        )
        if shape is not None and self.w_shape > 0:
            out += self.w_shape * self.delta_shape(labels, shape, u, a, b)
        return out


def _pp(area: float, perimeter: float) -> float:
    """Polsby-Popper 4πA/P² (0 for an empty part)."""
    return 4.0 * np.pi * area / (perimeter * perimeter) if perimeter > 1e-12 else 0.0
