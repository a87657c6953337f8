"""``gridplanner balance`` and ``gridplanner partition``: the balancer on the command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gridplanner.algorithms.defaults import BALANCE_TOLERANCE, PARTITION_TOLERANCE
from gridplanner.balance_request import BalanceRequest, Mode
from gridplanner.errors import GridPlannerError

if TYPE_CHECKING:
    from gridplanner.balance import BalanceResult


def register(sub: Any) -> None:
    """Add the ``balance`` and ``partition`` subcommands."""
    bal = sub.add_parser(
        "balance",
        help="regroup grid units into grids so every worker serves about the same households",
        description="The planner's request — mode (keep today's grids / a target of "
        "households per worker / a number of grids), minimal change, tolerance, locks, "
        "vacancies — is resolved exactly as in the app and the QGIS plugin.",
    )
    bal.add_argument("project", metavar="PROJECT.gpkg")
    bal.add_argument(
        "--level",
        choices=["grid", "comprehensive_grid"],
        default="grid",
        help="grid: regroup units into grids, per comprehensive grid (default); "
        "comprehensive_grid: regroup grids into comprehensive grids, per community",
    )
    bal.add_argument(
        "--scope",
        required=True,
        metavar="CODE",
        help="district, street, community or comprehensive grid code",
    )
    bal.add_argument(
        "--mode",
        choices=[m.value for m in Mode],
        help="keep: keep today's grids and even out their load (default); target: redesign "
        "into round(households/target) grids of one worker each; count: redesign into "
        "--parts grids (implied by --target / --parts)",
    )
    bal.add_argument(
        "--target",
        type=float,
        help="households per worker for --mode target (default: the scope's configured "
        "target); on --level comprehensive_grid: households per comprehensive grid",
    )
    bal.add_argument(
        "--parts", "--count", dest="parts", type=int,
        help="grids per comprehensive grid (or comprehensive grids per community) for "
        "--mode count",
    )  # fmt: skip
    bal.add_argument(
        "--min-change",
        action="store_true",
        help="start from today's grids and move as few households as possible",
    )
    bal.add_argument(
        "--tolerance", "--band", dest="tolerance", type=float,
        help="allowed relative deviation from each grid's share (default "
        f"±{BALANCE_TOLERANCE * 100:.0f}%%; with --min-change: the widest band inside the "
        "configured households-per-worker band)",
    )  # fmt: skip
    bal.add_argument(
        "--lock",
        action="append",
        default=[],
        metavar="CODE",
        help="keep this grid (or comprehensive grid) exactly as it is (repeatable)",
    )
    bal.add_argument(
        "--vacancy",
        action="append",
        default=[],
        metavar="GRID_CODE",
        help="a grid without a worker that may receive households as if a worker were "
        "coming (repeatable; 'all' for every such grid); otherwise such grids are kept",
    )
    bal.add_argument("--seed", type=int, default=0)
    bal.add_argument(
        "--processes",
        type=int,
        default=0,
        help="worker processes (default: one per core for big scopes)",
    )
    bal.add_argument("--out", required=True, metavar="NEW.gpkg", help="where to write the new plan")
    bal.add_argument("--report", metavar="FILE.json", help="also write the full report as JSON")
    bal.add_argument("--lang", choices=["zh", "en"], default="zh")
    bal.set_defaults(func=_cmd_balance)

    part = sub.add_parser(
        "partition", help="partition any polygon layer into K balanced contiguous parts"
    )
    part.add_argument("layer", metavar="LAYER", help="GeoPackage, GeoJSON or Shapefile")
    part.add_argument("--weight", required=True, metavar="FIELD", help="numeric field to balance")
    part.add_argument("--parts", required=True, type=int, metavar="K")
    part.add_argument("--out", required=True, metavar="OUT.gpkg")
    part.add_argument(
        "--id", dest="id_field", metavar="FIELD", help="unique id field (named in messages)"
    )
    part.add_argument("--layer-name", metavar="NAME", help="layer inside a multi-layer file")
    part.add_argument("--crs", metavar="EPSG:N", help="CRS of a layer that has none (no .prj)")
    part.add_argument("--seed", type=int, default=0)
    part.add_argument(
        "--islands",
        choices=["attach", "separate"],
        default="attach",
        help="attach: join each island to its nearest feature (default, reported); "
        "separate: islands need parts of their own",
    )
    part.add_argument(
        "--report", metavar="FILE.json", help="also write the report (with phase times)"
    )
    part.add_argument(
        "--band",
        type=float,
        default=PARTITION_TOLERANCE,
        help="relative deviation to reach before polishing compactness "
        f"(default {PARTITION_TOLERANCE:g})",
    )
    part.set_defaults(func=_cmd_partition)


def request_from_args(args: argparse.Namespace) -> BalanceRequest:
    """The planner's request from the command line (checked by the resolver)."""
    from gridplanner.errors import PlannerError, Words
    from gridplanner.levels import Level

    mode = Mode(args.mode) if args.mode else None
    if args.target is not None and args.parts is not None:
        raise PlannerError(
            Words(
                "目标户数和网格数只能给一个", "give either a target or a number of grids, not both"
            )
        )
    if mode is None:
        mode = (
            Mode.TARGET if args.target is not None
            else Mode.COUNT if args.parts is not None
            else Mode.KEEP
        )  # fmt: skip
    if (mode is Mode.COUNT and args.target is not None) or (
        mode is not Mode.COUNT and args.parts is not None
    ):
        raise PlannerError(
            Words(
                f"方式 {mode.value} 与所给的目标户数/网格数不一致",
                f"mode {mode.value} does not go with the target / number given",
            )
        )
    return BalanceRequest(
        scope=args.scope,
        tier=Level(args.level),
        mode=mode,
        target=args.target,
        count=args.parts,
        min_change=args.min_change,
        tolerance=args.tolerance,
        locked=tuple(args.lock),
        vacancies=tuple(args.vacancy),
        seed=args.seed,
    )


def _cmd_balance(args: argparse.Namespace) -> int:
    from gridplanner.balance import run_balance
    from gridplanner.errors import PlannerError
    from gridplanner.report import current_scope_code
    from gridplanner.store import load_project, save_project

    lang = args.lang
    out = Path(args.out)
    if not out.parent.exists():
        raise GridPlannerError(f"{out}: folder {out.parent} does not exist")
    try:
        project = load_project(args.project)
        args.scope = current_scope_code(project, args.scope)
        request = request_from_args(args)
        started = time.perf_counter()
        result = run_balance(project, request, processes=args.processes)
    except PlannerError as error:
        raise GridPlannerError(error.message(lang)) from None
    seconds = time.perf_counter() - started
    save_project(result.project, out)
    print_result(result, seconds, lang)
    if args.report:
        Path(args.report).write_text(
            json.dumps(result.to_dict(), ensure_ascii=False, indent=1, default=str) + "\n",
            encoding="utf-8",
        )
    print(f"wrote {out}")
    return 0


def print_result(result: BalanceResult, seconds: float, lang: str = "zh") -> None:
    """The result as a planner reads it: a line per group, then what changed."""
    en = lang == "en"
    tier = result.request.tier
    upper = tier.value == "comprehensive_grid"
    head = (
        ["group", "parts", "vs even", "vs target", "within", "in band", "moved", "staff+", ""]
        if en
        else [
            "范围",
            "分片",
            "偏差(均值)",
            "偏差(目标)",
            "达标",
            "户/人达标",
            "移动户数",
            "需增员",
            "",
        ]
    )
    print("  ".join(f"{h:>8}" for h in head))
    for g in result.groups:
        label = g.words()(lang)
        if g.skipped is not None or g.error is not None:
            why = g.skipped if g.skipped is not None else g.error
            assert why is not None
            print(f"{label}  — {why(lang)}")
            continue
        r = g.report
        assert r is not None
        within = (
            ("yes" if en else "是")
            if r.within_band
            else (
                ("proven out of reach" if en else "不可达")
                if r.band_impossible
                else ("no" if en else "否")
            )
        )
        need = g.staffing.for_band if g.staffing else 0
        band = "—" if upper else f"{g.in_band_after}/{len(r.parts)}"
        print(
            f"{label}  {len(r.parts):>4} {r.max_abs_deviation:>9.1%} "
            f"{g.max_target_deviation:>9.1%} {within:>6} {band:>8} "
            f"{g.households_moved:>8.0f} {need:>6}"
        )
        for why in [*g.reasons(), *g.kept_words()]:
            print(f"    {why(lang)}")
    balanced = result.balanced
    reached = sum(bool(g.report and g.report.within_band) for g in balanced)
    proven = sum(bool(g.report and g.report.band_impossible) for g in balanced)
    needed = sum(g.staffing.for_band for g in balanced if g.staffing)
    if en:
        print(
            f"scope {result.request.scope}: {len(balanced)} groups balanced in {seconds:.2f} s; "
            f"{reached} within their tolerance, {proven} where it is proven out of reach; "
            f"households moved {result.households_moved:.0f}; codes changed "
            f"{len(result.recoded)}; workers needed to reach the band: {needed}"
        )
    else:
        print(
            f"范围 {result.request.scope}: {len(balanced)} 组, 用时 {seconds:.2f} 秒; "
            f"{reached} 组达到允许偏差, {proven} 组已证明不可达; 移动 "
            f"{result.households_moved:.0f} 户; 编码调整 {len(result.recoded)} 个; "
            f"进入户/人范围需增加网格员 {needed} 名"
        )
    if result.created or result.retired:
        print(
            ("new: " if en else "新增: ")
            + (", ".join(result.created) or "—")
            + "; "
            + ("retired: " if en else "撤销: ")
            + (", ".join(result.retired) or "—")
        )
    for move in result.worker_moves[:20]:
        to = move.to_code or ("no grid" if en else "无网格")
        print(f"  {move.name}: {move.from_code or '—'} → {to}")
    if len(result.worker_moves) > 20:
        print(f"  … {len(result.worker_moves) - 20} more (--report)")
    if result.needing_worker:
        listed = ", ".join(f"{c} (−{v:g})" for c, v in list(result.needing_worker.items())[:20])
        print(("grids needing a worker: " if en else "需要补充网格员的网格: ") + listed)
    for unit_id, old, new in result.recoded[:20]:
        print(f"  {unit_id}: {old} → {new}")
    if len(result.recoded) > 20:
        print(f"  … {len(result.recoded) - 20} more (--report)")


def _cmd_partition(args: argparse.Namespace) -> int:
    from gridplanner.layer_partition import partition_layer, read_polygons, write_layer

    frame = read_polygons(args.layer, args.layer_name, args.crs)
    started = time.perf_counter()
    result = partition_layer(
        frame,
        args.weight,
        args.parts,
        source=str(args.layer),
        id_field=args.id_field,
        seed=args.seed,
        band=args.band,
        islands=args.islands,
    )
    seconds = time.perf_counter() - started
    write_layer(result.features, args.out)
    r = result.report
    print(
        f"{'part':>4} {'units':>5} {'weight':>10} {'target':>10} {'deviation':>9} "
        f"{'contiguous':>10}",
        file=sys.stdout,
    )
    for p in r.parts:
        print(
            f"{p.part:>4} {p.units:>5} {p.households:>10.0f} {p.target:>10.0f} "
            f"{p.deviation:>9.1%} {'yes' if p.contiguous else 'NO':>10}"
        )
    for units, unit, to, distance in result.attachments:
        shown = ", ".join(map(str, units[:5])) + (" …" if len(units) > 5 else "")
        print(f"island of {len(units)} ({shown}): {unit} joined to {to}, {distance:.0f} m away")
    if result.repaired:
        listed = ", ".join(map(str, result.repaired[:10]))
        print(f"repaired invalid geometry (polygonal parts kept): {listed}")
    if args.report:
        payload = {
            "report": r.to_dict(),
            "metric_crs": result.metric_crs,
            "phases": result.phases,
            "islands": [
                {"features": u, "joined": j, "to": t, "distance_m": d}
                for u, j, t, d in result.attachments
            ],
            "repaired": result.repaired,
        }
        Path(args.report).write_text(
            json.dumps(payload, ensure_ascii=False, indent=1, default=str) + "\n", "utf-8"
        )
    print(
        f"{len(frame)} features → {args.parts} parts in {seconds:.2f} s "
        f"(measured in {result.metric_crs}); max |deviation| {r.max_abs_deviation:.1%}, "
        f"best achievable {r.best_achievable_deviation:.1%}"
        f"{' (the band is proven out of reach)' if r.band_impossible else ''}; "
        f"all contiguous: {'yes' if r.all_contiguous else 'NO'}; mean Polsby-Popper "
        f"{r.mean_polsby_popper:.3f}; wrote {args.out}"
    )
    return 0
