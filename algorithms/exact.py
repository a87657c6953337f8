"""Exact balanced contiguous partitioning as a MILP (HiGHS via highspy).

For small instances only (≤ ~60 units, few parts): it is the yardstick that
tells how far the heuristic is from optimal. Model:

* ``x[u,k]`` binary: unit u in part k; ``Σ_k x[u,k] = 1``;
* contiguity by single-commodity flow (Shirabe 2005): each part k has one
  root ``r[u,k] ≤ x[u,k]``, ``Σ_u r[u,k] = 1``; every other unit of k sends one
  unit of flow to the root along arcs whose two ends are both in k
  (``f[u→v,k] ≤ M·x[u,k]``, ``≤ M·x[v,k]``,
  ``out(u) − in(u) ≥ x[u,k] − M·r[u,k]``);
* balance: ``|Σ_u w_u x[u,k] − t_k| ≤ z·t_k``; minimise ``z`` (the maximum
  relative deviation), plus ``compactness_weight`` × cut-length fraction.

Symmetry breaking: a part's root is its smallest unit; without locks,
consecutive parts of equal target are ordered by root.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix

from gridplanner.algorithms.adjacency import IntArray, UnitGraph
from gridplanner.algorithms.errors import InfeasibleError


@dataclass(frozen=True)
class ExactResult:
    labels: IntArray
    objective: float  # max |relative deviation| of the returned labels (+ compactness term)
    max_deviation: float
    lower_bound: float  # proven lower bound on the objective
    gap: float  # objective - lower_bound (absolute, in deviation units)
    optimal: bool
    status: str


def exact_partition(
    graph: UnitGraph,
    weights: npt.ArrayLike,
    n_parts: int | None = None,
    capacities: Sequence[float] | None = None,
    target: float | None = None,
    locked: dict[int, int] | None = None,
    compactness_weight: float = 0.0,
    time_limit: float = 30.0,
    max_units: int = 80,
    initial_labels: npt.ArrayLike | None = None,
    existing: npt.ArrayLike | None = None,
    max_deviation: float | None = None,
) -> ExactResult:
    """Solve the balanced contiguous partition exactly (or to ``time_limit``).

    ``locked`` maps unit → part. ``target`` is households per capacity unit
    (default: total households / total capacity). ``initial_labels`` (e.g. the
    heuristic's plan) is passed to HiGHS as a starting incumbent.

    Minimal-change form: with ``existing`` labels and ``max_deviation`` the model
    keeps every part within ±``max_deviation`` and minimises the households that
    leave their existing part instead (infeasible → :class:`InfeasibleError`)."""
    import highspy  # local import: only needed for the yardstick

    w = np.asarray(weights, dtype=np.float64)
    n = graph.n
    if n > max_units:
        raise ValueError(f"exact_partition is for small graphs (≤ {max_units} units), got {n}")
    if capacities is None:
        if n_parts is None:
            raise ValueError("give n_parts or capacities")
        cap = np.ones(n_parts)
    else:
        cap = np.asarray(capacities, dtype=np.float64)
    K = len(cap)
    if n < K:
        raise InfeasibleError("too_many_parts", f"{K} parts but only {n} units")
    T = float(w.sum() / cap.sum()) if target is None else float(target)
    t = T * cap

    # arcs (both directions)
    src = np.concatenate([graph.i, graph.j])
    dst = np.concatenate([graph.j, graph.i])
    A = len(src)
    m = graph.n_edges
    M = float(n - K + 1)
    # column layout
    nx_ = n * K
    x0, r0, f0 = 0, nx_, 2 * nx_
    z_col = f0 + A * K
    use_cut = compactness_weight > 0 and m > 0
    y0 = z_col + 1
    ncol = y0 + (m if use_cut else 0)

    def X(u: int | IntArray, k: int | IntArray) -> IntArray:
        return np.asarray(x0 + np.asarray(u) * K + np.asarray(k), dtype=np.int64)

    def R(u: int | IntArray, k: int | IntArray) -> IntArray:
        return np.asarray(r0 + np.asarray(u) * K + np.asarray(k), dtype=np.int64)

    def F(a: int | IntArray, k: int | IntArray) -> IntArray:
        return np.asarray(f0 + np.asarray(a) * K + np.asarray(k), dtype=np.int64)

    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[npt.NDArray[np.float64]] = []
    lo: list[float] = []
    hi: list[float] = []
    inf = highspy.kHighsInf
    nrow = 0

    def add(c: IntArray, v: npt.ArrayLike, lb: float, ub: float) -> None:
        nonlocal nrow
        c = np.asarray(c, dtype=np.int64).ravel()
        rows.append(np.full(len(c), nrow, dtype=np.int64))
        cols.append(c)
        vals.append(np.broadcast_to(np.asarray(v, dtype=np.float64), c.shape).copy())
        lo.append(lb)
        hi.append(ub)
        nrow += 1

    ks = np.arange(K)
    for u in range(n):
        add(X(u, ks), 1.0, 1.0, 1.0)
    for k in range(K):
        add(R(np.arange(n), k), 1.0, 1.0, 1.0)
        # h_k - z t_k <= t_k ;  h_k + z t_k >= t_k
        add(np.append(X(np.arange(n), k), z_col), np.append(w, -t[k]), -inf, t[k])
        add(np.append(X(np.arange(n), k), z_col), np.append(w, t[k]), t[k], inf)
        for u in range(n):
            add(np.array([R(u, k), X(u, k)]), [1.0, -1.0], -inf, 0.0)
    for k in range(K):
        for a in range(A):
            add(np.array([F(a, k), X(int(src[a]), k)]), [1.0, -M], -inf, 0.0)
            add(np.array([F(a, k), X(int(dst[a]), k)]), [1.0, -M], -inf, 0.0)
        for u in range(n):
            out_a = np.flatnonzero(src == u)
            in_a = np.flatnonzero(dst == u)
            c = np.concatenate([F(out_a, k), F(in_a, k), [X(u, k), R(u, k)]])
            v = np.concatenate([np.ones(len(out_a)), -np.ones(len(in_a)), [-1.0, M]])
            add(c, v, 0.0, inf)
    # symmetry breaking: the root of a part is its smallest unit, and parts of
    # equal target are ordered by their root (labels = order of first unit)
    for k in range(K):
        for u in range(1, n):
            v = np.arange(u)
            add(np.append(X(v, k), R(u, k)), np.append(np.ones(u), float(u)), -inf, float(u))
    keep = None if existing is None else np.asarray(existing, dtype=np.int64)
    if keep is not None and max_deviation is None:
        raise ValueError("existing labels need max_deviation (the band to stay within)")
    if not locked and keep is None:
        for k in range(K - 1):
            if np.isclose(cap[k], cap[k + 1]):
                us = np.arange(n)
                add(np.concatenate([R(us, k), R(us, k + 1)]),
                    np.concatenate([us.astype(float), -us.astype(float)]), -inf, -1.0)
    if use_cut:
        for e in range(m):
            for k in range(K):
                a_, b_ = int(graph.i[e]), int(graph.j[e])
                add(np.array([y0 + e, X(a_, k), X(b_, k)]), [1.0, -1.0, 1.0], 0.0, inf)

    col_lower = np.zeros(ncol)
    col_upper = np.full(ncol, inf)
    col_upper[x0 : x0 + 2 * nx_] = 1.0
    if use_cut:
        col_upper[y0:] = 1.0
    for u, k in (locked or {}).items():
        col_lower[X(u, k)] = 1.0
    cost = np.zeros(ncol)
    cost[z_col] = 1.0
    if keep is not None:
        assert max_deviation is not None
        col_upper[z_col] = float(max_deviation)
        cost[z_col] = 0.0
        mine = np.flatnonzero(keep >= 0)
        cost[X(mine, keep[mine])] = -w[mine] / max(float(w.sum()), 1.0)
    total_len = float(graph.shared_length.sum())
    if use_cut and total_len > 0:
        cost[y0:] = compactness_weight * graph.shared_length / total_len
    integrality = np.zeros(ncol, dtype=np.int64)
    integrality[x0 : x0 + 2 * nx_] = 1

    mat = coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(nrow, ncol)
    ).tocsc()
    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = nrow
    lp.col_cost_ = cost
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = np.asarray(lo)
    lp.row_upper_ = np.asarray(hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr
    lp.a_matrix_.index_ = mat.indices
    lp.a_matrix_.value_ = mat.data
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if v else highspy.HighsVarType.kContinuous
        for v in integrality
    ]
    with _quiet_stdout():  # highspy prints a banner when the first Highs() is made
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    if initial_labels is not None:
        h.setSolution(_warm_start(graph, np.asarray(initial_labels), w, t, K, ncol, src, dst))
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        if status == "Infeasible":
            raise InfeasibleError("choke_point", "no contiguous assignment of whole units exists")
        raise TimeoutError(f"HiGHS found no solution ({status})")
    sol = np.asarray(h.getSolution().col_value)
    xs = sol[x0 : x0 + nx_].reshape(n, K)
    labels = np.argmax(xs, axis=1).astype(np.int64)
    hh = np.bincount(labels, weights=w, minlength=K)
    maxdev = float(np.max(np.abs(hh - t) / t))
    obj = float(info.objective_function_value)
    bound = float(info.mip_dual_bound)
    return ExactResult(
        labels=labels,
        objective=obj,
        max_deviation=maxdev,
        lower_bound=bound,
        gap=max(obj - bound, 0.0),
        optimal=status == "Optimal",
        status=status,
    )


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence C-level writes to stdout (file descriptor 1) for a moment."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _warm_start(
    graph: UnitGraph,
    labels: IntArray,
    w: npt.NDArray[np.float64],
    t: npt.NDArray[np.float64],
    K: int,
    ncol: int,
    src: IntArray,
    dst: IntArray,
) -> Any:
    """A full primal solution (x, r, flows along BFS trees, z) from labels."""
    import highspy

    n = graph.n
    nx_ = n * K
    col = np.zeros(ncol)
    adj = graph.adjacency_lists
    arc_of = {(int(a), int(b)): e for e, (a, b) in enumerate(zip(src, dst, strict=True))}
    for k in range(K):
        members = np.flatnonzero(labels == k).tolist()
        if not members:
            continue
        root = members[0]
        col[nx_ + root * K + k] = 1.0
        parent = {root: -1}
        order = [root]
        for x in order:
            for y in adj[x]:
                if y not in parent and labels[y] == k:
                    parent[y] = x
                    order.append(y)
        sub = dict.fromkeys(order, 1.0)
        for y in reversed(order[1:]):
            p = parent[y]
            col[2 * nx_ + arc_of[(y, p)] * K + k] = sub[y]
            sub[p] += sub[y]
    for u in range(n):
        col[u * K + int(labels[u])] = 1.0
    hh = np.bincount(labels, weights=w, minlength=K)
    col[2 * nx_ + len(src) * K] = float(np.max(np.abs(hh - t) / t))
    sol = highspy.HighsSolution()
    sol.col_value = col.tolist()
    sol.value_valid = True
    return sol


def optimality_gap(heuristic_max_deviation: float, exact: ExactResult) -> float:
    """How much worse (in max |relative deviation|) the heuristic is than the
    proven lower bound of the exact model (0 = provably optimal)."""
    return max(heuristic_max_deviation - exact.lower_bound, 0.0)
