"""Property tests on random planar graphs (Voronoi cells clipped to a box)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from random_graphs import SETTINGS, voronoi_graph

from gridplanner.algorithms import metrics
from gridplanner.algorithms.errors import InfeasibleError
from gridplanner.algorithms.partition import BalancedPartitioner


@SETTINGS
@given(n=st.integers(10, 50), k=st.integers(2, 6), seed=st.integers(0, 10_000))
def test_parts_are_contiguous_deterministic_and_complete(n: int, k: int, seed: int) -> None:
    g = voronoi_graph(n, seed)
    w = np.random.default_rng(seed).integers(10, 60, size=n)
    kw = dict(n_parts=k, seed=seed, strict=False, restarts=3)
    solver = BalancedPartitioner(g, w, **kw)  # type: ignore[arg-type]
    labels = solver.solve()
    assert set(labels.tolist()) == set(range(k))
    assert all(metrics.part_contiguity(g, labels, k))
    assert solver.report_ is not None and solver.report_.all_contiguous
    again = BalancedPartitioner(g, w, **kw).solve()  # type: ignore[arg-type]
    assert labels.tolist() == again.tolist()
    # with about 8+ units per part the ±5% band is reachable
    if n >= 8 * k:
        assert solver.report_.max_abs_deviation <= 0.05 + 1e-9


@SETTINGS
@given(
    n=st.integers(12, 40),
    k=st.integers(2, 4),
    seed=st.integers(0, 10_000),
    min_change=st.booleans(),
)
def test_locked_units_keep_their_label(n: int, k: int, seed: int, min_change: bool) -> None:
    g = voronoi_graph(n, seed)
    rng = np.random.default_rng(seed)
    w = rng.integers(10, 60, size=n)
    existing = BalancedPartitioner(
        g, rng.integers(1, 100, size=n), n_parts=k, seed=1, strict=False, restarts=1
    ).solve()
    locked = rng.random(n) < 0.2
    solver = BalancedPartitioner(
        g,
        w,
        n_parts=k,
        existing=existing,
        locked_units=locked,
        min_change=min_change,
        seed=seed,
        strict=False,
        restarts=2,
    )
    labels = solver.solve()
    assert (labels[locked] == existing[locked]).all()
    assert all(metrics.part_contiguity(g, labels, k))
    assert set(labels.tolist()) == set(range(k))


@SETTINGS
@given(n=st.integers(16, 48), k=st.integers(2, 4), seed=st.integers(0, 10_000))
def test_min_change_never_moves_a_balanced_plan(n: int, k: int, seed: int) -> None:
    g = voronoi_graph(n, seed)
    w = np.random.default_rng(seed).integers(10, 60, size=n)
    plan = BalancedPartitioner(g, w, n_parts=k, seed=seed, strict=False, restarts=2)
    existing = plan.solve()
    assert plan.report_ is not None
    solver = BalancedPartitioner(
        g,
        w,
        n_parts=k,
        existing=existing,
        min_change=True,
        band=max(0.05, plan.report_.max_abs_deviation),
        strict=False,
    )
    labels = solver.solve()
    assert labels.tolist() == existing.tolist()
    assert solver.report_ is not None and solver.report_.households_moved == 0


@SETTINGS
@given(n=st.integers(3, 30), k=st.integers(1, 8), seed=st.integers(0, 10_000))
def test_infeasible_requests_use_documented_codes(n: int, k: int, seed: int) -> None:
    g = voronoi_graph(n, seed)
    w = np.random.default_rng(seed).integers(0, 300, size=n)
    try:
        labels = BalancedPartitioner(g, w, n_parts=k, seed=seed, restarts=1).solve()
    except InfeasibleError as exc:
        assert exc.reason_code in {"unit_too_large", "too_many_parts", "choke_point", "island"}
        assert exc.message
    else:
        assert all(metrics.part_contiguity(g, labels, k))


@SETTINGS
@given(n=st.integers(20, 60), k=st.integers(2, 6), seed=st.integers(0, 10_000))
def test_compactness_polish_shortens_cuts_and_keeps_the_worst_part(
    n: int, k: int, seed: int
) -> None:
    graph = voronoi_graph(n, seed)
    w = np.random.default_rng(seed).integers(10, 120, graph.n).astype(float)
    plain = BalancedPartitioner(
        graph,
        w,
        n_parts=k,
        seed=seed,
        strict=False,
        compactness_polish=False,
        exact_max_units=0,
        search_max_units=0,
    )
    polished = BalancedPartitioner(
        graph, w, n_parts=k, seed=seed, strict=False, exact_max_units=0, search_max_units=0
    )
    a, b = plain.solve(), polished.solve()
    assert plain.report_ is not None and polished.report_ is not None
    assert metrics.cut_length(graph, b) <= metrics.cut_length(graph, a) + 1e-9
    limit = max(plain.report_.max_abs_deviation, plain.band)
    assert polished.report_.max_abs_deviation <= limit + 1e-9
    assert polished.report_.all_contiguous
