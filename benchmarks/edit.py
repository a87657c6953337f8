"""Editing benchmark: painting one grid unit into a neighbouring grid on the county.

Not a test. Generates the county sample (seed 0), then repeatedly paints a random
border unit into a neighbouring grid of the same community, timing separately
planning the edit (``assign_units``: recoding, re-dissolving the two grid
outlines, warnings), applying it to the project, and updating the live tallies
incrementally (``Tallies.update``); every paint is then undone the same way. The
last line is the median tally update in milliseconds.

    python benchmarks/edit.py             # 200 paints
    python benchmarks/edit.py --paints 50 --seed 3
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from gridplanner.editing import Tallies, assign_units
from gridplanner.editing.topology import units_near
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.rollups import compute_rollups
from gridplanner.sample import generate_sample


def border_moves(project: Project, count: int, seed: int) -> list[tuple[int, int]]:
    """(unit, grid) pairs: a unit and a neighbouring grid of the same community."""
    nodes = project.nodes
    parent = nodes["parent_id"]
    units = project.level(Level.GRID_UNIT).index.tolist()
    rng = random.Random(seed)
    rng.shuffle(units)
    moves = []
    for unit in units:
        grid = int(parent.at[unit])
        community = project.ancestors(grid)[2]
        shape = nodes.at[unit, "geometry"]
        for other in units_near(project, shape):
            there = int(parent.at[other])
            if (
                there != grid
                and project.ancestors(there)[2] == community
                and shape.touches(nodes.at[other, "geometry"])
            ):
                moves.append((unit, there))
                break
        if len(moves) == count:
            break
    return moves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paints", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    project, _ = generate_sample("county", 0)
    counts = project.counts()
    print(
        f"county: {counts['grid']} grids, {counts['grid_unit']} units, "
        f"{counts['building']} buildings (generated in {time.perf_counter() - started:.1f} s)"
    )
    started = time.perf_counter()
    tallies = Tallies(project)
    print(f"tallies built in {1000 * (time.perf_counter() - started):.1f} ms")
    started = time.perf_counter()
    compute_rollups(project)
    recompute_ms = 1000 * (time.perf_counter() - started)
    plan, apply, tally, undo = [], [], [], []
    for unit, grid in border_moves(project, args.paints, args.seed):
        t0 = time.perf_counter()
        edit = assign_units(project, [unit], grid)
        t1 = time.perf_counter()
        edit.apply(project)
        t2 = time.perf_counter()
        tallies.update(edit)
        t3 = time.perf_counter()
        edit.revert(project)
        tallies.update(edit.inverse())
        t4 = time.perf_counter()
        plan.append(t1 - t0)
        apply.append(t2 - t1)
        tally.append(t3 - t2)
        undo.append(t4 - t3)
    check = tallies.frame(project.nodes.index).equals(compute_rollups(project))

    def ms(values: list[float]) -> str:
        return (
            f"median {1000 * statistics.median(values):7.3f} ms  max {1000 * max(values):7.3f} ms"
        )

    print(f"paints: {len(tally)}")
    print(f"plan the edit (assign_units): {ms(plan)}")
    print(f"apply to the project:         {ms(apply)}")
    print(f"update tallies (incremental): {ms(tally)}")
    print(f"undo (revert + tallies):      {ms(undo)}")
    total = [a + b + c for a, b, c in zip(plan, apply, tally, strict=True)]
    print(f"whole paint (plan+apply+tally): {ms(total)}")
    print(f"full recompute (compute_rollups), for scale: {recompute_ms:.1f} ms")
    print(f"tallies after {len(tally)} paints and undos equal the recompute: {check}")
    app_tally, app_refresh = app_command_path(project, border_moves(project, 40, args.seed + 1))
    print(f"app: push EditCommand (apply + tallies): {ms(app_tally)}")
    print(f"app: deferred refresh (map levels, tree, tally table): {ms(app_refresh)}")
    print(
        f"paint_tally_ms={1000 * statistics.median(app_tally):.3f} "
        f"core_tally_ms={1000 * statistics.median(tally):.3f} "
        f"app_refresh_ms={1000 * statistics.median(app_refresh):.1f}"
    )


def app_command_path(project: Project, moves: list[tuple[int, int]]) -> tuple[list, list]:
    """Paint through the window's command path (offscreen): the EditCommand's redo
    (apply + incremental tallies), then the coalesced refresh it schedules."""
    import os
    import tempfile
    from pathlib import Path

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from gridplanner.store import save_project
    from gridplanner.ui.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="gp-bench-"))
    save_project(project, folder / "county.gpkg")
    app = create_app(folder / "config", lang="zh")
    app.window.interactive = False
    assert app.controller.open(folder / "county.gpkg")
    plan, edits = app.controller.project, app.controller.edits
    assert plan is not None
    pushes, refreshes = [], []
    for unit, grid in moves:
        edit = assign_units(plan, [unit], grid)
        t0 = time.perf_counter()
        edits.push(edit)
        t1 = time.perf_counter()
        edits.flush()
        t2 = time.perf_counter()
        pushes.append(t1 - t0)
        refreshes.append(t2 - t1)
    app.controller.undo_stack.setClean()
    app.window.close()
    return pushes, refreshes


if __name__ == "__main__":
    main()
