"""Import barrier lines: roads with their class (道路等级), rivers, railways, the coast.

``gridplanner import PROJECT roads.shp --level road --road-class-field 等级`` adds the
file's lines to the project's reference lines as ``kind="road"`` with the class
(主干道/次干道/支路 …, synonyms and OpenStreetMap's ``fclass`` words folded, see
:mod:`gridplanner.road_classes`) in ``road_class``; ``--level river|railway|coast``
adds lines of that kind. The classes decide which roads cut grid units
(``gridplanner units generate --cut-classes``). Importing a kind again replaces the
lines of that kind (a newer road survey replaces the old one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import shapely

from gridplanner.crs import STORAGE_CRS
from gridplanner.exchange.problems import ImportFailed, Problem
from gridplanner.exchange.reading import SourceTable
from gridplanner.model import Project, empty_reference_lines
from gridplanner.road_classes import HARD_KINDS, ROAD, UNCLASSIFIED, normalise

if TYPE_CHECKING:
    from gridplanner.exchange.importing import ImportReport

#: What ``--level`` accepts for lines.
LINE_KINDS: tuple[str, ...] = (ROAD, *HARD_KINDS)


def import_lines(
    project: Project,
    table: SourceTable,
    kind: str,
    mapping: Mapping[str, str],
    report: ImportReport,
) -> None:
    """Replace the project's lines of ``kind`` by the file's (every problem listed)."""
    if table.geometry is None:
        raise ImportFailed([Problem(table.name, f"has no geometry: {kind} lines need lines")])
    attrs = table.attributes
    problems: list[Problem] = []
    rows: list[tuple[str | None, str | None, object]] = []
    for i in range(len(attrs)):
        geom = table.geometry[i]
        where = table.labels[i]
        if geom is None or shapely.is_empty(geom):
            problems.append(Problem(table.name, "has no geometry", where))
            continue
        if geom.geom_type not in ("LineString", "MultiLineString"):
            problems.append(
                Problem(table.name, f"{geom.geom_type} geometry is not a {kind} line", where)
            )
            continue
        name = _text(attrs[mapping["name"]].iloc[i]) if "name" in mapping else None
        road_class = None
        if kind == ROAD:
            raw = attrs[mapping["road_class"]].iloc[i] if "road_class" in mapping else None
            road_class = normalise(raw)
        rows.append((name, road_class, geom))
    if problems:
        raise ImportFailed(problems)
    added = gpd.GeoDataFrame(
        {
            "kind": [kind] * len(rows),
            "name": pd.Series([r[0] for r in rows], dtype=object),
            "road_class": pd.Series([r[1] for r in rows], dtype=object),
        },
        geometry=[r[2] for r in rows],
        crs=STORAGE_CRS,
    )
    lines = project.reference_lines
    if "road_class" not in lines.columns:
        lines = lines.assign(road_class=pd.Series(None, index=lines.index, dtype=object))
    kept = lines[lines["kind"] != kind]
    replaced = len(lines) - len(kept)
    frames = [f for f in (kept, added) if len(f)]
    project.reference_lines = (
        gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=STORAGE_CRS)
        if frames
        else empty_reference_lines()
    )
    report.added = len(added)
    if replaced:
        report.notes.append(f"{replaced} earlier {kind} line(s) replaced")
    if kind == ROAD:
        counts = added["road_class"].value_counts()
        report.notes.append("road classes: " + ", ".join(f"{c} {n}" for c, n in counts.items()))
        if "road_class" not in mapping:
            report.notes.append(
                f"no road class column: every road is {UNCLASSIFIED} and cuts units only "
                f"when --cut-classes names {UNCLASSIFIED} (name one with --road-class-field)"
            )


def _text(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):  # type: ignore[call-overload]
        return None
    text = str(value).strip()
    return text or None
