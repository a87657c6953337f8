"""A whole plan in the shared store: the :class:`~gridplanner.store.ProjectStore`
backend for ``postgresql://`` locations, and ``db load`` / ``db dump``.

``load`` reads every table in one consistent snapshot. ``save`` of a plan loaded from
the same database writes only what differs from the database now, each row expecting
the version it had when loaded: a row someone else committed since is refused (named,
nothing written), rows others added are kept. Saving to a database that holds no plan
yet writes it whole; saving a plan from elsewhere over another plan is refused
(``gridplanner db load --replace`` does that on purpose).
"""

from __future__ import annotations

import getpass
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql

from gridplanner.levels import LEVELS
from gridplanner.model import Project, Version
from gridplanner.pgstore.apply import Receipt, apply_change_set, now_iso
from gridplanner.pgstore.area import plan_around
from gridplanner.pgstore.changes import ChangeSet, diff_save, plan_hashes
from gridplanner.pgstore.credentials import DatabaseError, connect, public_url, redact
from gridplanner.pgstore.rows import RowSet, build_frame, copy_rows, select_rows
from gridplanner.pgstore.schema import (
    FRAME_TABLES,
    NODE_TABLES,
    create_store,
    ensure_columns,
    is_initialised,
    read_meta,
    registered_columns,
    stored,
    table,
    write_meta,
)
from gridplanner.settings import Settings

#: Plans loaded in this process, by the token in their ``origin`` (for ``save``).
_LOADED: OrderedDict[str, LoadedState] = OrderedDict()
_KEEP_LOADED = 8
ENTITY_TABLES = (*NODE_TABLES, "building", "worker")
PLAN_TABLES = (*ENTITY_TABLES, "reference_line", "settings", "history", "retired_code")


@dataclass
class LoadedState:
    """What a loaded plan was read as: versions of its rows, settings, history, codes."""

    database_id: str
    versions: dict[str, dict[int, int]]
    settings: Settings
    history_len: int
    retired: frozenset[str]
    hashes: dict[str, pd.Series]  # frame kind -> one hash per row as loaded


class PostGISStore:
    """A plan in a PostgreSQL/PostGIS database (``postgresql://user@host:port/db``)."""

    def load(self, location: str | Path) -> Project:
        """Read the whole plan (one consistent snapshot)."""
        url = str(location)
        with _session(url) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with conn.transaction():
                database_id = _require_store(conn, url)
                if not has_plan(conn):
                    raise DatabaseError(
                        f"{public_url(url)}: the store holds no plan yet; put one in with "
                        f"`gridplanner db load PROJECT.gpkg {public_url(url)}`"
                    )
                project, versions = read_plan(conn)
        remember(project, url, database_id, versions)
        return project

    def save(self, project: Project, location: str | Path) -> None:
        """Write ``project``: whole into an empty store, else as a checked change set."""
        url = str(location)
        with _session(url) as conn, conn.transaction():
            if not is_initialised(conn):
                create_store(conn, public_url(url))
            database_id = _require_store(conn, url)
            if not has_plan(conn):
                write_plan(conn, project)
                _, versions = read_plan(conn)
                remember(project, url, database_id, versions)
                return
            state = loaded_state(project, database_id)
            if state is None:
                meta = read_meta(conn)
                raise DatabaseError(
                    f"{public_url(url)}: already holds the plan 「{meta.get('name', '')}」 and "
                    "this plan was not loaded from it; replace it on purpose with "
                    f"`gridplanner db load PROJECT.gpkg {public_url(url)} --replace`"
                )
            for kind, frame in _frames(project).items():
                ensure_columns(conn, kind, frame)
            current, _ = read_plan(conn)
            cs = diff_save(
                current,
                project,
                state.versions,
                (state.settings, state.history_len, state.retired, state.hashes),
            )
            if cs.is_empty and not cs.history:
                return  # nothing of its own to write: it stays tied to what it loaded
            author = cs.history[-1].author if cs.history else _user()
            summary = f"整体保存 / whole-plan save: {cs.row_count()} row(s)"
            if not cs.history:
                version = (project.history[-1].version + 1) if project.history else 1
                cs.history = [Version(version, now_iso(), author, summary)]
                project.history.append(cs.history[0])
            receipt = apply_change_set(conn, cs, author=author, summary=summary)
        _tie(project, url, _after_save(project, state, cs, receipt))


def _after_save(
    project: Project, state: LoadedState, cs: ChangeSet, receipt: Receipt
) -> LoadedState:
    """What ``project`` now corresponds to: the rows it wrote at their new versions,
    every other row still as it was loaded (others' later changes stay theirs)."""
    versions = {name: dict(rows) for name, rows in state.versions.items()}
    hashes = dict(state.hashes)
    now = plan_hashes(project)
    for tc in cs.tables:
        rows = versions.setdefault(tc.name, {})
        for row_id in tc.deletes:
            rows.pop(row_id, None)
        rows.update(receipt.versions.get(tc.name, {}))
        written = [i for i in [*tc.updates, *tc.inserts] if i in now[tc.kind].index]
        old = hashes[tc.kind]
        old = old.drop(index=[i for i in [*tc.deletes, *written] if i in old.index])
        hashes[tc.kind] = pd.concat([old, now[tc.kind].loc[written]])
    return LoadedState(
        state.database_id, versions, project.settings, len(project.history),
        frozenset(project.retired_codes), hashes,
    )  # fmt: skip


def remember(
    project: Project, url: str, database_id: str, versions: dict[str, dict[int, int]]
) -> None:
    """Tie ``project`` to what it was just read as (or wrote whole), for a later save."""
    state = LoadedState(
        database_id,
        versions,
        project.settings,
        len(project.history),
        frozenset(project.retired_codes),
        plan_hashes(project),
    )
    _tie(project, url, state)


def _tie(project: Project, url: str, state: LoadedState) -> None:
    token = uuid.uuid4().hex
    _LOADED[token] = state
    while len(_LOADED) > _KEEP_LOADED:
        _LOADED.popitem(last=False)
    project.origin = (f"{public_url(url)}#{token}", None)


def loaded_state(project: Project, database_id: str) -> LoadedState | None:
    """What ``project`` was loaded as from the database ``database_id`` (None: elsewhere)."""
    if project.origin is None or "#" not in project.origin[0]:
        return None
    state = _LOADED.get(project.origin[0].rsplit("#", 1)[1])
    return state if state is not None and state.database_id == database_id else None


# -- whole plans -------------------------------------------------------------------------
def has_plan(conn: Any) -> bool:
    """True when the store holds a plan (a district row)."""
    row = conn.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(table("district"))).fetchone()
    return row is not None


def read_plan(conn: Any) -> tuple[Project, dict[str, dict[int, int]]]:
    """The whole plan and the version of every row, by table."""
    frames: dict[str, Any] = {}
    versions: dict[str, dict[int, int]] = {}
    for kind, tables in FRAME_TABLES.items():
        columns = registered_columns(conn, kind)
        rows = RowSet()
        for name in tables:
            part = select_rows(conn, name, stored(columns, kind))
            versions[name] = part.version_map()
            rows.extend(part)
        frames[kind] = build_frame(kind, columns, rows)
    project = plan_around(conn)  # name, settings, history, retired codes, id counter
    project.nodes = frames["nodes"]
    project.buildings = frames["building"]
    project.workers = frames["worker"]
    project.reference_lines = frames["reference_line"]
    return project, versions


def write_plan(conn: Any, project: Project) -> None:
    """Write the whole plan into an empty store (inside the caller's transaction)."""
    frames = _frames(project)
    sizes = []
    for kind, frame in frames.items():
        columns = stored(ensure_columns(conn, kind, frame), kind)
        columns = [(n, d) for n, d in columns if n in frame.columns]
        positions = np.arange(len(frame), dtype=np.int64)
        sizes.append(len(frame))
        if kind == "nodes":
            levels = frame["level"].to_numpy()
            for level in LEVELS:
                mask = levels == level.value
                copy_rows(conn, level.value, frame[mask], columns, positions[mask].tolist(),
                          [1] * int(mask.sum()))  # fmt: skip
        elif kind == "reference_line":
            lines = frame.reset_index(drop=True)
            copy_rows(conn, kind, lines, columns, positions.tolist(), [1] * len(lines))
        else:
            copy_rows(conn, kind, frame, columns, positions.tolist(), [1] * len(frame))
    sizes += [len(project.history), len(project.retired_codes)]
    conn.execute("SELECT setval('gridplanner.ord_seq', %s)", (max([*sizes, 1]),))
    last = max([v.version for v in project.history], default=0)
    conn.execute(
        "SELECT setval('gridplanner.history_version_seq', %s, %s)", (max(last, 1), last > 0)
    )
    with conn.cursor() as cur:
        cur.executemany(
            sql.SQL("INSERT INTO {} (key, value) VALUES (%s, %s)").format(table("settings")),
            project.settings.to_rows(),
        )
        cur.executemany(
            sql.SQL(
                "INSERT INTO {} (ord, version, time, author, summary) VALUES (%s, %s, %s, %s, %s)"
            ).format(table("history")),
            [(k, v.version, v.time, v.author, v.summary) for k, v in enumerate(project.history)],
        )
        cur.executemany(
            sql.SQL("INSERT INTO {} (code, node_id, ord) VALUES (%s, %s, %s)").format(
                table("retired_code")
            ),
            [(c, int(i), k) for k, (c, i) in enumerate(project.retired_codes.items())],
        )
    write_meta(conn, {"name": project.name, "next_id": str(project.next_id)})


def clear_plan(conn: Any) -> None:
    """Empty every plan table, the change log and the leases (``db load --replace``)."""
    names = [*PLAN_TABLES, "change_log", "change_set", "lease"]
    conn.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(table(n) for n in names)))


def live_leases(conn: Any) -> list[tuple[str, str, str]]:
    """(scope code, owner, expiry) of the leases not released and not expired."""
    rows = conn.execute(
        sql.SQL(
            "SELECT scope_code, owner, expires_at FROM {} WHERE released_at IS NULL "
            "AND expires_at > now() ORDER BY scope_code"
        ).format(table("lease"))
    ).fetchall()
    return [(str(c), str(o), e.astimezone().strftime("%Y-%m-%d %H:%M")) for c, o, e in rows]


def _frames(project: Project) -> dict[str, Any]:
    return {
        "nodes": project.nodes,
        "building": project.buildings,
        "worker": project.workers,
        "reference_line": project.reference_lines,
    }


def _require_store(conn: Any, url: str) -> str:
    from gridplanner.pgstore.schema import check_store

    return check_store(conn, public_url(url))


class _session:
    """A connection for a ``with`` block; driver errors become one-line DatabaseErrors
    naming the database (never its password)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: Any = None

    def __enter__(self) -> Any:
        self.conn = connect(self.url, autocommit=True)  # transactions are explicit blocks
        return self.conn

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        self.conn.close()
        if exc is not None and isinstance(exc, psycopg.Error):
            first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            raise DatabaseError(f"{public_url(self.url)}: {redact(first, self.url)}") from None


def session(url: str) -> _session:
    """A connection to ``url`` for a ``with`` block (see :class:`_session`)."""
    return _session(url)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "gridplanner"


__all__ = [
    "LoadedState",
    "PostGISStore",
    "clear_plan",
    "has_plan",
    "live_leases",
    "read_plan",
    "session",
    "write_plan",
]
