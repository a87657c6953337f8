"""Writing a change set in ONE transaction, or nothing at all.

:func:`apply_change_set` locks every row the change writes (``FOR UPDATE``, in a
fixed table order and by id, so two commits never deadlock) and every row it relies
on (``FOR SHARE``), and compares their row versions with the versions the change
was planned on. One difference and the whole transaction is rolled back with a
:class:`ChangeConflict` naming each row and, from the change log, who changed it and
when. Otherwise the rows are written with fresh row versions, and the commit is
recorded: one ``change_set`` row (author, time, scope, summary), one ``change_log``
row per written row, and one history entry. A client killed at any point before
the final ``COMMIT`` leaves the database as it was (PostgreSQL rolls the
transaction back when the connection drops).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from psycopg import sql

from gridplanner.errors import Words
from gridplanner.model import Version
from gridplanner.pgstore.changes import ChangeSet, TableChange, merge_settings
from gridplanner.pgstore.credentials import DatabaseError
from gridplanner.pgstore.rows import copy_rows, db_values
from gridplanner.pgstore.schema import GEOMETRY, all_columns, stored, table
from gridplanner.settings import Settings


class ChangeConflict(DatabaseError):
    """Rows changed since the change was planned; nothing was written."""

    def __init__(self, words: Words, rows: list[tuple[str, int]]) -> None:
        super().__init__(f"{words.zh} / {words.en}")
        self.words = words
        self.rows = rows  # (table, id) of every conflicting row


@dataclass
class Receipt:
    """What a committed change set wrote."""

    commit_id: str
    at: str
    author: str
    history_version: int | None
    rows: int
    versions: dict[str, dict[int, int]] = field(default_factory=dict)  # new row versions


def apply_change_set(
    conn: Any,
    cs: ChangeSet,
    *,
    author: str,
    summary: str,
    commit_id: str | None = None,
    lease_id: str | None = None,
    scope_code: str | None = None,
    check: Callable[[Any], None] | None = None,
    before_commit: Callable[[], None] | None = None,
) -> Receipt:
    """Write ``cs`` in one transaction on ``conn`` (see the module docstring).
    ``check(conn)`` runs first inside the transaction (a checkout's lease rules);
    ``before_commit()`` runs after everything is written, just before ``COMMIT``."""
    commit_id = commit_id or str(uuid.uuid4())
    with conn.transaction():
        if check is not None:
            check(conn)
        conflicts = _lock_and_check(conn, cs)
        if conflicts:
            raise _conflict(conn, cs, conflicts)
        receipt = Receipt(commit_id, "", author, None, cs.row_count())
        at, receipt.history_version = _record(conn, cs, commit_id, author, summary, lease_id,
                                              scope_code)  # fmt: skip
        receipt.at = at.astimezone(UTC).isoformat(timespec="seconds")
        columns = all_columns(conn)
        fresh, ords = _numbers(conn, cs)
        log: list[tuple[Any, ...]] = []
        for tc in cs.tables:
            kind_columns = stored(columns.get(tc.kind, []), tc.kind)
            receipt.versions[tc.name] = _write(conn, tc, kind_columns, fresh, ords, log, commit_id)
        if log:
            with conn.cursor() as cur:
                cur.executemany(
                    sql.SQL(
                        "INSERT INTO {} (commit_id, tab, row_id, code, action, columns, "
                        "row_version) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                    ).format(table("change_log")),
                    log,
                )
        _retired(conn, cs)
        if cs.settings is not None and cs.settings[0] != cs.settings[1]:
            _settings(conn, cs)
        _meta(conn, cs)
        if before_commit is not None:
            before_commit()
    return receipt


def _lock_and_check(conn: Any, cs: ChangeSet) -> list[tuple[str, int, int, int | None]]:
    """Lock the rows and list (table, id, expected, found) for each that moved on: a
    written row whose version changed, a relied-on row that changed, a new row's id
    that is taken."""
    conflicts: list[tuple[str, int, int, int | None]] = []
    for tc in cs.tables:
        written = sorted(set(tc.updates) | set(tc.deletes))
        found = _versions(conn, tc.name, sorted({*written, *tc.inserts}), "UPDATE")
        for row_id in written:
            if found.get(row_id) != tc.expected.get(row_id):
                conflicts.append((tc.name, row_id, tc.expected.get(row_id, -1), found.get(row_id)))
        conflicts += [(tc.name, i, 0, found[i]) for i in tc.inserts if i in found]
        reads = sorted(set(tc.reads) - set(written))
        found = _versions(conn, tc.name, reads, "SHARE")
        for row_id in reads:
            if found.get(row_id) != tc.reads[row_id]:
                conflicts.append((tc.name, row_id, tc.reads[row_id], found.get(row_id)))
    return conflicts


def _record(
    conn: Any, cs: ChangeSet, commit_id: str, author: str, summary: str,
    lease_id: str | None, scope_code: str | None,
) -> tuple[Any, int]:  # fmt: skip
    """The commit's history entry and change_set row (one statement); (time, version).
    History versions come from a sequence: concurrent commits never wait here."""
    if cs.history and cs.name is not None:  # a whole-plan save keeps its own entries
        version = _saved_history(conn, cs.history)
        row = conn.execute(
            sql.SQL(
                "INSERT INTO {} (commit_id, author, lease_id, scope_code, summary, rows, "
                "history_version) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING at"
            ).format(table("change_set")),
            (commit_id, author, lease_id, scope_code, summary, cs.row_count(), version),
        ).fetchone()
        return row[0], version
    row = conn.execute(
        sql.SQL(
            "WITH h AS (INSERT INTO {h} (ord, version, time, author, summary) VALUES "
            "(nextval('gridplanner.ord_seq'), nextval('gridplanner.history_version_seq'), "
            "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"'), %s, %s) "
            "RETURNING version) "
            "INSERT INTO {c} (commit_id, author, lease_id, scope_code, summary, rows, "
            "history_version) SELECT %s, %s, %s, %s, %s, %s, h.version FROM h "
            "RETURNING at, history_version"
        ).format(h=table("history"), c=table("change_set")),
        (author, summary, commit_id, author, lease_id, scope_code, summary, cs.row_count()),
    ).fetchone()
    return row[0], int(row[1])


def _numbers(conn: Any, cs: ChangeSet) -> tuple[list[int], list[int]]:
    """Fresh row versions for every written row and positions for every new one."""
    written = sum(len(t.written) for t in cs.tables)
    added = sum(len(t.inserts) for t in cs.tables)
    row = conn.execute(
        "SELECT ARRAY(SELECT nextval('gridplanner.row_version_seq') "
        "FROM generate_series(1, %s)), ARRAY(SELECT nextval('gridplanner.ord_seq') "
        "FROM generate_series(1, %s))",
        (written, added),
    ).fetchone()
    return [int(v) for v in row[0]], [int(v) for v in row[1]]


def _versions(conn: Any, name: str, ids: list[int], mode: str) -> dict[int, int]:
    if not ids:
        return {}
    rows = conn.execute(
        sql.SQL("SELECT id, row_version FROM {} WHERE id = ANY(%s) ORDER BY id FOR {}").format(
            table(name), sql.SQL(mode)
        ),
        (ids,),
    ).fetchall()
    return {int(i): int(v) for i, v in rows}


def _conflict(
    conn: Any, cs: ChangeSet, conflicts: list[tuple[str, int, int, int | None]]
) -> ChangeConflict:
    """The refusal, naming every row and who changed it since (from the change log)."""
    names = sorted({c[0] for c in conflicts})
    ids = sorted({c[1] for c in conflicts})
    history = conn.execute(
        sql.SQL(
            "SELECT l.tab, l.row_id, l.row_version, s.author, s.at FROM {} l JOIN {} s "
            "USING (commit_id) WHERE l.tab = ANY(%s) AND l.row_id = ANY(%s) ORDER BY l.seq"
        ).format(table("change_log"), table("change_set")),
        (names, ids),
    ).fetchall()
    zh_parts, en_parts = [], []
    for name, row_id, expected, found in conflicts[:12]:
        label = cs.label(name, row_id)
        later = [h for h in history if h[0] == name and h[1] == row_id and h[2] > expected]
        if later:
            who = sorted({str(h[3]) for h in later})
            when = max(h[4] for h in later).astimezone().strftime("%Y-%m-%d %H:%M:%S")
            zh_parts.append(f"{label} 已被 {'、'.join(who)} 于 {when} 修改")
            en_parts.append(f"{label} changed by {', '.join(who)} at {when}")
        elif found is None:
            zh_parts.append(f"{label} 已被删除")
            en_parts.append(f"{label} was deleted")
        elif expected == 0:
            zh_parts.append(f"{label} 已存在")
            en_parts.append(f"{label} already exists")
        else:
            zh_parts.append(f"{label} 已被整体保存或重新载入的方案修改")
            en_parts.append(f"{label} changed by a whole-plan save or reload")
    more = len(conflicts) - len(zh_parts)
    tail_zh = f"；另有 {more} 处" if more > 0 else ""
    tail_en = f"; and {more} more" if more > 0 else ""
    words = Words(
        f"提交被拒绝，未写入任何内容：签出后 {len(conflicts)} 处已被他人修改：{'；'.join(zh_parts)}"
        f"{tail_zh}",
        f"commit refused, nothing written: {len(conflicts)} row(s) changed since they were "
        f"read: {'; '.join(en_parts)}{tail_en}",
    )
    return ChangeConflict(words, [(c[0], c[1]) for c in conflicts])


def _write(
    conn: Any,
    tc: TableChange,
    columns: list[tuple[str, str]],
    fresh: list[int],
    ords: list[int],
    log: list[tuple[Any, ...]],
    commit_id: str,
) -> dict[int, int]:
    """Delete, update and insert one table's rows (versions and positions are taken
    from ``fresh`` and ``ords``); new versions by id."""
    dtypes = dict(columns)
    if tc.is_empty:
        return {}
    versions: dict[int, int] = {}
    codes = _codes(tc)
    if tc.deletes:
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(table(tc.name)), (tc.deletes,)
        )
        for row_id in tc.deletes:
            versions[row_id] = fresh.pop()
            log.append(
                (commit_id, tc.name, row_id, codes.get(row_id), "delete", [], versions[row_id])
            )
    groups: dict[tuple[str, ...], list[int]] = {}
    for row_id, changed in tc.updates.items():
        groups.setdefault(tuple(c for c in changed if c in dtypes), []).append(row_id)
    for changed, ids in groups.items():
        assert tc.rows is not None
        values = [db_values(tc.rows.loc[ids, c], dtypes[c]) for c in changed]
        sets = [
            sql.SQL("{} = %s::geometry" if dtypes[c] == GEOMETRY else "{} = %s").format(
                sql.Identifier(c)
            )
            for c in changed
        ]
        statement = sql.SQL("UPDATE {} SET {} WHERE id = %s").format(
            table(tc.name), sql.SQL(", ").join([*sets, sql.SQL("row_version = %s")])
        )
        params = []
        for k, row_id in enumerate(ids):
            versions[row_id] = fresh.pop()
            params.append((*[v[k] for v in values], versions[row_id], row_id))
            log.append(
                (commit_id, tc.name, row_id, codes.get(row_id), "update", list(changed),
                 versions[row_id])
            )  # fmt: skip
        with conn.cursor() as cur:
            cur.executemany(statement, params)
    if tc.inserts:
        assert tc.rows is not None
        positions = ords[: len(tc.inserts)]  # ascending: new rows keep their order
        del ords[: len(tc.inserts)]
        new = [fresh.pop() for _ in tc.inserts]
        frame = tc.rows.loc[tc.inserts]
        present = [(n, d) for n, d in columns if n in frame.columns]
        copy_rows(conn, tc.name, frame, present, positions, new)
        for row_id, version in zip(tc.inserts, new, strict=True):
            versions[row_id] = version
            log.append((commit_id, tc.name, row_id, codes.get(row_id), "insert",
                        [n for n, _ in present], version))  # fmt: skip
    return versions


def _codes(tc: TableChange) -> dict[int, str]:
    if tc.kind != "nodes" or tc.rows is None or "code" not in tc.rows.columns:
        return {}
    return {int(i): str(c) for i, c in tc.rows["code"].items()}


def _saved_history(conn: Any, entries: list[Version]) -> int:
    """Insert a whole-plan save's own history entries; the last one's version."""
    conn.execute(
        "SELECT setval('gridplanner.history_version_seq', greatest(last_value, %s)) "
        "FROM gridplanner.history_version_seq",
        (max(v.version for v in entries),),
    )
    with conn.cursor() as cur:
        cur.executemany(
            sql.SQL(
                "INSERT INTO {} (ord, version, time, author, summary) "
                "VALUES (nextval('gridplanner.ord_seq'), %s, %s, %s, %s)"
            ).format(table("history")),
            [(v.version, v.time, v.author, v.summary) for v in entries],
        )
    return int(entries[-1].version)


def _retired(conn: Any, cs: ChangeSet) -> None:
    if cs.retired_remove:
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE code = ANY(%s)").format(table("retired_code")),
            (cs.retired_remove,),
        )
    if not cs.retired_add:
        return
    with conn.cursor() as cur:
        cur.executemany(
            sql.SQL(
                "INSERT INTO {} (code, node_id, ord) "
                "VALUES (%s, %s, nextval('gridplanner.ord_seq')) ON CONFLICT (code) DO NOTHING"
            ).format(table("retired_code")),
            [(c, int(i)) for c, i in cs.retired_add.items()],
        )


def _settings(conn: Any, cs: ChangeSet) -> None:
    """Write the settings the change altered, refusing where the database moved on."""
    assert cs.settings is not None
    planned, wanted = cs.settings
    rows = conn.execute(
        sql.SQL("SELECT key, value FROM {} FOR UPDATE").format(table("settings"))
    ).fetchall()
    now = Settings.from_rows(rows, source="shared store: settings")
    merged, clashes = merge_settings(now, planned, wanted)
    if clashes:
        words = Words(
            f"提交被拒绝，未写入任何内容：设置 {'、'.join(clashes)} 在签出后已被他人修改",
            f"commit refused, nothing written: setting(s) {', '.join(clashes)} changed since "
            "they were read",
        )
        raise ChangeConflict(words, [])
    conn.execute(sql.SQL("DELETE FROM {}").format(table("settings")))
    with conn.cursor() as cur:
        cur.executemany(
            sql.SQL("INSERT INTO {} (key, value) VALUES (%s, %s)").format(table("settings")),
            merged.to_rows(),
        )


def _meta(conn: Any, cs: ChangeSet) -> None:
    if cs.next_id is not None:
        conn.execute(
            sql.SQL(
                "UPDATE {} SET value = %s::text WHERE key = 'next_id' AND value::bigint < %s"
            ).format(table("meta")),
            (int(cs.next_id), int(cs.next_id)),
        )
    if cs.name is not None:
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (key, value) VALUES ('name', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
            ).format(table("meta")),
            (cs.name,),
        )


def now_iso() -> str:
    """The current time as the history writes it."""
    return datetime.now(UTC).isoformat(timespec="seconds")
