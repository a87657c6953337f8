"""The independent check at the end of ``benchmarks/multiuser.py``.

It trusts nothing the planners' code paths computed about the store, only what they
were told (each acknowledged commit and the rows it wrote, with a hash of the values
they wrote) and what the database holds now:

* **lost updates** — an acknowledged commit missing from ``change_set``, or a row it
  wrote that now holds another value without a later commit having written it;
* **corruption** — a row whose version is not the one its last change-log entry gave
  it, a commit whose change log is incomplete, a node whose parent is missing, a code
  used twice or not starting with its parent's code, a worker or building pointing at
  a missing grid or unit, and any finding of the audit's structural checks (gaps,
  overlaps, outside parent, buildings in no or two units, broken codes …) in the
  planners' streets that the audit before the run did not have.
"""

from __future__ import annotations

from typing import Any

import psycopg
import shapely

from gridplanner.levels import LEVELS, Level
from gridplanner.pgstore.audit_area import audit_communities
from gridplanner.pgstore.changes import row_hashes
from gridplanner.pgstore.rows import RowSet, build_frame, select_rows
from gridplanner.pgstore.schema import registered_columns, stored

#: Audit checks whose findings mean broken data, not a planning choice (a grid in two
#: parts, a grid left without units — so without an outline —, or a ratio out of band
#: are choices the random edits make).
STRUCTURAL = {
    "bad_parent", "invalid_geometry", "gap", "overlap", "sliver",
    "outside_parent", "parent_mismatch", "building_outside", "building_multiple",
    "building_unit_mismatch", "code_format", "code_duplicate", "code_prefix", "code_retired",
}  # fmt: skip


def area_signatures(conn: Any, streets: list[str]) -> tuple[set[tuple[Any, ...]], float]:
    """Structural findings of the audit of the streets' communities, by check and place
    (codes change when units are repainted; where a gap lies does not)."""
    ids = [
        int(r[0])
        for r in conn.execute(
            "SELECT c.id FROM gridplanner.community c JOIN gridplanner.street s "
            "ON c.parent_id = s.id WHERE s.code = ANY(%s)",
            (streets,),
        ).fetchall()
    ]
    audit = audit_communities(conn, set(ids))
    found = set()
    for finding in audit.findings:
        if finding.check not in STRUCTURAL:
            continue
        where = None
        if finding.geometry is not None and not finding.geometry.is_empty:
            p = shapely.point_on_surface(finding.geometry)
            where = (round(p.x, 4), round(p.y, 4))
        found.add((finding.check, where, tuple(finding.building_ids)))
    return found, audit.seconds


def check(url: str, acks: list[dict[str, Any]], streets: list[str],
          baseline: set[tuple[Any, ...]]) -> dict[str, Any]:  # fmt: skip
    """Count lost updates and corruption (see the module docstring)."""
    report: dict[str, Any] = {"lost": [], "corrupt": []}
    with psycopg.connect(url, autocommit=True) as conn:
        commits = {str(c) for (c,) in conn.execute("SELECT commit_id FROM gridplanner.change_set")}
        later = _log(conn)
        frames, versions = _current(conn)
        hashes = {"nodes": row_hashes(frames["nodes"]), "worker": row_hashes(frames["worker"])}
        for ack in acks:
            if ack["commit_id"] not in commits:
                report["lost"].append(f"commit {ack['commit_id']} is not in the store")
                continue
            for table, row_id, version, value in ack["rows"]:
                problem = _row(table, row_id, version, value, versions, hashes, later)
                if problem == "lost":
                    report["lost"].append(f"{table} {row_id} v{version} of {ack['commit_id']}")
                elif problem:
                    report["corrupt"].append(problem)
        report["corrupt"] += _consistency(conn)
        with conn.transaction():
            final, seconds = area_signatures(conn, streets)
        report["corrupt"] += [f"audit: new {s}" for s in sorted(final - baseline, key=str)]
        report["audit_s"] = seconds
    return report


def _row(table: str, row_id: int, version: int, value: str | None, versions: dict[str, Any],
         hashes: dict[str, Any], later: dict[tuple[str, int], int]) -> str | None:  # fmt: skip
    now = versions.get(table, {}).get(row_id)
    superseded = later.get((table, row_id), 0) > version
    if value is None:  # the commit deleted the row
        return None if now is None or superseded else "lost"
    if now == version:
        kind = "worker" if table == "worker" else "nodes"
        if str(hashes[kind].get(row_id)) != value:
            return f"{table} {row_id} v{version} holds other values than were committed"
        return None
    return None if superseded else "lost"


def _log(conn: Any) -> dict[tuple[str, int], int]:
    """The highest version the change log gave each row."""
    rows = conn.execute(
        "SELECT tab, row_id, max(row_version) FROM gridplanner.change_log GROUP BY tab, row_id"
    ).fetchall()
    return {(str(t), int(i)): int(v) for t, i, v in rows}


def _current(conn: Any) -> tuple[dict[str, Any], dict[str, dict[int, int]]]:
    """Every node and worker as the store holds it now, and their versions."""
    versions: dict[str, dict[int, int]] = {}
    columns = registered_columns(conn, "nodes")
    rows = RowSet()
    for level in LEVELS:
        part = select_rows(conn, level.value, stored(columns, "nodes"))
        versions[level.value] = part.version_map()
        rows.extend(part)
    nodes = build_frame("nodes", columns, rows)
    worker_columns = registered_columns(conn, "worker")
    part = select_rows(conn, "worker", worker_columns)
    versions["worker"] = part.version_map()
    return {"nodes": nodes, "worker": build_frame("worker", worker_columns, part)}, versions


def _consistency(conn: Any) -> list[str]:
    """Versions against the change log, complete change logs, links and codes."""
    found: list[str] = []
    tables = [lv.value for lv in LEVELS] + ["building", "worker"]
    for table in tables:
        bad = conn.execute(
            f"SELECT count(*) FROM gridplanner.{table} t LEFT JOIN (SELECT row_id, "
            "max(row_version) v FROM gridplanner.change_log WHERE tab = %s GROUP BY row_id) l "
            "ON l.row_id = t.id WHERE t.row_version <> coalesce(l.v, 1)",
            (table,),
        ).fetchone()[0]
        if bad:
            found.append(f"{table}: {bad} row(s) whose version is not their last logged one")
    partial = conn.execute(
        "SELECT count(*) FROM gridplanner.change_set s WHERE s.rows <> "
        "(SELECT count(*) FROM gridplanner.change_log l WHERE l.commit_id = s.commit_id)"
    ).fetchone()[0]
    if partial:
        found.append(f"{partial} commit(s) with an incomplete change log")
    for level in LEVELS[1:]:
        parent = level.parent
        assert parent is not None
        orphans = conn.execute(
            f"SELECT count(*) FROM gridplanner.{level.value} c LEFT JOIN "
            f"gridplanner.{parent.value} p ON p.id = c.parent_id WHERE p.id IS NULL "
            "OR left(c.code, length(p.code)) <> p.code"
        ).fetchone()[0]
        if orphans:
            found.append(f"{level.value}: {orphans} node(s) with a missing parent or prefix")
    union = " UNION ALL ".join(f"SELECT code FROM gridplanner.{lv.value}" for lv in LEVELS)
    twice = conn.execute(
        f"SELECT count(*) FROM (SELECT code FROM ({union}) c GROUP BY code HAVING count(*) > 1) d"
    ).fetchone()[0]
    if twice:
        found.append(f"{twice} code(s) used by more than one node")
    for table, column, target in (("worker", "grid_id", Level.GRID.value),
                                  ("building", "unit_id", Level.GRID_UNIT.value)):  # fmt: skip
        dangling = conn.execute(
            f"SELECT count(*) FROM gridplanner.{table} t WHERE t.{column} IS NOT NULL AND NOT "
            f"EXISTS (SELECT 1 FROM gridplanner.{target} n WHERE n.id = t.{column})"
        ).fetchone()[0]
        if dangling:
            found.append(f"{table}: {dangling} row(s) pointing at a missing {target}")
    return found
