"""Leases: who has checked out which scope, until when.

A lease covers a scope node (a street or community; a district for a whole-city
job) and everything under it. Two live leases never overlap: taking one refuses
while another owner's unexpired lease covers the scope, an ancestor or a
descendant. A commit may write only rows under scopes its owner leases; an expired
lease still counts for its own commit while nobody else has taken the scope, and
is renewed by it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import sql

from gridplanner.errors import Words
from gridplanner.pgstore.area import NodeRef
from gridplanner.pgstore.credentials import DatabaseError
from gridplanner.pgstore.schema import table

#: Ids reserved per checkout for the nodes its edits create (never reused by anyone).
ID_BLOCK = 1_000_000


class LeaseRefused(DatabaseError):
    """A scope is leased by someone else, or an edit reaches outside the owner's leases."""

    def __init__(self, words: Words) -> None:
        super().__init__(f"{words.zh} / {words.en}")
        self.words = words


@dataclass(frozen=True)
class Lease:
    """One row of the lease table."""

    lease_id: str
    scope_id: int
    scope_code: str
    scope_level: str
    scope_name: str
    scope_path: tuple[int, ...]
    owner: str
    taken_at: datetime
    expires_at: datetime
    hours: float
    released: bool
    id_low: int
    id_high: int

    def live(self, now: datetime) -> bool:
        return not self.released and self.expires_at > now

    def overlaps(self, path: tuple[int, ...]) -> bool:
        """True when this lease's scope and the node at the end of ``path`` nest."""
        return self.scope_id in path or path[-1] in self.scope_path

    def words(self) -> tuple[str, str]:
        until = local_time(self.expires_at)
        return (
            f"{self.scope_name}（{self.scope_code}）由 {self.owner} 签出至 {until}",
            f"{self.scope_name} ({self.scope_code}) is checked out by {self.owner} until {until}",
        )


_FIELDS = (
    "lease_id, scope_id, scope_code, scope_level, scope_name, scope_path, owner, taken_at, "
    "expires_at, hours, released_at IS NOT NULL, id_low, id_high"
)


def local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def read_leases(conn: Any, also: str | None = None, with_now: bool = False) -> Any:
    """The leases not released (and the lease ``also``, released or not), oldest first;
    with ``with_now``, also the database's clock: (leases, now) in one round trip."""
    rows = conn.execute(
        sql.SQL(
            f"SELECT now(), {_FIELDS} FROM (SELECT 1) one LEFT JOIN {{}} "
            "ON released_at IS NULL OR lease_id = %s ORDER BY taken_at"
        ).format(table("lease")),
        (also,),
    ).fetchall()
    leases = [_lease(r[1:]) for r in rows if r[1] is not None]
    return (leases, rows[0][0]) if with_now else leases


def _lease(row: tuple[Any, ...]) -> Lease:
    return Lease(
        str(row[0]), int(row[1]), str(row[2]), str(row[3]), str(row[4] or ""),
        tuple(int(i) for i in row[5]), str(row[6]), row[7], row[8], float(row[9]),
        bool(row[10]), int(row[11]), int(row[12]),
    )  # fmt: skip


def db_now(conn: Any) -> datetime:
    return conn.execute("SELECT now()").fetchone()[0]  # type: ignore[no-any-return]


def take_lease(conn: Any, node: NodeRef, owner: str, hours: float) -> Lease:
    """Lease ``node``'s scope to ``owner`` for ``hours`` (in the caller's transaction),
    reserving a block of ids; refuses, naming the holder, while it is taken."""
    if not owner.strip():
        raise DatabaseError("a checkout needs an owner (--owner NAME)")
    if hours <= 0:
        raise DatabaseError(f"--hours must be positive, not {hours}")
    conn.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(table("lease")))
    now = db_now(conn)
    for lease in read_leases(conn):
        if not lease.live(now) or not lease.overlaps(node.path):
            continue
        if lease.owner == owner:
            continue  # a planner may hold nested or repeated leases
        zh, en = lease.words()
        raise LeaseRefused(
            Words(
                f"无法签出 {node.name}（{node.code}）：{zh}；请与其协调或等租期结束",
                f"cannot check out {node.name} ({node.code}): {en}; agree with them or wait "
                "until the lease ends",
            )
        )
    conn.execute(
        sql.SQL(
            "UPDATE {} SET released_at = now() WHERE owner = %s AND scope_id = %s "
            "AND released_at IS NULL"
        ).format(table("lease")),
        (owner, node.id),
    )  # the same planner taking the same scope again: the new lease replaces the old
    low = int(
        conn.execute(
            sql.SQL(
                "UPDATE {} SET value = (value::bigint + %s)::text WHERE key = 'next_id' "
                "RETURNING value::bigint - %s"
            ).format(table("meta")),
            (ID_BLOCK, ID_BLOCK),
        ).fetchone()[0]
    )
    lease_id = str(uuid.uuid4())
    row = conn.execute(
        sql.SQL(
            "INSERT INTO {} (lease_id, scope_id, scope_code, scope_level, scope_name, scope_path,"
            " owner, expires_at, hours, id_low, id_high) VALUES (%s, %s, %s, %s, %s, %s, %s, "
            f"now() + make_interval(secs => %s), %s, %s, %s) RETURNING {_FIELDS}"
        ).format(table("lease")),
        (lease_id, node.id, node.code, node.level.value, node.name, list(node.path), owner,
         hours * 3600.0, hours, low, low + ID_BLOCK),
    ).fetchone()  # fmt: skip
    return _lease(row)


def release_lease(conn: Any, lease_id: str) -> bool:
    """End a lease now; False when it was already released."""
    row = conn.execute(
        sql.SQL(
            "UPDATE {} SET released_at = now() WHERE lease_id = %s AND released_at IS NULL "
            "RETURNING lease_id"
        ).format(table("lease")),
        (lease_id,),
    ).fetchone()
    return row is not None


def leases_for_commit(conn: Any, lease_id: str, owner: str) -> list[Lease]:
    """The leases a commit by ``owner`` through the checkout ``lease_id`` may write under.
    The checkout's own lease counts when live, or when expired while nobody else has
    taken an overlapping scope (it is then renewed); released, it refuses the commit."""
    leases, now = read_leases(conn, also=lease_id, with_now=True)
    own = next((lease for lease in leases if lease.lease_id == lease_id), None)
    if own is None or own.released:
        raise LeaseRefused(
            Words(
                "提交被拒绝，未写入任何内容：这次签出的租约已被释放或替换；请重新签出后再提交",
                "commit refused, nothing written: this checkout's lease was released or "
                "replaced; check the scope out again and redo the edits there",
            )
        )
    mine = [lease for lease in leases if lease.owner == owner and lease.live(now)]
    if not own.live(now):
        path = own.scope_path or (own.scope_id,)
        taken = [
            lease for lease in leases
            if lease.live(now) and lease.owner != owner and lease.overlaps(path)
        ]  # fmt: skip
        if taken:
            zh, en = taken[0].words()
            raise LeaseRefused(
                Words(
                    f"提交被拒绝，未写入任何内容：你的租约已于 {local_time(own.expires_at)} 到期，"
                    f"现在 {zh}",
                    f"commit refused, nothing written: your lease ended at "
                    f"{local_time(own.expires_at)} and now {en}",
                )
            )
        conn.execute(
            sql.SQL(
                "UPDATE {} SET expires_at = now() + make_interval(secs => hours * 3600) "
                "WHERE lease_id = %s"
            ).format(table("lease")),
            (lease_id,),
        )
        mine.append(own)
    return mine


def others_covering(
    leases: list[Lease], owner: str, path: tuple[int, ...], now: datetime
) -> Lease | None:
    """Another owner's live lease over the node at the end of ``path``."""
    for lease in leases:
        if lease.owner != owner and lease.live(now) and lease.scope_id in path:
            return lease
    return None
