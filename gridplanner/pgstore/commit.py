"""Committing a checkout: the planner's changes in one checked transaction.

The change set is the local plan against the checkout's base (every row the planner
changed, added or deleted). It is refused whole — nothing written, the local file
untouched so the planner can rebase — when a row it writes or relies on changed since
the checkout (the message names the rows and who changed them), or when it writes a
row outside the scopes its owner leases (a border edit into a neighbour's scope needs
that scope's lease too). Otherwise it is written in one transaction and becomes the
checkout's new base, so editing and committing can go on.

Before the transaction the commit's id is written into the checkout record; if the
client dies after the database committed but before it heard so, the next commit
finds that id in the store and takes the landed rows into its base instead of
sending them again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from psycopg import sql

from gridplanner.errors import Words
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.pgstore.apply import ChangeConflict, Receipt, apply_change_set
from gridplanner.pgstore.changes import ChangeSet, diff_checkout, merge_settings
from gridplanner.pgstore.checkout import Checkout, read_checkout, write_record
from gridplanner.pgstore.credentials import DatabaseError, public_url
from gridplanner.pgstore.leases import (
    LeaseRefused,
    db_now,
    leases_for_commit,
    others_covering,
    read_leases,
)
from gridplanner.pgstore.rows import RowSet, build_frame, select_rows
from gridplanner.pgstore.schema import check_store, registered_columns, stored, table
from gridplanner.pgstore.store import session
from gridplanner.settings import Settings
from gridplanner.store import GeoPackageStore


@dataclass
class CommitResult:
    """What a commit did."""

    committed: bool
    commit_id: str | None = None
    rows: int = 0
    nodes: set[int] = field(default_factory=set)  # node ids written
    receipt: Receipt | None = None
    recovered: str | None = None  # an earlier commit that had landed unanswered

    def summary(self) -> str:
        if not self.committed:
            return "nothing to commit: the checkout has no changes since its base"
        assert self.receipt is not None
        return (
            f"committed {self.rows} row(s) ({len(self.nodes)} node(s)) as history version "
            f"{self.receipt.history_version}, commit {self.commit_id}"
        )


def commit_checkout(
    local: str | Path, url: str, message: str | None = None
) -> tuple[CommitResult, Checkout]:
    """Commit the checkout in the file ``local`` (see the module docstring)."""
    path = Path(local)
    checkout = read_checkout(path)
    plan = GeoPackageStore().load(path)
    result = commit_plan(plan, checkout, url, message=message,
                         record=lambda c: write_record(c, path))  # fmt: skip
    return result, checkout


def commit_plan(
    local: Project,
    checkout: Checkout,
    url: str,
    *,
    message: str | None = None,
    commit_id: str | None = None,
    record: Callable[[Checkout], None] | None = None,
    before_commit: Callable[[], None] | None = None,
) -> CommitResult:
    """Commit ``local`` (the edited plan) against ``checkout``; ``record(checkout)``
    persists the checkout record (pending id before, new base after)."""
    keep = record or (lambda _c: None)
    with session(url) as conn:
        with conn.transaction():
            database_id = check_store(conn, public_url(url))
        if database_id != checkout.database_id:
            raise DatabaseError(
                f"{public_url(url)}: is not the store this checkout came from ({checkout.url})"
            )
        recovered = None
        if checkout.pending_commit:
            recovered = recover(conn, checkout, local)
            keep(checkout)
        cs = diff_checkout(checkout.base, local, checkout.versions)
        _check_new_ids(cs, checkout)
        if cs.is_empty:
            return CommitResult(False, recovered=recovered)
        commit_id = commit_id or str(uuid.uuid4())
        checkout.pending_commit = commit_id
        keep(checkout)
        try:
            receipt = apply_change_set(
                conn, cs,
                author=checkout.owner,
                summary=message or _summary(checkout, cs, local),
                commit_id=commit_id,
                lease_id=checkout.lease_id,
                scope_code=checkout.scope_code,
                check=lambda c: check_leases(c, checkout, cs, local),
                before_commit=before_commit,
            )  # fmt: skip
        except (ChangeConflict, LeaseRefused):
            checkout.pending_commit = None
            keep(checkout)
            raise
    _take_in(checkout, local, cs, receipt)
    keep(checkout)
    return CommitResult(True, commit_id, cs.row_count(), cs.node_ids(), receipt, recovered)


def _summary(checkout: Checkout, cs: ChangeSet, local: Project) -> str:
    notes = [v.summary for v in cs.history if v.summary][:5]
    head = (
        f"提交 {checkout.scope_name}（{checkout.scope_code}）: {cs.row_count()} 行 / "
        f"commit of {checkout.scope_code}: {cs.row_count()} row(s), {len(cs.node_ids())} node(s)"
    )
    return head + ("; " + " | ".join(notes) if notes else "")


def _check_new_ids(cs: ChangeSet, checkout: Checkout) -> None:
    for tc in cs.tables:
        outside = [i for i in tc.inserts if not checkout.id_low <= i < checkout.id_high]
        if outside:
            raise DatabaseError(
                f"new {tc.name} row {outside[0]} has an id outside this checkout's block "
                f"[{checkout.id_low}, {checkout.id_high}): rows were added with ids from "
                "elsewhere; take a new checkout and redo the additions there"
            )


# -- the lease rules -------------------------------------------------------------------------
def check_leases(conn: Any, checkout: Checkout, cs: ChangeSet, local: Project) -> None:
    """Refuse (nothing written) a change that writes outside the owner's leases."""
    mine = leases_for_commit(conn, checkout.lease_id, checkout.owner)
    covered = {lease.scope_id for lease in mine}
    outside: list[tuple[str, int, tuple[int, ...]]] = []
    for tc in cs.tables:
        for row_id in tc.written:
            for path in _paths(tc.kind, row_id, checkout.base, local):
                if not covered.intersection(path):
                    outside.append((tc.name, row_id, path))
                    break
    _check_settings(cs, checkout, local, covered)
    if not outside:
        return
    leases, now = read_leases(conn), db_now(conn)
    zh_parts, en_parts = [], []
    for name, row_id, path in outside[:8]:
        label = cs.label(name, row_id)
        holder = others_covering(leases, checkout.owner, path, now)
        if holder is not None:
            zh, en = holder.words()
        else:
            scope = _scope_words(path, checkout.base, local)
            zh = f"{scope[0]} 不在你的租约内，请先签出"
            en = f"{scope[1]} is not leased to you: check it out first"
        zh_parts.append(f"{label}：{zh}")
        en_parts.append(f"{label}: {en}")
    raise LeaseRefused(
        Words(
            f"提交被拒绝，未写入任何内容：{len(outside)} 处边界编辑超出你的签出范围（"
            f"{'；'.join(zh_parts)}）",
            f"commit refused, nothing written: {len(outside)} border edit(s) reach outside your "
            f"checkout ({'; '.join(en_parts)})",
        )
    )


def _check_settings(cs: ChangeSet, checkout: Checkout, local: Project, covered: set[int]) -> None:
    """A checkout may set the sizing of scopes it leases, nothing city-wide."""
    if cs.settings is None or cs.settings[0] == cs.settings[1]:
        return
    planned, wanted = cs.settings
    if replace(planned, sizing_by_scope={}) != replace(wanted, sizing_by_scope={}):
        raise LeaseRefused(
            Words(
                "提交被拒绝，未写入任何内容：签出不能修改全市设置（配比、容差、编码宽度等），"
                "只能修改所签出范围的配比标准",
                "commit refused, nothing written: a checkout may set its own scopes' sizing, "
                "not city-wide settings (sizing, tolerance, code widths …)",
            )
        )
    scopes = planned.sizing_by_scope.keys() | wanted.sizing_by_scope.keys()
    for code in sorted(scopes):
        if planned.sizing_by_scope.get(code) == wanted.sizing_by_scope.get(code):
            continue
        path: tuple[int, ...] = ()
        for plan in (local, checkout.base):
            hits = plan.nodes.index[plan.nodes["code"] == code]
            if len(hits):
                path = tuple(plan.ancestors(int(hits[0])))
                break
        if not covered.intersection(path):
            raise LeaseRefused(
                Words(
                    f"提交被拒绝，未写入任何内容：{code} 的配比标准不在你的签出范围内",
                    f"commit refused, nothing written: the sizing of {code} is outside your "
                    "checkout",
                )
            )


def _paths(kind: str, row_id: int, base: Project, local: Project) -> list[tuple[int, ...]]:
    """The ancestor chains (root first) a written row hangs under, before and after."""
    out = []
    for plan in (base, local):
        if kind == "nodes":
            anchor: Any = row_id if row_id in plan.nodes.index else None
        elif kind == "building":
            frame = plan.buildings
            anchor = frame.at[row_id, "unit_id"] if row_id in frame.index else None
        else:
            frame = plan.workers
            anchor = frame.at[row_id, "grid_id"] if row_id in frame.index else None
        if anchor is None or pd.isna(anchor) or int(anchor) not in plan.nodes.index:
            continue
        out.append(tuple(plan.ancestors(int(anchor))))
    return out


def _scope_words(path: tuple[int, ...], base: Project, local: Project) -> tuple[str, str]:
    for wanted in (Level.COMMUNITY, Level.STREET, Level.DISTRICT):
        for node in reversed(path):
            for plan in (base, local):
                if node in plan.nodes.index and plan.nodes.at[node, "level"] == wanted.value:
                    name, code = plan.nodes.at[node, "name"], plan.nodes.at[node, "code"]
                    return f"{wanted.zh} {name}（{code}）", f"{wanted.value} {name} ({code})"
    return "该范围", "that scope"


# -- after the commit ------------------------------------------------------------------------
def _take_in(checkout: Checkout, local: Project, cs: ChangeSet, receipt: Receipt) -> None:
    """The committed plan becomes the checkout's base, with the new row versions."""
    checkout.base = local.copy()
    checkout.base.origin = None
    for tc in cs.tables:
        versions = checkout.versions.setdefault(tc.name, {})
        for row_id in tc.deletes:
            versions.pop(row_id, None)
            checkout.scope_ids.discard(row_id)
        versions.update(receipt.versions.get(tc.name, {}))
        if tc.kind == "nodes":
            for row_id in tc.inserts:
                if checkout.scope_ids.intersection(local.ancestors(row_id)):
                    checkout.scope_ids.add(row_id)
    checkout.pending_commit = None


def recover(conn: Any, checkout: Checkout, local: Project) -> str | None:
    """Take in a commit that landed while its client never heard back; returns its id
    (None: it never landed, nothing to take in). ``local`` is the plan being committed
    now: the landed commit was an earlier state of it."""
    commit_id = checkout.pending_commit
    checkout.pending_commit = None
    landed = conn.execute(
        sql.SQL("SELECT 1 FROM {} WHERE commit_id = %s").format(table("change_set")),
        (commit_id,),
    ).fetchone()
    if landed is None:
        return None
    log = conn.execute(
        sql.SQL("SELECT tab, row_id, action, row_version FROM {} WHERE commit_id = %s").format(
            table("change_log")
        ),
        (commit_id,),
    ).fetchall()
    by_table: dict[str, dict[int, tuple[str, int]]] = {}
    for tab, row_id, action, version in log:
        by_table.setdefault(str(tab), {})[int(row_id)] = (str(action), int(version))
    base = checkout.base
    for name, rows in by_table.items():
        kind = "nodes" if name not in ("building", "worker") else name
        columns = registered_columns(conn, kind)
        ids = sorted(i for i, (action, _) in rows.items() if action != "delete")
        now = select_rows(conn, name, stored(columns, kind), sql.SQL("id = ANY(%s)"), (ids,))
        fresh = build_frame(kind, columns, now) if now.ids else None
        _patch(base, kind, list(rows), fresh)
        versions = checkout.versions.setdefault(name, {})
        current = now.version_map() if isinstance(now, RowSet) else {}
        for row_id, (action, logged) in rows.items():
            if action == "delete":
                versions.pop(row_id, None)
            else:  # changed again since by someone else: keep the logged version (a conflict)
                versions[row_id] = logged if current.get(row_id) != logged else current[row_id]
    now_settings = Settings.from_rows(
        conn.execute(sql.SQL("SELECT key, value FROM {}").format(table("settings"))).fetchall()
    )
    if merge_settings(now_settings, base.settings, local.settings)[0] == now_settings:
        base.settings = local.settings  # the landed commit carried the settings change
    stored_codes = {
        str(c): int(i)
        for c, i in conn.execute(
            sql.SQL("SELECT code, node_id FROM {} WHERE code = ANY(%s)").format(
                table("retired_code")
            ),
            (list(local.retired_codes),),
        ).fetchall()
    }  # only the planner's own retirements: never others' (a later diff would drop them)
    base.retired_codes = {**base.retired_codes, **stored_codes}
    return str(commit_id)


def _patch(base: Project, kind: str, ids: list[int], fresh: pd.DataFrame | None) -> None:
    attr = {"nodes": "nodes", "building": "buildings", "worker": "workers"}[kind]
    frame = getattr(base, attr)
    kept = frame.drop(index=[i for i in ids if i in frame.index])
    if fresh is not None and len(fresh):
        fresh = fresh[[c for c in frame.columns if c in fresh.columns]]
        kept = pd.concat([kept, fresh.astype(frame.dtypes[fresh.columns].to_dict())])
    setattr(base, attr, kept)
