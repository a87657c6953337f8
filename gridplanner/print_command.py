"""``gridplanner print``: batch maps (打印布局) and grid notice boards (网格公示牌).

The parser lives in the core; the drawing lives in :mod:`gridplanner.layers.print_jobs`
(Qt's painter, run offscreen when there is no display), imported only when the
command runs.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

PAPERS = ("A4", "A3", "A2")
PER_LEVELS = ("community", "comprehensive_grid", "grid")


def register(sub: Any) -> None:
    cmd = sub.add_parser(
        "print",
        help="print maps (one per scope element) or grid notice boards to PDF/PNG",
        description=(
            "打印布局: one map sheet per element of a scope (title, legend, north arrow, "
            "scale bar, date), or with --notice-boards one A4 网格公示牌 per grid"
        ),
    )
    cmd.add_argument("project", metavar="PROJECT.gpkg")
    cmd.add_argument("--scope", required=True, metavar="CODE", help="code of the scope to print")
    cmd.add_argument(
        "--per",
        choices=PER_LEVELS,
        help="one sheet per element of this level inside the scope (default: the scope itself)",
    )
    cmd.add_argument("--paper", choices=PAPERS, default="A3")
    cmd.add_argument("--portrait", action="store_true", help="portrait (default: landscape)")
    cmd.add_argument("--dpi", type=int, default=200, help="resolution (default 200)")
    cmd.add_argument("--format", choices=("pdf", "png"), default="pdf")
    cmd.add_argument("--scale", type=float, metavar="N", help="print at 1:N (default: fit)")
    cmd.add_argument("--title", help="title (default: the element's name and code)")
    cmd.add_argument(
        "--producer", help="制图 line in the footer (default: gridplanner 网格化管理规划工具)"
    )
    cmd.add_argument("--lang", choices=("zh", "en"), default="zh")
    cmd.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    cmd.add_argument(
        "--notice-boards",
        action="store_true",
        help="one A4 网格公示牌 per grid under the scope instead of maps",
    )
    cmd.add_argument(
        "--include-personal",
        action="store_true",
        help="print the workers' service phone numbers on notice boards (personal data)",
    )
    cmd.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if not 50 <= args.dpi <= 1200:
        raise SystemExit(f"gridplanner print: --dpi {args.dpi} is outside 50–1200")
    jobs = importlib.import_module("gridplanner.layers.print_jobs")
    return int(jobs.run(args))
