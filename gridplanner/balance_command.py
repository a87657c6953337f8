"""``gridplanner balance`` and ``gridplanner partition``: the balancer on the command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gridplanner.errors import GridPlannerError

if TYPE_CHECKING:
    from gridplanner.algorithms.report import PartitionReport


def register(sub: Any) -> None:
    """Add the ``balance`` and ``partition`` subcommands."""
    bal = sub.add_parser(
        "balance",
        help="regroup grid units into grids so every worker serves about the same households",
    )
    bal.add_argument("project", metavar="PROJECT.gpkg")
    bal.add_argument(
        "--level",
        choices=["grid", "comprehensive_grid"],
        default="grid",
        help="grid: regroup units into grids (default); comprehensive_grid: regroup grids "
        "into comprehensive grids, per community",
    )
    bal.add_argument(
        "--scope",
        required=True,
        metavar="CODE",
        help="district, street, community or comprehensive grid code",
    )
    bal.add_argument(
        "--target",
        type=float,
        help="households per worker: redesign into round(households/T) grids",
    )
    bal.add_argument("--parts", type=int, help="grids per comprehensive grid (redesign)")
    bal.add_argument(
        "--min-change",
        action="store_true",
        help="start from today's grids and move as few households as possible",
    )
    bal.add_argument(
        "--band",
        type=float,
        help="allowed relative deviation (default: ±5%%, or the "
        "configured household band with --min-change)",
    )
    bal.add_argument(
        "--lock",
        action="append",
        default=[],
        metavar="GRID_CODE",
        help="keep this grid's units as they are (repeatable)",
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
        "--band",
        type=float,
        default=0.02,
        help="relative deviation to reach before polishing compactness (default 0.02)",
    )
    part.set_defaults(func=_cmd_partition)


def _cmd_balance(args: argparse.Namespace) -> int:
    from gridplanner.balance import BalanceOptions, balance_scope
    from gridplanner.store import load_project, save_project

    out = Path(args.out)
    if not out.parent.exists():
        raise GridPlannerError(f"{out}: folder {out.parent} does not exist")
    project = load_project(args.project)
    options = BalanceOptions(
        target=args.target,
        parts=args.parts,
        min_change=args.min_change,
        band=args.band,
        seed=args.seed,
        processes=args.processes,
        locked_grids=tuple(args.lock),
    )
    started = time.perf_counter()
    if args.level == "comprehensive_grid":
        from gridplanner.balance_tier import balance_comprehensive_grids

        if args.target is not None or args.parts is not None or args.lock:
            raise GridPlannerError(
                "--target, --parts and --lock apply to --level grid; comprehensive grids keep "
                "their number and are balanced on households"
            )
        result = balance_comprehensive_grids(project, args.scope, options)
    else:
        result = balance_scope(project, args.scope, options)
    seconds = time.perf_counter() - started
    save_project(result.project, out)
    tier = args.level == "comprehensive_grid"
    group_word, part_word = ("社区", "综合网格") if tier else ("综合网格", "网格")
    part_plural = "comprehensive grids" if tier else "grids"
    print(
        f"{group_word:<16} {part_word:>4} {'最大偏差':>8} {'达标':>4} {'连通':>4} {'紧凑度':>6} "
        f"{'移动户数':>8} {'可达下限':>8}"
    )
    for group in result.groups:
        if group.report is None:
            print(f"{group.code:<20} — {group.error}")
            continue
        r = group.report
        print(
            f"{group.code:<20} {len(r.parts):>4} {r.max_abs_deviation:>9.1%} "
            f"{_band_word(r):>4} {'是' if r.all_contiguous else '否':>4} "
            f"{r.mean_polsby_popper:>8.2f} {r.households_moved:>10.0f} "
            f"{r.best_achievable_deviation:>9.1%}"
        )
    reports = [g.report for g in result.groups if g.report is not None]
    within = sum(r.within_band for r in reports)
    out_of_reach = sum(r.band_impossible for r in reports)
    contiguous = all(r.all_contiguous for r in reports)
    print(
        f"scope {args.scope}: {len(reports)} {'communities' if tier else 'comprehensive grids'} "
        f"balanced in {seconds:.2f} s; {within} within their band, {out_of_reach} where the "
        f"band is proven out of reach (可达下限 = the closest any plan gets); all "
        f"{part_plural} contiguous: {'yes' if contiguous else 'NO'}; "
        f"households moved {result.households_moved:.0f}; nodes recoded {len(result.recoded)}"
    )
    for note in result.notes:
        print(f"note: {note}")
    if result.created_grids or result.retired_grids:
        print(
            f"new grids: {', '.join(result.created_grids) or '—'}; "
            f"retired grids: {', '.join(result.retired_grids) or '—'}; "
            f"workers now without a grid: {len(result.workers_without_grid)}"
        )
    for unit_id, old, new in result.recoded[:20]:
        print(f"  unit {unit_id}: {old} → {new}")
    if len(result.recoded) > 20:
        print(f"  … {len(result.recoded) - 20} more (see --report)")
    if args.report:
        Path(args.report).write_text(
            json.dumps(result.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    print(f"wrote {out}")
    return 0


def _band_word(report: PartitionReport) -> str:
    """达标 column: inside the band, proven out of reach, or neither (yet)."""
    if report.within_band:
        return "是"
    return "不可达" if report.band_impossible else "否"


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
    print(
        f"{len(frame)} features → {args.parts} parts in {seconds:.2f} s "
        f"(measured in {result.metric_crs}); max |deviation| {r.max_abs_deviation:.1%}, "
        f"best achievable {r.best_achievable_deviation:.1%}"
        f"{' (the band is proven out of reach)' if r.band_impossible else ''}; "
        f"all contiguous: {'yes' if r.all_contiguous else 'NO'}; mean Polsby-Popper "
        f"{r.mean_polsby_popper:.3f}; wrote {args.out}"
    )
    return 0
