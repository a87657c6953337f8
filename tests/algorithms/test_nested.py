"""balance_nested: parents are balanced independently, results independent of processes."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gridplanner.algorithms import metrics
from gridplanner.algorithms.adjacency import UnitGraph, build_adjacency
from gridplanner.algorithms.errors import Cancelled
from gridplanner.algorithms.nested import assemble_labels, balance_nested


def blocks() -> tuple[UnitGraph, dict[str, np.ndarray]]:
    """A 4x8 grid; parents are the left and right 4x4 halves plus a strip."""
    g = build_adjacency([shapely.box(c, r, c + 1, r + 1) for r in range(4) for c in range(8)])
    cols = np.arange(32) % 8
    groups = {
        "210283001001": np.flatnonzero(cols < 4),
        "210283001002": np.flatnonzero((cols >= 4) & (cols < 7)),
        "210283001003": np.flatnonzero(cols == 7),
    }
    return g, groups


def test_nested_never_crosses_a_parent_and_is_deterministic() -> None:
    g, groups = blocks()
    w = np.random.default_rng(0).integers(10, 30, size=32)
    parts: dict[str, int | list[float]] = {
        "210283001001": 2, "210283001002": [1.0, 2.0], "210283001003": 1,
    }
    serial = balance_nested(g, w, groups, parts, seed=4, processes=1, strict=False)  # type: ignore[arg-type]
    parallel = balance_nested(g, w, groups, parts, seed=4, processes=2, strict=False)  # type: ignore[arg-type]
    assert list(serial) == list(groups)
    for key, res in serial.items():
        assert res.error is None and res.labels is not None and res.report is not None
        assert res.units.tolist() == groups[key].tolist()
        assert res.labels.tolist() == parallel[key].labels.tolist()  # type: ignore[union-attr]
        sub = g.subgraph(res.units)
        k = len(res.report.parts)
        assert all(metrics.part_contiguity(sub, res.labels, k))
    flat = assemble_labels(serial, g.n)
    assert (flat >= 0).all() and len(set(flat.tolist())) == 5
    for key, idx in groups.items():  # a global part stays inside one parent
        for other, jdx in groups.items():
            if key != other:
                assert not set(flat[idx].tolist()) & set(flat[jdx].tolist())


def test_nested_reports_infeasible_parents_without_failing_others() -> None:
    g, groups = blocks()
    w = np.full(32, 10)
    res = balance_nested(g, w, groups, {"210283001001": 2, "210283001002": 2,
                                        "210283001003": 5})  # type: ignore[arg-type]
    assert res["210283001001"].error is None
    err = res["210283001003"].error
    assert err is not None and err.reason_code == "too_many_parts"
    assert res["210283001003"].labels is None


def test_nested_progress_cancel_and_overlap() -> None:
    g, groups = blocks()
    w = np.full(32, 10)
    parts = dict.fromkeys(groups, 1)
    seen: list[float] = []
    balance_nested(g, w, groups, parts, progress=lambda f, m: seen.append(f))  # type: ignore[arg-type]
    assert seen[-1] == 1.0 and len(seen) == 3
    with pytest.raises(Cancelled):
        balance_nested(g, w, groups, parts, cancel=lambda: True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="more than one parent"):
        balance_nested(g, w, {"a": [0, 1], "b": [1, 2]}, {"a": 1, "b": 1})
