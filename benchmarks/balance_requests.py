"""Every balance request a planner can pick, on a whole generated county or city.

Not a test: it runs tier × mode × minimal change × locks (× vacancies on the grid
tier) through the one resolver and balancer (:func:`gridplanner.balance.run_balance`,
what the CLI, the app and QGIS call) on one scope, and prints per combination the
groups balanced, skipped and failed, the worst deviation from the even load and from
the planner's target, grids without a worker that gained households, workers needed,
and the seconds. *errors* are faults; *infeasible* are groups refused with the rule
that forbids them (e.g. locked grids cutting a unit off its grid), named in words.

    python benchmarks/balance_requests.py                    # generates the county
    python benchmarks/balance_requests.py --project city.gpkg --scope 210283

Last line: ``combinations=… errors=… infeasible=… refused=… unstaffed_gained=…
nonfinite=… seconds_max=…``.
"""

from __future__ import annotations

import argparse
import itertools
import math
import tempfile
import time
from pathlib import Path

from gridplanner.balance import run_balance
from gridplanner.balance_request import ALL_VACANCIES, BalanceRequest, Mode
from gridplanner.errors import PlannerError
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups
from gridplanner.store import load_project


def locks_for(project: Project, tier: Level) -> tuple[str, ...]:
    """Two ordinary parents of the first group that has three or more."""
    group_level = tier.parent
    assert group_level is not None
    for group in project.level(group_level).index:
        kids = project.children(int(group))
        kids = kids[kids["kind"] == "ordinary"]
        if len(kids) >= 3:
            return tuple(sorted(kids["code"].astype(str))[:2])
    return ()


def combinations() -> list[tuple[Level, Mode, bool, bool, bool]]:
    return [
        (tier, mode, min_change, locked, vacancies)
        for tier, mode, min_change, locked, vacancies in itertools.product(
            (Level.GRID, Level.COMPREHENSIVE_GRID), Mode, (False, True), (False, True),
            (False, True),
        )
        if not (vacancies and tier is Level.COMPREHENSIVE_GRID)
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="a project (default: generate the county)")
    parser.add_argument("--scope", default="210283", help="scope code (default: the district)")
    parser.add_argument("--count", type=int, default=3, help="grids per group for mode count")
    parser.add_argument("--processes", type=int, default=0)
    args = parser.parse_args()
    if args.project is None:
        from gridplanner.sample import generate_sample
        from gridplanner.store import save_project

        args.project = Path(tempfile.mkdtemp()) / "county.gpkg"
        save_project(generate_sample("county")[0], args.project)
    project = load_project(args.project)
    before = compute_rollups(project)
    grids = project.level(Level.GRID)
    unstaffed = [
        int(g) for g in grids.index
        if before.at[g, "workers"] == 0 and grids.at[g, "kind"] == "ordinary"
    ]  # fmt: skip
    print(f"{args.project}: scope {args.scope}, {len(unstaffed)} ordinary grids without a worker")
    print("| tier | mode | min change | locks | vacancies | groups | skipped | errors | worst vs "
          "even | worst vs target | unstaffed gained | workers needed | s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    errors = gained_total = nonfinite = refused = infeasible = 0
    slowest = 0.0
    for tier, mode, min_change, locked, vacancies in combinations():
        request = BalanceRequest(
            args.scope,
            tier=tier,
            mode=mode,
            count=args.count if mode is Mode.COUNT else None,
            min_change=min_change,
            locked=locks_for(project, tier) if locked else (),
            vacancies=(ALL_VACANCIES,) if vacancies else (),
        )
        started = time.perf_counter()
        try:
            result = run_balance(project, request, processes=args.processes)
        except PlannerError as refusal:  # a refusal in the planner's words, not a failure
            refused += 1
            print(f"| {tier.value} | {mode.value} | {'yes' if min_change else 'no'} | "
                  f"{'yes' if locked else 'no'} | {'all' if vacancies else 'no'} | refused: "
                  f"{refusal.message('en')} |||||||| {time.perf_counter() - started:.1f} |")
            continue
        seconds = time.perf_counter() - started
        slowest = max(slowest, seconds)
        balanced = result.balanced
        failed = [g for g in result.groups if g.error is not None and g.infeasible is None]
        explained = [g for g in result.groups if g.infeasible is not None]
        errors += len(failed)
        infeasible += len(explained)
        worst_even = max((g.report.max_abs_deviation for g in balanced if g.report), default=0.0)
        worst_target = max((g.max_target_deviation for g in balanced), default=0.0)
        nonfinite += sum(
            not math.isfinite(g.max_target_deviation) for g in balanced if g.report
        )
        gained = 0
        if tier is Level.GRID and not vacancies:
            after = compute_rollups(result.project)
            gained = sum(
                1 for g in unstaffed
                if g in after.index and after.at[g, "households"] > before.at[g, "households"]
            )  # fmt: skip
            gained_total += gained
        needed = sum(g.staffing.for_band for g in balanced if g.staffing)
        skipped = sum(g.skipped is not None for g in result.groups)
        print(
            f"| {tier.value} | {mode.value} | {'yes' if min_change else 'no'} | "
            f"{'yes' if locked else 'no'} | {'all' if vacancies else 'no'} | {len(balanced)} | "
            f"{skipped} | {len(failed)} | {worst_even:.1%} | {worst_target:.1%} | {gained} | "
            f"{needed} | {seconds:.1f} |",
            flush=True,
        )
        for g in [*failed, *explained]:
            assert g.error is not None
            what = "infeasible" if g.infeasible else "ERROR"
            print(f"    {what} in {g.name} ({g.code}): {g.error('en')}")
    print(
        f"combinations={len(combinations())} errors={errors} infeasible={infeasible} "
        f"refused={refused} "
        f"unstaffed_gained={gained_total} "
        f"nonfinite={nonfinite} seconds_max={slowest:.1f}"
    )


if __name__ == "__main__":
    main()
