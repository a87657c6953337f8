"""Read a planner's file into one table: decoded text, geometry in CGCS2000.

Formats: GeoPackage, GeoJSON, Shapefile (GBK or UTF-8, honouring ``.cpg``),
CSV and XLSX with longitude/latitude columns. Every problem raises
:class:`ImportFailed` naming the file, the feature (or row) and the field.
"""

from __future__ import annotations

import struct
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError, FeatureError, GeometryError

from gridplanner.crs import STORAGE_CRS
from gridplanner.exchange import textcheck
from gridplanner.exchange.problems import ImportFailed, Problem
from gridplanner.exchange.sourcecheck import check_text, decode_shapefile_text, to_storage

VECTOR_SUFFIXES = {".shp", ".gpkg", ".geojson", ".json"}
TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm"}
LON_NAMES = ("经度", "lon", "lng", "long", "longitude", "x", "东经", "gcj_lon", "wgs_lon")
LAT_NAMES = ("纬度", "lat", "latitude", "y", "北纬", "gcj_lat", "wgs_lat")


@dataclass
class SourceTable:
    """A file's rows: attributes (text decoded), geometry (EPSG:4490) and row labels."""

    path: Path
    attributes: pd.DataFrame
    geometry: np.ndarray | None
    labels: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The file name used in messages."""
        return self.path.name


def read_source(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    from_gcj02: bool = False,
    lon_field: str | None = None,
    lat_field: str | None = None,
    zone_epsg: int | None = None,
) -> SourceTable:
    """Read ``path`` whole, or raise :class:`ImportFailed` saying exactly what is wrong.

    ``zone_epsg``: the Gauss–Krüger zone of the project being imported into, named as
    the likely CRS of a file in metres without a zone prefix and without a CRS."""
    source = Path(path)
    name = source.name
    if not source.exists():
        raise ImportFailed([Problem(name, f"no such file ({source})")])
    suffix = source.suffix.lower()
    if suffix in VECTOR_SUFFIXES:
        table = _read_vector(source, layer, encoding)
        crs_in = table.pop("crs")
    elif suffix in TABLE_SUFFIXES:
        table = _read_tabular(source, encoding, lon_field, lat_field, layer)
        crs_in = table.pop("crs")
    else:
        known = ", ".join(sorted(VECTOR_SUFFIXES | TABLE_SUFFIXES))
        raise ImportFailed(
            [Problem(name, f"unknown file type {suffix!r}; expected one of {known}")]
        )
    result = SourceTable(source, table["attributes"], table["geometry"], table["labels"])
    result.notes.extend(table["notes"])
    check_text(result)
    if result.geometry is not None:
        result.geometry = to_storage(result, crs_in, crs, from_gcj02, zone_epsg)
    elif from_gcj02:
        result.notes.append("--from-gcj02 ignored: the file has no coordinates")
    return result


# -- vector files ------------------------------------------------------------------
def _read_vector(path: Path, layer: str | None, encoding: str | None) -> dict[str, Any]:
    name = path.name
    notes: list[str] = []
    is_shp = path.suffix.lower() == ".shp"
    if is_shp:
        _check_shapefile_parts(path)
    if path.suffix.lower() == ".gpkg":
        layer = _choose_layer(path, layer)
    try:
        info = pyogrio.read_info(path, layer=layer, encoding="latin1" if is_shp else None)
        with warnings.catch_warnings():  # a GeoJSON column of numbers and text: kept as text
            warnings.filterwarnings("ignore", "Could not parse column .* as JSON")
            frame = pyogrio.read_dataframe(
                path, layer=layer, encoding="latin1" if is_shp else None, fid_as_index=True
            )
    except (DataSourceError, DataLayerError, FeatureError, GeometryError, OSError) as exc:
        raise ImportFailed(
            [Problem(name, f"cannot be read: {_first_line(exc)} (truncated or damaged?)")]
        ) from exc
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            [Problem(name, f"text is not valid UTF-8 ({exc}); pass --encoding gbk")]
        ) from exc
    if is_shp:
        frame, codec_note = decode_shapefile_text(path, frame, encoding)
        notes.append(codec_note)
    spatial = isinstance(frame, gpd.GeoDataFrame)  # a GeoPackage table (our worker layer) is not
    geometry = np.asarray(frame.geometry.to_numpy(), dtype=object) if spatial else None
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name) if spatial else frame)
    labels = [f"feature {int(fid)}" for fid in frame.index]
    attributes = attributes.reset_index(drop=True)
    return {
        "attributes": attributes,
        "geometry": geometry,
        "labels": labels,
        "notes": notes,
        "crs": info.get("crs"),
    }


def _check_shapefile_parts(path: Path) -> None:
    name = path.name
    missing = [
        ext
        for ext in (".shx", ".dbf")
        if not path.with_suffix(ext).exists() and not path.with_suffix(ext.upper()).exists()
    ]
    if missing:
        raise ImportFailed(
            [
                Problem(
                    name,
                    f"the Shapefile's {' and '.join(missing)} part is missing; "
                    "copy every file of the Shapefile",
                )
            ]
        )
    data = path.read_bytes()[:100]
    if len(data) < 100:
        raise ImportFailed(
            [Problem(name, "is truncated: shorter than a Shapefile header (100 bytes)")]
        )
    declared = struct.unpack(">i", data[24:28])[0] * 2
    actual = path.stat().st_size
    if actual < declared:
        raise ImportFailed(
            [
                Problem(
                    name,
                    f"is truncated: the header declares {declared} bytes, the file has {actual}; "
                    "copy it again",
                )
            ]
        )


def _choose_layer(path: Path, layer: str | None) -> str | None:
    try:
        layers = [str(n) for n, _ in pyogrio.list_layers(path)]
    except (DataSourceError, OSError) as exc:
        raise ImportFailed(
            [
                Problem(
                    path.name,
                    f"not a readable GeoPackage: {_first_line(exc)} (truncated or damaged?)",
                )
            ]
        ) from exc
    if layer is not None:
        if layer not in layers:
            raise ImportFailed(
                [Problem(path.name, f"has no layer {layer!r}; its layers: {', '.join(layers)}")]
            )
        return layer
    if len(layers) == 1:
        return layers[0]
    raise ImportFailed(
        [
            Problem(
                path.name,
                f"has {len(layers)} layers ({', '.join(layers)}); choose one with --layer",
            )
        ]
    )


# -- spreadsheets and CSV ----------------------------------------------------------
def _read_tabular(
    path: Path,
    encoding: str | None,
    lon_field: str | None,
    lat_field: str | None,
    sheet: str | None = None,
) -> dict[str, Any]:
    name = path.name
    notes: list[str] = []
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            if sheet is not None:  # --layer names the sheet (e.g. 网格员 of our export)
                sheets = pd.ExcelFile(path, engine="openpyxl").sheet_names
                if sheet not in sheets:
                    raise ImportFailed(
                        [Problem(name, f"has no sheet {sheet!r}; its sheets: {', '.join(sheets)}")]
                    )
            frame = pd.read_excel(
                path, sheet_name=sheet or 0, dtype=str, keep_default_na=False, engine="openpyxl"
            )
        except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
            raise ImportFailed(
                [
                    Problem(
                        name,
                        f"not a readable XLSX workbook ({_first_line(exc)}); truncated or damaged?",
                    )
                ]
            ) from exc
    else:
        raw = path.read_bytes()
        codec = encoding or (
            "utf-8-sig" if textcheck.try_decode(raw, "utf-8-sig") is not None else "gb18030"
        )
        text = textcheck.try_decode(raw, codec)
        if text is None:
            raise ImportFailed(
                [
                    Problem(
                        name,
                        f"wrongly encoded: not valid {textcheck.label(codec)}; "
                        "state the encoding with --encoding",
                    )
                ]
            )
        notes.append(f"text read as {textcheck.label(codec.replace('-sig', ''))}")
        import io

        try:
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, sep=None, engine="python"
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError, csv_error()) as exc:
            raise ImportFailed(
                [Problem(name, f"not a readable CSV ({_first_line(exc)}); truncated?")]
            ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    labels = [f"row {i + 2}" for i in range(len(frame))]
    lon_col = lon_field or _find_column(frame.columns, LON_NAMES)
    lat_col = lat_field or _find_column(frame.columns, LAT_NAMES)
    for given in (lon_field, lat_field):
        if given and given not in frame.columns:
            raise ImportFailed(
                [Problem(name, f"has no column {given!r}; its columns: {', '.join(frame.columns)}")]
            )
    geometry = None
    crs = None
    if lon_col and lat_col:
        problems: list[Problem] = []
        xs = _numbers(frame, lon_col, name, labels, problems)
        ys = _numbers(frame, lat_col, name, labels, problems)
        if problems:
            raise ImportFailed(problems)
        geometry = np.asarray(shapely.points(xs, ys), dtype=object)
        geographic = bool(np.all((np.abs(xs) <= 180) & (np.abs(ys) <= 90)))
        crs = STORAGE_CRS if geographic else None
        notes.append(f"coordinates from columns {lon_col!r}/{lat_col!r}")
    return {"attributes": frame, "geometry": geometry, "labels": labels, "notes": notes, "crs": crs}


def csv_error() -> type[Exception]:
    import csv

    return csv.Error


def _find_column(columns: Any, names: tuple[str, ...]) -> str | None:
    lowered = {str(c).strip().lower(): str(c) for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def _numbers(
    frame: pd.DataFrame, column: str, name: str, labels: list[str], problems: list[Problem]
) -> np.ndarray:
    values = pd.to_numeric(frame[column].str.strip(), errors="coerce").to_numpy(dtype=float)
    for i in np.flatnonzero(~np.isfinite(values))[:20]:
        problems.append(
            Problem(name, f"{frame[column].iloc[i]!r} is not a number", labels[i], column)
        )
    return values


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
