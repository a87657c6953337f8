"""``gridplanner units generate``: draw a scope's grid units from buildings and roads."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from gridplanner.errors import GridPlannerError


def register(sub: Any) -> None:
    """Add the ``units`` subcommand (with ``generate``)."""
    from gridplanner.road_classes import CUT_CLASSES, MAJOR_CLASSES
    from gridplanner.units_generate import DEFAULT_MAX_HOUSEHOLDS, DEFAULT_MIN_HOUSEHOLDS

    units = sub.add_parser(
        "units", help="grid units (网格单元): generate them from buildings and roads"
    )
    verbs = units.add_subparsers(dest="units_command", required=True, metavar="VERB")
    gen = verbs.add_parser(
        "generate",
        help="replace a scope's grid units by units drawn from its buildings and roads (单元生成)",
        description="Cut each comprehensive grid of the scope by its barrier lines (roads of "
        "the cutting classes, rivers, railways, the coast) into blocks, tessellate the "
        "buildings of each block and group them into compact units within the household "
        "limits; units of dedicated grids (专属网格) are kept as drawn. One reversible edit; "
        "the new plan is written to --out.",
    )
    gen.add_argument("project", metavar="PROJECT.gpkg")
    gen.add_argument(
        "--scope",
        required=True,
        metavar="CODE",
        help="district, street, community or comprehensive grid code",
    )
    gen.add_argument(
        "--max-households",
        type=int,
        default=DEFAULT_MAX_HOUSEHOLDS,
        help=f"most households per unit (default {DEFAULT_MAX_HOUSEHOLDS}); a single "
        "building over it is a unit alone",
    )
    gen.add_argument(
        "--min-households",
        type=int,
        default=DEFAULT_MIN_HOUSEHOLDS,
        help=f"fewest households per unit (default {DEFAULT_MIN_HOUSEHOLDS}): smaller "
        "blocks join a neighbour across a minor road",
    )
    gen.add_argument(
        "--cut-classes",
        metavar="主干道,次干道,…",
        help=f"road classes that bound blocks (default {','.join(CUT_CLASSES)})",
    )
    gen.add_argument(
        "--major-classes",
        metavar="主干道,…",
        help=f"road classes a unit never spans (default {','.join(MAJOR_CLASSES)}; "
        "they always cut)",
    )
    gen.add_argument(
        "--footprints",
        metavar="FILE",
        help="building footprints (polygons: GeoPackage, Shapefile, GeoJSON); the "
        "project's buildings (or address points) are matched to the footprint they lie in",
    )
    gen.add_argument(
        "--footprints-layer", metavar="NAME", help="layer of a GeoPackage with several"
    )
    gen.add_argument("--crs", metavar="EPSG:N", help="the footprints' CRS when the file lacks one")
    gen.add_argument("--out", required=True, metavar="NEW.gpkg", help="where to write the new plan")
    gen.add_argument("--report", metavar="FILE.json", help="also write what was generated as JSON")
    gen.add_argument("--lang", choices=["zh", "en"], default="zh")
    gen.set_defaults(func=_cmd_generate)  # fmt: skip


def _cmd_generate(args: argparse.Namespace) -> int:
    from gridplanner.errors import PlannerError
    from gridplanner.report import current_scope_code
    from gridplanner.road_classes import CUT_CLASSES, MAJOR_CLASSES, parse_classes
    from gridplanner.store import load_project, save_project
    from gridplanner.units_check import check_units
    from gridplanner.units_generate import UnitRequest, generate_units

    out = Path(args.out)
    if not out.parent.exists():
        raise GridPlannerError(f"{out}: folder {out.parent} does not exist")
    footprints = _footprints(args) if args.footprints else None
    project = load_project(args.project)
    args.scope = current_scope_code(project, args.scope)
    request = UnitRequest(
        scope=args.scope,
        max_households=args.max_households,
        min_households=args.min_households,
        cut_classes=parse_classes(args.cut_classes, CUT_CLASSES),
        major_classes=parse_classes(args.major_classes, MAJOR_CLASSES),
        footprints=footprints,
    )
    started = time.perf_counter()
    try:
        result = generate_units(project, request)
    except PlannerError as error:
        raise GridPlannerError(error.message(args.lang)) from None
    after = result.edit.apply(project.copy())
    after.record_version("gridplanner units generate", result.edit.label)
    save_project(after, out)
    check = check_units(
        after, args.scope, args.max_households, args.min_households, request.major_classes
    )
    for line in result.summary(args.lang):
        print(line)
    en = args.lang == "en"
    print(
        (f"units spanning a major road: {len(check.crossing_major_roads)}; buildings of the "
         f"scope not in the unit they lie in: {len(check.buildings_unassigned)}")
        if en else
        (f"跨越主要道路的单元 {len(check.crossing_major_roads)} 个；范围内未落入所在单元的楼栋 "
         f"{len(check.buildings_unassigned)} 栋")
    )  # fmt: skip
    if args.report:
        Path(args.report).write_text(
            json.dumps(_report(result, check), ensure_ascii=False, indent=1) + "\n", "utf-8"
        )
    print(f"wrote {out} ({time.perf_counter() - started:.1f} s)")
    return 0


def _footprints(args: argparse.Namespace) -> Any:
    from gridplanner.exchange.problems import ImportFailed
    from gridplanner.exchange.reading import read_source
    from gridplanner.units_generate import footprints_from

    try:
        table = read_source(args.footprints, layer=args.footprints_layer, crs=args.crs)
    except ImportFailed as failed:
        raise GridPlannerError(str(failed)) from None
    shapes = footprints_from(table.geometry)
    if shapes is None or len(shapes) == 0:
        raise GridPlannerError(f"{table.name}: no polygon footprints (the file holds no polygons)")
    return shapes


def _report(result: Any, check: Any) -> dict[str, Any]:
    request = result.request
    return {
        "scope": request.scope,
        "max_households": request.max_households,
        "min_households": request.min_households,
        "cut_classes": list(request.cut_classes),
        "major_classes": list(request.major_classes),
        "units": len(result.unit_ids),
        "enclosures": result.enclosures,
        "households": {str(k): v for k, v in result.households.items()},
        "single_building_units": sorted(result.single_building),
        "kept_units": result.kept,
        "buildings_outside": result.outside,
        "created": result.created,
        "empty_grids": result.empty_grids,
        "crossing_major_roads": check.crossing_major_roads,
        "buildings_unassigned": check.buildings_unassigned,
        "seconds": round(result.seconds, 2),
    }
