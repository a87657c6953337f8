"""The audit of an area of the city: after a commit, the touched communities and their
neighbours, checked against the city's data in the shared store.

The communities holding the written nodes and every community within
:data:`NEIGHBOUR_M` metres of them are read complete (:func:`~gridplanner.pgstore.area.read_area`),
with their streets and district and those nodes' other children as outlines, so a gap
or an overlap across a scope border — between two planners' streets — is found like
any other. Findings whose subject lies outside the audited area (a neighbouring
street read only as an outline has "no children", say) are left out.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import shapely
from psycopg import sql

from gridplanner.audit import Finding, run_audit
from gridplanner.levels import LEVELS, Level
from gridplanner.pgstore.area import DEGREES_PER_METRE, read_area
from gridplanner.pgstore.schema import NODE_TABLES, table
from gridplanner.pgstore.store import session

NEIGHBOUR_M = 5.0


@dataclass
class AreaAudit:
    """Findings of one area audit."""

    communities: list[str] = field(default_factory=list)  # codes audited
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for finding in self.findings:
            key = finding.severity.value
            out[key] = out.get(key, 0) + 1
        return out

    def line(self) -> str:
        counts = self.counts()
        return (
            f"audit of {len(self.communities)} touched and neighbouring communities: "
            f"{counts.get('blocking', 0)} blocking, {counts.get('warning', 0)} warning(s), "
            f"{counts.get('info', 0)} note(s) ({self.seconds:.1f} s)"
        )


def audit_nodes(url: str, node_ids: Iterable[int]) -> AreaAudit:
    """Audit the communities holding ``node_ids`` and their neighbours (see module doc)."""
    started = time.perf_counter()
    with session(url) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            touched = communities_of(conn, node_ids)
            return audit_communities(conn, touched, started)


def audit_communities(conn: Any, touched: set[int], started: float | None = None) -> AreaAudit:
    """Audit the communities ``touched`` and their neighbours on an open connection."""
    started = time.perf_counter() if started is None else started
    if not touched:
        return AreaAudit(seconds=time.perf_counter() - started)
    rows = conn.execute(
        sql.SQL(
            "SELECT DISTINCT n.id FROM {c} n JOIN {c} t ON ST_DWithin(n.geometry, t.geometry, %s) "
            "WHERE t.id = ANY(%s)"
        ).format(c=table(Level.COMMUNITY.value)),
        (NEIGHBOUR_M * DEGREES_PER_METRE, sorted(touched)),
    ).fetchall()
    communities = touched | {int(r[0]) for r in rows}
    project, _, area = read_area(conn, Level.COMMUNITY, communities)
    result = run_audit(project)
    inside = area.core_ids() | area.chain_ids()
    outline = shapely.union_all(
        [g for g in project.nodes.geometry.loc[sorted(communities)] if g is not None]
    )
    kept = [f for f in result.findings if _about(f, inside, outline)]
    codes = sorted(str(project.nodes.at[c, "code"]) for c in communities)
    return AreaAudit(codes, kept, time.perf_counter() - started)


def _about(finding: Finding, inside: set[int], outline: Any) -> bool:
    if finding.node_ids:
        return finding.node_ids[0] in inside
    if finding.geometry is None or outline is None:
        return False
    return bool(outline.intersects(finding.geometry))


def communities_of(conn: Any, node_ids: Iterable[int]) -> set[int]:
    """The communities the nodes lie in (a community itself; nodes above none)."""
    ids = sorted({int(i) for i in node_ids})
    found: set[int] = set()
    depth = Level.COMMUNITY.depth
    for name in NODE_TABLES:
        level = Level(name)
        if level.depth < depth or not ids:
            continue
        current = {
            int(r[0])
            for r in conn.execute(
                sql.SQL("SELECT id FROM {} WHERE id = ANY(%s)").format(table(name)), (ids,)
            ).fetchall()
        }
        for lv in reversed(LEVELS[depth + 1 : level.depth + 1]):
            if not current:
                break
            current = {
                int(r[0])
                for r in conn.execute(
                    sql.SQL("SELECT parent_id FROM {} WHERE id = ANY(%s)").format(table(lv.value)),
                    (sorted(current),),
                ).fetchall()
                if r[0] is not None
            }
        found |= current
    return found
