"""Balance many parents (e.g. every community of a street) independently.

Each parent's units are partitioned on the parent's own subgraph, so a part
never crosses a parent boundary. With ``processes > 1`` the parents run in a
``ProcessPoolExecutor``; each parent gets its own seed derived from ``seed``
and its position in ``groups``, so results are identical for any
``processes``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from gridplanner.algorithms.adjacency import IntArray, UnitGraph
from gridplanner.algorithms.errors import Cancelled, InfeasibleError
from gridplanner.algorithms.partition import BalancedPartitioner
from gridplanner.algorithms.report import PartitionReport


@dataclass
class GroupResult:
    """Outcome for one parent: ``labels`` are local part indices (0..K-1) in the
    order of the parent's ``units``; ``error`` is set instead when infeasible."""

    key: Hashable
    units: IntArray
    labels: IntArray | None
    report: PartitionReport | None
    error: InfeasibleError | None = None


def _solve_group(
    key: Hashable,
    units: IntArray,
    sub: UnitGraph,
    weights: IntArray,
    parts: int | Sequence[float],
    existing: IntArray | None,
    locked: npt.NDArray[np.bool_] | None,
    seed: int,
    options: dict[str, Any],
) -> GroupResult:
    kw: dict[str, Any] = dict(options)
    if existing is not None and not (existing >= 0).any():
        existing = None  # a parent without existing labels starts from scratch
    if isinstance(parts, int):
        kw["n_parts"] = parts
    else:
        kw["capacities"] = list(parts)
    try:
        solver = BalancedPartitioner(sub, weights, existing=existing, locked_units=locked,
                                     seed=seed, **kw)
        labels = solver.solve()
    except InfeasibleError as exc:
        return GroupResult(key, units, None, None, exc)
    return GroupResult(key, units, labels, solver.report_)


def _solve_chunk(jobs: list[tuple[Any, ...]]) -> list[GroupResult]:
    return [_solve_group(*job) for job in jobs]


def balance_nested(
    graph: UnitGraph,
    weights: npt.ArrayLike,
    groups: Mapping[Hashable, Sequence[int] | npt.ArrayLike],
    parts: Mapping[Hashable, int | Sequence[float]],
    existing: npt.ArrayLike | None = None,
    locked_units: npt.ArrayLike | None = None,
    seed: int = 0,
    processes: int = 1,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    group_options: Mapping[Hashable, Mapping[str, Any]] | None = None,
    **options: Any,
) -> dict[Hashable, GroupResult]:
    """Partition each parent's units into its own parts.

    ``groups`` maps a parent key to its unit indices (in ``graph``); ``parts``
    maps the key to a number of parts or a list of worker capacities.
    ``existing`` holds *local* part labels per unit (-1 = none) and
    ``locked_units`` a boolean mask over all units. ``options`` are passed to
    :class:`BalancedPartitioner` (``target``, ``band``, ``min_change``,
    ``restarts``, ``strict``...); ``group_options`` overrides them for single parents
    (e.g. each parent's own ``band``). Infeasible parents are reported in
    ``GroupResult.error``; the others still get a plan.
    """
    w = np.asarray(weights)
    ex = None if existing is None else np.asarray(existing, dtype=np.int64)
    lk = None if locked_units is None else np.asarray(locked_units, dtype=bool)
    seen = np.zeros(graph.n, dtype=bool)
    jobs = []
    for pos, (key, idx) in enumerate(groups.items()):
        units = np.asarray(idx, dtype=np.int64)
        if seen[units].any():
            dup = units[seen[units]][:5].tolist()
            raise ValueError(f"units {dup} belong to more than one parent (second: {key!r})")
        seen[units] = True
        child_seed = int(np.random.SeedSequence([seed, pos]).generate_state(1)[0])
        jobs.append((
            key, units, graph.subgraph(units), w[units], parts[key],
            None if ex is None else ex[units], None if lk is None else lk[units],
            child_seed, {**options, **(group_options or {}).get(key, {})},
        ))
    results: dict[Hashable, GroupResult] = {}
    total = len(jobs)

    def _done(res: GroupResult) -> None:
        results[res.key] = res
        if progress is not None:
            progress(len(results) / max(total, 1), f"balanced {len(results)}/{total}")

    if processes <= 1 or total <= 1:
        for job in jobs:
            if cancel is not None and cancel():
                raise Cancelled("balancing cancelled")
            _done(_solve_group(*job))
    else:
        # a few chunks per worker: small parents cost less than a task round trip
        size = max(1, -(-total // (4 * processes)))
        chunks = [jobs[i : i + size] for i in range(0, total, size)]
        with ProcessPoolExecutor(max_workers=processes) as pool:
            pending: set[Future[list[GroupResult]]] = {
                pool.submit(_solve_chunk, c) for c in chunks
            }
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in finished:
                    for res in fut.result():
                        _done(res)
                if cancel is not None and cancel():
                    for fut in pending:
                        fut.cancel()
                    raise Cancelled("balancing cancelled")
    return {job[0]: results[job[0]] for job in jobs}


def assemble_labels(results: Mapping[Hashable, GroupResult], n: int) -> IntArray:
    """Global labels ``(parent position, local part)`` flattened into one int
    array: part ids are offset per parent in ``results`` order; -1 where a
    parent failed or a unit belongs to no parent."""
    out = np.full(n, -1, dtype=np.int64)
    offset = 0
    for res in results.values():
        if res.labels is not None and res.report is not None:
            out[res.units] = res.labels + offset
            offset += len(res.report.parts)
    return out
