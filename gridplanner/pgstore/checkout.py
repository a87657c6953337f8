"""Checkouts: a scope of the city taken to a local GeoPackage, edited online or not.

``db checkout`` leases the scope (:mod:`~gridplanner.pgstore.leases`) and reads it
with a read-only ring of neighbours (:mod:`~gridplanner.pgstore.area`). Two files
are written:

* ``LOCAL.gpkg`` — an ordinary project file: open it in the app, or run any command
  on it, without a connection;
* ``LOCAL.checkout.gpkg`` beside it — the checkout's record: the base it was checked
  out as (also a project file, never to be edited), the row version of every base
  row, the lease, the id block for new nodes, and which nodes the scope holds.

The record is rewritten atomically after each commit (the new base), so the planner
can go on editing ``LOCAL.gpkg`` and commit again. Neither file ever holds a
password: the database is recorded by its public address.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import psycopg
import pyogrio

from gridplanner.errors import ProjectFileError
from gridplanner.levels import Level
from gridplanner.model import Project
from gridplanner.pgstore.area import find_node, read_area
from gridplanner.pgstore.credentials import DatabaseError, public_url
from gridplanner.pgstore.leases import local_time, take_lease
from gridplanner.pgstore.schema import check_store
from gridplanner.pgstore.store import session
from gridplanner.store import GeoPackageStore

RECORD_SUFFIX = ".checkout.gpkg"
RECORD_LAYER = "gridplanner_checkout"
VERSION_LAYER = "gridplanner_base_version"
RECORD_FORMAT = "1"
#: Grid units of other scopes within this distance (metres) come along read-only.
RING_M = 30.0
SCOPE_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)


@dataclass
class Checkout:
    """A leased scope as checked out: its base plan, row versions and lease."""

    url: str  # the database's public address (no password)
    database_id: str
    lease_id: str
    scope_code: str
    scope_level: str
    scope_name: str
    owner: str
    expires_at: str
    id_low: int
    id_high: int
    base: Project
    versions: dict[str, dict[int, int]]
    scope_ids: set[int] = field(default_factory=set)  # the scope's subtree (editable)
    pending_commit: str | None = None

    def local_plan(self) -> Project:
        """A fresh editable copy of the base."""
        plan = self.base.copy()
        plan.origin = None
        return plan


def check_out(
    url: str, scope_code: str, owner: str, hours: float = 8.0, ring_m: float = RING_M
) -> Checkout:
    """Lease the scope coded ``scope_code`` to ``owner`` and read it (see module doc)."""
    with session(url) as conn:
        with conn.transaction():
            database_id = check_store(conn, public_url(url))
            node = find_node(conn, scope_code)
            if node.level not in SCOPE_LEVELS:
                raise DatabaseError(
                    f"{scope_code} is a {node.level.value} ({node.level.zh}); check out a street, "
                    "community or district"
                )
            lease = take_lease(conn, node, owner, hours)
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            base, versions, area = read_area(conn, node.level, [node.id], ring_m)
    base.next_id = lease.id_low
    return Checkout(
        url=public_url(url),
        database_id=database_id,
        lease_id=lease.lease_id,
        scope_code=node.code,
        scope_level=node.level.value,
        scope_name=node.name,
        owner=owner,
        expires_at=lease.expires_at.isoformat(),
        id_low=lease.id_low,
        id_high=lease.id_high,
        base=base,
        versions=versions,
        scope_ids=area.core_ids(),
    )


def record_path(local: str | Path) -> Path:
    """Where the checkout record of ``local`` lives (``NAME.checkout.gpkg`` beside it)."""
    path = Path(local)
    stem = path.name[: -len(".gpkg")] if path.name.lower().endswith(".gpkg") else path.name
    return path.with_name(stem + RECORD_SUFFIX)


def write_checkout(checkout: Checkout, local: str | Path) -> None:
    """Write the editable ``local`` project and its checkout record."""
    path = Path(local)
    if path.name.lower().endswith(RECORD_SUFFIX):
        raise ProjectFileError(f"{path}: choose a name not ending in {RECORD_SUFFIX}")
    write_record(checkout, path)
    with _unsynced_sqlite():
        GeoPackageStore().save(checkout.local_plan(), path)


@contextlib.contextmanager
def _unsynced_sqlite() -> Iterator[None]:
    """Let SQLite skip its per-statement fsyncs while a file is written beside its
    target: the finished file is fsynced before it replaces the target, so nothing is
    lost, and a GeoPackage is written ~3x faster."""
    before = pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS")
    pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "OFF"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": before})


def write_record(checkout: Checkout, local: str | Path) -> None:
    """(Re)write the checkout record beside ``local`` atomically."""
    target = record_path(local)
    temp = target.with_name(f".{target.stem}.saving-{uuid.uuid4().hex[:8]}.gpkg")
    try:
        with _unsynced_sqlite():
            GeoPackageStore()._write_all(checkout.base, temp)
            record = pd.DataFrame(list(_record_rows(checkout).items()), columns=["key", "value"])
            pyogrio.write_dataframe(record, temp, layer=RECORD_LAYER, driver="GPKG")
            rows = [
                (name, int(i), int(v), int(i in checkout.scope_ids))
                for name, versions in checkout.versions.items()
                for i, v in versions.items()
            ]  # never empty: a checkout holds at least its district
            frame = pd.DataFrame(rows, columns=["tab", "row_id", "version", "scope"]).astype(
                {"tab": object, "row_id": "int64", "version": "int64", "scope": "int64"}
            )
            pyogrio.write_dataframe(frame, temp, layer=VERSION_LAYER, driver="GPKG")
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _record_rows(checkout: Checkout) -> dict[str, str]:
    return {
        "format": RECORD_FORMAT,
        "url": public_url(checkout.url),
        "database_id": checkout.database_id,
        "lease_id": checkout.lease_id,
        "scope_code": checkout.scope_code,
        "scope_level": checkout.scope_level,
        "scope_name": checkout.scope_name,
        "owner": checkout.owner,
        "expires_at": checkout.expires_at,
        "id_low": str(checkout.id_low),
        "id_high": str(checkout.id_high),
        "pending_commit": checkout.pending_commit or "",
    }


def read_checkout(local: str | Path) -> Checkout:
    """The checkout record beside ``local``; a clear error when there is none."""
    path = Path(local)
    target = record_path(path)
    if not target.exists():
        raise ProjectFileError(
            f"{path}: is not a checkout (no {target.name} beside it); take one with "
            "`gridplanner db checkout URL --scope CODE --owner NAME --out FILE.gpkg`"
        )
    try:
        layers = {str(n) for n, _ in pyogrio.list_layers(target)}
        if RECORD_LAYER not in layers or VERSION_LAYER not in layers:
            raise ProjectFileError(
                f"{target}: the checkout record was overwritten (saved as a project?); take a "
                "new checkout"
            )
        record = dict(
            pyogrio.read_dataframe(target, layer=RECORD_LAYER, read_geometry=False)[
                ["key", "value"]
            ].itertuples(index=False)
        )
        rows = pyogrio.read_dataframe(target, layer=VERSION_LAYER, read_geometry=False)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ProjectFileError(f"{target}: damaged checkout record ({exc})") from exc
    base = GeoPackageStore().load(target)
    base.origin = None
    versions: dict[str, dict[int, int]] = {}
    for tab, row_id, version in zip(rows["tab"], rows["row_id"], rows["version"], strict=True):
        versions.setdefault(str(tab), {})[int(row_id)] = int(version)
    scope = rows["row_id"][rows["scope"].astype("int64") == 1]
    return Checkout(
        url=str(record["url"]),
        database_id=str(record["database_id"]),
        lease_id=str(record["lease_id"]),
        scope_code=str(record["scope_code"]),
        scope_level=str(record["scope_level"]),
        scope_name=str(record.get("scope_name", "")),
        owner=str(record["owner"]),
        expires_at=str(record["expires_at"]),
        id_low=int(record["id_low"]),
        id_high=int(record["id_high"]),
        base=base,
        versions=versions,
        scope_ids={int(i) for i in scope},
        pending_commit=str(record.get("pending_commit") or "") or None,
    )


@dataclass(frozen=True)
class Scope:
    """What an app needs to know of a checkout it opens: which nodes may be edited."""

    code: str
    name: str
    owner: str
    expires_at: str
    editable: frozenset[int]  # the scope's subtree; the ring and the chain are read-only
    id_low: int  # nodes with ids from here on were made in this checkout: editable too

    def read_only(self, node_ids: set[int]) -> set[int]:
        """Those of ``node_ids`` the checkout may not change."""
        return {i for i in node_ids if i not in self.editable and i < self.id_low}


def checkout_scope(local: str | Path) -> Scope | None:
    """The scope of the checkout ``local`` is (None: an ordinary project file), read
    from the record's two small tables only (fast enough for the GUI thread)."""
    target = record_path(local)
    if not target.exists():
        return None
    try:
        record = dict(
            pyogrio.read_dataframe(target, layer=RECORD_LAYER, read_geometry=False)[
                ["key", "value"]
            ].itertuples(index=False)
        )
        rows = pyogrio.read_dataframe(
            target, layer=VERSION_LAYER, read_geometry=False, columns=["row_id", "scope"]
        )
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        return None
    editable = rows["row_id"][rows["scope"].astype("int64") == 1].astype("int64")
    return Scope(
        code=str(record.get("scope_code", "")),
        name=str(record.get("scope_name", "")),
        owner=str(record.get("owner", "")),
        expires_at=str(record.get("expires_at", "")),
        editable=frozenset(int(i) for i in editable),
        id_low=int(record.get("id_low", 0) or 0),
    )


def describe(checkout: Checkout, local: str | Path) -> str:
    """One line about a checkout written to ``local``."""
    counts = checkout.base.counts()
    until = local_time(pd.Timestamp(checkout.expires_at).to_pydatetime())
    return (
        f"{local}: {checkout.scope_name}（{checkout.scope_code}）checked out to "
        f"{checkout.owner} until {until}: {len(checkout.scope_ids)} nodes to edit, "
        f"{counts['grid_unit']} units and {counts['building']} buildings in the file "
        f"(neighbours read-only); commit with `gridplanner db commit {local} {checkout.url}`"
    )
