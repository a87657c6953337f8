"""Balancing benchmark: ours against METIS and GerryChain on the same graphs.

Not a test: it prints one table per data set, every method run in the same process
on the same unit graph and the same groups (each comprehensive grid's units into
as many equal parts as it has ordinary grids today), then the minimal-change
comparison on the sample's unbalanced community.

    pip install -e .[bench]          # pymetis, gerrychain
    python benchmarks/balance.py                      # generated street and county
    python benchmarks/balance.py --sizes street
    python benchmarks/balance.py --layer precincts.shp --weight POP --parts 8

Columns: units and parts balanced; seconds (wall, whole scope); max |deviation|
(worst part anywhere); groups within ±5%; groups where ours proved the band out of
reach (its report's bound; peers give no proof, "–"); parts that are not contiguous; mean
Polsby-Popper of the parts; households moved relative to today's grids (parts are
matched to today's grids by shared households first, so relabelling is free).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from gridplanner.algorithms import BalancedPartitioner, UnitGraph, build_adjacency
from gridplanner.algorithms.metrics import part_contiguity, polsby_popper

Solver = Callable[[UnitGraph, np.ndarray, int, np.ndarray, int], np.ndarray]


@dataclass
class Group:
    graph: UnitGraph
    weights: np.ndarray
    parts: int
    existing: np.ndarray  # today's labels 0..K-1 (or -1)


# our reports by graph, for the "proven out of reach" column (peers give no proof)
PROOFS: dict[int, bool] = {}


def ours(
    graph: UnitGraph, w: np.ndarray, k: int, existing: np.ndarray, seed: int, band: float = 0.05
) -> np.ndarray:
    solver = BalancedPartitioner(
        graph, w, n_parts=k, existing=existing, seed=seed, strict=False, band=band
    )
    labels = solver.solve()
    assert solver.report_ is not None
    PROOFS[id(graph)] = solver.report_.band_impossible
    return labels


def ours_layer(
    graph: UnitGraph, w: np.ndarray, k: int, existing: np.ndarray, seed: int
) -> np.ndarray:
    """As `gridplanner partition` runs it (see benchmarks/partition_layers.py)."""
    from gridplanner.algorithms.defaults import PARTITION_TOLERANCE
    from gridplanner.layer_partition import LAYER_RESTARTS, LAYER_SHAPE_WEIGHT, LAYER_TIME_BUDGET

    solver = BalancedPartitioner(
        graph, w, n_parts=k, seed=seed, strict=False, band=PARTITION_TOLERANCE, start="metis",
        w_shape=LAYER_SHAPE_WEIGHT, restarts=LAYER_RESTARTS, min_restarts=LAYER_RESTARTS,
        time_budget=LAYER_TIME_BUDGET,
    )  # fmt: skip
    return solver.solve()


def metis(graph: UnitGraph, w: np.ndarray, k: int, existing: np.ndarray, seed: int) -> np.ndarray:
    import pymetis

    xadj, adjncy, _ = graph.csr
    opts = pymetis.Options(seed=seed)
    vweights = np.maximum(np.rint(w), 1).astype(int).tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        _, parts = pymetis.part_graph(
            k, xadj=xadj.tolist(), adjncy=adjncy.tolist(), vweights=vweights, options=opts
        )
    return np.asarray(parts, dtype=np.int64)


def gerrychain(
    graph: UnitGraph, w: np.ndarray, k: int, existing: np.ndarray, seed: int
) -> np.ndarray:
    from functools import partial

    from gerrychain import Graph
    from gerrychain.partition.initial_partition_generators import recursive_tree_part
    from gerrychain.tree import bipartition_tree

    nxg = graph.to_networkx()
    for u in range(graph.n):
        nxg.nodes[u]["population"] = float(w[u])
    g = Graph.from_networkx(nxg)
    target = float(w.sum()) / k
    fn = partial(bipartition_tree, max_attempts=1000)
    for epsilon in (0.05, 0.1, 0.2, 0.4, 0.8, 1.6):  # widen until it finds a cut
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                assignment = recursive_tree_part(
                    g,
                    list(range(k)),
                    target,
                    "population",
                    epsilon,
                    bipartition_tree_fn=fn,
                    rng=random.Random(seed),
                )
            return np.array([assignment[u] for u in range(graph.n)], dtype=np.int64)
        except Exception:  # "could not find a balanced cut" and friends
            continue
    return np.full(graph.n, -1, dtype=np.int64)


def matched_moves(labels: np.ndarray, existing: np.ndarray, w: np.ndarray, k: int) -> float:
    """Households moved after renaming parts to best match today's grids."""
    ok = (labels >= 0) & (existing >= 0)
    overlap = np.zeros((k, k))
    np.add.at(overlap, (labels[ok], existing[ok]), w[ok])
    rows, cols = linear_sum_assignment(-overlap)
    kept = overlap[rows, cols].sum()
    return float(w[existing >= 0].sum() - kept)


def evaluate(name: str, solver: Solver, groups: list[Group], seed: int) -> dict[str, float | str]:
    PROOFS.clear()
    started = time.perf_counter()
    labels = [solver(g.graph, g.weights, g.parts, g.existing, seed) for g in groups]
    seconds = time.perf_counter() - started
    worst, within, broken, pps, moved, failed = 0.0, 0, 0, [], 0.0, 0
    devs: list[float] = []
    for g, lab in zip(groups, labels, strict=True):
        if (lab < 0).any():
            failed += 1
            continue
        hh = np.bincount(lab, weights=g.weights, minlength=g.parts)
        t = g.weights.sum() / g.parts
        dev = float(np.max(np.abs(hh - t) / t)) if t > 0 else 0.0
        worst = max(worst, dev)
        devs.append(dev)
        within += dev <= 0.05 + 1e-9
        broken += sum(not c for c in part_contiguity(g.graph, lab, g.parts))
        pps.extend(polsby_popper(g.graph, lab, g.parts).tolist())
        moved += matched_moves(lab, g.existing, g.weights, g.parts)
    return {
        "method": name,
        "units": sum(g.graph.n for g in groups),
        "parts": sum(g.parts for g in groups),
        "seconds": seconds,
        "max_dev": worst,
        "median_dev": float(np.median(devs)) if devs else float("nan"),
        "failed": failed,
        "within": f"{within}/{len(groups)}",
        "proven": f"{sum(PROOFS.get(id(g.graph), False) for g in groups)}" if PROOFS else "–",
        "noncontiguous": broken,
        "pp": float(np.mean(pps)) if pps else float("nan"),
        "moved": moved,
    }


def print_table(title: str, rows: list[dict[str, float | str]]) -> None:
    print(f"\n## {title}\n")
    print(
        "| method | units | parts | seconds | max abs dev % | median group max dev % "
        "| groups within ±5% | ±5% proven out of reach | groups failed | non-contiguous parts "
        "| mean Polsby-Popper | households moved |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['method']} | {r['units']} | {r['parts']} | {float(r['seconds']):.2f} | "
            f"{100 * float(r['max_dev']):.1f} | {100 * float(r['median_dev']):.1f} | "
            f"{r['within']} | {r['proven']} | {r['failed']} | {r['noncontiguous']} | "
            f"{float(r['pp']):.3f} | {float(r['moved']):.0f} |"
        )
    sys.stdout.flush()


def sample_groups(size: str, seed: int) -> tuple[list[Group], object, str]:
    from gridplanner.levels import Level
    from gridplanner.rollups import compute_rollups
    from gridplanner.sample import generate_sample

    project, defects = generate_sample(size, seed)
    rollups = compute_rollups(project)
    nodes = project.nodes
    metric = project.measuring_crs()
    groups: list[Group] = []
    for comp in project.level(Level.COMPREHENSIVE_GRID).index:
        grids = [
            g for g in nodes.index[nodes["parent_id"] == comp] if nodes.at[g, "kind"] == "ordinary"
        ]
        if len(grids) < 2:
            continue
        units = nodes.index[nodes["parent_id"].isin(grids)]
        geoms = nodes.loc[units].geometry.to_crs(metric).to_numpy()
        graph = build_adjacency(geoms, tolerance=0.5)
        local = {g: k for k, g in enumerate(grids)}
        existing = np.array([local[int(nodes.at[u, "parent_id"])] for u in units], dtype=np.int64)
        groups.append(
            Group(graph, rollups.loc[units, "households"].to_numpy(float), len(grids), existing)
        )
    unbalanced = next(d.codes[0] for d in defects if d.kind == "unbalanced_community")
    return groups, project, unbalanced


def min_change_rows(project: object, scope: str) -> list[str]:
    from gridplanner.balance import run_balance
    from gridplanner.balance_request import BalanceRequest

    out = []
    for label, request in (
        ("from scratch", BalanceRequest(scope)),
        ("--min-change", BalanceRequest(scope, min_change=True)),
    ):
        started = time.perf_counter()
        result = run_balance(project, request)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
        within = sum(1 for g in result.groups if g.report and g.report.within_band)
        out.append(
            f"| {label} | {seconds:.2f} | {within}/{len(result.groups)} | "
            f"{result.households_moved:.0f} | {len(result.recoded)} |"
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=["street", "county"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layer")
    parser.add_argument("--weight")
    parser.add_argument("--parts", type=int)
    parser.add_argument("--crs", help="CRS of a layer without .prj, e.g. EPSG:26917")
    parser.add_argument("--skip", nargs="*", default=[], help="methods to skip: metis gerrychain")
    args = parser.parse_args()
    methods: list[tuple[str, Solver]] = [("gridplanner", ours)]
    if "metis" not in args.skip:
        methods.append(("METIS (pymetis)", metis))
    if "gerrychain" not in args.skip:
        methods.append(("GerryChain recursive_tree_part", gerrychain))
    print(
        f"# balancing benchmark (seed {args.seed}); command: python benchmarks/balance.py "
        + " ".join(sys.argv[1:])
    )
    for size in args.sizes:
        groups, project, unbalanced = sample_groups(size, args.seed)
        rows = [evaluate(name, fn, groups, args.seed) for name, fn in methods]
        print_table(f"generated {size}: every comprehensive grid into its number of grids", rows)
        print(f"\n### minimal change on the unbalanced community {unbalanced} ({size})\n")
        print("| run | seconds | groups within band | households moved | units recoded |")
        print("|---|---|---|---|---|")
        for line in min_change_rows(project, unbalanced):
            print(line)
    if args.layer:
        from gridplanner.layer_partition import metric_crs_for, read_polygons

        frame = read_polygons(args.layer, crs=args.crs)
        geoms = frame.geometry.to_crs(metric_crs_for(frame)).make_valid().to_numpy()
        graph = build_adjacency(geoms, tolerance=0.01)
        w = frame[args.weight].to_numpy(float)
        group = Group(graph, w, args.parts, np.full(graph.n, -1, dtype=np.int64))
        layer_methods = [("gridplanner partition", ours_layer), *methods[1:]]
        rows = [evaluate(name, fn, [group], args.seed) for name, fn in layer_methods]
        print_table(f"{args.layer}: {args.parts} parts on {args.weight}", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
