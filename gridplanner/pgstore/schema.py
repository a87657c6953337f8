"""The shared store's tables in PostgreSQL/PostGIS (schema ``gridplanner``).

One table per level (``district`` … ``grid_unit``), ``building``, ``worker`` and
``reference_line``: their data columns are derived from the model's frames, not
listed here, and recorded with their pandas dtype in ``frame_column`` — a column a
newer model adds (an urban-rural code, say) is added to the tables the first time a
plan carrying it is stored, and comes back with its dtype. Every entity row has its
``ord`` (its position in the plan's frame, so a plan comes back in the same row
order) and a ``row_version`` from one increasing sequence, which a commit checks
(optimistic concurrency). Geometry is ``geometry(Geometry, 4490)`` with a GiST
index; codes are text.

Beside them: ``meta`` (store schema version, database id, plan name, id counter),
``settings``, ``history``, ``retired_code``, ``change_set`` (one row per commit:
author, time, scope, summary) with its ``change_log`` (every row a commit wrote,
with the row version it gave it), and ``lease`` (checkouts: scope, owner, expiry,
the id block reserved for new nodes).
"""

from __future__ import annotations

import uuid
from typing import Any

import pandas as pd
from psycopg import sql

from gridplanner.errors import GridPlannerError
from gridplanner.levels import LEVELS
from gridplanner.model import empty_buildings, empty_nodes, empty_reference_lines, empty_workers
from gridplanner.pgstore.credentials import DatabaseError

SCHEMA = "gridplanner"
STORE_SCHEMA_VERSION = 1
SRID = 4490
NODE_TABLES = tuple(level.value for level in LEVELS)
#: Frame kinds and the tables that hold them (nodes: one table per level).
FRAME_TABLES: dict[str, tuple[str, ...]] = {
    "nodes": NODE_TABLES,
    "building": ("building",),
    "worker": ("worker",),
    "reference_line": ("reference_line",),
}
#: Node columns that are not stored as such (the level is the table).
VIRTUAL = {"nodes": ("level",)}
GEOMETRY = "geometry"

_TEXT = {"object", "str", "string"}
_INT = {"int64", "int32", "int16", "Int64", "Int32", "Int16"}
_FLOAT = {"float64", "float32", "Float64"}
_BOOL = {"bool", "boolean"}


class StoreSchemaError(DatabaseError):
    """The database holds no gridplanner store, or one this version can't use."""


def table(name: str) -> sql.Identifier:
    """``gridplanner.name`` as an SQL identifier."""
    return sql.Identifier(SCHEMA, name)


def pg_type(dtype: str, where: str) -> str:
    """The PostgreSQL type that stores a pandas column of ``dtype`` exactly."""
    if dtype == GEOMETRY:
        return f"geometry(Geometry, {SRID})"
    if dtype in _TEXT:
        return "text"
    if dtype in _INT:
        return "bigint"
    if dtype in _FLOAT:
        return "double precision"
    if dtype in _BOOL:
        return "boolean"
    raise GridPlannerError(
        f"{where}: column type {dtype} can't be stored in the shared store "
        "(text, integer, float, boolean and geometry columns can)"
    )


def frame_columns(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(name, dtype) of a frame's columns in order; the geometry column as ``geometry``."""
    geometry = getattr(frame, "_geometry_column_name", None)
    out = []
    for name in frame.columns:
        dtype = GEOMETRY if name == geometry else str(frame[name].dtype)
        out.append((str(name), dtype))
    return out


def model_frames() -> dict[str, pd.DataFrame]:
    """The model's empty frames: the columns every store has."""
    return {
        "nodes": empty_nodes(),
        "building": empty_buildings(),
        "worker": empty_workers(),
        "reference_line": empty_reference_lines(),
    }


def is_initialised(conn: Any) -> bool:
    """True when the database holds a gridplanner store."""
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{SCHEMA}.meta",)).fetchone()
    return bool(row[0])


def check_store(conn: Any, where: str) -> str:
    """Refuse a database without a store or with a newer one; returns its database id."""
    if not is_initialised(conn):
        raise StoreSchemaError(
            f"{where}: holds no gridplanner store; create it with `gridplanner db init {where}`"
        )
    meta = dict(conn.execute(sql.SQL("SELECT key, value FROM {}").format(table("meta"))).fetchall())
    version = int(meta.get("store_schema_version", "0"))
    if version > STORE_SCHEMA_VERSION:
        raise StoreSchemaError(
            f"{where}: was set up by a newer gridplanner (store schema {version}, this version "
            f"knows up to {STORE_SCHEMA_VERSION}); update gridplanner"
        )
    return str(meta.get("database_id", ""))


def create_store(conn: Any, where: str) -> str:
    """Create the schema, its tables and indexes (inside the caller's transaction);
    returns the new database id. Refuses a database that already holds a store."""
    if is_initialised(conn):
        raise StoreSchemaError(f"{where}: already holds a gridplanner store")
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except Exception as exc:
        raise StoreSchemaError(
            f"{where}: the PostGIS extension is missing and this user may not create it; ask "
            "the database owner to run CREATE EXTENSION postgis (Debian: postgresql-15-postgis-3)"
        ) from exc
    database_id = str(uuid.uuid4())
    statements = [
        "CREATE SCHEMA {schema}",
        "CREATE TABLE {schema}.meta (key text PRIMARY KEY, value text NOT NULL)",
        "CREATE TABLE {schema}.frame_column (frame text NOT NULL, pos integer NOT NULL, "
        "name text NOT NULL, dtype text NOT NULL, PRIMARY KEY (frame, name))",
        "CREATE SEQUENCE {schema}.row_version_seq START 2",
        "CREATE SEQUENCE {schema}.ord_seq",
        "CREATE SEQUENCE {schema}.history_version_seq",
        "CREATE TABLE {schema}.settings (key text PRIMARY KEY, value text NOT NULL)",
        "CREATE TABLE {schema}.history (ord bigint PRIMARY KEY, version bigint NOT NULL, "
        "time text NOT NULL, author text NOT NULL, summary text NOT NULL)",
        "CREATE TABLE {schema}.retired_code (code text PRIMARY KEY, node_id bigint NOT NULL, "
        "ord bigint NOT NULL)",
        "CREATE TABLE {schema}.lease (lease_id uuid PRIMARY KEY, scope_id bigint NOT NULL, "
        "scope_code text NOT NULL, scope_level text NOT NULL, scope_name text, "
        "scope_path bigint[] NOT NULL, owner text NOT NULL, "
        "taken_at timestamptz NOT NULL DEFAULT now(), expires_at timestamptz NOT NULL, "
        "hours double precision NOT NULL, released_at timestamptz, "
        "id_low bigint NOT NULL, id_high bigint NOT NULL)",
        "CREATE TABLE {schema}.change_set (commit_id uuid PRIMARY KEY, "
        "seq bigserial UNIQUE, author text NOT NULL, at timestamptz NOT NULL DEFAULT now(), "
        "lease_id uuid, scope_code text, summary text NOT NULL, history_version bigint, "
        "rows integer NOT NULL)",
        "CREATE TABLE {schema}.change_log (seq bigserial PRIMARY KEY, "
        "commit_id uuid NOT NULL REFERENCES {schema}.change_set (commit_id), "
        "tab text NOT NULL, row_id bigint NOT NULL, code text, action text NOT NULL, "
        "columns text[] NOT NULL, row_version bigint NOT NULL)",
        "CREATE INDEX change_log_row ON {schema}.change_log (tab, row_id)",
        "CREATE INDEX change_log_commit ON {schema}.change_log (commit_id)",
    ]
    for statement in statements:
        conn.execute(sql.SQL(statement).format(schema=sql.Identifier(SCHEMA)))
    rows = [
        ("store_schema_version", str(STORE_SCHEMA_VERSION)),
        ("database_id", database_id),
        ("producer", "gridplanner"),
        ("next_id", "1"),
    ]
    with conn.cursor() as cur:
        cur.executemany(
            sql.SQL("INSERT INTO {} (key, value) VALUES (%s, %s)").format(table("meta")), rows
        )
    for kind, frame in model_frames().items():
        _create_entity_tables(conn, kind)
        ensure_columns(conn, kind, frame)
    return database_id


def _create_entity_tables(conn: Any, kind: str) -> None:
    for name in FRAME_TABLES[kind]:
        conn.execute(
            sql.SQL(
                "CREATE TABLE {} (id bigint PRIMARY KEY, ord bigint NOT NULL, "
                "row_version bigint NOT NULL DEFAULT 1)"
            ).format(table(name))
        )


def registered_columns(conn: Any, kind: str) -> list[tuple[str, str]]:
    """(name, dtype) of the frame's columns as stored, in the frame's order."""
    rows = conn.execute(
        sql.SQL("SELECT name, dtype FROM {} WHERE frame = %s ORDER BY pos").format(
            table("frame_column")
        ),
        (kind,),
    ).fetchall()
    return [(str(n), str(d)) for n, d in rows]


def all_columns(conn: Any) -> dict[str, list[tuple[str, str]]]:
    """:func:`registered_columns` of every frame kind, in one query."""
    rows = conn.execute(
        sql.SQL("SELECT frame, name, dtype FROM {} ORDER BY frame, pos").format(
            table("frame_column")
        )
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for kind, name, dtype in rows:
        out.setdefault(str(kind), []).append((str(name), str(dtype)))
    return out


def ensure_columns(conn: Any, kind: str, frame: pd.DataFrame) -> list[tuple[str, str]]:
    """Add the frame's columns the tables don't have yet; returns every stored column.
    A column stored with another dtype takes the frame's when both map to one SQL type."""
    known = registered_columns(conn, kind)
    by_name = dict(known)
    for name, dtype in frame_columns(frame):
        where = f"{kind} column {name}"
        if name in by_name:
            if by_name[name] != dtype:
                if pg_type(by_name[name], where) != pg_type(dtype, where):
                    raise StoreSchemaError(
                        f"{where}: stored as {by_name[name]}, the plan has {dtype}"
                    )
                conn.execute(
                    sql.SQL("UPDATE {} SET dtype = %s WHERE frame = %s AND name = %s").format(
                        table("frame_column")
                    ),
                    (dtype, kind, name),
                )
                by_name[name] = dtype
            continue
        pos = len(by_name)
        conn.execute(
            sql.SQL("INSERT INTO {} (frame, pos, name, dtype) VALUES (%s, %s, %s, %s)").format(
                table("frame_column")
            ),
            (kind, pos, name, dtype),
        )
        by_name[name] = dtype
        if name in VIRTUAL.get(kind, ()):
            continue
        for name_of_table in FRAME_TABLES[kind]:
            conn.execute(
                sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                    table(name_of_table), sql.Identifier(name), sql.SQL(pg_type(dtype, where))
                )
            )
            _index(conn, name_of_table, name, dtype)
    return registered_columns(conn, kind)


def _index(conn: Any, name_of_table: str, column: str, dtype: str) -> None:
    """GiST on geometry; b-tree on the columns the store looks rows up by."""
    if dtype == GEOMETRY:
        method = "gist"
    elif column in ("parent_id", "code", "unit_id", "grid_id"):
        method = "btree"
    else:
        return
    conn.execute(
        sql.SQL("CREATE INDEX {} ON {} USING {} ({})").format(
            sql.Identifier(f"{name_of_table}_{column}_idx"),
            table(name_of_table),
            sql.SQL(method),
            sql.Identifier(column),
        )
    )


def stored(columns: list[tuple[str, str]], kind: str) -> list[tuple[str, str]]:
    """The columns that are table columns (virtual ones left out)."""
    virtual = VIRTUAL.get(kind, ())
    return [(n, d) for n, d in columns if n not in virtual]


def read_meta(conn: Any) -> dict[str, str]:
    """The ``meta`` table as a dict."""
    rows = conn.execute(sql.SQL("SELECT key, value FROM {}").format(table("meta"))).fetchall()
    return {str(k): str(v) for k, v in rows}


def write_meta(conn: Any, values: dict[str, str]) -> None:
    """Insert or replace ``meta`` rows."""
    with conn.cursor() as cur:
        cur.executemany(
            sql.SQL(
                "INSERT INTO {} (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
            ).format(table("meta")),
            list(values.items()),
        )
