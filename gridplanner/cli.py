"""The ``gridplanner`` command: sample, info, app.

Every failure is one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from gridplanner.errors import GridPlannerError
from gridplanner.levels import Level

EXIT_OK = 0
EXIT_ERROR = 2

#: Modules that add subcommands: each has ``register(subparsers)`` which adds its
#: parser(s) and sets ``func`` (taking the parsed args, returning an exit status).
COMMAND_MODULES: tuple[str, ...] = (
    "gridplanner.audit.command",
    "gridplanner.balance_command",
    "gridplanner.db_command",
    "gridplanner.exchange.command",
    "gridplanner.print_command",
    "gridplanner.codes_command",
    "gridplanner.units_command",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="gridplanner",
        description="网格化管理规划工具 — plan, balance, audit and publish grid hierarchies",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sample = sub.add_parser("sample", help="generate a fictional sample county (示例数据)")
    sample.add_argument("out", metavar="OUT.gpkg", help="project file to write")
    sample.add_argument("--size", choices=["street", "county", "city"], default="street")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument(
        "--defects",
        metavar="FILE.json",
        help="also write the list of built-in defects (default: OUT.defects.json)",
    )
    sample.set_defaults(func=_cmd_sample)

    info = sub.add_parser("info", help="print the hierarchy tree with rollups")
    info.add_argument("project", metavar="PROJECT.gpkg")
    info.add_argument("--lang", choices=["zh", "en"], default="zh")
    info.add_argument(
        "--depth",
        default="grid_unit",
        help="deepest level to list (district … grid_unit; default grid_unit)",
    )
    info.set_defaults(func=_cmd_info)

    app = sub.add_parser("app", help="open the desktop app")
    app.add_argument("project", nargs="?", metavar="PROJECT.gpkg")
    app.add_argument("--screenshot", metavar="OUT.png")
    app.set_defaults(func=_cmd_app)
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except GridPlannerError as exc:
        print(f"gridplanner: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("gridplanner: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        print(f"gridplanner: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # one boundary for every library error: one line, no traceback
        if os.environ.get("GRIDPLANNER_DEBUG"):
            raise
        first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        print(
            f"gridplanner: {type(exc).__name__}: {first} (GRIDPLANNER_DEBUG=1 shows where)",
            file=sys.stderr,
        )
        return EXIT_ERROR


def _cmd_sample(args: argparse.Namespace) -> int:
    from gridplanner.sample import generate_sample
    from gridplanner.store import save_project

    out = Path(args.out)
    started = time.perf_counter()
    project, defects = generate_sample(args.size, args.seed)
    save_project(project, out)
    defects_path = Path(args.defects) if args.defects else out.with_suffix(".defects.json")
    defects_path.write_text(
        json.dumps([d.to_dict() for d in defects], ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    counts = project.counts()
    print(
        f"{out}: {counts['street']} streets, {counts['community']} communities, "
        f"{counts['comprehensive_grid']} comprehensive grids, {counts['grid']} grids, "
        f"{counts['grid_unit']} units, {counts['building']} buildings, {counts['worker']} workers "
        f"({time.perf_counter() - started:.1f} s); built-in defects listed in {defects_path}"
    )
    return EXIT_OK


def _cmd_info(args: argparse.Namespace) -> int:
    from gridplanner.report import tree_lines
    from gridplanner.store import load_project

    try:
        depth = Level.parse(args.depth)
    except ValueError as exc:
        raise GridPlannerError(str(exc)) from None
    project = load_project(args.project)
    for line in tree_lines(project, args.lang, depth):
        print(line)
    return EXIT_OK


def _cmd_app(args: argparse.Namespace) -> int:
    try:
        from gridplanner.ui.launch import launch  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        print(
            "gridplanner: the desktop app is not built yet (see issue 'Desktop app'); "
            "use `gridplanner info PROJECT.gpkg` to inspect a plan",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return int(launch(args.project, screenshot=args.screenshot))


if __name__ == "__main__":
    sys.exit(main())
