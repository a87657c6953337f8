"""``gridplanner audit PROJECT.gpkg [--scope CODE] [--report DIR] [--fix --out NEW.gpkg]``.

Exit status: 0 clean (info only), 1 warnings only, 2 blocking findings (or an
error), so exporters can script it. With ``--fix`` the status is that of the
re-audit of the fixed project written to ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gridplanner.audit.catalog import CHECKS, Severity
from gridplanner.audit.finding import AuditResult
from gridplanner.errors import GridPlannerError

TEXT = {
    "zh": {
        "summary": "核查 {name}: 阻断 {b} · 警告 {w} · 提示 {i} ({s:.1f} 秒)",
        "fixed": "已自动修复 {n} 项({r} 轮), 新版本 v{v} 写入 {out}:",
        "left": "仍需人工决定的阻断问题 {n} 项",
        "report": "报告已写入 {dir}",
    },
    "en": {
        "summary": "audit of {name}: {b} blocking · {w} warnings · {i} info ({s:.1f} s)",
        "fixed": "applied {n} automatic fixes ({r} rounds); version v{v} written to {out}:",
        "left": "{n} blocking findings need a human decision",
        "report": "reports written to {dir}",
    },
}


def register(sub: Any) -> None:
    """Add the ``audit`` subcommand."""
    audit = sub.add_parser(
        "audit",
        help="check coverage, nesting, codes and staffing (核查: 全覆盖、无缝隙、不交叉)",
        description="Exit status: 0 clean, 1 warnings only, 2 blocking findings.",
    )
    audit.add_argument("project", metavar="PROJECT.gpkg")
    audit.add_argument("--scope", metavar="CODE", help="audit one street/community/… only")
    audit.add_argument(
        "--report", metavar="DIR", help="write audit.json, audit.xlsx, audit.csv, audit.html"
    )
    audit.add_argument("--fix", action="store_true", help="apply the automatic fixes")
    audit.add_argument("--out", metavar="NEW.gpkg", help="where --fix writes the new version")
    audit.add_argument("--lang", choices=["zh", "en"], default="zh")
    audit.add_argument(
        "--basemap", metavar="URL", help="optional tile URL template for the HTML map"
    )
    audit.add_argument("--limit", type=int, default=50, help="findings to print (default 50)")
    audit.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the audit command; returns the exit status."""
    from gridplanner.audit.findings import run_audit
    from gridplanner.report import current_scope_code
    from gridplanner.store import load_project, save_project

    t = TEXT[args.lang]
    if args.fix and not args.out:
        raise GridPlannerError("--fix writes a new project version: give --out NEW.gpkg")
    if args.out and not args.fix:
        raise GridPlannerError("--out is only used with --fix")
    if args.out and Path(args.out).resolve() == Path(args.project).resolve():
        raise GridPlannerError("--out must differ from the project file (the fix is a new version)")
    project = load_project(args.project)
    if args.scope:
        args.scope = current_scope_code(project, args.scope)
    applied = []
    if args.fix:
        from gridplanner.audit.fixes import fix_project

        if args.scope:
            raise GridPlannerError("--fix works on the whole project; drop --scope")
        outcome = fix_project(project)
        project, result, applied = outcome.project, outcome.result, outcome.applied
        version = project.record_version(
            "gridplanner audit --fix",
            f"核查自动修复 {len(applied)} 项 / {len(applied)} audit fixes",
        )
        save_project(project, args.out)
        print(t["fixed"].format(n=len(applied), r=outcome.rounds, v=version.version, out=args.out))
        for s in applied:
            print(f"  [{s.check}] {s.summary(args.lang)}")
            for c in s.changes:
                print(f"      {c.describe()}")
    else:
        result = run_audit(project, scope=args.scope, progress=_progress())
    _print(result, args.lang, args.limit)
    if args.fix:
        print(t["left"].format(n=result.count(Severity.BLOCKING)))
    if args.report:
        _reports(project, result, Path(args.report), args.lang, args.basemap, applied)
        print(t["report"].format(dir=args.report))
    return result.exit_code


def _progress() -> Any:
    if not sys.stderr.isatty():
        return None

    def show(fraction: float, message: str) -> None:
        print(f"\r{fraction:4.0%} {message[:60]:<60}", end="", file=sys.stderr, flush=True)
        if fraction >= 1.0:
            print(file=sys.stderr)

    return show


def _print(result: AuditResult, lang: str, limit: int) -> None:
    t = TEXT[lang]
    print(
        t["summary"].format(
            name=result.project_name,
            b=result.count(Severity.BLOCKING),
            w=result.count(Severity.WARNING),
            i=result.count(Severity.INFO),
            s=result.seconds,
        )
    )
    for f in result.findings[:limit]:
        label = f.severity.zh if lang == "zh" else f.severity.value
        print(f"  [{label}] {CHECKS[f.check].title(lang)} ({f.check}): {f.message(lang)}")
    if len(result.findings) > limit:
        print(f"  … {len(result.findings) - limit} more (see --report)")


def _reports(
    project: Any, result: AuditResult, folder: Path, lang: str, basemap: str | None, applied: Any
) -> None:
    from gridplanner.audit.fixes import suggest_fixes
    from gridplanner.audit.report_html import write_html
    from gridplanner.audit.report_json import write_json
    from gridplanner.audit.report_table import write_csv, write_xlsx

    folder.mkdir(parents=True, exist_ok=True)
    write_json(result, folder / "audit.json", suggest_fixes(project, result), applied)
    write_xlsx(result, folder / "audit.xlsx", lang)
    write_csv(result, folder / "audit.csv", lang)
    write_html(project, result, folder / "audit.html", basemap)
