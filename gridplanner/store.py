"""The project file: one GeoPackage holding every level, atoms, staff, settings, history.

Storage sits behind :class:`ProjectStore` so a shared PostGIS backend can be added
later. :class:`GeoPackageStore` saves atomically: it writes a complete file beside
the target, flushes it to disk, then renames it over the target, so a crash or a
full disk never leaves a corrupt or half-written project.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from gridplanner.crs import STORAGE_CRS, require_crs
from gridplanner.errors import GridPlannerError, ProjectFileError
from gridplanner.levels import LEVELS
from gridplanner.model import (
    Project,
    Version,
    empty_buildings,
    empty_nodes,
    empty_workers,
)
from gridplanner.pgstore.credentials import database_location, is_database_url
from gridplanner.project_lock import (
    ProjectLocked,
    check_unchanged,
    clean_stale_saves,
    fingerprint,
    project_lock,
)
from gridplanner.settings import Settings

SCHEMA_VERSION = 1
PRODUCER = "gridplanner"
META_LAYER = "gridplanner_meta"
BUILDING_LAYER = "building"
WORKER_LAYER = "worker"
SETTINGS_LAYER = "settings"
HISTORY_LAYER = "history"
RETIRED_LAYER = "retired_code"
#: Features per write (and per read) call. The GeoPackage driver holds Python's GIL
#: for a whole call; in blocks, a save or an open running in a background thread lets
#: the GUI thread in between (a 100,000-building layer in one call stalls it ~0.4 s).
#: Reading is faster per feature, so its blocks are bigger (~40 ms each).
BLOCK_ROWS = 4_000
READ_BLOCK_ROWS = 16_000
REFERENCE_LAYER = "reference_line"


class ProjectStore(Protocol):
    """What any project backend offers (GeoPackage now, PostGIS later)."""

    def load(self, location: str | Path) -> Project:
        """Read a whole project."""
        ...

    def save(self, project: Project, location: str | Path) -> None:
        """Write a whole project; either all of it lands or nothing changes."""
        ...


class GeoPackageStore:
    """A project in one ``.gpkg`` file."""

    def save(self, project: Project, location: str | Path) -> None:
        """Write ``project`` to ``location`` atomically (write beside, fsync, rename)."""
        path = Path(location)
        if path.exists() and path.is_dir():
            raise ProjectFileError(f"{path}: is a folder, not a project file")
        if path.exists() and not path.is_file():  # a device, pipe or socket: never replace it
            raise ProjectFileError(f"{path}: is not a regular file; save the project elsewhere")
        if not path.parent.exists():
            raise ProjectFileError(f"{path}: folder {path.parent} does not exist")
        temp = path.with_name(f".{path.stem}.saving-{uuid.uuid4().hex[:8]}.gpkg")
        try:
            with project_lock(path):  # one writer at a time (re-entrant for callers)
                origin = project.origin
                if origin is not None and Path(origin[0]) == path.resolve():
                    check_unchanged(path, origin[1])
                self._write_all(project, temp)
                _fsync_file(temp)
                os.replace(temp, path)
                _fsync_dir(path.parent)
                project.origin = (str(path.resolve()), fingerprint(path))
        except BaseException as exc:
            with contextlib.suppress(OSError):
                temp.unlink()
            if isinstance(exc, GridPlannerError | KeyboardInterrupt):
                raise
            if isinstance(exc, OSError | DataSourceError | DataLayerError | ValueError):
                raise ProjectFileError(
                    f"{path}: could not save the project ({exc}); the previous file is unchanged"
                ) from exc
            raise

    def _write_all(self, project: Project, path: Path) -> None:
        meta = pd.DataFrame(
            {
                "key": ["schema_version", "producer", "name", "next_id"],
                "value": [str(SCHEMA_VERSION), PRODUCER, project.name, str(project.next_id)],
            }
        )
        self._write_table(meta, path, META_LAYER)
        codes = project.nodes["code"]
        for level in LEVELS:
            frame = project.level(level).copy()
            parent_ids = frame["parent_id"]
            frame["parent_code"] = [None if pd.isna(p) else codes.get(int(p)) for p in parent_ids]
            frame = frame.drop(columns=["level"]).reset_index()
            frame["id"] = frame["id"].astype("int64")
            self._write_layer(frame, path, level.value, "Unknown")
        buildings = project.buildings.reset_index()
        self._write_layer(buildings, path, BUILDING_LAYER, "Point")
        self._write_layer(
            project.reference_lines.reset_index(drop=True), path, REFERENCE_LAYER, "Unknown"
        )
        self._write_table(project.workers.reset_index(), path, WORKER_LAYER)
        self._write_table(
            pd.DataFrame(project.settings.to_rows(), columns=["key", "value"]), path, SETTINGS_LAYER
        )
        history = pd.DataFrame(
            [(v.version, v.time, v.author, v.summary) for v in project.history],
            columns=["version", "time", "author", "summary"],
        ).astype({"version": "int64", "time": object, "author": object, "summary": object})
        self._write_table(history, path, HISTORY_LAYER)
        retired = pd.DataFrame(
            {
                "code": pd.Series(list(project.retired_codes), dtype=object),
                "node_id": pd.Series(list(project.retired_codes.values()), dtype="int64"),
            }
        )
        self._write_table(retired, path, RETIRED_LAYER)

    def _write_layer(self, frame: pd.DataFrame, path: Path, layer: str, geometry_type: str) -> None:
        gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS)
        for start in range(0, max(len(gdf), 1), BLOCK_ROWS):  # see BLOCK_ROWS
            pyogrio.write_dataframe(
                gdf.iloc[start : start + BLOCK_ROWS],
                path,
                layer=layer,
                driver="GPKG",
                geometry_type=geometry_type,
                promote_to_multi=False,
                encoding="UTF-8",
                append=start > 0,
            )

    def _write_table(self, frame: pd.DataFrame, path: Path, layer: str) -> None:
        if frame.empty:
            # pyogrio needs a row to learn the column types of an attribute table.
            frame = _placeholder_row(frame)
            pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")
            _delete_rows(path, layer)
            return
        for start in range(0, len(frame), BLOCK_ROWS):
            block = frame.iloc[start : start + BLOCK_ROWS]
            pyogrio.write_dataframe(block, path, layer=layer, driver="GPKG", append=start > 0)

    # -- loading -------------------------------------------------------------------
    def load(self, location: str | Path) -> Project:
        """Read a project, refusing foreign, newer or damaged files with a clear message."""
        path = Path(location)
        if not path.exists():
            raise ProjectFileError(f"{path}: no such file")
        if path.is_dir():
            raise ProjectFileError(f"{path}: is a folder, not a project file")
        try:
            layers = {str(name) for name, _ in pyogrio.list_layers(path)}
        except (DataSourceError, DataLayerError, OSError) as exc:
            if "database is locked" in str(exc):
                raise ProjectLocked(
                    f"{path}: 项目文件正被另一个程序锁定（例如在 QGIS 中编辑）；"
                    "请在那里保存并关闭后再试 / "
                    "the file is locked by another program (editing it in QGIS?); save and "
                    "close it there, then try again"
                ) from exc
            raise ProjectFileError(
                f"{path}: not a readable GeoPackage ({_first_line(exc)})"
            ) from exc
        if META_LAYER not in layers:
            raise ProjectFileError(
                f"{path}: is a GeoPackage but not a gridplanner project (no {META_LAYER} "
                "table); bring its layers in with `gridplanner import`"
            )
        seen = fingerprint(path)
        clean_stale_saves(path)
        try:
            project = self._read_all(path, layers)
            project.origin = (str(path.resolve()), seen)
            return project
        except GridPlannerError:
            raise
        except (DataSourceError, DataLayerError, OSError, KeyError, ValueError, TypeError) as exc:
            raise ProjectFileError(f"{path}: damaged project file ({_first_line(exc)})") from exc

    def _read_all(self, path: Path, layers: set[str]) -> Project:
        meta = dict(_read_table(path, META_LAYER)[["key", "value"]].itertuples(index=False))
        schema = int(meta.get("schema_version", "0"))
        if schema > SCHEMA_VERSION:
            raise ProjectFileError(
                f"{path}: was written by a newer gridplanner (project schema {schema}, this "
                f"version reads up to {SCHEMA_VERSION}); update gridplanner to open it"
            )
        if schema < 1:
            raise ProjectFileError(f"{path}: has no valid schema_version in {META_LAYER}")
        missing = [lv.value for lv in LEVELS if lv.value not in layers]
        missing += [n for n in (BUILDING_LAYER, WORKER_LAYER, SETTINGS_LAYER) if n not in layers]
        if missing:
            raise ProjectFileError(f"{path}: missing layer(s) {', '.join(missing)}")
        settings = Settings.from_rows(
            _read_table(path, SETTINGS_LAYER)[["key", "value"]].itertuples(index=False),
            source=f"{path}: settings",
        )
        project = Project(name=str(meta.get("name", path.stem)), settings=settings)
        project.nodes = self._read_nodes(path)
        project.buildings = self._read_buildings(path)
        project.workers = self._read_workers(path)
        if REFERENCE_LAYER in layers:
            lines = _read_blocks(path, REFERENCE_LAYER)
            if not lines.empty:
                # Files saved before roads had a class have no road_class column.
                road_class = lines["road_class"] if "road_class" in lines.columns else None
                project.reference_lines = gpd.GeoDataFrame(
                    {
                        "kind": lines["kind"].astype(object),
                        "name": lines["name"].astype(object),
                        "road_class": pd.Series(road_class, index=lines.index, dtype=object),
                    },
                    geometry=lines.geometry.to_numpy(),
                    crs=STORAGE_CRS,
                )
        if HISTORY_LAYER in layers:
            history = _read_table(path, HISTORY_LAYER)
            project.history = [
                Version(int(r.version), str(r.time), str(r.author), str(r.summary))
                for r in history.itertuples(index=False)
            ]
        if RETIRED_LAYER in layers:
            retired = _read_table(path, RETIRED_LAYER)
            project.retired_codes = {
                str(c): int(i) for c, i in zip(retired["code"], retired["node_id"], strict=True)
            }
        used = [
            project.nodes.index.max(),
            project.buildings.index.max(),
            project.workers.index.max(),
        ]
        floor = max([int(u) + 1 for u in used if not pd.isna(u)], default=1)
        project.next_id = max(int(meta.get("next_id", "1")), floor)
        return project

    def _read_nodes(self, path: Path) -> gpd.GeoDataFrame:
        frames = []
        for level in LEVELS:
            frame = _read_blocks(path, level.value)
            if frame.crs is not None:
                require_crs(frame.crs, f"{path}: layer {level.value}")
            frame["level"] = level.value
            frames.append(frame)
        merged = pd.concat(frames, ignore_index=True)
        nodes = empty_nodes()
        if merged.empty:
            return nodes
        result = gpd.GeoDataFrame(
            {
                "code": merged["code"].astype(object).to_numpy(),
                "name": merged["name"].astype(object).to_numpy(),
                "level": merged["level"].to_numpy(),
                "parent_id": pd.array(merged["parent_id"], dtype="Int64"),
                "kind": merged["kind"].astype(object).to_numpy(),
                "dedicated_type": merged["dedicated_type"].astype(object).to_numpy(),
                # Files saved before communities had an urban-rural code have no column.
                "urban_rural_code": merged["urban_rural_code"].astype(object).to_numpy()
                if "urban_rural_code" in merged.columns
                else None,
            },
            index=pd.Index(merged["id"].astype("int64").to_numpy(), name="id"),
            geometry=merged.geometry.to_numpy(),
            crs=STORAGE_CRS,
        )
        for column in ("dedicated_type", "urban_rural_code"):
            result[column] = result[column].astype(object).where(result[column].notna(), None)
        return result.copy()  # own, writable arrays (pyogrio's text columns are read-only)

    def _read_buildings(self, path: Path) -> gpd.GeoDataFrame:
        frame = _read_blocks(path, BUILDING_LAYER)
        if frame.empty:
            return empty_buildings()
        return gpd.GeoDataFrame(
            {
                "name": frame["name"].astype(object).to_numpy(),
                "households": frame["households"].astype("int64").to_numpy(),
                "population": frame["population"].astype("int64").to_numpy(),
                "unit_id": pd.array(frame["unit_id"], dtype="Int64"),
            },
            index=pd.Index(frame["id"].astype("int64").to_numpy(), name="id"),
            geometry=frame.geometry.to_numpy(),
            crs=STORAGE_CRS,
        ).copy()

    def _read_workers(self, path: Path) -> pd.DataFrame:
        frame = _read_table(path, WORKER_LAYER)
        if frame.empty:
            return empty_workers()
        workers = pd.DataFrame(
            {
                "name": frame["name"].astype(object).to_numpy(),
                "role": frame["role"].astype(object).to_numpy(),
                "employment": frame["employment"].astype(object).to_numpy(),
                "capacity": frame["capacity"].astype("float64").to_numpy(),
                "grid_id": pd.array(frame["grid_id"], dtype="Int64"),
                "phone": frame["phone"].astype(object).to_numpy(),
            },
            index=pd.Index(frame["id"].astype("int64").to_numpy(), name="id"),
        )
        workers["phone"] = workers["phone"].where(workers["phone"].notna(), None)
        return workers.copy()


def store_for(location: str | Path) -> ProjectStore:
    """The backend for ``location``: the shared PostGIS store for ``postgresql://…``
    (see :mod:`gridplanner.pgstore`), else a GeoPackage file."""
    if is_database_url(location):
        from gridplanner.pgstore.store import PostGISStore

        return PostGISStore()
    return GeoPackageStore()


def load_project(path: str | Path) -> Project:
    """Open a project file (or a ``postgresql://`` store)."""
    return store_for(path).load(database_location(path))


def save_project(project: Project, path: str | Path) -> None:
    """Save a project file atomically (or commit it to a ``postgresql://`` store)."""
    store_for(path).save(project, database_location(path))


def _read_table(path: Path, layer: str) -> pd.DataFrame:
    return pd.DataFrame(_read_blocks(path, layer, read_geometry=False))


def _read_blocks(path: Path, layer: str, read_geometry: bool = True) -> pd.DataFrame:
    """A layer read :data:`READ_BLOCK_ROWS` features at a time (see there) by ranges of
    its feature id (indexed, unlike skipping), concatenated in feature-id order."""
    info = pyogrio.read_info(path, layer=layer)
    count, fid = int(info["features"]), info.get("fid_column") or ""
    if count <= READ_BLOCK_ROWS or not fid.isidentifier():
        return pyogrio.read_dataframe(path, layer=layer, read_geometry=read_geometry)
    import sqlite3

    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        low, high = conn.execute(f'SELECT MIN("{fid}"), MAX("{fid}") FROM "{layer}"').fetchone()
    blocks = [
        pyogrio.read_dataframe(
            path, layer=layer, read_geometry=read_geometry,
            where=f'"{fid}" >= {start} AND "{fid}" < {start + READ_BLOCK_ROWS}',
        )
        for start in range(int(low), int(high) + 1, READ_BLOCK_ROWS)
    ]  # fmt: skip
    return pd.concat(blocks, ignore_index=True)


def _placeholder_row(frame: pd.DataFrame) -> pd.DataFrame:
    values: dict[str, list[object]] = {}
    for column in frame.columns:
        dtype = frame[column].dtype
        if pd.api.types.is_float_dtype(dtype):
            values[column] = [0.0]
        elif pd.api.types.is_integer_dtype(dtype):
            values[column] = [np.int64(0)]
        else:
            values[column] = [""]
    return pd.DataFrame(values).astype(
        {c: frame[c].dtype for c in frame.columns if frame[c].dtype != object}
    )


def _delete_rows(path: Path, layer: str) -> None:
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(f'DELETE FROM "{layer}"')
        conn.commit()


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
