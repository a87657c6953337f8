"""CLI subcommands: ``import``, ``export``, ``push`` and ``receiver``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_ERROR = 2
#: Import problems printed before "… and N more" (all of them go to --report).
SHOWN_PROBLEMS = 20
FIELD_OPTIONS = (
    "code",
    "name",
    "parent",
    "households",
    "population",
    "unit",
    "grid",
    "role",
    "employment",
    "capacity",
    "phone",
    "kind",
    "dedicated_type",
    "road_class",
)


def register(sub: Any) -> None:
    """Add the exchange subcommands to the ``gridplanner`` parser."""
    from gridplanner.exchange.export import EXPORT_FORMATS, EXPORT_LANGUAGES, EXPORT_PROFILES
    from gridplanner.exchange.importing import IMPORT_LEVELS

    imp = sub.add_parser(
        "import", help="import a Shapefile, GeoPackage, GeoJSON, CSV or XLSX (导入)"
    )
    imp.add_argument(
        "project",
        metavar="PROJECT.gpkg",
        help="project file (created when missing); with --split-by-district a folder",
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--level", required=True, choices=IMPORT_LEVELS)
    for target in FIELD_OPTIONS:
        imp.add_argument(
            f"--{target.replace('_', '-')}-field",
            dest=f"field_{target}",
            metavar="F",
            help=f"column holding the {target.replace('_', ' ')} (default: guessed)",
        )
    imp.add_argument("--lon-field", metavar="F", help="longitude column of a CSV/XLSX")
    imp.add_argument("--lat-field", metavar="F", help="latitude column of a CSV/XLSX")
    imp.add_argument("--layer", help="layer of a GeoPackage with several")
    imp.add_argument("--encoding", help="text encoding (gbk, utf-8) overriding .cpg and detection")
    imp.add_argument(
        "--report", metavar="FILE.json", help="write every problem found (or what was imported)"
    )
    imp.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for a project another program is changing (default: refuse)",
    )
    imp.add_argument(
        "--crs", metavar="EPSG:N", help="the data's CRS when the file lacks one (or is wrong)"
    )
    imp.add_argument("--from-gcj02", action="store_true", help="coordinates are GCJ-02 (web maps)")
    imp.add_argument("--district-name", help="name of the district created with the first streets")
    imp.add_argument(
        "--repair",
        action="store_true",
        help="make invalid polygons valid (their polygonal parts); each one is reported "
        "with its area before and after",
    )
    imp.add_argument(
        "--split-by-district",
        action="store_true",
        help="--level district: PROJECT is a folder; write one project per district of "
        "the file (CODE_名称.gpkg, updated in place when there)",
    )
    imp.set_defaults(func=_cmd_import)

    exp = sub.add_parser("export", help="export the hierarchy or the exchange package (导出)")
    exp.add_argument("project", metavar="PROJECT.gpkg")
    exp.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    exp.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="file (gpkg, xlsx, package .zip) or folder (geojson, shapefile, package)",
    )
    exp.add_argument(
        "--include-personal",
        action="store_true",
        help="include personal worker fields (phone); off by default",
    )
    exp.add_argument(
        "--since",
        metavar="PACKAGE",
        help="previous package (folder or .zip): changes.json is computed against it",
    )
    exp.add_argument(
        "--lang",
        choices=EXPORT_LANGUAGES,
        default="zh",
        help="language of the xlsx workbook (headers, levels, 普通网格/专属网格, 专职/兼职); "
        "the other formats keep the code values the platform reads",
    )
    exp.add_argument(
        "--crs",
        metavar="gk|gk-zone|EPSG:N",
        help="write gpkg, shapefile or geojson in a projected CRS: gk = the CGCS2000 3° "
        "Gauss–Krüger zone of the data (e.g. EPSG:4550), gk-zone = the same with the zone "
        "number in the eastings (e.g. EPSG:4529), or any EPSG code; default: lon/lat EPSG:4490",
    )
    exp.add_argument(
        "--profile",
        choices=EXPORT_PROFILES,
        default="default",
        help="cjt349: add CJ/T 349-2010 20-digit grid codes (and, in a package, the mapping "
        "table cjt349.json)",
    )
    exp.add_argument(
        "--object-code",
        metavar="NNNNNN",
        help="CJ/T 349: the 6-digit management/service object code (CJ/T 348-2010); "
        "default 000000 (not stated)",
    )
    exp.add_argument(
        "--merge-communities",
        action="append",
        default=[],
        metavar="CODE,CODE[,…]",
        help="CJ/T 349: communities of one street that form one grid (numbered from 601); "
        "repeat for several groups",
    )
    exp.add_argument(
        "--skip-audit",
        action="store_true",
        help="package: do not run the audit (the manifest records audit status not_run)",
    )
    exp.set_defaults(func=_cmd_export)

    push = sub.add_parser("push", help="push the plan to the central platform (推送)")
    push.add_argument("project", metavar="PROJECT.gpkg")
    push.add_argument("--to", required=True, metavar="URL", help="platform base URL (https://…)")
    push.add_argument(
        "--allow-blocking",
        action="store_true",
        help="push despite blocking audit findings (recorded in the receipt)",
    )
    push.add_argument("--include-personal", action="store_true", help="include phone numbers")
    push.add_argument(
        "--insecure",
        action="store_true",
        help="do NOT verify the TLS certificate (recorded in the receipt)",
    )
    push.add_argument("--chunk-kib", type=int, default=256, help="upload chunk size (KiB)")
    push.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    push.set_defaults(func=_cmd_push)

    rx = sub.add_parser("receiver", help="run the reference receiver (参考接收端)")
    rx.add_argument("--host", default="127.0.0.1")
    rx.add_argument("--port", type=int, default=8765)
    rx.add_argument("--data", required=True, metavar="DIR", help="folder for the SQLite store")
    rx.add_argument(
        "--token-env",
        default="GRIDPLANNER_RECEIVER_TOKEN",
        metavar="VAR",
        help="environment variable holding the accepted bearer token",
    )
    rx.add_argument(
        "--no-auth",
        action="store_true",
        help="accept uploads without a token (loopback only, for local tests)",
    )
    rx.add_argument(
        "--max-package-mib", type=int, default=512, help="largest upload accepted (MiB)"
    )
    rx.add_argument(
        "--quota-mib",
        type=int,
        default=2048,
        help="announced, unfinished uploads per token (MiB)",
    )
    rx.add_argument(
        "--upload-ttl-hours", type=float, default=24.0, help="when an untouched upload expires"
    )
    rx.add_argument("--ssl-certfile")
    rx.add_argument("--ssl-keyfile")
    rx.add_argument("--inject-faults", default="", help=argparse.SUPPRESS)  # tests only
    rx.set_defaults(func=_cmd_receiver)


def _cmd_import(args: argparse.Namespace) -> int:
    from gridplanner.exchange.importing import ImportOptions, import_into

    fields = {t: getattr(args, f"field_{t}") for t in FIELD_OPTIONS if getattr(args, f"field_{t}")}
    options = ImportOptions(
        fields=fields,
        layer=args.layer,
        encoding=args.encoding,
        crs=args.crs,
        from_gcj02=args.from_gcj02,
        lon_field=args.lon_field,
        lat_field=args.lat_field,
        district_name=args.district_name,
        repair=args.repair,
        split_by_district=args.split_by_district,
    )
    from gridplanner.exchange.problems import ImportFailed

    try:
        report = import_into(args.project, args.file, args.level, options, wait=args.wait)
    except ImportFailed as failed:
        problems = [str(p) for p in failed.problems]
        if args.report:
            Path(args.report).write_text(
                json.dumps({"imported": False, "problems": problems}, ensure_ascii=False,
                           indent=1) + "\n", "utf-8",
            )  # fmt: skip
        if len(problems) == 1:
            print(f"gridplanner: {failed}", file=sys.stderr)
            return EXIT_ERROR
        print(f"gridplanner: {args.file}: {len(problems)} problems; the project was not "
              "changed:", file=sys.stderr)  # fmt: skip
        for problem in problems[:SHOWN_PROBLEMS]:
            print(f"  {problem}", file=sys.stderr)
        if len(problems) > SHOWN_PROBLEMS:
            rest = len(problems) - SHOWN_PROBLEMS
            where = args.report or "--report FILE.json"
            print(f"  … and {rest} more (all of them in {where})", file=sys.stderr)
        return EXIT_ERROR
    for line in report.lines():
        print(line)
    if args.report:
        Path(args.report).write_text(
            json.dumps({"imported": True, "lines": report.lines(), **report.to_dict()},
                       ensure_ascii=False, indent=1) + "\n", "utf-8",
        )  # fmt: skip
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from gridplanner.exchange.export import export_project
    from gridplanner.store import load_project

    project = load_project(args.project)
    audit = None
    if args.format == "package":
        from gridplanner.exchange.audit_status import audit_status, not_run

        audit = not_run() if args.skip_audit else audit_status(project)
    merges = [[c for c in group.split(",") if c.strip()] for group in args.merge_communities]
    if (args.object_code or merges) and args.profile != "cjt349":
        from gridplanner.exchange.problems import ExchangeError

        raise ExchangeError("--object-code and --merge-communities need --profile cjt349")
    written = export_project(
        project,
        args.format,
        args.out,
        args.include_personal,
        args.since,
        lang=args.lang,
        crs=args.crs,
        profile=args.profile,
        object_code=args.object_code,
        merge_communities=merges,
        audit=audit,
    )
    for path in written:
        print(path)
    if audit is not None:
        print(audit.describe())
    if not args.include_personal:
        print("personal worker fields (phone) left out; add --include-personal to include them")
    return EXIT_OK


def _cmd_push(args: argparse.Namespace) -> int:
    from gridplanner.exchange.publish import push_project
    from gridplanner.exchange.push import PushSettings

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    settings = PushSettings(
        chunk_size=max(1, args.chunk_kib) * 1024, timeout=args.timeout, verify_tls=not args.insecure
    )

    def progress(fraction: float, message: str) -> None:
        print(f"\r{fraction:5.0%} {message}", end="", file=sys.stderr, flush=True)

    receipt = push_project(
        args.project,
        args.to,
        allow_blocking=args.allow_blocking,
        include_personal=args.include_personal,
        settings=settings,
        progress=progress,
    )
    print(file=sys.stderr)
    print(
        f"{receipt['status']}: {receipt['region_code']} version {receipt['plan_version']} "
        f"receipt {receipt['receipt_id']} (key {receipt['idempotency_key']})"
    )
    if receipt.get("override_blocking"):
        print(
            f"pushed despite {receipt['blocking_findings']} blocking finding(s); "
            "the override is recorded in the receipt"
        )
    return EXIT_OK


def _cmd_receiver(args: argparse.Namespace) -> int:
    from gridplanner.exchange.problems import ExchangeError
    from gridplanner.exchange.push import is_loopback
    from gridplanner.exchange.receiver import FaultPlan, Limits, serve

    logging.basicConfig(level=logging.INFO, format="%(message)s")  # stored versions
    token = os.environ.get(args.token_env) or None
    if token is None and not args.no_auth:
        raise ExchangeError(
            f"{args.token_env} is not set: the receiver will not accept uploads from anyone; "
            "set it, or pass --no-auth for a local test"
        )
    if args.no_auth and not is_loopback(f"http://{args.host}"):
        raise ExchangeError(f"--no-auth is for loopback tests only, not {args.host}")
    if args.no_auth:
        token = None
        print("warning: --no-auth: uploads are accepted without a token", file=sys.stderr)
    limits = Limits(
        package_bytes=args.max_package_mib * 1024 * 1024,
        quota_bytes=args.quota_mib * 1024 * 1024,
        upload_ttl=args.upload_ttl_hours * 3600,
    )
    faults = FaultPlan(args.inject_faults) if args.inject_faults else None
    data = Path(args.data)
    print(f"receiver on http://{args.host}:{args.port}/api/v1 storing in {data}", file=sys.stderr)
    serve(data, args.host, args.port, token, faults, args.ssl_certfile, args.ssl_keyfile, limits)
    return EXIT_OK
