"""Rows of the plan's frames in and out of the entity tables, with exact dtypes.

Writing goes through ``COPY … FROM STDIN`` (geometry as hex EWKB with SRID 4490);
reading selects the rows ordered by ``ord`` with geometry as WKB, and rebuilds each
column with the dtype recorded in ``frame_column`` — values, dtypes, row order and
geometry come back exactly as they were stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from psycopg import sql

from gridplanner.crs import STORAGE_CRS
from gridplanner.pgstore.schema import GEOMETRY, SRID, VIRTUAL, stored, table


@dataclass
class RowSet:
    """Rows read from one or more tables: ids, positions, versions, column values."""

    ids: list[int] = field(default_factory=list)
    ords: list[int] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    values: dict[str, list[Any]] = field(default_factory=dict)

    def extend(self, other: RowSet) -> None:
        """Append ``other``'s rows (same columns)."""
        self.ids += other.ids
        self.ords += other.ords
        self.versions += other.versions
        self.tables += other.tables
        for name, vals in other.values.items():
            self.values.setdefault(name, []).extend(vals)

    def version_map(self) -> dict[int, int]:
        """Row id -> row version."""
        return dict(zip(self.ids, self.versions, strict=True))


def db_values(series: pd.Series, dtype: str) -> list[Any]:
    """A column as the Python values the database stores (missing values as None)."""
    if dtype == GEOMETRY:
        geoms = np.asarray(series.array, dtype=object)
        missing = shapely.is_missing(geoms)
        out = np.full(len(geoms), None, dtype=object)
        if (~missing).any():
            with_srid = shapely.set_srid(geoms[~missing], SRID)
            out[~missing] = shapely.to_wkb(with_srid, hex=True, include_srid=True)
        return out.tolist()
    values = series.to_numpy(dtype=object, na_value=None)
    if dtype in ("float64", "float32", "Float64"):
        return [None if v is None else float(v) for v in values]
    if dtype in ("int64", "int32", "int16", "Int64", "Int32", "Int16"):
        return [None if _missing(v) else int(v) for v in values]
    if dtype in ("bool", "boolean"):
        return [None if _missing(v) else bool(v) for v in values]
    return [None if _missing(v) else str(v) for v in values]


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and value != value


def copy_rows(
    conn: Any,
    name_of_table: str,
    frame: pd.DataFrame,
    columns: Sequence[tuple[str, str]],
    ords: Iterable[int],
    versions: Iterable[int],
) -> None:
    """Insert the frame's rows (index = id) with the given positions and versions."""
    if len(frame) == 0:
        return
    names = [n for n, _ in columns]
    data = [db_values(frame[n], d) for n, d in columns]
    ids = [int(i) for i in frame.index]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        table(name_of_table),
        sql.SQL(", ").join(sql.Identifier(n) for n in ["id", "ord", "row_version", *names]),
    )
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for row in zip(ids, ords, versions, *data, strict=True):
            copy.write_row(row)


def select_rows(
    conn: Any,
    name_of_table: str,
    columns: Sequence[tuple[str, str]],
    where: sql.Composable | None = None,
    params: Sequence[Any] = (),
) -> RowSet:
    """The rows of one table matching ``where`` (all without), in ``ord`` order."""
    fields: list[sql.Composable] = [sql.Identifier(n) for n in ("id", "ord", "row_version")]
    for name, dtype in columns:
        if dtype == GEOMETRY:
            fields.append(sql.SQL("ST_AsBinary({})").format(sql.Identifier(name)))
        else:
            fields.append(sql.Identifier(name))
    query = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(fields), table(name_of_table))
    if where is not None:
        query = sql.SQL("{} WHERE {}").format(query, where)
    query = sql.SQL("{} ORDER BY ord").format(query)
    rows = conn.execute(query, params).fetchall()
    out = RowSet()
    if not rows:
        out.values = {n: [] for n, _ in columns}
        return out
    cols = list(zip(*rows, strict=True))
    out.ids = [int(v) for v in cols[0]]
    out.ords = [int(v) for v in cols[1]]
    out.versions = [int(v) for v in cols[2]]
    out.tables = [name_of_table] * len(rows)
    out.values = {name: list(cols[3 + k]) for k, (name, _) in enumerate(columns)}
    return out


def build_frame(kind: str, columns: Sequence[tuple[str, str]], rows: RowSet) -> pd.DataFrame:
    """The frame of ``kind`` (nodes, building, worker, reference_line) from ``rows``,
    sorted by position, every column with its recorded dtype and place."""
    order = np.argsort(np.asarray(rows.ords, dtype=np.int64), kind="stable")
    virtual = VIRTUAL.get(kind, ())
    data: dict[str, Any] = {}
    geometry_name = None
    for name, dtype in columns:
        if name in virtual:  # the level: the table each row came from
            values: list[Any] = [rows.tables[i] for i in order]
        else:
            raw = rows.values.get(name, [None] * len(rows.ids))
            values = [raw[i] for i in order]
        if dtype == GEOMETRY:
            geometry_name = name
            wkb = np.asarray([None if v is None else bytes(v) for v in values], dtype=object)
            data[name] = shapely.from_wkb(wkb) if len(wkb) else np.array([], dtype=object)
        else:
            data[name] = column_array(values, dtype)
    ids = np.asarray(rows.ids, dtype=np.int64)[order]
    if kind == "reference_line":
        index: pd.Index = pd.RangeIndex(len(ids))
    else:
        index = pd.Index(ids, dtype="int64", name="id")
    plain = {  # explicit dtypes: pandas would infer "str" for an object column of text
        n: pd.Series(v, index=index, dtype=dict(columns)[n])
        for n, v in data.items()
        if n != geometry_name
    }
    if geometry_name is None:
        return pd.DataFrame(plain, index=index)
    frame = gpd.GeoDataFrame(
        plain,
        index=index,
        geometry=gpd.GeoSeries(data[geometry_name], index=index, crs=STORAGE_CRS),
        crs=STORAGE_CRS,
    )
    if geometry_name != "geometry":
        frame = frame.rename_geometry(geometry_name)
    return frame[[n for n, _ in columns]].copy()


def column_array(values: list[Any], dtype: str) -> Any:
    """Stored values as a column of ``dtype`` (None as the dtype's missing value)."""
    if dtype == "object":
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    if dtype in ("float64", "float32"):
        return np.asarray([np.nan if v is None else v for v in values], dtype=dtype)
    if dtype in ("int64", "int32", "int16", "bool"):
        return np.asarray(values, dtype=dtype)
    return pd.array(values, dtype=dtype)


def node_columns_without_level(columns: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The node columns that live in the level tables."""
    return stored(list(columns), "nodes")
