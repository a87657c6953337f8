"""Generating grid units on the county: the whole district regenerated from its
buildings and roads, checked independently, beside the sample's hand-made units.

Not a test. Writes the county sample (seed 0) unless ``--project`` is given, then
times what ``gridplanner units generate PROJECT --scope <district> --out NEW.gpkg``
does — load, generate, apply, save — and checks the result without the generator's
help (:mod:`gridplanner.units_check`: households per unit, every building in the
unit it lies in, units spanning a major road) and with the audit (gaps, overlaps,
slivers, uncovered buildings, invalid or broken polygons). ``--figures DIR`` also
draws the households-per-unit histogram and a map of a town before and after (Qt,
offscreen). The last line:

    seconds=… units=… max_households=… buildings_unassigned=… crossing_major_roads=…

    python benchmarks/generate_units.py
    python benchmarks/generate_units.py --project county.gpkg --figures docs/
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from gridplanner.audit import run_audit
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.sample import generate_sample
from gridplanner.store import load_project, save_project
from gridplanner.units_check import check_units
from gridplanner.units_generate import UnitRequest, generate_units

COVERAGE_CHECKS = (
    "gap",
    "overlap",
    "sliver",
    "outside_parent",
    "building_outside",
    "building_multiple",
    "building_unit_mismatch",
    "invalid_geometry",
    "empty_geometry",
    "noncontiguous",
)


def households_per_unit(project: Project) -> np.ndarray:
    units = project.level(Level.GRID_UNIT).index
    stored = project.buildings["unit_id"].to_numpy(dtype=float, na_value=np.nan)
    at = units.get_indexer(np.nan_to_num(stored, nan=-1).astype(np.int64))
    hh = project.buildings["households"].to_numpy(dtype=float)
    return np.bincount(at[at >= 0], weights=hh[at >= 0], minlength=len(units))


def units_per_grid(project: Project) -> np.ndarray:
    return project.level(Level.GRID_UNIT)["parent_id"].value_counts().to_numpy()


def describe(name: str, project: Project) -> str:
    hh = households_per_unit(project)
    per_grid = units_per_grid(project)
    return (
        f"{name}: {len(hh)} units, households per unit median {np.median(hh):.0f} "
        f"(p10 {np.percentile(hh, 10):.0f}, p90 {np.percentile(hh, 90):.0f}, max {hh.max():.0f}); "
        f"units per grid median {np.median(per_grid):.0f} (max {per_grid.max()})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", help="a project file (default: the county sample, seed 0)")
    parser.add_argument("--max-households", type=int, default=150)
    parser.add_argument("--min-households", type=int, default=20)
    parser.add_argument("--figures", metavar="DIR", help="also draw the figures (PNG) here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="units-"))
    source = Path(args.project) if args.project else work / "county.gpkg"
    if not args.project:
        save_project(generate_sample("county", 0)[0], source)
    started = time.perf_counter()
    project = load_project(source)
    loaded = time.perf_counter()
    scope = project.district_code
    request = UnitRequest(scope, args.max_households, args.min_households)
    result = generate_units(project, request)
    generated = time.perf_counter()
    after = result.edit.apply(project.copy())
    save_project(after, work / "units.gpkg")
    seconds = time.perf_counter() - started
    print(
        f"load {loaded - started:.1f} s, generate {generated - loaded:.1f} s, apply and save "
        f"{seconds - (generated - started):.1f} s (saved to {work / 'units.gpkg'})"
    )
    for line in result.summary("en"):
        print(line)
    check = check_units(after, scope, args.max_households, args.min_households)
    audit = run_audit(after)
    found = Counter(f.check for f in audit.findings if f.check in COVERAGE_CHECKS)
    district = after.nodes.at[after.root_id, "geometry"]
    beyond = sum(
        1
        for f in audit.findings
        if f.check == "building_outside"
        and not district.intersects(after.buildings.geometry.loc[f.building_ids[0]])
    )
    print(describe("hand-made (sample)", project))
    print(describe("generated", after))
    print(
        f"units over {args.max_households} with several buildings: {len(check.over_max)}; "
        f"single buildings over it: {len(check.single_over_max)}; fullest unit of several "
        f"buildings: {check.max_households_several}; under {args.min_households}: "
        f"{len(check.under_min)}"
    )
    print(
        "audit (coverage checks): "
        + (", ".join(f"{k}={v}" for k, v in sorted(found.items())) or "none")
        + f"; of the uncovered buildings {beyond} lie beyond the district's border"
    )
    if args.figures:
        from units_figures import draw_figures  # type: ignore[import-not-found]

        for path in draw_figures(project, after, Path(args.figures), args.max_households):
            print(f"wrote {path}")
    print(
        f"seconds={seconds:.1f} units={check.units} max_households={check.max_households} "
        f"buildings_unassigned={len(check.buildings_unassigned)} "
        f"crossing_major_roads={len(check.crossing_major_roads)}"
    )


if __name__ == "__main__":
    main()
