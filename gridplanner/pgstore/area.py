"""Part of a city's plan, read from the shared store: a scope and what surrounds it.

:func:`read_area` builds an ordinary :class:`~gridplanner.model.Project` from:

* the **core** — the subtree of each root node (a checked-out street or community,
  or the communities an audit looks at), complete with buildings and workers;
* the **ring** (optional) — grid units of other scopes within ``ring_m`` metres of
  the roots, with their buildings: the neighbours a planner sees and may edit across
  the border only with that scope's lease;
* the **chain** — every ancestor of the core and the ring up to the district — and,
  for each node of the chain, all its children (outlines only), so re-dissolving a
  parent after an edit unions the same children the city has.

Every row comes with its row version (what a commit is checked against).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from gridplanner.errors import ModelError
from gridplanner.levels import LEVELS, Level
from gridplanner.model import Project, Version
from gridplanner.pgstore.rows import RowSet, build_frame, select_rows
from gridplanner.pgstore.schema import (
    FRAME_TABLES,
    NODE_TABLES,
    read_meta,
    registered_columns,
    stored,
    table,
)
from gridplanner.settings import Settings

#: Metres → degrees near the equator's worst case; generous for a ring, never used to measure.
DEGREES_PER_METRE = 1.0 / 85_000.0


@dataclass
class Area:
    """Which nodes an area read holds, by level table."""

    core: dict[str, set[int]] = field(default_factory=dict)
    ring: set[int] = field(default_factory=set)
    chain: dict[str, set[int]] = field(default_factory=dict)
    nodes: dict[str, set[int]] = field(default_factory=dict)

    def core_ids(self) -> set[int]:
        return {i for ids in self.core.values() for i in ids}

    def chain_ids(self) -> set[int]:
        return {i for ids in self.chain.values() for i in ids}


@dataclass(frozen=True)
class NodeRef:
    """A node found by its code."""

    level: Level
    id: int
    code: str
    name: str
    path: tuple[int, ...]  # ids from the district down to it


def find_node(conn: Any, code: str) -> NodeRef:
    """The node coded ``code`` (any level), with its ancestors' ids."""
    parts = [
        sql.SQL("SELECT {}, id, name, parent_id FROM {} WHERE code = %s").format(
            sql.Literal(name), table(name)
        )
        for name in NODE_TABLES
    ]
    rows = conn.execute(sql.SQL(" UNION ALL ").join(parts), [code] * len(parts)).fetchall()
    if not rows:
        raise ModelError(f"no node has code {code!r} in the shared store")
    name, node_id, node_name, _ = rows[0]
    level = Level(str(name))
    path = [int(node_id)]
    for depth in range(level.depth, 0, -1):
        parent = conn.execute(
            sql.SQL("SELECT parent_id FROM {} WHERE id = %s").format(table(LEVELS[depth].value)),
            (path[0],),
        ).fetchone()
        if parent is None or parent[0] is None:
            break
        path.insert(0, int(parent[0]))
    return NodeRef(level, int(node_id), code, str(node_name), tuple(path))


def _below(conn: Any, level: Level, ids: Iterable[int]) -> set[int]:
    child = level.child
    ids = sorted(set(ids))
    if child is None or not ids:
        return set()
    rows = conn.execute(
        sql.SQL("SELECT id FROM {} WHERE parent_id = ANY(%s)").format(table(child.value)), (ids,)
    ).fetchall()
    return {int(r[0]) for r in rows}


def _above(conn: Any, level: Level, ids: Iterable[int]) -> set[int]:
    ids = sorted(set(ids))
    if level.parent is None or not ids:
        return set()
    rows = conn.execute(
        sql.SQL("SELECT parent_id FROM {} WHERE id = ANY(%s) AND parent_id IS NOT NULL").format(
            table(level.value)
        ),
        (ids,),
    ).fetchall()
    return {int(r[0]) for r in rows}


def plan_area(conn: Any, level: Level, roots: Iterable[int], ring_m: float | None) -> Area:
    """Which nodes :func:`read_area` reads for ``roots`` (all at ``level``)."""
    area = Area()
    roots = sorted(set(roots))
    current = set(roots)
    for lv in LEVELS[level.depth :]:
        area.core[lv.value] = current
        current = _below(conn, lv, current)
    if ring_m:
        rows = conn.execute(
            sql.SQL(
                "SELECT DISTINCT u.id FROM {} u JOIN {} s "
                "ON ST_DWithin(u.geometry, s.geometry, %s) WHERE s.id = ANY(%s)"
            ).format(table(Level.GRID_UNIT.value), table(level.value)),
            (ring_m * DEGREES_PER_METRE, roots),
        ).fetchall()
        area.ring = {int(r[0]) for r in rows} - area.core.get(Level.GRID_UNIT.value, set())
    # ancestors of the roots and of the ring units, level by level upwards
    chain: dict[str, set[int]] = {lv.value: set() for lv in LEVELS}
    pending: dict[Level, set[int]] = {level: set(roots), Level.GRID_UNIT: set(area.ring)}
    for lv in reversed(LEVELS):
        ids = pending.get(lv, set())
        if lv.parent is not None and ids:
            parents = _above(conn, lv, ids)
            chain[lv.parent.value] |= parents
            pending[lv.parent] = pending.get(lv.parent, set()) | parents
    area.chain = chain
    nodes: dict[str, set[int]] = {lv.value: set() for lv in LEVELS}
    for name, ids in area.core.items():
        nodes[name] |= ids
    nodes[Level.GRID_UNIT.value] |= area.ring
    for lv in LEVELS:
        nodes[lv.value] |= chain[lv.value]
        if lv.child is not None and chain[lv.value]:
            nodes[lv.child.value] |= _below(conn, lv, chain[lv.value])
    area.nodes = nodes
    return area


def read_area(
    conn: Any, level: Level, roots: Iterable[int], ring_m: float | None = None
) -> tuple[Project, dict[str, dict[int, int]], Area]:
    """The partial plan around ``roots`` (see the module docstring), the version of every
    row it holds by table, and which nodes are core, ring and chain."""
    roots = sorted(set(roots))
    area = plan_area(conn, level, roots, ring_m)
    versions: dict[str, dict[int, int]] = {}
    columns = registered_columns(conn, "nodes")
    rows = RowSet()
    for name in NODE_TABLES:
        ids = sorted(area.nodes.get(name, set()))
        part = select_rows(conn, name, stored(columns, "nodes"), sql.SQL("id = ANY(%s)"), (ids,))
        versions[name] = part.version_map()
        rows.extend(part)
    nodes = build_frame("nodes", columns, rows)
    units = sorted(area.nodes[Level.GRID_UNIT.value])
    grids = sorted(area.nodes[Level.GRID.value])
    outline = sql.SQL("(SELECT ST_Union(geometry) FROM {} WHERE id = ANY(%s))").format(
        table(level.value)
    )
    building_columns = registered_columns(conn, "building")
    part = select_rows(
        conn, "building", stored(building_columns, "building"),
        sql.SQL("unit_id = ANY(%s) OR (unit_id IS NULL AND ST_Intersects(geometry, {}))").format(
            outline
        ),
        (units, roots),
    )  # fmt: skip
    versions["building"] = part.version_map()
    buildings = build_frame("building", building_columns, part)
    worker_columns = registered_columns(conn, "worker")
    part = select_rows(conn, "worker", worker_columns, sql.SQL("grid_id = ANY(%s)"), (grids,))
    versions["worker"] = part.version_map()
    workers = build_frame("worker", worker_columns, part)
    line_columns = registered_columns(conn, "reference_line")
    lines = build_frame(
        "reference_line",
        line_columns,
        select_rows(
            conn, "reference_line", line_columns,
            sql.SQL("ST_Intersects(geometry, ST_Expand({}, 0.02))").format(outline), (roots,),
        ),
    )  # fmt: skip
    project = plan_around(conn)
    project.nodes = nodes
    project.buildings = buildings
    project.workers = workers
    project.reference_lines = lines
    return project, versions, area


def plan_around(conn: Any) -> Project:
    """An empty plan with the city's name, settings, history, retired codes and counter."""
    meta = read_meta(conn)
    settings = Settings.from_rows(
        conn.execute(sql.SQL("SELECT key, value FROM {}").format(table("settings"))).fetchall(),
        source="shared store: settings",
    )
    project = Project(name=meta.get("name", "未命名方案"), settings=settings)
    project.history = [
        Version(int(v), str(t), str(a), str(s))
        for v, t, a, s in conn.execute(
            sql.SQL("SELECT version, time, author, summary FROM {} ORDER BY ord").format(
                table("history")
            )
        ).fetchall()
    ]
    project.retired_codes = {
        str(c): int(i)
        for c, i in conn.execute(
            sql.SQL("SELECT code, node_id FROM {} ORDER BY ord").format(table("retired_code"))
        ).fetchall()
    }
    project.next_id = int(meta.get("next_id", "1"))
    return project


__all__ = ["FRAME_TABLES", "Area", "NodeRef", "find_node", "plan_area", "read_area"]
