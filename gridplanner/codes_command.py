"""``gridplanner codes``: the plan's code change table (代码变更对照表).

``codes changes PROJECT TABLE.csv`` records old → new codes (the old code keeps naming
its area in every command, with a notice, and is never reused); ``codes resolve
PROJECT CODE`` says what a code names today.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gridplanner.errors import GridPlannerError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    codes = sub.add_parser("codes", help="code change table (代码变更对照表): record, resolve")
    actions = codes.add_subparsers(dest="codes_action", required=True, metavar="ACTION")
    changes = actions.add_parser(
        "changes", help="record a change table (columns 原代码/old_code and 新代码/new_code)"
    )
    changes.add_argument("project", metavar="PROJECT.gpkg")
    changes.add_argument("table", metavar="TABLE.csv|xlsx")
    changes.add_argument("--encoding", help="text encoding (gbk, utf-8) overriding detection")
    changes.set_defaults(func=_changes)
    resolve = actions.add_parser("resolve", help="what a code names today")
    resolve.add_argument("project", metavar="PROJECT.gpkg")
    resolve.add_argument("code")
    resolve.set_defaults(func=_resolve)


def _changes(args: argparse.Namespace) -> int:
    from gridplanner.code_changes import read_code_changes, record_code_changes
    from gridplanner.exchange.importing import author
    from gridplanner.project_lock import project_lock
    from gridplanner.store import load_project, save_project

    path = Path(args.project)
    rows = read_code_changes(args.table, args.encoding)
    with project_lock(path):
        project = load_project(path)
        report = record_code_changes(project, rows, Path(args.table).name)
        if report.recorded:
            project.record_version(
                author(), f"代码变更对照表 {Path(args.table).name}: {len(report.recorded)} 条"
            )
            save_project(project, path)
    print(
        f"{path}: {len(report.recorded)} old codes recorded"
        + (f", {report.already} already known" if report.already else "")
    )
    return 0


def _resolve(args: argparse.Namespace) -> int:
    from gridplanner.store import load_project

    project = load_project(args.project)
    try:
        node = project.by_code(args.code)
    except GridPlannerError as error:
        raise GridPlannerError(f"{args.project}: {error}") from None
    row = project.nodes.loc[node]
    renamed = project.renamed_code(args.code)
    if renamed is None:
        print(f"{args.code} {row['name']} ({row['level']})")
    else:
        print(f"{args.code} → {renamed} {row['name']} ({row['level']})")
    return 0
