"""``gridplanner db …``: the shared PostgreSQL/PostGIS store for many planners.

    gridplanner db init URL                           create the store's tables
    gridplanner db load PROJECT.gpkg URL [--replace]  put a whole plan in
    gridplanner db dump URL OUT.gpkg                  take a whole plan out
    gridplanner db checkout URL --scope CODE --owner NAME [--hours 8] --out LOCAL.gpkg
    gridplanner db commit LOCAL.gpkg URL [--message TEXT] [--release] [--no-audit]
    gridplanner db status URL                         leases and recent commits
    gridplanner db release URL --scope CODE --owner NAME
    gridplanner db password URL                       keep a password in the keyring

URLs look like ``postgresql://planner@db.example.gov:5432/city``; passwords come from
PGPASSWORD, ~/.pgpass or the keyring and are never printed (see docs/shared_store.md).
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from pathlib import Path
from typing import Any

from gridplanner.errors import GridPlannerError

EXIT_OK = 0


def register(sub: Any) -> None:
    """Add ``db`` and its subcommands."""
    db = sub.add_parser(
        "db", help="the shared PostgreSQL/PostGIS store: init, load, dump, checkout, commit"
    )
    verbs = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")

    init = verbs.add_parser("init", help="create the store's schema in a database")
    init.add_argument("url", metavar="URL", help="postgresql://user@host:port/dbname")
    init.set_defaults(func=_cmd_init)

    load = verbs.add_parser("load", help="put a whole plan into the store")
    load.add_argument("project", metavar="PROJECT.gpkg")
    load.add_argument("url", metavar="URL")
    load.add_argument(
        "--replace",
        action="store_true",
        help="replace the plan the store holds (refused while scopes are leased)",
    )
    load.set_defaults(func=_cmd_load)

    dump = verbs.add_parser("dump", help="write the store's whole plan to a GeoPackage")
    dump.add_argument("url", metavar="URL")
    dump.add_argument("out", metavar="OUT.gpkg")
    dump.set_defaults(func=_cmd_dump)

    co = verbs.add_parser("checkout", help="lease a street or community and take it to a file")
    co.add_argument("url", metavar="URL")
    co.add_argument("--scope", required=True, metavar="CODE", help="street or community code")
    co.add_argument("--owner", required=True, metavar="NAME", help="who edits it")
    co.add_argument("--hours", type=float, default=8.0, help="lease length (default 8)")
    co.add_argument("--out", required=True, metavar="LOCAL.gpkg")
    co.add_argument(
        "--ring-m",
        type=float,
        default=30.0,
        help="neighbouring units within this many metres come along read-only",
    )
    co.set_defaults(func=_cmd_checkout)

    ci = verbs.add_parser("commit", help="write a checkout's changes back (checked)")
    ci.add_argument("local", metavar="LOCAL.gpkg")
    ci.add_argument("url", metavar="URL")
    ci.add_argument("--message", "-m", metavar="TEXT", help="what the change is (history)")
    ci.add_argument("--release", action="store_true", help="end the lease after committing")
    ci.add_argument("--no-audit", action="store_true", help="skip the audit of the touched area")
    ci.set_defaults(func=_cmd_commit)

    st = verbs.add_parser("status", help="leases (who edits what, until when) and recent commits")
    st.add_argument("url", metavar="URL")
    st.add_argument("--commits", type=int, default=10, metavar="N", help="recent commits shown")
    st.set_defaults(func=_cmd_status)

    rel = verbs.add_parser("release", help="end a lease")
    rel.add_argument("url", metavar="URL")
    rel.add_argument("--scope", required=True, metavar="CODE")
    rel.add_argument("--owner", required=True, metavar="NAME")
    rel.set_defaults(func=_cmd_release)

    tag = verbs.add_parser(
        "tag", help="mark the whole city's plan as a named version (to push or keep)"
    )
    tag.add_argument("url", metavar="URL")
    tag.add_argument("name", metavar="NAME", help="e.g. 2026年第四季度报送")
    tag.add_argument("--author", help="who tags it (default: the login name)")
    tag.add_argument(
        "--out", metavar="SNAPSHOT.gpkg", help="also freeze the tagged plan in a GeoPackage"
    )
    tag.set_defaults(func=_cmd_tag)

    pw = verbs.add_parser("password", help="keep the database password in the system keyring")
    pw.add_argument("url", metavar="URL")
    pw.set_defaults(func=_cmd_password)


def _url(text: str) -> str:
    from gridplanner.pgstore.credentials import is_database_url

    if not is_database_url(text):
        raise GridPlannerError(f"{text}: not a database address (postgresql://user@host/db)")
    return text


def _cmd_init(args: argparse.Namespace) -> int:
    from gridplanner.pgstore.credentials import public_url
    from gridplanner.pgstore.schema import create_store
    from gridplanner.pgstore.store import session

    url = _url(args.url)
    with session(url) as conn, conn.transaction():
        database_id = create_store(conn, public_url(url))
    print(f"{public_url(url)}: gridplanner store created (database id {database_id})")
    return EXIT_OK


def _cmd_load(args: argparse.Namespace) -> int:
    from gridplanner.pgstore.credentials import public_url
    from gridplanner.pgstore.schema import check_store, create_store, is_initialised
    from gridplanner.pgstore.store import clear_plan, has_plan, live_leases, session, write_plan
    from gridplanner.store import load_project

    url = _url(args.url)
    started = time.perf_counter()
    project = load_project(args.project)
    where = public_url(url)
    with session(url) as conn, conn.transaction():
        if not is_initialised(conn):
            create_store(conn, where)
        check_store(conn, where)
        if has_plan(conn):
            if not args.replace:
                raise GridPlannerError(
                    f"{where}: already holds a plan; add --replace to replace it (its change log "
                    "and leases go too)"
                )
            leased = live_leases(conn)
            if leased:
                who = ", ".join(f"{c} by {o} until {e}" for c, o, e in leased[:5])
                raise GridPlannerError(
                    f"{where}: {len(leased)} scope(s) are checked out ({who}); they must be "
                    "committed or released before the plan is replaced"
                )
            clear_plan(conn)
        write_plan(conn, project)
    counts = project.counts()
    print(
        f"{where}: loaded {args.project}: {counts['grid_unit']} units, {counts['grid']} grids, "
        f"{counts['building']} buildings, {counts['worker']} workers "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return EXIT_OK


def _cmd_dump(args: argparse.Namespace) -> int:
    from gridplanner.pgstore.credentials import public_url
    from gridplanner.pgstore.store import PostGISStore
    from gridplanner.store import GeoPackageStore

    url = _url(args.url)
    started = time.perf_counter()
    project = PostGISStore().load(url)
    project.origin = None
    GeoPackageStore().save(project, Path(args.out))
    counts = project.counts()
    print(
        f"{args.out}: {counts['grid_unit']} units, {counts['building']} buildings from "
        f"{public_url(url)} ({time.perf_counter() - started:.1f} s)"
    )
    return EXIT_OK


def _cmd_tag(args: argparse.Namespace) -> int:
    """A named version of the whole city: recorded in the store's history (who, when,
    the name), optionally frozen to a GeoPackage; `gridplanner push URL` (or the frozen
    file) then sends the plan with that version number, as for a file."""
    from gridplanner.exchange.importing import author
    from gridplanner.pgstore.credentials import public_url
    from gridplanner.pgstore.store import PostGISStore
    from gridplanner.store import GeoPackageStore, save_project

    url = _url(args.url)
    name = str(args.name).strip()
    if not name:
        raise GridPlannerError("db tag: the version needs a name")
    store = PostGISStore()
    project = store.load(url)
    version = project.record_version(args.author or author(), f"标记版本 {name}")
    save_project(project, url)  # writes the history row only (nothing else changed)
    where = public_url(url)
    if args.out:
        frozen = store.load(url)
        frozen.origin = None
        GeoPackageStore().save(frozen, Path(args.out))
    print(
        f"{where}: version {version.version} tagged '{name}' by {version.author}"
        + (f"; frozen in {args.out}" if args.out else "")
    )
    return EXIT_OK


def _cmd_checkout(args: argparse.Namespace) -> int:
    from gridplanner.pgstore.checkout import check_out, describe, write_checkout

    checkout = check_out(_url(args.url), args.scope, args.owner, args.hours, args.ring_m)
    write_checkout(checkout, Path(args.out))
    print(describe(checkout, args.out))
    return EXIT_OK


def _cmd_commit(args: argparse.Namespace) -> int:
    from gridplanner.pgstore.commit import commit_checkout

    url = _url(args.url)
    result, checkout = commit_checkout(Path(args.local), url, args.message)
    if result.recovered:
        print(f"an earlier commit ({result.recovered}) had landed unanswered; taken in")
    print(f"{args.local}: {result.summary()}")
    if args.release:
        _release(url, checkout.lease_id)
        print(f"lease on {checkout.scope_code} released")
    if result.committed and not args.no_audit:
        from gridplanner.pgstore.audit_area import audit_nodes

        audit = audit_nodes(url, result.nodes)
        print(audit.line())
        for finding in [f for f in audit.findings if f.severity.value == "blocking"][:10]:
            print(f"  {finding.check} {','.join(finding.codes[:3])}: {finding.message('zh')}")
    return EXIT_OK


def _release(url: str, lease_id: str) -> bool:
    from gridplanner.pgstore.leases import release_lease
    from gridplanner.pgstore.store import session

    with session(url) as conn, conn.transaction():
        return release_lease(conn, lease_id)


def _cmd_release(args: argparse.Namespace) -> int:
    from gridplanner.pgstore.credentials import public_url
    from gridplanner.pgstore.leases import read_leases, release_lease
    from gridplanner.pgstore.store import session

    url = _url(args.url)
    with session(url) as conn, conn.transaction():
        found = [
            lease for lease in read_leases(conn)
            if lease.scope_code == args.scope and lease.owner == args.owner
        ]  # fmt: skip
        for lease in found:
            release_lease(conn, lease.lease_id)
    if not found:
        raise GridPlannerError(
            f"{public_url(url)}: {args.owner} holds no lease on {args.scope} (see `db status`)"
        )
    print(f"released {len(found)} lease(s) of {args.owner} on {args.scope}")
    return EXIT_OK


def _cmd_status(args: argparse.Namespace) -> int:
    from psycopg import sql

    from gridplanner.pgstore.credentials import public_url
    from gridplanner.pgstore.leases import db_now, local_time, read_leases
    from gridplanner.pgstore.schema import check_store, read_meta, table
    from gridplanner.pgstore.store import session

    url = _url(args.url)
    with session(url) as conn, conn.transaction():
        check_store(conn, public_url(url))
        meta = read_meta(conn)
        leases, now = read_leases(conn), db_now(conn)
        commits = conn.execute(
            sql.SQL(
                "SELECT author, at, scope_code, rows, summary FROM {} ORDER BY seq DESC LIMIT %s"
            ).format(table("change_set")),
            (max(0, args.commits),),
        ).fetchall()
        total = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table("change_set")))
        count = int(total.fetchone()[0])
    print(f"{public_url(url)}: plan 「{meta.get('name', '-')}」, {count} commit(s)")
    print(f"leases ({len(leases)}):")
    for lease in leases:
        state = "live" if lease.live(now) else "expired"
        print(
            f"  {lease.scope_level} {lease.scope_name}（{lease.scope_code}） {lease.owner} "
            f"since {local_time(lease.taken_at)} until {local_time(lease.expires_at)} [{state}]"
        )
    if commits:
        print("recent commits:")
    for author, at, scope, rows, summary in commits:
        print(f"  {local_time(at)} {author} {scope or '-'} {rows} row(s): {summary[:100]}")
    return EXIT_OK


def _cmd_password(args: argparse.Namespace) -> int:
    from gridplanner.pgstore.credentials import public_url, store_password

    url = _url(args.url)
    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {public_url(url)}: ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise GridPlannerError("no password given")
    entry = store_password(url, password)
    print(f"password kept in the system keyring (entry {entry})")
    return EXIT_OK
