"""Checks on what a file holds: its text encoding, mojibake, and its coordinates.

Kept apart from :mod:`gridplanner.exchange.reading` (which only opens files) so
each stays small. Everything here raises :class:`ImportFailed` with the file,
feature and field of the first problem of each kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from gridplanner.crs import STORAGE_CRS, STORAGE_EPSG, require_crs
from gridplanner.errors import CRSError
from gridplanner.exchange import textcheck
from gridplanner.exchange.crsguess import crs_hint, metres_in_degrees
from gridplanner.exchange.gcj02 import geometries_from_gcj02
from gridplanner.exchange.problems import ImportFailed, Problem

if TYPE_CHECKING:
    from pathlib import Path

    from gridplanner.exchange.reading import SourceTable


def is_text(series: pd.Series) -> bool:
    """True for a column holding text (object or pandas string dtype)."""
    return bool(pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series))


# China with a margin: coordinates outside this after reprojection mean a wrong CRS.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)


def decode_shapefile_text(
    path: Path, frame: pd.DataFrame, encoding: str | None
) -> tuple[pd.DataFrame, str]:
    """Frame read as Latin-1 (bytes kept) → text in the declared or detected encoding."""
    name = path.name
    declared: str | None = None
    why = ""
    if encoding:
        declared, why = encoding, "--encoding"
    else:
        cpg = next(
            (p for p in (path.with_suffix(".cpg"), path.with_suffix(".CPG")) if p.exists()), None
        )
        if cpg is not None:
            text = cpg.read_text(encoding="ascii", errors="replace")
            declared = textcheck.codec_from_cpg(text)
            why = f"{cpg.name} ({text.strip()})"
            if declared is None:
                raise ImportFailed(
                    [
                        Problem(
                            cpg.name,
                            f"names an unknown encoding {text.strip()!r}; "
                            "pass --encoding gbk or --encoding utf-8",
                        )
                    ]
                )
    text_columns = [c for c in frame.columns if c != frame.geometry.name and is_text(frame[c])]
    raw_names = [str(c).encode("latin-1") for c in frame.columns]
    candidates = [declared] if declared else ["utf-8", "gb18030"]
    for codec in candidates:
        bad = _first_undecodable(frame, text_columns, raw_names, codec)
        if bad is None:
            decoded = frame.copy()
            for column in text_columns:
                decoded[column] = [
                    v.encode("latin-1").decode(codec) if isinstance(v, str) else v
                    for v in frame[column]
                ]
            decoded.columns = [b.decode(codec) for b in raw_names]
            decoded = decoded.set_geometry(
                decoded.columns[list(frame.columns).index(frame.geometry.name)]
            )
            note = f"text read as {textcheck.label(codec)} ({why or 'detected; no .cpg'})"
            return decoded, note
        if declared:
            fid, column, raw = bad
            guess = next(
                (g for g in ("gb18030", "utf-8") if g != codec and textcheck.try_decode(raw, g)),
                None,
            )
            hint = (
                f"; they read as {textcheck.label(guess)} ({textcheck.try_decode(raw, guess)!r})"
                f" — fix the .cpg or pass --encoding {guess if guess != 'gb18030' else 'gbk'}"
                if guess
                else ""
            )
            feature = None if fid is None else f"feature {fid}"
            raise ImportFailed(
                [
                    Problem(
                        name,
                        f"wrongly encoded: the bytes are not valid {textcheck.label(codec)} "
                        f"although {why} declares it{hint}",
                        feature,
                        column,
                    )
                ]
            )
    fid, column, _ = bad  # type: ignore[misc]
    feature = None if fid is None else f"feature {fid}"
    raise ImportFailed(
        [
            Problem(
                name,
                "text is neither UTF-8 nor GBK; state the encoding with --encoding",
                feature,
                column,
            )
        ]
    )


def _first_undecodable(
    frame: pd.DataFrame, columns: list[Any], raw_names: list[bytes], codec: str
) -> tuple[int | None, str, bytes] | None:
    for raw in raw_names:
        if textcheck.try_decode(raw, codec) is None:
            shown = textcheck.try_decode(raw, "gb18030") or raw.decode("latin-1")
            return None, shown, raw
    for column in columns:
        for fid, value in zip(frame.index, frame[column], strict=True):
            if isinstance(value, str) and not value.isascii():
                raw = value.encode("latin-1")
                if textcheck.try_decode(raw, codec) is None:
                    shown = textcheck.try_decode(str(column).encode("latin-1"), "gb18030") or str(
                        column
                    )
                    return int(fid), shown, raw
    return None


def check_text(table: SourceTable) -> None:
    problems: list[Problem] = []
    for column in table.attributes.columns:
        fixed = textcheck.mojibake_repair(str(column))
        if fixed:
            problems.append(Problem(table.name, _garbled(str(column), fixed), None, str(column)))
        series = table.attributes[column]
        if not is_text(series):
            continue
        for i, value in enumerate(series):
            if isinstance(value, str):
                fixed = textcheck.mojibake_repair(value)
                if fixed:
                    problems.append(
                        Problem(table.name, _garbled(value, fixed), table.labels[i], str(column))
                    )
                    break  # one per column is enough to explain it
    if problems:
        raise ImportFailed(problems)


def _garbled(value: str, fixed: str) -> str:
    if fixed == "\ufffd":
        return (
            f"text {value!r} contains replacement characters (�): "
            "it was damaged by a wrong encoding conversion"
        )
    return (
        f"text {value!r} is garbled (mojibake; it was meant to read {fixed!r}): "
        "the file went through a wrong encoding conversion"
    )


def to_storage(
    table: SourceTable,
    crs_in: Any,
    stated: str | None,
    from_gcj02: bool,
    zone_epsg: int | None = None,
) -> np.ndarray:
    geometry = table.geometry
    assert geometry is not None
    if stated:
        try:
            crs = require_crs(stated, "--crs")
        except CRSError as exc:
            raise ImportFailed([Problem(table.name, str(exc))]) from exc
        if crs_in is not None and CRS.from_user_input(crs_in) != crs:
            table.notes.append(f"--crs {stated} used instead of the file's own CRS {crs_in}")
    elif crs_in is None:
        raise ImportFailed(
            [
                Problem(
                    table.name,
                    f"has no coordinate reference system ({crs_hint(geometry, zone_epsg)})",
                )
            ]
        )
    else:
        crs = CRS.from_user_input(crs_in)
    wrong = metres_in_degrees(table.name, table.labels, geometry, crs, stated, zone_epsg)
    if wrong is not None:
        raise ImportFailed([wrong])
    if crs.to_epsg() != STORAGE_EPSG:
        transformer = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True)
        geometry = shapely.transform(
            geometry, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1]))
        )
        table.notes.append(f"reprojected from {crs.to_string()} to {STORAGE_CRS}")
    if from_gcj02:
        geometry = geometries_from_gcj02(geometry)
        table.notes.append("converted from GCJ-02 to CGCS2000")
    present = (
        geometry[
            ~shapely.is_missing(geometry)
            & ~shapely.is_empty(shapely.from_wkb(shapely.to_wkb(geometry)))
        ]
        if len(geometry)
        else geometry
    )
    if len(present):
        minx, miny, maxx, maxy = shapely.total_bounds(present)
        x0, y0, x1, y1 = CHINA_BOUNDS
        if not (
            np.isfinite([minx, maxx]).all()
            and x0 <= minx
            and maxx <= x1
            and y0 <= miny
            and maxy <= y1
        ):
            raise ImportFailed(
                [
                    Problem(
                        table.name,
                        f"coordinates fall outside China when read as {crs.to_string()} "
                        f"(bounds {minx:.3f}, {miny:.3f}, {maxx:.3f}, {maxy:.3f}); "
                        "the stated CRS is wrong or x/y are swapped",
                    )
                ]
            )
    return np.asarray(geometry, dtype=object)
