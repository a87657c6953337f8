"""Benchmark: audit the generated street and county (not a test; prints seconds).

    .venv/bin/python benchmarks/audit.py [--size county] [--project FILE.gpkg]

The bar (issue 4) is a county audit under 5 s on the development machine.
"""

from __future__ import annotations

import argparse
import time

from gridplanner.audit import run_audit
from gridplanner.audit.fixes import fix_project
from gridplanner.model import Project


def _load(size: str, path: str | None) -> Project:
    if path:
        from gridplanner.store import load_project

        return load_project(path)
    from gridplanner.sample import generate_sample

    return generate_sample(size, 0)[0]


def main() -> None:
    """Print audit (and --fix) seconds for each size asked for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", action="append", choices=["street", "county", "city"])
    parser.add_argument("--project", help="audit this project file instead")
    parser.add_argument("--fix", action="store_true", help="also time the automatic fixes")
    args = parser.parse_args()
    for size in args.size or ["street", "county"]:
        project = _load(size, args.project)
        counts = project.counts()
        best = min(_time(project) for _ in range(3))
        line = (
            f"{args.project or size}: {counts['grid_unit']} units, {counts['building']} buildings"
            f" — audit {best:.2f} s (best of 3)"
        )
        if args.fix:
            started = time.perf_counter()
            outcome = fix_project(project)
            line += f", fix {time.perf_counter() - started:.2f} s ({len(outcome.applied)} fixes)"
        print(line, flush=True)
        if args.project:
            break


def _time(project: Project) -> float:
    started = time.perf_counter()
    run_audit(project)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
